#!/bin/sh
# ccbench (Tools/ccbench/ccbench.py from the same CPython source,
# unmodified) on the stock and bfsgil builds, interleaved: each round
# runs stock then bfsgil, the next bfsgil then stock, so that the
# machine's drift falls on both alike.  Then ccbench_report.py prints
# both side by side, medians over the rounds, and the targets.
#
# usage: ccbench.sh TOP_SRCDIR DIR [ROUNDS [CCBENCH OPTIONS...]]
#   DIR holds python-stock and python-bfsgil (make cpython).  ROUNDS
#   defaults to 2 (CCBENCH_ROUNDS); the options to -l -b -t -n 4.
# Exit 0 with the targets printed, met or not (CCBENCH_STRICT=1: 1 if one
# is missed); 2 on bad usage; 3 if ccbench itself failed on a build.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 TOP_SRCDIR DIR [ROUNDS [CCBENCH OPTIONS...]]" >&2; exit 2; }
top_srcdir=$(cd "$1" && pwd)
dir=$(cd "$2" && pwd)
shift 2
rounds=${CCBENCH_ROUNDS:-2}
if [ $# -gt 0 ]; then rounds=$1; shift; fi
case $rounds in ''|*[!0-9]*|0) echo "$0: ROUNDS must be a positive count: $rounds" >&2; exit 2 ;; esac
[ $# -gt 0 ] || set -- -l -b -t -n 4
results=$dir/results
mkdir -p "$results"
rm -f "$results"/ccbench-*.txt

order="stock bfsgil"
r=1
while [ "$r" -le "$rounds" ]; do
	for build in $order; do
		py=$dir/python-$build
		[ -x "$py" ] || { echo "cpython-bench: no $py (make cpython)" >&2; exit 2; }
		echo "cpython-bench: round $r of $rounds: ccbench $* on $build"
		"$py" "$dir/$build/Tools/ccbench/ccbench.py" "$@" \
			> "$results/ccbench-$build-$r.txt" 2>&1 || {
			echo "cpython-bench: ccbench failed on $build:" >&2
			tail -20 "$results/ccbench-$build-$r.txt" >&2
			exit 3
		}
	done
	order=$(echo $order | awk '{print $2, $1}')
	r=$((r + 1))
done
rc=0
python3 "$top_srcdir/interp/cpython/ccbench_report.py" "$results" || rc=$?
[ "$rc" -ne 1 ] || [ "${CCBENCH_STRICT:-0}" = 1 ] || rc=0
exit $rc
