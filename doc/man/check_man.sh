#!/bin/sh
# check_man.sh (make check): the manual pages.
#  - each renders through man(1) and groff with every warning on, and
#    says nothing (a warning is a failure);
#  - every public function (BFSGIL_API in include/bfsgil/, and the inline
#    bfsgil_should_yield) is named in the NAME section of the page its
#    link leads to, and has a page or a link;
#  - bfsgil(7) gives every tunable with the range and default the
#    library reports (ctl_describe), so the page cannot fall behind the
#    table in src/tunables.h.
# Without man(1) and groff (apt-get install man-db), skipped, unless
# MAN_CHECK_REQUIRE=yes (CI).
set -eu
srcdir=${srcdir:-.}
top_srcdir=${top_srcdir:-$srcdir/../..}
fail=0
say() { echo "check_man.sh: $*"; }
bad() { say "FAIL: $*"; fail=1; }

if ! command -v man >/dev/null 2>&1 || ! command -v groff >/dev/null 2>&1; then
	if [ "${MAN_CHECK_REQUIRE:-}" = yes ]; then
		say "FAIL: man or groff missing (apt-get install man-db)"
		exit 1
	fi
	say "needs man and groff (apt-get install man-db): skipped"
	exit 77
fi

# NAME section of page $1: the words before the \-.
names() {
	sed -n '/^\.SH NAME/,/^\.SH/p' "$1" | sed '1d;$d' | tr -d '\\' |
		sed 's/ -.*//' | tr ',' '\n' | tr -d ' '
}

for page in $MAN_PAGES; do
	f=$srcdir/$page
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=all -E UTF-8 -l "$f" 2>&1 >/dev/null) || bad "$page: man failed"
	[ -z "$out" ] || bad "$page: man says: $out"
	out=$(groff -man -wall -ww -z -t -Tutf8 "$f" 2>&1) || bad "$page: groff failed"
	[ -z "$out" ] || bad "$page: groff says: $out"
	grep -q '^\.SH SEE ALSO' "$f" || bad "$page: no SEE ALSO"
done
say "$(echo $MAN_PAGES | wc -w) pages render with no warning"

functions=$( (sed -n 's/.*BFSGIL_API[^(]*[ *]\(bfsgil_[a-z_]*\)(.*/\1/p' \
	"$top_srcdir"/include/bfsgil/*.h; echo bfsgil_should_yield) | sort -u)
n=0
for fn in $functions; do
	n=$((n + 1))
	page=
	case " $MAN_PAGES " in *" $fn.3 "*) page=$fn ;; esac
	for l in $MAN3_LINKS; do
		[ "${l%%:*}" = "$fn" ] && page=${l#*:}
	done
	if [ -z "$page" ]; then
		bad "$fn has no page and no link"
		continue
	fi
	names "$srcdir/$page.3" | grep -qx "$fn" ||
		bad "$fn: not in the NAME section of $page(3)"
done
[ "$n" -ge 20 ] || bad "found only $n public functions"
say "$n public functions, each with its page"

tunables=$(./ctl_describe)
[ -n "$tunables" ] || bad "ctl_describe listed no tunable"
echo "$tunables" | while read -r name min max def; do
	grep -q "^\.BR $name \" ($min to $max, default $def)\"\$" \
		"$srcdir/bfsgil.7" || {
		echo "check_man.sh: FAIL: bfsgil(7) does not give $name ($min to $max, default $def)"
		exit 1
	}
done || fail=1
say "bfsgil(7) lists $(echo "$tunables" | wc -l) tunables as the library has them"
exit $fail
