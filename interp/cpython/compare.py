#!/usr/bin/env python3
"""Compare two regrtest --junit-xml files, case by case: the second
build (bfsgil) must pass every case the first (stock) passes and skip
every case it skips.  Prints a summary line for each, then every case
whose outcome differs; exit 0 if none is worse, 1 if one is, 2 on bad
input.  A case that fails on both is listed as failing on both (the
baseline) and does not fail the comparison.

A case listed in KNOWN (interp/cpython/known-races.txt: one case name
per line, then " # " and why) that is worse on bfsgil is printed with
its reason and does not fail the comparison: a race in the test itself
that bfsgil's prompt switching exposes, shown to fail on stock too when
stock switches as promptly.

usage: compare.py STOCK.xml BFSGIL.xml [KNOWN]
"""

import sys
import xml.etree.ElementTree as ET


def outcomes(path):
    """{'module.Class.test': 'pass'|'skip'|'fail'} for every test case."""
    root = ET.parse(path).getroot()
    out = {}
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}.{case.get('name', '')}"
        kinds = {child.tag for child in case}
        if kinds & {"failure", "error"}:
            out[name] = "fail"
        elif "skipped" in kinds:
            out[name] = "skip"
        else:
            out[name] = "pass"
    return out


def known_races(path):
    """{case name: why} from a known-races file."""
    known = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, why = line.partition(" # ")
            known[name.strip()] = why.strip()
    return known


def summary(label, cases):
    counts = {k: sum(1 for v in cases.values() if v == k)
              for k in ("pass", "skip", "fail")}
    return (f"compare: {label}: {len(cases)} cases, {counts['pass']} passed, "
            f"{counts['skip']} skipped, {counts['fail']} failed")


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        stock, bfsgil = outcomes(argv[1]), outcomes(argv[2])
        known = known_races(argv[3]) if len(argv) == 4 else {}
    except (OSError, ET.ParseError) as e:
        print(f"compare: {e}", file=sys.stderr)
        return 2
    worse, other = [], []
    # regrtest's XML names a case when it records its outcome, and it
    # records no failure of a subTest: a case whose subtests failed is
    # left with no name and no failure (test_subprocess's test_user, in
    # a fresh chroot, when the child interpreter could not load its
    # library as user nobody).  Such a case failed.  It stands for the
    # case the other side names and this side lacks: pair them when
    # there is one, and count it as failed either way.
    for this, that, label in ((stock, bfsgil, "stock"), (bfsgil, stock, "bfsgil")):
        unnamed = [k for k in this if k.strip(".") == ""]
        lacking = [k for k in that if k not in this and k.strip(".") != ""]
        for k in unnamed:
            del this[k]
            name = lacking.pop(0) if len(unnamed) == 1 and len(lacking) == 1 \
                else f"(unnamed case in {label}'s XML)"
            this[name] = "fail"
            other.append(f"  {label}: an unnamed case (a subTest failed) "
                         f"taken as {name}, failed")
    for name in sorted(set(stock) | set(bfsgil)):
        a, b = stock.get(name, "missing"), bfsgil.get(name, "missing")
        if a == b:
            if a == "fail":
                other.append(f"  fails on both: {name}")
            continue
        line = f"  {name}: stock {a}, bfsgil {b}"
        # Anything but the same outcome is worse, except a case that
        # fails on stock and passes on bfsgil, or a known race.
        if (a, b) == ("fail", "pass"):
            other.append(line)
        elif b == "fail" and name.lstrip(".") in known:
            other.append(f"{line} (known race: {known[name.lstrip('.')]})")
        else:
            worse.append(line)
    print(summary("stock", stock))
    print(summary("bfsgil", bfsgil))
    for line in other:
        print(line)
    if worse:
        print(f"compare: {len(worse)} cases differ from stock:")
        for line in worse:
            print(line)
        return 1
    if not stock:
        print("compare: no test cases recorded", file=sys.stderr)
        return 2
    print("compare: the bfsgil build passed and skipped what stock did")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
