#!/bin/sh
# CPython's own tests, and ours, on both builds (interp/cpython/build.sh):
# the bfsgil build must pass the tests the stock build passes and skip
# the ones it skips.  Prints one summary line per build and suite, and
# every test case whose outcome differs.
#
# usage: check.sh TOP_SRCDIR DIR [TEST ...]
#   DIR holds python-stock and python-bfsgil; TESTs default to the list
#   below (CPYTHON_TESTS overrides it).  CPYTHON_TEST_JOBS: regrtest -j
#   (default 2).
# Exit 0 if the bfsgil build did as well as stock on every case; 1 if not.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 TOP_SRCDIR DIR [TEST ...]" >&2; exit 2; }
top_srcdir=$(cd "$1" && pwd)
dir=$(cd "$2" && pwd)
shift 2
here=$top_srcdir/interp/cpython
default_tests="test_threading test_thread test_threadsignals test_threading_local
test_sys test_queue test_concurrent_futures test_signal test_fork1
test_subprocess test_gc test_capi test_os test_select test_selectors"
tests=${*:-${CPYTHON_TESTS:-$default_tests}}
jobs=${CPYTHON_TEST_JOBS:-2}
results=$dir/results
mkdir -p "$results"

status=0
for build in stock bfsgil; do
	py=$dir/python-$build
	[ -x "$py" ] || { echo "cpython-check: no $py (make cpython)" >&2; exit 2; }
	echo "cpython-check: CPython's tests on $build: $(echo $tests | wc -w) files, -j$jobs"
	start=$(date +%s)
	rc=0
	# -W: a failing test's output; --junit-xml: every case's outcome.
	"$py" -m test -j"$jobs" -W --timeout 900 \
		--junit-xml "$results/regrtest-$build.xml" $tests \
		> "$results/regrtest-$build.log" 2>&1 || rc=$?
	echo "cpython-check: $build: regrtest exit $rc in $(( $(date +%s) - start )) s:" \
		"$(grep -E '^(Tests result|Total tests):' "$results/regrtest-$build.log" | tr '\n' ' ')"
	echo "cpython-check: our tests (interp/cpython/tests) on $build"
	rc=0
	"$py" "$here/tests/test_host.py" -v > "$results/host-$build.log" 2>&1 || rc=$?
	grep -E '^(Ran|OK|FAILED)|SIGINT' "$results/host-$build.log" | sed "s/^/cpython-check: $build: /"
	if [ "$rc" -ne 0 ]; then
		echo "cpython-check: our tests failed on $build:"
		grep -E -A25 '^(FAIL|ERROR):' "$results/host-$build.log" | head -80
		status=1
	fi
done

python3 "$here/compare.py" "$results/regrtest-stock.xml" "$results/regrtest-bfsgil.xml" \
	"$here/known-races.txt" || {
	status=1
	echo "cpython-check: the end of the bfsgil build's regrtest log:"
	tail -40 "$results/regrtest-bfsgil.log"
}
exit $status
