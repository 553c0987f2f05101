#!/bin/sh
# run.sh: build the libFuzzer target fuzz_ctl.c with clang and run it for
# FUZZ_SECONDS.  `make fuzz` (tests/Makefile.am) calls it with these set:
#
#   FUZZ_CC, FUZZ_WORKS   configure's clang, and whether it linked a test
#                         target with -fsanitize=fuzzer,address,undefined
#   srcdir, top_srcdir    where the sources are (read only: distcheck)
#   top_builddir          where config.h is
#   FUZZ_LIB_SOURCES      the library's .c files under src/, with the park
#                         configure chose
#   FUZZ_WARN_CFLAGS      configure's warning flags (-Werror included)
#   FUZZ_SECONDS          how long to fuzz (60; CI's smoke run uses 20)
#   FUZZ_ARGS             more libFuzzer options, e.g. -jobs=2 or -seed=1
#
# Everything it writes is under fuzz-build/ in the current (build)
# directory: the binary, the working corpus (the seeds plus whatever the
# fuzzer found; kept from run to run), a crashing input if any, the log.
# Exits non-zero when the fuzzer finds a crash, a sanitizer report or a
# broken contract, and says how to replay the input.
set -eu

: "${FUZZ_SECONDS:=60}" "${FUZZ_ARGS:=}" "${FUZZ_WARN_CFLAGS:=}"

if [ "${FUZZ_WORKS:-no}" != yes ]; then
	echo "make fuzz needs clang with libFuzzer and its sanitizer runtimes" \
		"(configure found ${FUZZ_CC:-no clang}${FUZZ_CC:+, which does not link -fsanitize=fuzzer})." >&2
	echo "On Debian 12: apt-get install clang libclang-rt-dev, then ./configure again" \
		"(or ./configure FUZZ_CC=/path/to/clang)." >&2
	exit 1
fi

work=fuzz-build
mkdir -p "$work/corpus" "$work/artifacts"
# For what it prints last: make ran this from tests/, the reader is at the
# top of the tree.
abs=$(cd "$work" && pwd)

# The library's sources compiled again by clang, not its gcc objects:
# libFuzzer's coverage and ASan need their instrumentation in the code
# under test.  The same defines as src/Makefile.am, and config.h.
sources=
for f in $FUZZ_LIB_SOURCES; do
	sources="$sources $top_srcdir/src/$f"
done
# UBSan stops at its first report, so that libFuzzer sees it as a crash.
flags="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer -g -O1 -pthread"
echo "building $work/fuzz_ctl with $FUZZ_CC"
# shellcheck disable=SC2086 # the flag lists split on purpose
"$FUZZ_CC" $flags $FUZZ_WARN_CFLAGS -DHAVE_CONFIG_H -DBFSGIL_BUILDING \
	-D_GNU_SOURCE -I"$top_builddir" -I"$top_srcdir/include" \
	-I"$top_srcdir/src/core" -I"$top_srcdir/src/watch" -o "$work/fuzz_ctl" "$srcdir/fuzz/fuzz_ctl.c" \
	$sources

# The seeds join the working corpus; -f because a copy from a read-only
# source tree is read-only, and the next run copies over it.
cp -f "$srcdir"/fuzz/corpus/ctl/* "$work/corpus/"
chmod u+w "$work/corpus"/*
nseeds=$(ls "$srcdir/fuzz/corpus/ctl" | wc -l)
nbefore=$(ls "$work/corpus" | wc -l)

# -timeout: an input normally takes well under a millisecond; one that
# takes ten seconds has hung.
set -- -max_total_time="$FUZZ_SECONDS" -max_len=256 -timeout=10 \
	-dict="$srcdir/fuzz/ctl.dict" -artifact_prefix="$work/artifacts/" \
	-print_final_stats=1 $FUZZ_ARGS "$work/corpus"
echo "fuzzing for ${FUZZ_SECONDS} s from $nbefore inputs ($nseeds seeds):" \
	"$work/fuzz_ctl $*"
status=0
"$work/fuzz_ctl" "$@" >"$work/fuzz.log" 2>&1 || status=$?

if [ "$status" -ne 0 ]; then
	# From the first line of the report to the end: an oracle's message
	# (fuzz_ctl.c: contract broken), a sanitizer's, or libFuzzer's own.
	first=$(grep -n -E 'contract broken|==[0-9]+==ERROR|runtime error|ERROR: libFuzzer' \
		"$work/fuzz.log" | head -1 | cut -d: -f1)
	if [ -n "$first" ]; then
		tail -n "+$first" "$work/fuzz.log" | head -120
	else
		tail -60 "$work/fuzz.log"
	fi
	echo "fuzz_ctl FAILED (exit $status); full log: $abs/fuzz.log" >&2
	for a in "$abs"/artifacts/*; do
		[ -f "$a" ] && echo "replay: $abs/fuzz_ctl $a" >&2
	done
	exit "$status"
fi

# libFuzzer's own summary: coverage at start and end, the run count, and
# the final statistics.
grep -E 'INITED|DONE|^Done [0-9]+ runs|^stat::' "$work/fuzz.log"
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log")
cov=$(sed -n 's/.*DONE *cov: \([0-9]*\) ft: \([0-9]*\) corp: \([^ ]*\).*/cov \1, ft \2, corpus \3/p' \
	"$work/fuzz.log")
echo "fuzz_ctl: no contract broken in $runs runs over ${FUZZ_SECONDS} s" \
	"($rate exec/s); $cov; full log: $abs/fuzz.log"
