#!/usr/bin/env python3
"""Read the ccbench outputs interp/cpython/ccbench.sh left in DIR
(ccbench-<build>-<round>.txt), print stock and bfsgil side by side
(median over the rounds, [min..max] where there are several) and the
targets of doc/cpython.md, judged on this run's figures.

usage: ccbench_report.py DIR
Exit 0 if every target measured is met, 1 if one is missed, 2 if
there is nothing to read.
"""

import glob
import os
import re
import statistics
import sys

BUILDS = ("stock", "bfsgil")


def parse(text):
    """{(section, task, nthreads): value} from one ccbench output."""
    out = {}
    section = task = None
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r"--- (.*) ---$", line)
        if m:
            section = m.group(1).lower()
            task = None
            continue
        m = re.match(r"Background CPU task: (.*)$", line)
        if m:
            task = m.group(1)
            continue
        if section == "throughput" and line and not line.startswith(
                ("threads=", "==")) and not re.match(r"CPU threads", line):
            task = line
            continue
        m = re.match(r"(?:CPU )?threads=(\d+): ([\d.]+)", line)
        if m and section and task:
            out[(section, task, int(m.group(1)))] = float(m.group(2))
    return out


def load(directory):
    """{build: [parsed round, ...]}"""
    runs = {b: [] for b in BUILDS}
    for path in sorted(glob.glob(os.path.join(directory, "ccbench-*-*.txt"))):
        m = re.match(r"ccbench-(\w+)-(\d+)\.txt$", os.path.basename(path))
        if m and m.group(1) in runs:
            with open(path) as f:
                runs[m.group(1)].append(parse(f.read()))
    return runs


def median_of(rounds, key):
    vals = [r[key] for r in rounds if key in r]
    if not vals:
        return None, []
    return statistics.median(vals), vals


def fmt(v, vals, unit):
    if v is None:
        return "-"
    s = f"{v:,.0f}" if v >= 100 else f"{v:g}"
    if len(vals) > 1:
        lo, hi = min(vals), max(vals)
        s += f" [{lo:,.0f}..{hi:,.0f}]" if hi >= 100 else f" [{lo:g}..{hi:g}]"
    return s + unit


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    runs = load(argv[1])
    if not all(runs.values()):
        print("ccbench_report: no ccbench output for "
              + ", ".join(b for b in BUILDS if not runs[b]), file=sys.stderr)
        return 2
    keys = sorted(set().union(*(r.keys() for b in BUILDS for r in runs[b])))
    units = {"latency": " ms", "i/o bandwidth": " packets/s",
             "throughput": " it/s"}
    print(f"ccbench, {len(runs['stock'])} rounds per build, interleaved; "
          "median [min..max] over the rounds")
    last = None
    med = {}
    for key in keys:
        section, task, n = key
        if (section, task) != last:
            print(f"\n{section}, beside {task}:\n")
            print(f"| CPU threads | stock | bfsgil |")
            print(f"| --- | --- | --- |")
            last = (section, task)
        cells = []
        for b in BUILDS:
            v, vals = median_of(runs[b], key)
            med[(b,) + key] = v
            cells.append(fmt(v, vals, units.get(section, "")))
        print(f"| {n} | {cells[0]} | {cells[1]} |")

    print("\nTargets (doc/cpython.md), from this run's medians:")
    verdicts = []

    def judge(name, ok, detail):
        verdicts.append(ok)
        print(f"  {'met ' if ok else 'MISS'} {name:<52} {detail}")

    def series(section, prefix):
        task = next((t for (s, t, _n) in keys if s == section
                     and t.startswith(prefix)), None)
        ns = sorted(n for (s, t, n) in keys if s == section and t == task)
        return task, ns

    task, ns = series("latency", "Pi")
    for n in ns:
        if n == 0:
            continue
        v = med.get(("bfsgil", "latency", task, n))
        judge(f"latency beside pi, {n} threads", v is not None and v <= 1,
              f"<= 1 ms: {v:g} ms (stock {med[('stock', 'latency', task, n)]:g})")
    task, ns = series("latency", "regular")
    for n in ns:
        if n == 0:
            continue
        v, s = med.get(("bfsgil", "latency", task, n)), med.get(("stock", "latency", task, n))
        # ccbench rounds to whole ms: a stock figure of 0 leaves
        # nothing to divide.
        ok = v is not None and s is not None and (v * 5 <= s or (v <= 1 and s <= 5))
        judge(f"latency beside regex, {n} threads", ok,
              f"<= 1/5 stock: {v:g} ms vs {s:g} ms")
    task, ns = series("i/o bandwidth", "Pi")
    idle = {b: med.get((b, "i/o bandwidth", task, 0)) for b in BUILDS}
    for n in ns:
        if n == 0 or not idle["bfsgil"]:
            continue
        v = med.get(("bfsgil", "i/o bandwidth", task, n))
        s = med.get(("stock", "i/o bandwidth", task, n))
        share = v / idle["bfsgil"]
        judge(f"I/O bandwidth beside pi, {n} threads", share >= 0.25,
              f">= 25% of idle: {share:.1%} ({v:,.0f}/s; stock "
              f"{s / idle['stock']:.1%})")
    task, ns = series("throughput", "Pi")
    one = {b: med.get((b, "throughput", task, 1)) for b in BUILDS}
    for n in ns:
        if n < 2 or not one["stock"] or not one["bfsgil"]:
            continue
        pct = {b: 100 * med[(b, "throughput", task, n)] / one[b] for b in BUILDS}
        judge(f"throughput, pi, {n} threads vs 1", pct["bfsgil"] >= pct["stock"] - 2,
              f">= stock - 2 points: {pct['bfsgil']:.0f}% vs {pct['stock']:.0f}%")
    if one["stock"] and one["bfsgil"]:
        ratio = one["bfsgil"] / one["stock"]
        judge("single thread, pi, vs stock", ratio >= 0.99,
              f">= 0.99x: {ratio:.3f}x")
    print(f"  {sum(verdicts)} met, {len(verdicts) - sum(verdicts)} missed")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
