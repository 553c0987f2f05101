#!/bin/sh
# Build CPython 3.11.2 twice from the same upstream tarball and the same
# flags: stock (untouched) and bfsgil (our patch series applied, linked
# against this tree's libbfsgil).  Leaves, in OUT:
#   python-stock, python-bfsgil   wrappers that run each build in place
#   stock/, bfsgil/               the build trees (source + objects)
#
# usage: build.sh TOP_SRCDIR TOP_BUILDDIR OUT [CACHE]
#
# The builds are cached in CACHE (default /var/cache/bfsgil, or
# $BFSGIL_CACHE), keyed on the tarball's checksum, the patch series and
# the flags: a key that exists is reused, so only the first run pays the
# two builds (about 2-3 minutes each on 2 cores).  The bfsgil build
# links libbfsgil dynamically, from a copy of TOP_BUILDDIR/src/.libs's
# in the cache (lib/ beside the build), which every run refreshes: so
# rebuilding the library (make; make cpython) changes what
# python-bfsgil runs without rebuilding CPython, and the interpreter
# runs for any user (CPython's tests run it as nobody), not only for
# one who can read the build tree.
set -eu

[ $# -ge 3 ] || { echo "usage: $0 TOP_SRCDIR TOP_BUILDDIR OUT [CACHE]" >&2; exit 2; }
top_srcdir=$(cd "$1" && pwd)
top_builddir=$(cd "$2" && pwd)
out=$3
cache=${4:-${BFSGIL_CACHE:-/var/cache/bfsgil}}
here=$top_srcdir/interp/cpython

SHA256=2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849
VERSION=3.11.2
# The same for both builds; no PGO or LTO, so that the two differ only
# by the patch.  --without-ensurepip: nothing is installed.
CONFIG_FLAGS="--without-ensurepip"

mkdir -p "$cache/src" "$out"
tarball=$(sh "$top_srcdir/interp/debian-source.sh" python3.11 "$SHA256" "$cache/src")

series=$(cat "$here/patches/series")
# stock is keyed on the tarball and flags; bfsgil on the patches too, so
# that a new patch rebuilds one interpreter, not two.
key_stock=$(echo "$SHA256 $CONFIG_FLAGS" | sha256sum | cut -c1-16)
# The headers (bfsgil_should_yield is inline) are part of what it was
# built from; the library is not (its copy is refreshed, below).
key_bfsgil=$( (echo "$SHA256 $CONFIG_FLAGS"
	for p in $series; do cat "$here/patches/$p"; done
	cat "$top_srcdir"/include/bfsgil.h "$top_srcdir"/include/bfsgil/*.h) |
	sha256sum | cut -c1-16)
lib=$top_builddir/src/.libs

# The library's copy, readable by all, where the bfsgil build's run path
# points.
copy_lib() {	# copy_lib DIR
	mkdir -p "$1/lib"
	cp -P "$lib"/libbfsgil.so* "$1/lib/"
	chmod -R a+rX "$1/lib"
}

build() {	# build NAME DIR
	name=$1 dir=$2
	[ "$name" = stock ] || copy_lib "$dir"
	if [ -x "$dir/$name/python" ] && [ -f "$dir/$name/.built" ]; then
		echo "cpython: $name build cached in $dir/$name"
		return 0
	fi
	rm -rf "$dir/$name"
	mkdir -p "$dir/$name"
	tar -xf "$tarball" -C "$dir/$name" --strip-components=1
	if [ "$name" = bfsgil ]; then
		for p in $series; do
			patch -s -p1 -d "$dir/$name" < "$here/patches/$p"
		done
		set -- CPPFLAGS="-DPy_BFSGIL -I$top_srcdir/include" \
			LDFLAGS="-L$lib -Wl,-rpath,$dir/lib" LIBS="-lbfsgil"
	else
		set --
	fi
	echo "cpython: building $name in $dir/$name"
	start=$(date +%s)
	(cd "$dir/$name" && ./configure $CONFIG_FLAGS "$@" > configure.log 2>&1 &&
		make -j"$(nproc)" > make.log 2>&1) || {
		echo "cpython: $name build failed; the end of its log:" >&2
		tail -30 "$dir/$name/make.log" "$dir/$name/configure.log" >&2 2>/dev/null
		exit 1
	}
	echo "cpython: $name built in $(( $(date +%s) - start )) s"
	touch "$dir/$name/.built"
}

build stock "$cache/cpython-$VERSION-stock-$key_stock"
build bfsgil "$cache/cpython-$VERSION-bfsgil-$key_bfsgil"

for name in stock bfsgil; do
	if [ $name = stock ]; then key=stock-$key_stock; else key=bfsgil-$key_bfsgil; fi
	dir=$cache/cpython-$VERSION-$key
	cat > "$out/python-$name" <<EOW
#!/bin/sh
# CPython $VERSION, $name build ($dir/$name), run in place.
exec "$dir/$name/python" "\$@"
EOW
	chmod +x "$out/python-$name"
	rm -f "$out/$name"
	ln -s "$dir/$name" "$out/$name"
done
echo "cpython: $out/python-stock and $out/python-bfsgil"
