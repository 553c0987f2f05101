#!/bin/sh
# Fetch a Debian source package's upstream tarball as a Debian user
# would (apt-get source), check it against a pinned sha256, and leave it
# in a directory.  The interpreters bfsgil is proven in (interp/*/) are
# built from these tarballs, untouched, and from the same with our patch.
#
# usage: debian-source.sh PACKAGE SHA256 DIR
#
# The source entries are derived from the machine's own apt sources,
# for this run only: the deb entries of /etc/apt/sources.list and
# /etc/apt/sources.list.d/ are copied to a scratch directory as deb-src,
# and apt-get reads its lists from there.  Nothing under /etc/apt
# changes, and no archive's address is written into the project: it is
# whatever the machine already uses.
#
# Exit 0 with DIR/<the .orig.tar.*> on success (kept if already there
# and its checksum matches); 1 on a failed download or checksum, with
# one line saying which; 2 on bad usage.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 PACKAGE SHA256 DIR" >&2
	exit 2
fi
pkg=$1 sum=$2 dir=$3
case $sum in
*[!0-9a-f]*|'') echo "$0: SHA256 must be 64 hex digits: $sum" >&2; exit 2 ;;
esac
[ ${#sum} -eq 64 ] || { echo "$0: SHA256 must be 64 hex digits: $sum" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# Already fetched?
for f in "$dir"/"$pkg"_*.orig.tar.*; do
	[ -f "$f" ] || continue
	case $f in *.asc) continue ;; esac
	if [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sum" ]; then
		echo "$f"
		exit 0
	fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/parts" "$scratch/lists/partial" "$scratch/cache/archives/partial"
: > "$scratch/sources.list"
if [ -f /etc/apt/sources.list ]; then
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
		> "$scratch/sources.list"
fi
for f in /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" \
		> "$scratch/parts/$(basename "$f")"
done
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	# deb822: every stanza's Types becomes deb-src alone.
	sed 's/^[Tt][Yy][Pp][Ee][Ss]:.*/Types: deb-src/' \
		"$f" > "$scratch/parts/$(basename "$f")"
done

scratch_apt() {	# scratch_apt apt-get|apt-cache ARGS...
	tool=$1
	shift
	"$tool" -q -o Dir::Etc::SourceList="$scratch/sources.list" \
		-o Dir::Etc::SourceParts="$scratch/parts" \
		-o Dir::State::Lists="$scratch/lists" \
		-o Dir::Cache="$scratch/cache" \
		-o APT::Sandbox::User=root "$@"
}
# An unrelated source that fails (a dead third-party entry) must not stop
# us: whether the package can be found is for showsrc below to say.
if ! scratch_apt apt-get update >"$scratch/update.log" 2>&1; then
	echo "$0: warning: apt-get update of the derived deb-src entries reported errors:" >&2
	grep -E '^(E|W|Err):' "$scratch/update.log" | tail -3 >&2
fi
# The newest version is tried first; a version whose tarball the archive
# no longer holds, or whose upstream tarball is another (a security
# update that rebased), is passed over for the next.
versions=$(scratch_apt apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' |
	sort -u -r -V)
[ -n "$versions" ] || {
	echo "$0: no source package $pkg in the derived deb-src entries" >&2
	tail -5 "$scratch/update.log" >&2
	exit 1
}
tried=
for v in $versions; do
	tried="$tried $v"
	rm -rf "$scratch/get" && mkdir "$scratch/get"
	(cd "$scratch/get" && scratch_apt apt-get source --download-only --tar-only "$pkg=$v") \
		>"$scratch/source.log" 2>&1 || continue
	for f in "$scratch/get/$pkg"_*.orig.tar.*; do
		[ -f "$f" ] || continue
		case $f in *.asc) continue ;; esac
		[ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sum" ] || continue
		mv "$f" "$dir/"
		echo "$dir/$(basename "$f")"
		exit 0
	done
done
echo "$0: no version of $pkg gave an upstream tarball of sha256 $sum (tried:$tried)" >&2
tail -3 "$scratch/source.log" >&2
exit 1
