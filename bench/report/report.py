"""Turn bfsgil-bench's JSON results into doc/bench/RESULTS.md and SVG plots.

    python3 bench/report/report.py --json RESULTS.json --out-dir doc/bench
                                   [--notes PATH] [--gnuplot gnuplot]

Writes OUT/RESULTS.md (Markdown tables: targets, latency, throughput,
fairness, many short holds, costs) and, through gnuplot, OUT/latency.svg, OUT/throughput.svg
and OUT/fairness.svg. The gnuplot data and scripts live in a temporary
directory that is removed afterwards. If OUT/NOTES.md (or --notes) exists,
its text is copied into RESULTS.md verbatim: that is where people explain
missed targets, since RESULTS.md itself is regenerated.

Only the Python 3 standard library is used. Every field of a result is
read with .get(): the C program may leave some out (a cost without a
baseline, a quick run without spreads) and the report must still come out.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

# Columns appear in this order; policies not listed here follow in the
# order they first appear in the JSON.
POLICY_ORDER = ["bfsgil", "newgil", "oldgil", "fifo", "python3",
                "lua-bfsgil", "lua-newgil", "lua-oldgil"]
WORKLOAD_ORDER = ["none", "cpu", "cnogil", "crelease"]
WORKLOAD_TEXT = {
    "none": "no background work",
    "cpu": "cpu: pure bytecode",
    "cnogil": "cnogil: long C calls holding the GIL",
    "crelease": "crelease: C calls releasing the GIL",
}
# An explicit white background: a transparent SVG shows black axes and
# text on GitHub's dark theme, where they vanish.
TERMINAL = ('svg size 800,480 dynamic enhanced font "sans,11" '
            "background rgb 'white'")
DASH = "–"


def fail(message):
    print(f"report.py: {message}", file=sys.stderr)
    sys.exit(1)


# --- Formatting --------------------------------------------------------------

def is_num(value):
    # bool is an int in Python, but a true/false is never a measurement.
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def num(value, decimals_below=10):
    """A plain number: one decimal under `decimals_below`, else an integer
    (the digits after the point of a large figure are noise)."""
    if not is_num(value):
        return DASH
    if abs(value) < decimals_below:
        return f"{value:.1f}"
    return f"{value:.0f}"


def pct(value):
    # Always one decimal: 99.1 % against 97.6 % is the whole story.
    return f"{value:.1f}" if is_num(value) else DASH


def ns(value):
    # Three significant figures or so: 24.1 ns, 9120 ns.
    return num(value, 100)


def duration(us):
    """(text, unit) for a time in microseconds; ms above 10000 us, where
    the last digits of a microsecond count are only noise."""
    if not is_num(us):
        return DASH, ""
    if us > 10000:
        return f"{us / 1000:.1f}", "ms"
    return num(us), "us"


def latency_cell(row):
    (med, med_unit), (p99, p99_unit) = (duration(row.get("median_us")),
                                        duration(row.get("p99_us")))
    if not med_unit and not p99_unit:
        return DASH
    # "61 / 140 us" when the units agree, else each with its own unit.
    if med_unit == p99_unit or not p99_unit:
        text = f"{med} / {p99} {med_unit}".rstrip()
    elif not med_unit:
        text = f"{med} / {p99} {p99_unit}"
    else:
        text = f"{med} {med_unit} / {p99} {p99_unit}"
    lost = row.get("lost")
    if is_num(lost) and lost > 0:
        text += f" (lost {lost:.0f})"
    return text


def spread(low, high, fmt=num):
    if is_num(low) and is_num(high):
        return f" [{fmt(low)}..{fmt(high)}]"
    return ""


def ratio(value):
    return f"{value:.2f}" if is_num(value) else DASH


def cell_text(value):
    """Any JSON value as table-safe text: a "|" would end the cell."""
    if value is None:
        return DASH
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# --- Sorting the results -----------------------------------------------------

def ordered(values, preferred):
    """Distinct values, those in `preferred` first in its order, the rest
    in order of first appearance."""
    seen = list(dict.fromkeys(values))
    return ([v for v in preferred if v in seen]
            + [v for v in seen if v not in preferred])


def thread_key(value):
    return value if is_num(value) else math.inf


def index_rows(rows):
    """{(policy, workload, threads): row}. If the C program ever repeats a
    key, the later row wins, as a rerun would."""
    return {(r.get("policy"), r.get("workload"), r.get("threads")): r
            for r in rows}


def policy_cells(by_key, policies, workload, threads, cell):
    """One table row's cells: cell(row) for each policy that has a row
    for (workload, threads), a dash for those that do not."""
    return [cell(by_key[(p, workload, threads)])
            if (p, workload, threads) in by_key else DASH
            for p in policies]


def rounds_note(rows):
    counts = sorted({r["rounds"] for r in rows if is_num(r.get("rounds"))})
    if not counts:
        return ""
    text = ", ".join(str(c) for c in counts)
    return f"Rounds per figure: {text}.\n\n"


# --- Markdown sections -------------------------------------------------------

def section_head(doc, notes_text, notes_path):
    machine = doc.get("machine") or {}
    parts = []
    if machine.get("cores") is not None:
        parts.append(f"{machine['cores']} cores")
    for key in ("kernel", "cpu"):
        if machine.get(key):
            parts.append(str(machine[key]))
    if machine.get("libbfsgil"):
        parts.append(f"libbfsgil {machine['libbfsgil']}")
    if machine.get("date"):
        parts.append(f"measured {machine['date']}")
    out = ["# bfsgil benchmark results\n",
           "Machine: " + (", ".join(parts) or "unknown") + ".\n"]
    if doc.get("command"):
        out.append(f"```\n{doc['command']}\n```\n")
    out.append("Figures are medians of interleaved rounds; [min..max] is "
               "the spread of the per-round medians. This file is generated "
               "by `make bench-report`: do not edit it by hand.\n")
    if doc.get("quick"):
        out.append("**Quick run** (`--quick`): fewer and shorter rounds, "
                   "so the numbers are rough.\n")
    if notes_text is not None:
        out.append("## Notes\n")
        out.append(notes_text.rstrip("\n") + "\n")
    else:
        # Invisible on GitHub, but tells whoever reads the source where
        # explanations go so they survive the next regeneration.
        out.append(f"<!-- No {os.path.basename(notes_path)}: write "
                   "explanations of missed targets there; they are copied "
                   "here verbatim. -->\n")
    return "\n".join(out)


def verdict(value):
    """True, False or None (unknown) from a "met" field. The C writer's
    fields are numbers or strings, so 1/0 and "yes"/"no" count as well as
    JSON true/false."""
    if isinstance(value, bool):
        return value
    if is_num(value):
        return value != 0
    if isinstance(value, str) and value.lower() in ("yes", "true", "no",
                                                    "false"):
        return value.lower() in ("yes", "true")
    return None


def section_targets(rows):
    if not rows:
        return ""
    body = []
    for r in rows:
        met = verdict(r.get("met"))
        body.append([cell_text(r.get("what")), cell_text(r.get("target")),
                     cell_text(r.get("measured")),
                     "yes" if met is True else
                     "**no**" if met is False else "?"])
    n_met = sum(1 for r in rows if verdict(r.get("met")) is True)
    return (f"## Targets\n\n{n_met} of {len(rows)} met.\n\n"
            + table(["what", "target", "measured", "met"], body))


def section_latency(rows, policies, have_plot):
    if not rows:
        return ""
    by_key = index_rows(rows)
    out = ["## Latency\n",
           "Round trip of a UDP ping to an I/O thread that does a little "
           "bytecode per packet, beside N background threads. Cell: "
           "median / p99.\n",
           rounds_note(rows)]
    workloads = ordered([r.get("workload") for r in rows], WORKLOAD_ORDER)
    # The idle row (workload none, 0 threads) is the baseline for every
    # workload, so it heads each table instead of standing alone.
    idle = [k for k in by_key if k[1] == "none"]
    loaded = [w for w in workloads if w != "none"] or ["none"]
    for workload in loaded:
        keys = [k for k in by_key if k[1] == workload]
        threads = sorted({k[2] for k in keys}, key=thread_key)
        body = []
        if idle and workload != "none":
            body.append(["0 (idle)"] + policy_cells(
                by_key, policies, "none", 0, latency_cell))
        for n in threads:
            body.append([cell_text(n)] + policy_cells(
                by_key, policies, workload, n, latency_cell))
        title = WORKLOAD_TEXT.get(workload, cell_text(workload))
        out.append(f"### {title}\n")
        out.append(table(["background threads"]
                         + [cell_text(p) for p in policies], body))
    if have_plot:
        out.append("![latency](latency.svg)\n")
    return "\n".join(s.rstrip("\n") + "\n" for s in out if s)


def throughput_cell(row):
    if row.get("starved"):
        return "starved"
    text = pct(row.get("percent_of_one"))
    if text == DASH:
        return DASH
    return (f"{text} %"
            + spread(row.get("percent_min"), row.get("percent_max"), pct))


def rate(value):
    if not is_num(value):
        return DASH
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.2f} {suffix}"
    return f"{value:.0f}"


def section_throughput(rows, policies, have_plot):
    if not rows:
        return ""
    by_key = index_rows(rows)
    out = ["## Throughput\n",
           "Total work of N threads as a percentage of one thread's work "
           "under the same policy (100 % = no loss from sharing the "
           "lock).  The targets table compares bfsgil with newgil at the "
           "same count, round by round.\n"]
    for workload in ordered([r.get("workload") for r in rows],
                            WORKLOAD_ORDER):
        threads = sorted({k[2] for k in by_key if k[1] == workload},
                         key=thread_key)
        body = [[cell_text(n)] + policy_cells(
                    by_key, policies, workload, n, throughput_cell)
                for n in threads]
        # The percentages hide the absolute speed; one row of ops/s for a
        # single thread gives the scale (python3 ops are not C ops, which
        # is why this is only a footnote row).
        if any((p, workload, 1) in by_key for p in policies):
            body.append(["ops/s, 1 thread"] + policy_cells(
                by_key, policies, workload, 1,
                lambda r: rate(r.get("ops_per_s"))))
        title = WORKLOAD_TEXT.get(workload, cell_text(workload))
        out.append(f"### {title}\n")
        out.append(rounds_note([r for r in rows
                                if r.get("workload") == workload]))
        out.append(table(["threads"] + [cell_text(p) for p in policies],
                         body))
    if have_plot:
        out.append("![throughput](throughput.svg)\n")
    return "\n".join(s.rstrip("\n") + "\n" for s in out if s)


def shares_text(row):
    shares = row.get("shares_percent")
    if isinstance(shares, list) and 0 < len(shares) <= 8:
        return " / ".join(pct(s) for s in shares) + " %"
    # Too many threads to list: the extremes are what matter.
    low, high = row.get("share_min_percent"), row.get("share_max_percent")
    if is_num(low) and is_num(high):
        return f"{pct(low)} .. {pct(high)} %"
    return DASH


def section_fairness(rows, policies, have_plot):
    if not rows:
        return ""
    body = []
    order = {p: i for i, p in enumerate(policies)}
    for r in sorted(rows, key=lambda r: (
            WORKLOAD_ORDER.index(r.get("workload"))
            if r.get("workload") in WORKLOAD_ORDER else len(WORKLOAD_ORDER),
            thread_key(r.get("threads")), order.get(r.get("policy"), 0))):
        jain = r.get("jain")
        wait = r.get("max_wait_ms")
        body.append([cell_text(r.get("policy")), cell_text(r.get("workload")),
                     cell_text(r.get("threads")),
                     f"{jain:.4f}" if is_num(jain) else DASH,
                     shares_text(r),
                     f"{num(wait, 100)} ms" if is_num(wait) else DASH])
    out = ["## Fairness\n",
           "Share of the lock each thread got (Jain's index: 1 = perfectly "
           "even) and the longest any thread waited for it.\n",
           table(["policy", "workload", "threads", "Jain", "shares",
                  "longest wait"], body)]
    if have_plot:
        out.append("![fairness](fairness.svg)\n")
    return "\n".join(s.rstrip("\n") + "\n" for s in out)


# The many test's backgrounds: its workload key is what runs beside the
# N short holders.
MANY_BACKGROUND_TEXT = {
    "none": "N threads alone",
    "cpu": "N threads beside 2 CPU-bound threads",
}


def with_spread(row, key, low_key, high_key, fmt):
    text = fmt(row.get(key))
    if text == DASH:
        return DASH
    return text + spread(row.get(low_key), row.get(high_key), fmt)


def jain_text(value):
    return f"{value:.4f}" if is_num(value) else DASH


def served_cell(row):
    served, n = row.get("served"), row.get("threads")
    if not is_num(served) or not is_num(n):
        return DASH
    text = f"{served:.0f} of {n}"
    low, high = row.get("served_min"), row.get("served_max")
    if is_num(low) and is_num(high) and (low != served or high != served):
        text += f" [{low:.0f}..{high:.0f}]"
    # Starvation is the point of the test: make it stand out.
    return text if is_num(low) and low >= n else f"**{text}**"


def wait_cell(row):
    low, high = row.get("max_wait_min_ms"), row.get("max_wait_max_ms")
    wait = row.get("max_wait_ms")
    if not is_num(wait):
        return DASH
    text = f"{num(wait, 100)} ms"
    if is_num(low) and is_num(high):
        text += f" [{num(low, 100)}..{num(high, 100)}]"
    return text


def us(value_ns):
    return f"{value_ns / 1e3:.2f}" if is_num(value_ns) else DASH


def section_many(rows, policies):
    if not rows:
        return ""
    order = {p: i for i, p in enumerate(policies)}

    def by_policy(r):
        return order.get(r.get("policy"), len(order))

    pingpong = sorted((r for r in rows if r.get("workload") == "pingpong"),
                      key=by_policy)
    runs = [r for r in rows if r.get("workload") != "pingpong"]
    out = ["## Many short holds\n",
           "N threads each loop: take the lock, about 1 us of bytecode "
           "(checking should_yield), release; alone and beside 2 "
           "CPU-bound threads. Transfers/s: acquisitions per second, all N "
           "together; served: threads that got the lock at least once in "
           "the run (in bold where some thread was never served in some "
           "round); Jain's index over the threads' acquisitions; the "
           "longest any thread waited for the lock, a wait still going on "
           "at the end counted up to the end. The wait bound, 2 x (N x the "
           "transfer time + the slice), is bfsgil's target. Hand-overs/s: "
           "the acquisitions that changed hands, which the targets judge. "
           "Beside the CPU-bound threads, their share of the lock (their "
           "opcodes against one such thread's alone, in the same round) "
           "and the hand-overs per second of the rest, the N threads' own "
           "time: a policy that keeps the CPU-bound threads off the lock "
           "makes more hand-overs by starving them.\n",
           rounds_note(runs)]
    if pingpong:
        body = [[cell_text(r.get("policy")),
                 with_spread(r, "transfer_ns", "transfer_min_ns",
                             "transfer_max_ns", us),
                 with_spread(r, "loop_ns", "loop_min_ns", "loop_max_ns",
                             us),
                 pct(r.get("loop_handed_percent")) + " %"
                 if is_num(r.get("loop_handed_percent")) else DASH]
                for r in pingpong]
        out.append("Transfer time: two threads passing the lock in turns, "
                   "us per acquisition. Free loop: the same two threads "
                   "looping freely, us per acquisition, and the share of "
                   "those acquisitions that changed hands.\n")
        out.append(table(["policy", "transfer (us)", "free loop (us)",
                          "changed hands"], body))
    with_bound = any(is_num(r.get("wait_bound_ms")) for r in runs)
    for background in ordered([r.get("workload") for r in runs],
                              list(MANY_BACKGROUND_TEXT)):
        body = []
        beside = any(is_num(r.get("cpu_share_percent")) for r in runs
                     if r.get("workload") == background)
        for r in sorted((r for r in runs
                         if r.get("workload") == background),
                        key=lambda r: (thread_key(r.get("threads")),
                                       by_policy(r))):
            row = [cell_text(r.get("threads")), cell_text(r.get("policy")),
                   with_spread(r, "transfers_per_s", "transfers_per_s_min",
                               "transfers_per_s_max", rate),
                   with_spread(r, "handed_per_s", "handed_per_s_min",
                               "handed_per_s_max", rate),
                   served_cell(r),
                   with_spread(r, "jain", "jain_min", "jain_max", jain_text),
                   wait_cell(r)]
            if with_bound:
                bound = r.get("wait_bound_ms")
                row.append(f"{num(bound, 100)} ms" if is_num(bound)
                           else DASH)
            if beside:
                share = r.get("cpu_share_percent")
                row.append(with_spread(
                    r, "cpu_share_percent", "cpu_share_min_percent",
                    "cpu_share_max_percent",
                    lambda v: f"{v:.0f} %" if is_num(v) else DASH))
                row.append(with_spread(r, "handed_per_own_s",
                                       "handed_per_own_s_min",
                                       "handed_per_own_s_max", rate)
                           if is_num(share) else DASH)
            body.append(row)
        title = MANY_BACKGROUND_TEXT.get(background, cell_text(background))
        out.append(f"### {title}\n")
        out.append(table(["threads", "policy", "transfers/s",
                          "hand-overs/s", "served", "Jain", "longest wait"]
                         + (["wait bound"] if with_bound else [])
                         + (["CPU-bound share", "hand-overs/s of own time"]
                            if beside else []), body))
    return "\n".join(s.rstrip("\n") + "\n" for s in out if s)


def cost_what(row):
    what = cell_text(row.get("workload"))
    threads = row.get("threads")
    if is_num(threads) and threads > 1:
        what += f", {threads} threads"
    return what


def section_costs(rows):
    if not rows:
        return ""
    # The column is "bfsgil ns" when every row is bfsgil's; baseline rows
    # measured on their own (policy "pthread", ...) need a policy column.
    mixed = any(r.get("policy") != "bfsgil" for r in rows)
    body = []
    for r in rows:
        row = [cost_what(r)]
        if mixed:
            row.append(cell_text(r.get("policy")))
        row += [ns(r.get("ns_per_op"))
                + spread(r.get("ns_min"), r.get("ns_max"), ns),
                cell_text(r.get("baseline")),
                ns(r.get("baseline_ns_per_op")),
                ratio(r.get("ratio"))
                + spread(r.get("ratio_min"), r.get("ratio_max"), ratio)]
        body.append(row)
    header = ["what"] + (["policy", "ns"] if mixed else ["bfsgil ns"])
    header += ["baseline", "baseline ns", "ratio"]
    return ("## Costs\n\nNanoseconds per operation; ratio = ns / baseline "
            "ns.\n\n" + rounds_note(rows) + table(header, body))


# --- Plots -------------------------------------------------------------------

def gp_string(text):
    """A gnuplot single-quoted string: no escapes inside, '' for a quote."""
    return "'" + str(text).replace("'", "''") + "'"


def write_series(tmp, name, points):
    """One data file per line of a plot: x y low high, one point a line.
    Separate files keep the script simple and let any policy name through,
    since names never end up in a file name."""
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        for point in points:
            f.write(" ".join(repr(float(v)) for v in point) + "\n")
    return name


def spread_or_point(row, key, low_key, high_key):
    value = row[key]
    low, high = row.get(low_key), row.get(high_key)
    # No spread (one round, or an older JSON): a zero-height error bar.
    if not (is_num(low) and is_num(high)):
        low = high = value
    return value, low, high


def plot_header(out_path, title, xlabel, ylabel):
    return [f"set terminal {TERMINAL}",
            f"set output {gp_string(out_path)}",
            f"set title {gp_string(title)} noenhanced",
            f"set xlabel {gp_string(xlabel)}",
            f"set ylabel {gp_string(ylabel)}",
            "set grid",
            "set key outside right top noenhanced"]


def plot_latency(rows, policies, cores_note, tmp, out_dir):
    by_key = index_rows(rows)
    series = []
    for i, policy in enumerate(policies):
        points = []
        if (policy, "none", 0) in by_key:
            points.append((0, by_key[(policy, "none", 0)]))
        points += sorted(((k[2], r) for k, r in by_key.items()
                          if k[0] == policy and k[1] == "cpu"
                          and is_num(k[2])), key=lambda p: p[0])
        # A log axis cannot show zero or a missing median.
        data = [(n,) + spread_or_point(r, "median_us", "median_min_us",
                                       "median_max_us")
                for n, r in points if is_num(r.get("median_us"))
                and r["median_us"] > 0]
        data = [(n, y, max(lo, y * 1e-3), hi) for n, y, lo, hi in data]
        if data:
            series.append((policy, write_series(tmp, f"lat{i}.dat", data)))
    if not series:
        return None
    xs = sorted({0} | {k[2] for k in by_key
                       if k[1] == "cpu" and is_num(k[2])})
    script = plot_header(
        os.path.join(out_dir, "latency.svg"),
        f"I/O latency beside CPU-bound threads{cores_note}",
        "background CPU threads (workload cpu)", "median round trip (us)")
    script += ["set logscale y 10",
               "set xtics (" + ", ".join(f'"{x}" {x}' for x in xs) + ")",
               f"set xrange [-0.3:{max(xs) + 0.3}]"]
    script.append("plot " + ", \\\n     ".join(
        f"{gp_string(f)} using 1:2:3:4 with yerrorlines lw 2 pt 7 "
        f"title {gp_string(p)}" for p, f in series))
    return script


def plot_throughput(rows, policies, cores_note, tmp, out_dir):
    by_key = index_rows(rows)
    series = []
    for i, policy in enumerate(policies):
        data = sorted(
            (k[2],) + spread_or_point(r, "percent_of_one", "percent_min",
                                      "percent_max")
            for k, r in by_key.items()
            if k[0] == policy and k[1] == "cpu" and is_num(k[2])
            and k[2] > 0 and is_num(r.get("percent_of_one")))
        if data:
            series.append((policy, write_series(tmp, f"thr{i}.dat", data)))
    if not series:
        return None
    xs = sorted({k[2] for k in by_key
                 if k[1] == "cpu" and is_num(k[2]) and k[2] > 0})
    script = plot_header(
        os.path.join(out_dir, "throughput.svg"),
        f"CPU-bound throughput vs one thread{cores_note}",
        "threads (workload cpu)", "work done, % of one thread")
    # Thread counts double, so a log2 x axis spaces them evenly.
    script += ["set logscale x 2",
               "set xtics (" + ", ".join(f'"{x}" {x}' for x in xs) + ")",
               f"set xrange [{min(xs) / 1.2}:{max(xs) * 1.2}]",
               "set yrange [0:*]"]
    script.append("plot " + ", \\\n     ".join(
        f"{gp_string(f)} using 1:2:3:4 with yerrorlines lw 2 pt 7 "
        f"title {gp_string(p)}" for p, f in series))
    return script


def plot_fairness(rows, policies, cores_note, tmp, out_dir):
    # One clustered bar group per policy, one bar per thread's share, for
    # the cpu workload at its most common thread count (the bars of
    # different thread counts would not line up).
    cpu = [r for r in rows if r.get("workload") == "cpu"
           and isinstance(r.get("shares_percent"), list)
           and all(is_num(s) for s in r["shares_percent"])]
    if not cpu:
        return None
    counts = [len(r["shares_percent"]) for r in cpu]
    width = max(set(counts), key=counts.count)
    if width > 16:
        return None
    by_policy = {r.get("policy"): r for r in cpu
                 if len(r["shares_percent"]) == width}
    names = [p for p in policies if p in by_policy]
    path = os.path.join(tmp, "fair.dat")
    with open(path, "w") as f:
        for i, policy in enumerate(names):
            f.write(f"{i} " + " ".join(
                repr(float(s)) for s in by_policy[policy]["shares_percent"])
                + "\n")
    script = plot_header(
        os.path.join(out_dir, "fairness.svg"),
        f"Lock share per thread, {width} CPU-bound threads{cores_note}",
        "policy", "share of lock time (%)")
    script += ["set style data histograms",
               "set style histogram clustered gap 1",
               "set style fill solid 0.8 border -1",
               "set yrange [0:*]",
               f"set xrange [-0.6:{len(names) - 0.4}]",
               f"set arrow from graph 0, first {100 / width} to graph 1, "
               f"first {100 / width} nohead dt 2 lw 1",
               "set xtics (" + ", ".join(
                   f"{gp_string(p)} {i}" for i, p in enumerate(names))
               + ") noenhanced"]
    script.append("plot " + ", \\\n     ".join(
        f"'fair.dat' using {c + 2} title 'thread {c + 1}'"
        for c in range(width)))
    return script


def run_gnuplot(gnuplot, tmp, name, script):
    path = os.path.join(tmp, name + ".gp")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    done = subprocess.run([gnuplot, path], cwd=tmp, capture_output=True,
                          text=True)
    if done.returncode != 0:
        fail(f"gnuplot failed on {name}.gp (status {done.returncode}):\n"
             + done.stderr.strip())
    # gnuplot reports some problems as warnings and still exits 0.
    if done.stderr.strip():
        print(f"report.py: gnuplot ({name}): {done.stderr.strip()}",
              file=sys.stderr)


# --- Main --------------------------------------------------------------------

def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        fail(f"{path} is not valid JSON: {e}")
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        fail(f"{path}: no \"results\" list; is it bfsgil-bench --json "
             "output?")
    return doc


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write RESULTS.md and SVG plots from bfsgil-bench "
                    "--json output.")
    parser.add_argument("--json", required=True, help="bfsgil-bench results")
    parser.add_argument("--out-dir", required=True,
                        help="where RESULTS.md and the SVGs go")
    parser.add_argument("--notes", help="hand-written notes copied into "
                                        "RESULTS.md (default OUT/NOTES.md)")
    parser.add_argument("--gnuplot", default="gnuplot",
                        help="gnuplot program (default: gnuplot)")
    args = parser.parse_args(argv)

    # Check before writing anything, so a missing gnuplot never leaves a
    # RESULTS.md that points at SVGs that were not made.
    gnuplot = shutil.which(args.gnuplot)
    if gnuplot is None:
        fail(f"gnuplot not found ('{args.gnuplot}'); install it with "
             "'apt-get install gnuplot-nox' or pass --gnuplot PATH")
    doc = load(args.json)
    os.makedirs(args.out_dir, exist_ok=True)
    notes_path = args.notes or os.path.join(args.out_dir, "NOTES.md")
    notes_text = None
    if os.path.exists(notes_path):
        with open(notes_path) as f:
            notes_text = f.read()

    results = [r for r in doc["results"] if isinstance(r, dict)]

    def of(test):
        return [r for r in results if r.get("test") == test]

    policies = ordered([r.get("policy") for r in results
                        if r.get("test") in ("latency", "throughput",
                                             "fairness", "many")
                        and r.get("policy") is not None], POLICY_ORDER)
    cores = (doc.get("machine") or {}).get("cores")
    # Plot titles end with the core count, the one machine fact that
    # changes the shape of every curve.
    cores_note = f" ({cores} cores)" if cores is not None else ""
    out_dir = os.path.abspath(args.out_dir)

    plotted = set()
    with tempfile.TemporaryDirectory(prefix="bfsgil-report-") as tmp:
        for name, rows, make in (("latency", of("latency"), plot_latency),
                                 ("throughput", of("throughput"),
                                  plot_throughput),
                                 ("fairness", of("fairness"),
                                  plot_fairness)):
            script = make(rows, policies, cores_note, tmp, out_dir)
            if script is not None:
                run_gnuplot(gnuplot, tmp, name, script)
                plotted.add(name)

    text = "\n".join(s for s in (
        section_head(doc, notes_text, notes_path),
        section_targets(of("target")),
        section_latency(of("latency"), policies, "latency" in plotted),
        section_throughput(of("throughput"), policies,
                           "throughput" in plotted),
        section_fairness(of("fairness"), policies, "fairness" in plotted),
        section_many(of("many"), policies),
        section_costs(of("cost")),
    ) if s)
    # Write to a temporary name and rename, so an interrupted run never
    # leaves a half-written RESULTS.md behind.
    target = os.path.join(args.out_dir, "RESULTS.md")
    with open(target + ".tmp", "w") as f:
        f.write(text)
    os.replace(target + ".tmp", target)
    print(f"report.py: wrote {target}"
          + "".join(f", {n}.svg" for n in sorted(plotted)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
