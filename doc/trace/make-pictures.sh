#!/bin/sh
# Remake the pictures and the trace in doc/trace/ from a built tree:
#   sh doc/trace/make-pictures.sh [BUILD-DIR]
# BUILD-DIR (default .) holds bench/bfsgil-bench.  Needs graphviz (dot)
# for the state machine.  Each scene runs under each policy named, one
# after the other, on this machine as it is: the figures vary from run to
# run (the pings' round trips are printed), the shapes do not.
set -eu
build=${1:-.}
here=$(dirname "$0")
bench=$build/bench/bfsgil-bench

# The convoy effect at its plainest: one CPU-bound thread beside the I/O
# thread.  Under newgil every ping waits out a 5 ms switch interval.
"$bench" --trace-svg "$here/convoy.svg" --policies newgil,bfsgil \
	--trace-scene convoy --trace-threads 1 --trace-ms 60
# Two CPU-bound threads, as the README's figures have it, as a picture
# and as a trace to open in Perfetto.
"$bench" --trace-svg "$here/convoy-2cpu.svg" --trace "$here/convoy.json" \
	--policies newgil,bfsgil --trace-scene convoy --trace-threads 2 \
	--trace-ms 60
# A fair round: four CPU-bound threads, each a slice in turn.
"$bench" --trace-svg "$here/fair.svg" --policies bfsgil,newgil \
	--trace-scene fair --trace-threads 4 --trace-ms 60
dot -Tsvg "$here/states.dot" -o "$here/states.svg"
