#!/bin/sh
# run.sh: what `make model-check` runs (doc/model/README.md).
#
#   run.sh MODEL_DIR WORK_DIR
#
# MODEL_DIR holds bfsgil.pml and check-mapping.py, two levels below the
# top of the source tree, and is only read.  WORK_DIR is a scratch
# directory in the build tree (made if missing): spin's and the C
# compiler's output and any counterexample trail go there.
#
# From the environment: SPIN, the spin program configure found (empty:
# none); CC, the C compiler for pan.c; PYTHON3; MODEL_CHECK_REQUIRE=yes
# to fail, not skip, when spin is missing (CI).
#
# The checks, each of which must give the answer listed:
#  1. check-mapping.py: every C fragment the model quotes is still in
#     its function, every step says what it stands for;
#  2. safety (3 threads x 2 rounds): assertions (mutual exclusion, the C
#     code's own), no invalid end state (deadlock, a thread left asleep),
#     the monitor's invariant: no error, search complete;
#  3. liveness, LTL all_served (3 threads, 2/1/1 rounds, -DLIVE): no
#     acceptance cycle, even without a fairness assumption;
#  4. leaving (-DLEAVE: timed acquires, one bfsgil_interrupt), safety as
#     in 2 plus the assertions of leaving, in two smaller configurations
#     (README.md says why they cover it): leave3, 3 threads x 1 round;
#     leave2, 2 threads x 3 rounds: no error, search complete;
#  5. leave2-live: all_served with leaving, 2 threads x 3 rounds: no
#     acceptance cycle, without a fairness assumption;
#  6. each mutant: the check named for it reports an error.
# Two lanes run side by side (two processes at most): safety, then
# liveness, in the background; the rest in the foreground.
# Exit 0 if all did, or if skipped without spin; 1 otherwise.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 MODEL_DIR WORK_DIR" >&2
	exit 2
fi
model_dir=$(cd "$1" && pwd) || exit 1
top_srcdir=$(cd "$model_dir/../.." && pwd) || exit 1
work=$2
SPIN=${SPIN-spin}
CC=${CC:-cc}
PYTHON3=${PYTHON3:-python3}

say() { printf 'model-check: %s\n' "$*"; }

if [ -z "$SPIN" ] || ! command -v "$SPIN" >/dev/null 2>&1; then
	if [ "${MODEL_CHECK_REQUIRE:-no}" = yes ]; then
		say "FAIL: spin not installed: apt-get install spin (MODEL_CHECK_REQUIRE=yes)"
		exit 1
	fi
	say "SKIPPED: spin not installed: apt-get install spin"
	exit 0
fi
if ! command -v "$PYTHON3" >/dev/null 2>&1; then
	say "FAIL: python3 not found: check-mapping.py needs it"
	exit 1
fi

mkdir -p "$work" || exit 1
work=$(cd "$work" && pwd) || exit 1
failures=0
fail() { say "FAIL: $*"; failures=$((failures + 1)); }

# The mutants (bfsgil.pml's header says what each breaks) and the check
# that must catch each.
mutants='GRANT_FIRST safety
NO_POKE safety
REVOKE_RMW safety
TAKEBACK_NO_REVOKE safety
RELEASE_IGNORES_WAITERS safety
SLEEP_NO_COMPARE safety
TIMEOUT_CLEARS safety
WATCHER_NEVER_DUE liveness
LEAVE_KEEPS_WAITERS leave2
LEAVE_NO_WATCH leave3
TIMEOUT_IGNORES_GRANT leave2
INTERRUPT_UNQUEUED leave2
TAKEBACK_IGNORES_INTERRUPT leave3'

# pan NAME CHECK OPT [SPIN_DEFINES...]: build and run one check of the
# model in $work/NAME: CHECK is safety, liveness, leave3, leave2 or
# leave2-live (the configurations above), OPT the compiler's
# optimisation (-O2 for full searches, -O0 for mutants, whose searches
# stop at the first error).  pan's output goes to $work/NAME/pan.out.
# Returns 1 if spin or the compiler failed.
pan() {
	name=$1 check=$2 opt=$3
	shift 3
	dir=$work/$name
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	case $check in
	safety|leave3|leave2)
		case $check in
		leave3) set -- "$@" -DLEAVE -DROUNDS=1 ;;
		leave2) set -- "$@" -DLEAVE -DNT=2 -DROUNDS=3 ;;
		esac
		cflags="-DSAFETY -DCOLLAPSE"
		run="./pan -m20000" ;;
	liveness|leave2-live)
		case $check in
		liveness) set -- "$@" -DLIVE -DROUNDS_OTHERS=1 ;;
		leave2-live) set -- "$@" -DLIVE -DLEAVE -DNT=2 -DROUNDS=3 ;;
		esac
		cflags="-DCOLLAPSE"
		# The real model passes without fairness (stronger); a mutant
		# must fail with it, so that its counterexample is a fair one.
		case $name in
		mutant-*) run="./pan -a -f -m20000" ;;
		*) run="./pan -a -m20000" ;;
		esac ;;
	*)
		say "$name: unknown check $check"
		return 1 ;;
	esac
	(
		cd "$dir" &&
		"$SPIN" "$@" -a "$model_dir/bfsgil.pml" >spin.out 2>&1 &&
		$CC $opt -w $cflags -o pan pan.c >cc.out 2>&1
	) || {
		say "$name: spin or $CC failed:"
		cat "$dir/spin.out" "$dir/cc.out" 2>/dev/null | tail -20
		return 1
	}
	(cd "$dir" && $run >pan.out 2>&1)
	return 0
}

# result NAME: read $work/NAME/pan.out into errors, states, depth, secs
# and first (the first error).  Returns 1 if pan did not finish its
# search (killed, out of memory, depth limit).
result() {
	out=$work/$1/pan.out
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" 2>/dev/null)
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out")
	depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out")
	secs=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\) seconds.*/\1/p' "$out")
	first=$(sed -n 's/^pan:1: //p' "$out" | head -1)
	if [ -z "$errors" ]; then
		say "$1: pan did not finish:"
		tail -20 "$out" 2>/dev/null
		return 1
	fi
	if grep -q 'max search depth too small' "$out"; then
		say "$1: search depth too small (-m)"
		return 1
	fi
	return 0
}

# real CHECK WHAT: the model itself must pass CHECK, searched in full.
real() {
	if ! result "$1"; then
		fail "$1: no answer"
	elif [ "$errors" != 0 ]; then
		fail "$1 ($2): $errors error(s): $first (trail: $work/$1)"
	elif grep -q 'Search not completed' "$work/$1/pan.out"; then
		fail "$1 ($2): search not completed"
	else
		say "$1 ($2): pass, $states states, depth $depth, ${secs}s"
	fi
}

# 1. The mapping.
if ! "$PYTHON3" "$model_dir/check-mapping.py" --srcdir "$top_srcdir" \
	"$model_dir/bfsgil.pml"; then
	fail "the model quotes C that is no longer there (check-mapping.py above)"
fi

# 2 and 3.  Safety, the longest search (about 40 s and 0.9 GB on the
# development VM), then liveness (about 25 s), in the background while
# the rest uses the other core.  Their answers are read at the end.
(
	pan safety safety -O2 || : >"$work/safety/no-answer"
	pan liveness liveness -O2 || : >"$work/liveness/no-answer"
) &
lane_pid=$!

# 4 and 5.  Leaving (leave3: about 40 s and 0.95 GB).
pan leave3 leave3 -O2 || fail "leave3: no answer"
real leave3 "leaving, 3 threads x 1 round, one interrupt: assertions, end states, invariant"
pan leave2 leave2 -O2 || fail "leave2: no answer"
real leave2 "leaving, 2 threads x 3 rounds, one interrupt: assertions, end states, invariant"
pan leave2-live leave2-live -O2 || fail "leave2-live: no answer"
real leave2-live "LTL all_served with leaving, 2 threads x 3 rounds"

# 6. The mutants: each must be caught by its check.
caught=0 total=0
nl='
'
old_ifs=$IFS
IFS=$nl
for line in $mutants; do
	IFS=$old_ifs
	set -- $line
	mutant=$1 check=$2
	total=$((total + 1))
	if ! pan "mutant-$mutant" "$check" -O0 "-DMUTANT_$mutant" ||
	   ! result "mutant-$mutant"; then
		fail "mutant $mutant: no answer"
	elif [ "$errors" = 0 ]; then
		fail "mutant $mutant: not caught by $check ($states states): the check has lost its teeth"
	else
		caught=$((caught + 1))
		say "mutant $mutant: caught by $check: $first"
	fi
	IFS=$nl
done
IFS=$old_ifs

wait "$lane_pid"
for name in safety liveness; do
	if [ -f "$work/$name/no-answer" ]; then
		fail "$name: no answer"
		continue
	fi
	case $name in
	safety) real safety "3 threads x 2 rounds: assertions, end states, invariant" ;;
	liveness) real liveness "LTL all_served, 3 threads, 2/1/1 rounds" ;;
	esac
done

if [ "$failures" -ne 0 ]; then
	say "FAIL: $failures check(s) gave the wrong answer (work files in $work)"
	exit 1
fi
say "PASS: mapping, safety, liveness, leaving; $caught of $total mutants caught"
exit 0
