"""The "real peer" for bfsgil-bench: stock CPython running the same tests.

bfsgil-bench starts this script as a subprocess so that its numbers for the
simulated GIL policies can be set beside those of a real interpreter and its
real GIL. The workloads here are the Python twins of the C ones:

    cpu       pure-Python bytecode, one op = one small arithmetic step
    cnogil    a long C call that keeps the GIL (re.search), ~2 ms per op
    crelease  C work with the GIL released (bz2.compress), ~2 ms per op

Subcommands:

    gilpeer.py latency --workload {none,cpu,cnogil,crelease} --threads N
        Serve a UDP echo on 127.0.0.1 beside N workload threads. Prints
        "ready PORT" once serving; the datagram b"quit" stops it ("done").
        Exits 3 by itself if no datagram arrives for 30 s.
    gilpeer.py throughput --workload {cpu,cnogil,crelease} --threads N
                          --seconds S
        Run N workload threads for S seconds and print
        "ops TOTAL seconds ELAPSED".

stdout carries only those protocol lines; diagnostics go to stderr.
"""

import argparse
import bz2
import os
import random
import re
import socket
import statistics
import struct
import sys
import threading
import time

# The peer must never outlive a crashed parent: give up after this long
# without a datagram.
IDLE_TIMEOUT_S = 30.0
# Target duration of one cnogil / crelease op.
CALL_TARGET_S = 0.002
# Iterations of the cpu step done per datagram ("a little work per packet").
PACKET_WORK_STEPS = 20


# --- Workloads -------------------------------------------------------------
# Each takes the stop event, a list of per-thread counters and its slot in
# it, and loops until the event is set. Ops are written to the slot rather
# than returned so the main thread can sum them after join().

def work_cpu(stop, counts, slot, _arg):
    x = slot
    ops = 0
    while not stop.is_set():
        # One op is one LCG step, the unit of the C cpu workload; it is
        # written inline because a function call per op would measure call
        # overhead instead. Checking the flag once per 1000 ops keeps its
        # cost out of the result.
        for _ in range(1000):
            x = (x * 1103515245 + 12345) & 0xffffffff
        ops += 1000
    counts[slot] = ops


def work_cnogil(stop, counts, slot, arg):
    pattern, text = arg
    ops = 0
    while not stop.is_set():
        # sre holds the GIL for the whole search: one ~2 ms C call that no
        # other thread can interrupt.
        pattern.search(text)
        ops += 1
    counts[slot] = ops


def work_crelease(stop, counts, slot, arg):
    ops = 0
    while not stop.is_set():
        # _bz2 drops the GIL around libbz2, so these threads compete for it
        # only briefly at the start and end of each call.
        bz2.compress(arg, 1)
        ops += 1
    counts[slot] = ops


def median_time(fn, arg, runs=5):
    """Median wall time of fn(arg) over a few runs; the median ignores the
    odd run disturbed by another process."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def calibrate(make_arg, fn, size):
    """Find the size for which fn(make_arg(size)) takes ~CALL_TARGET_S.

    Cost is roughly linear in size, so scale and re-measure; a few rounds
    absorb the non-linear part (caches, bz2 block boundaries).
    """
    for _ in range(6):
        arg = make_arg(size)
        took = median_time(fn, arg)
        if abs(took - CALL_TARGET_S) < 0.05 * CALL_TARGET_S:
            break
        size = max(1000, int(size * CALL_TARGET_S / max(took, 1e-6)))
    else:
        arg = make_arg(size)
        took = median_time(fn, arg)
    return arg, size, took


def setup_cnogil():
    # "[a-z]+\d" on lower-case words with no digit: at every start position
    # the engine runs to the end of the word and fails, so a search costs
    # time linear in the text length and never matches. Short words keep
    # the backtracking bounded.
    pattern = re.compile(r"[a-z]+\d")
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do "

    def make(size):
        return (words * (size // len(words) + 1))[:size]

    text, size, took = calibrate(make, pattern.search, 100000)
    print(f"gilpeer: cnogil call {took * 1e3:.2f} ms (string {size} chars)",
          file=sys.stderr)
    return pattern, text


def setup_crelease():
    # Random bytes over an 8-letter alphabet: compressible, so bz2 really
    # works, but not runs of one byte, which it would dispatch trivially.
    # Seeded so every run compresses the same data.
    source = random.Random(12345)
    pool = bytes(source.choices(b"abcdefgh", k=1 << 18))

    def make(size):
        return (pool * (size // len(pool) + 1))[:size]

    buf, size, took = calibrate(make, lambda b: bz2.compress(b, 1), 20000)
    print(f"gilpeer: crelease call {took * 1e3:.2f} ms ({size} bytes)",
          file=sys.stderr)
    return buf


WORKLOADS = {
    "cpu": (work_cpu, lambda: None),
    "cnogil": (work_cnogil, setup_cnogil),
    "crelease": (work_crelease, setup_crelease),
}


def start_workers(workload, n, stop, counts, barrier=None):
    """Calibrate (before any thread runs, so nothing disturbs the timing),
    then start n daemon threads of the workload."""
    fn, setup = WORKLOADS[workload]
    arg = setup()

    def body(slot):
        if barrier is not None:
            barrier.wait()
        fn(stop, counts, slot, arg)

    # Daemon threads: if the process must exit early (idle timeout), a
    # worker in the middle of a long C call cannot hold it up.
    threads = [threading.Thread(target=body, args=(i,), daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    return threads


def emit(line):
    """Write one protocol line to the parent; it reads line by line, so
    flush at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def cmd_latency(args):
    stop = threading.Event()
    counts = [0] * args.threads
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    # The idle timeout is the kernel's (SO_RCVTIMEO), not settimeout():
    # with a Python-level timeout every recvfrom() becomes poll() plus
    # recvfrom(), two GIL releases and two waits to get it back, which
    # would double the latency a plain blocking server sees.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                    struct.pack("@ll", int(IDLE_TIMEOUT_S), 0))
    workers = []
    if args.workload != "none":
        workers = start_workers(args.workload, args.threads, stop, counts)
    status = [0]

    def serve():
        x = 1
        while True:
            try:
                data, addr = sock.recvfrom(2048)
            except BlockingIOError:
                # EAGAIN from a blocking socket: SO_RCVTIMEO ran out.
                print(f"gilpeer: no datagram for {IDLE_TIMEOUT_S:.0f} s, "
                      "giving up", file=sys.stderr)
                status[0] = 3
                return
            if data == b"quit":
                return
            # Bytecode with the GIL held before answering, so the reply
            # waits for the GIL as a real request handler's would.
            for _ in range(PACKET_WORK_STEPS):
                x = (x * 1103515245 + 12345) & 0xffffffff
            sock.sendto(data, addr)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    emit(f"ready {sock.getsockname()[1]}")
    server.join()
    stop.set()
    for t in workers:
        t.join()
    if status[0] == 0:
        emit("done")
    return status[0]


def cmd_throughput(args):
    stop = threading.Event()
    counts = [0] * args.threads
    # The main thread is a party too: the window starts when everyone,
    # including the timer, is released together.
    barrier = threading.Barrier(args.threads + 1)
    workers = start_workers(args.workload, args.threads, stop, counts,
                            barrier)
    barrier.wait()
    t0 = time.monotonic()
    time.sleep(args.seconds)
    elapsed = time.monotonic() - t0
    stop.set()
    for t in workers:
        t.join()
    emit(f"ops {sum(counts)} seconds {elapsed:.6f}")
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="CPython peer for bfsgil-bench: runs the benchmark "
                    "workloads under the real GIL.")
    sub = parser.add_subparsers(dest="command", required=True)
    lat = sub.add_parser("latency", help="UDP echo server beside N workload "
                                         "threads; prints 'ready PORT'")
    lat.add_argument("--workload", required=True,
                     choices=["none", *WORKLOADS])
    lat.add_argument("--threads", type=int, required=True,
                     help="background threads (0 with --workload none)")
    thr = sub.add_parser("throughput", help="N workload threads for S "
                                            "seconds; prints 'ops TOTAL "
                                            "seconds ELAPSED'")
    thr.add_argument("--workload", required=True, choices=list(WORKLOADS))
    thr.add_argument("--threads", type=int, required=True,
                     help="workload threads (>= 1)")
    thr.add_argument("--seconds", type=float, required=True,
                     help="length of the measurement window")
    args = parser.parse_args(argv)

    # error() prints the subcommand's usage and the message to stderr and
    # exits 2, the status the C side treats as "bad invocation".
    fail = lat.error if args.command == "latency" else thr.error
    if args.threads < 0 or args.threads > 1024:
        fail("--threads must be between 0 and 1024")
    if args.command == "latency":
        if args.workload == "none" and args.threads != 0:
            fail("--workload none needs --threads 0")
        if args.workload != "none" and args.threads == 0:
            fail(f"--workload {args.workload} needs --threads >= 1 "
                 "(use --workload none for no background threads)")
    else:
        if args.threads == 0:
            fail("--threads must be >= 1")
        if not args.seconds > 0:
            fail("--seconds must be positive")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.command == "latency":
            return cmd_latency(args)
        return cmd_throughput(args)
    except BrokenPipeError:
        # The parent went away: nobody left to tell. Point stdout at
        # /dev/null so the flush at interpreter exit does not complain.
        sys.stdout = open(os.devnull, "w")
        return 1


if __name__ == "__main__":
    sys.exit(main())
