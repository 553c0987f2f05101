#!/bin/sh
# make check: the README's API tour shows examples/minimal.c verbatim, and
# that file builds and runs (as check program `minimal`).  Fail if the two
# have drifted apart.
set -e
readme=${srcdir:-.}/../README.md
example=${srcdir:-.}/minimal.c
sed -n '/<!-- examples\/minimal.c -->/,/^```$/p' "$readme" | sed '1,2d;$d' >readme_minimal.c.tmp
if ! cmp -s readme_minimal.c.tmp "$example"; then
	echo "README.md's example differs from examples/minimal.c:" >&2
	diff -u "$example" readme_minimal.c.tmp >&2 || true
	rm -f readme_minimal.c.tmp
	exit 1
fi
rm -f readme_minimal.c.tmp
./minimal
