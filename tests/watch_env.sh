#!/bin/sh
# watch_env.sh: BFSGIL_TRACE and BFSGIL_STATS on whole programs, the way a
# user turns them on (bfsgil(7)): the README's minimal example traced with
# no change, as JSON and SVG, each file checked by trace_check.py; a
# program that exits while a thread holds the lock, never destroying it;
# a fork, whose child must not overwrite its parent's trace unless the
# name has %p; two locks, two files; the stats report against the
# example's own count; and the two tools that set the variables.
set -eu
PY=${PYTHON3:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
	echo "watch_env.sh: needs python3 (apt-get install python3): skipped"
	exit 77
fi
srcdir=${srcdir:-.}
tmp=$(mktemp -d /tmp/watch_env.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
check() { "$PY" "$srcdir/trace_check.py" "$@"; }
fail() { echo "watch_env.sh: FAIL: $*"; exit 1; }
minimal=../examples/minimal
tools=$srcdir/../tools

echo "--- a program of one's own, unchanged, traced"
BFSGIL_TRACE=$tmp/minimal.json $minimal
check "$tmp/minimal.json" --threads 2 --min-running 2
BFSGIL_TRACE=$tmp/minimal.svg $minimal
check "$tmp/minimal.svg"

echo "--- exit with a thread holding, the lock never destroyed"
BFSGIL_TRACE=$tmp/exit.json ./watch_prog exit
check "$tmp/exit.json" --threads 2
grep -q '"name":"keeper"' "$tmp/exit.json" || fail "no keeper track"

echo "--- fork: the child leaves the parent's file alone"
BFSGIL_TRACE=$tmp/fork.json ./watch_prog fork
check "$tmp/fork.json"
grep -q parent-worker "$tmp/fork.json" || fail "parent's trace lost"
! grep -q child-worker "$tmp/fork.json" || fail "child overwrote the parent"
echo "--- fork with %p: a file each"
BFSGIL_TRACE="$tmp/fork-%p.json" ./watch_prog fork
set -- "$tmp"/fork-*.json
[ $# -eq 2 ] || fail "wanted 2 files, got $*"
for f; do check "$f"; done
grep -l child-worker "$tmp"/fork-*.json | grep -q . || fail "no child trace"
echo "--- fork: a child's stats never go to the parent's stderr"
BFSGIL_STATS=- ./watch_prog fork 2>"$tmp/fork.err" >/dev/null
[ "$(grep -c '^bfsgil-stat: pid' "$tmp/fork.err")" -eq 1 ] ||
	fail "wanted one report, got $(grep -c '^bfsgil-stat: pid' "$tmp/fork.err")"

echo "--- fork children that exit without bfsgil_after_fork_child"
# 40 children fork while two threads hammer the lock (its mutex held,
# callbacks running); each must exit at once, writing nothing.  A hang is
# the failure timeout(1) turns into exit 124.
status=0
BFSGIL_TRACE=$tmp/fe.json BFSGIL_STATS=- timeout 120 ./watch_prog forkexit \
	2>"$tmp/fe.err" || status=$?
[ "$status" -eq 0 ] || fail "watch_prog forkexit: exit $status (124: a child hung)"
check "$tmp/fe.json" --threads 2
[ "$(grep -c '^bfsgil-stat: pid' "$tmp/fe.err")" -eq 1 ] ||
	fail "wanted the parent's report alone, got $(grep -c '^bfsgil-stat: pid' "$tmp/fe.err")"

echo "--- two locks, two files"
BFSGIL_TRACE=$tmp/two.json ./watch_prog two
check "$tmp/two.json"
check "$tmp/two.2.json"
grep -q first-lock "$tmp/two.json" && grep -q second-lock "$tmp/two.2.json" ||
	fail "locks' traces mixed up"

echo "--- stats: the report adds up to what the program counted"
BFSGIL_STATS=- $minimal >"$tmp/out" 2>"$tmp/stats"
cat "$tmp/stats"
said=$(sed -n 's/^counter [0-9]*, \([0-9]*\) acquisitions.*/\1/p' "$tmp/out")
reported=$(awk '$1 == "(all)" { print $3 }' "$tmp/stats")
[ -n "$said" ] && [ "$said" = "$reported" ] ||
	fail "minimal counted '$said' acquisitions, the report '$reported'"
[ "$(grep -c '^minimal ' "$tmp/stats")" -eq 2 ] || fail "wanted 2 thread lines"

echo "--- the tools"
sh "$tools/bfsgil-stat" -o "$tmp/s.txt" $minimal >/dev/null
grep -q '^bfsgil-stat: pid' "$tmp/s.txt" || fail "bfsgil-stat -o wrote no report"
sh "$tools/bfsgil-trace" -o "$tmp/t.json" -n 1000 $minimal >/dev/null
check "$tmp/t.json" --threads 2
status=0
sh "$tools/bfsgil-stat" sh -c 'exit 3' || status=$?
[ "$status" -eq 3 ] || fail "bfsgil-stat did not pass on the exit status"
status=0
sh "$tools/bfsgil-trace" 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "bfsgil-trace with no command: exit $status"
echo "watch_env.sh: all held"
