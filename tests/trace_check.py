#!/usr/bin/env python3
"""Check a trace bfsgil wrote, as a reader that trusts nothing would.

    trace_check.py FILE.json [--threads N] [--min-running N]
    trace_check.py FILE.svg [--states LIST]

JSON (Chrome trace-event "JSON Object Format", what Perfetto opens):
  - it parses, and is an object with a traceEvents list;
  - every event has the fields its phase needs, of the right types:
    X (ts, dur >= 0, tid), i (s == "t"), s/f (id; f binds to its
    enclosing slice), M (process_name, thread_name, sort indexes);
  - every track with slices is named (thread_name), every process too;
  - on each track the state slices are one of "running", "waiting",
    "off lock", in time order, never overlapping;
  - within a process, no two tracks are "running" at once: the lock had
    one holder at a time, and the trace must say so;
  - every flow that starts also ends, on another track;
  - with --threads N: N named tracks in a process; --min-running N: at
    least N running slices.
SVG: it parses as XML, is an <svg> with a width and height, and has a
rectangle of each state in --states (default: running) in a panel, not
just in the legend.

Prints one line of what it saw; exit status 0 if all held, 1 otherwise
(with the first thing that did not), 2 on bad usage.  Python 3's
standard library only.
"""

import argparse
import json
import sys
import xml.etree.ElementTree as ET

STATES = {"running", "waiting", "off lock"}
EPS = 0.0005  # us: timestamps are written to the nanosecond


def fail(msg):
    print("trace_check: FAIL: " + msg)
    sys.exit(1)


def number(ev, key):
    v = ev.get(key)
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        fail("%s has no numeric %s" % (ev, key))
    return v


def explain_overlap(doc, names, tracks, pid, a, b):
    """Print what a reader needs to tell a recording fault from a lock
    that had two holders: the recorders' counts of events overwritten
    and lost, and both threads' state slices around the overlap."""
    print("trace_check: recorders: %s" %
          json.dumps(doc.get("otherData", {}).get("recorders")))
    lo, hi = b[0] - 50.0, b[1] + 50.0
    for key, spans in sorted(tracks.items()):
        if key[0] != pid or names.get(key) not in (a[2], b[2]):
            continue
        near = [x for x in spans if x[1] >= lo and x[0] <= hi]
        print("trace_check: %s, %d slices, near %.3f..%.3f us: %s" %
              (names[key], len(spans), lo, hi, near[:40]))


def check_json(path, threads, min_running):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        fail("not an object with a traceEvents list")
    names, procs, tracks, flows = {}, set(), {}, {}
    for ev in doc["traceEvents"]:
        ph = ev.get("ph")
        if not isinstance(ev.get("pid"), int):
            fail("event without an integer pid: %s" % ev)
        if ph == "M":
            if ev.get("name") == "process_name":
                procs.add(ev["pid"])
            elif ev.get("name") == "thread_name":
                if not isinstance(ev.get("args", {}).get("name"), str):
                    fail("thread_name without a name: %s" % ev)
                names[(ev["pid"], ev["tid"])] = ev["args"]["name"]
            elif ev.get("name") not in ("process_sort_index", "thread_sort_index"):
                fail("unknown metadata %s" % ev)
        elif ph == "X":
            if ev.get("name") not in STATES:
                fail("slice of no known state: %s" % ev)
            ts, dur = number(ev, "ts"), number(ev, "dur")
            if dur < 0:
                fail("negative duration: %s" % ev)
            tracks.setdefault((ev["pid"], number(ev, "tid")), []).append(
                (ts, ts + dur, ev["name"]))
        elif ph == "i":
            if ev.get("s") != "t":
                fail("instant not scoped to its thread: %s" % ev)
            number(ev, "ts")
            number(ev, "tid")
        elif ph in ("s", "f"):
            number(ev, "ts")
            key = (ev["pid"], ev.get("id"))
            if ph == "f" and ev.get("bp") != "e":
                fail("flow end not bound to its slice: %s" % ev)
            flows.setdefault(key, {})[ph] = ev["tid"]
        else:
            fail("unexpected phase %r" % ph)
    running = {}
    for key, spans in tracks.items():
        if key not in names:
            fail("track %s has no thread_name" % (key,))
        if key[0] not in procs:
            fail("process %d has no process_name" % key[0])
        spans.sort()
        for a, b in zip(spans, spans[1:]):
            if b[0] < a[1] - EPS:
                fail("track %s: %s overlaps %s" % (names[key], a, b))
        running.setdefault(key[0], []).extend(
            (s, e, names[key]) for s, e, n in spans if n == "running")
    nrun = 0
    for pid, spans in running.items():
        spans.sort()
        nrun += len(spans)
        for a, b in zip(spans, spans[1:]):
            if b[0] < a[1] - EPS:
                explain_overlap(doc, names, tracks, pid, a, b)
                fail("two holders at once in process %d: %s and %s" % (pid, a, b))
    for key, ends in flows.items():
        if set(ends) != {"s", "f"}:
            fail("flow %s has only %s" % (key, sorted(ends)))
        if ends["s"] == ends["f"]:
            fail("flow %s starts and ends on one track" % (key,))
    per_proc = {}
    for pid, _ in names:
        per_proc[pid] = per_proc.get(pid, 0) + 1
    if threads is not None and threads not in per_proc.values():
        fail("wanted %d named tracks in a process, saw %s" % (threads, per_proc))
    if nrun < min_running:
        fail("wanted at least %d running slices, saw %d" % (min_running, nrun))
    print("trace_check: %s: %d processes, %d tracks, %d running slices, "
          "%d handoff arrows, never two holders" %
          (path, len(procs), len(names), nrun, len(flows)))


COLOURS = {"running": "#2f9e44", "waiting": "#e4572e", "off": "#d9d9d9"}


def check_svg(path, states):
    root = ET.parse(path).getroot()
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        fail("root is %s, not svg" % root.tag)
    if not root.get("width") or not root.get("height"):
        fail("no width or height")
    # The panels' rectangles, not the legend's (in its own <g>).
    fills = {r.get("fill") for r in root.findall("{http://www.w3.org/2000/svg}rect")}
    for state in states:
        if COLOURS[state] not in fills:
            fail("no %s rectangle (%s) outside the legend" %
                 (state, COLOURS[state]))
    n = sum(1 for _ in root.iter("{http://www.w3.org/2000/svg}rect"))
    print("trace_check: %s: svg %sx%s, %d rectangles" %
          (path, root.get("width"), root.get("height"), n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--min-running", type=int, default=1)
    ap.add_argument("--states", default="running",
                    help="SVG: comma-separated states that must be drawn")
    a = ap.parse_args()
    if a.file.endswith(".svg"):
        states = a.states.split(",")
        for st in states:
            if st not in COLOURS:
                ap.error("no state %r (%s)" % (st, ", ".join(COLOURS)))
        check_svg(a.file, states)
    else:
        check_json(a.file, a.threads, a.min_running)


if __name__ == "__main__":
    main()
