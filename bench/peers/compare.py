#!/usr/bin/env python3
"""Compares neurodyn's bench results with the peers' (Brian2, NEST) as one Markdown
table per neurodyn configuration.

    bench/peers/compare.py --neurodyn nd.json --peers peers.json [--out table.md]

Both files are JSON lists in the schema of `neurodyn bench --out` (run_peers.py writes
the peers'). Records are grouped by model (`id`), simulator and, for neurodyn, adapter
and instance count (an ensemble of `--instances B` is its own row, labelled "× B
instances", followed by the peers again); each figure is the mean over the records of
the group (± the sample standard deviation when there are several). Two records of one
group with the same seed are warned about on stderr: they count as two samples.

Columns:
- RTF: real-time factor, run time / simulated time (build excluded); below 1 is faster
  than real time. For an ensemble, the wall time of all B instances.
- speed-up: the peer's mean RTF / neurodyn's mean RTF per network (> 1: neurodyn is
  faster); for an ensemble of B instances neurodyn's RTF / B, as it ran B networks in
  that time.
- syn. events/s, neuron updates/s: the records' synaptic events and neuron updates
  (0.1 ms steps) per second of run time, all instances together.
- rate, CV: each population's firing rate (Hz) and mean CV of inter-spike intervals.
- Δrate, ΔCV: neurodyn's mean minus the row's mean, in % of the row's mean.

Older neurodyn files without `id`, `seed` or `populations` are accepted: the model id
is derived from the model name, and the missing figures are shown as "n/a".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from run_peers import load_records, record_model_id  # noqa: E402

MODEL_ORDER = ["cuba", "coba", "cobahh", "brunel_2500", "brunel_12500", "brunel_100000"]

# Printed under every table with a COBAHH row: the three simulators do different
# amounts of integration work per 0.1 ms step there (src/plan/neurons.rs
# HH_MAX_SUBSTEP_MS, bench/peers/brian2_run.py build_cobahh, NEST's
# hh_cond_exp_traub).
COBAHH_NOTE = (
    "COBAHH: the speed-up is not like for like, as the three integrate "
    "hh_cond_exp_traub differently: neurodyn with RK4 in 10 substeps of 0.01 ms per "
    "0.1 ms step (40 evaluations of the right-hand side per step), Brian2 with "
    "{brian}, NEST with GSL's adaptive RKF45 (as many steps as its error control asks "
    "for: few between spikes, many during one)."
)


def brian_hh_integration(values) -> str:
    """Brian2's COBAHH integration as its records' `integration` field names it
    (brian2_run.py: "exponential_euler", or "..., neuron dt 0.01 ms" with
    --brian-hh-dt-ms)."""
    texts = []
    for v in sorted(set(values)) or ["exponential_euler"]:
        method, _, rest = v.partition(",")
        m = re.search(r"neuron dt ([\d.eE+-]+) ms", rest)
        dt = float(m.group(1)) if m else 0.1
        per_step = max(1, round(0.1 / dt))
        name = method.strip().replace("exponential_euler", "exponential Euler")
        updates = "one update" if per_step == 1 else f"{per_step} updates"
        origin = "" if m else ", as Brian's COBAHH example"
        texts.append(f"{name} at {dt:g} ms ({updates} per 0.1 ms step{origin})")
    return "; ".join(texts)
SIM_ORDER = ["neurodyn", "brian2-cpp-1thread", "brian2-cpp-2threads", "nest-1thread", "nest-2threads"]


def mean_sd(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not values:
        return None, None, 0
    m = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else None
    return m, sd, len(values)


def fmt(m, sd=None, digits=3, sig=False):
    if m is None:
        return "n/a"
    f = (lambda x: f"{x:.{digits}g}") if sig else (lambda x: f"{x:.{digits}f}")
    return f(m) + (f" ± {f(sd)}" if sd is not None else "")


def fmt_rate(m, sd=None):
    """Per-second figures in 3 significant digits, e.g. 1.39e6 (as neurodyn's table)."""
    if m is None:
        return "n/a"

    def f(x):
        text = f"{x:.3g}"
        if "e" in text:
            mant, exp = text.split("e")
            text = f"{mant}e{int(exp)}"
        return text

    return f(m) + (f" ± {f(sd)}" if sd is not None else "")


def pct(nd, ref):
    if nd is None or ref is None or ref == 0:
        return "n/a"
    return f"{100.0 * (nd - ref) / ref:+.1f}%"


class Group:
    """The records of one (model, simulator[, device])."""

    def __init__(self, records):
        self.records = records
        r0 = records[0]
        self.model = r0.get("model", "?")
        self.neurons = r0.get("neurons")
        self.synapses = mean_sd([r.get("synapses") for r in records])[0]
        self.seeds = sorted({r.get("seed") for r in records if r.get("seed") is not None})
        self.n = len(records)
        self.instances = instances_of(r0)
        self.rtf = mean_sd([r.get("realtime_factor") for r in records])
        self.events = mean_sd([r.get("synaptic_events_per_s") for r in records])
        self.updates = mean_sd([r.get("neuron_updates_per_s") for r in records])
        self.build = mean_sd([r.get("build_s") for r in records])
        self.simulated_ms = sorted({r.get("simulated_ms") for r in records})
        mem = [r.get("peak_memory_bytes") for r in records]
        self.memory = mean_sd([m / 2**20 for m in mem if m is not None])
        self.pops = {}
        for r in records:
            for p in r.get("populations") or []:
                d = self.pops.setdefault(p["name"], {"rate": [], "cv": []})
                d["rate"].append(p.get("rate_hz"))
                d["cv"].append(p.get("cv_isi"))

    def rate(self, pop):
        return mean_sd(self.pops.get(pop, {}).get("rate", []))

    def cv(self, pop):
        return mean_sd(self.pops.get(pop, {}).get("cv", []))


def instances_of(record) -> int:
    """The instance count of a record (1 for records without the field, the peers')."""
    try:
        return max(1, int(record.get("instances") or 1))
    except (TypeError, ValueError):
        return 1


def warn_repeated_seeds(what: str, records) -> None:
    """Warns (stderr) where two records of one group share a seed: they would count as
    two samples of the mean and sd."""
    counts = {}
    for r in records:
        if r.get("seed") is not None:
            counts[r["seed"]] = counts.get(r["seed"], 0) + 1
    repeated = {s: c for s, c in counts.items() if c > 1}
    if repeated:
        listed = ", ".join(f"seed {s} × {c}" for s, c in sorted(repeated.items(), key=lambda x: str(x[0])))
        print(
            f"warning: {what}: {listed}: the same seed counts as separate samples",
            file=sys.stderr,
        )


def group_by(records, key):
    out = {}
    for r in records:
        out.setdefault(key(r), []).append(r)
    return out


def order_key(seq, x):
    return (seq.index(x) if x in seq else len(seq), x)


THREADS_SUFFIX = re.compile(r", LP_NUM_THREADS=(\S+)$")


def adapter(device: str) -> str:
    """The device description without the lavapipe thread count neurodyn appends."""
    return THREADS_SUFFIX.sub("", device)


def lavapipe_threads(device: str):
    """The lavapipe thread count named in a device description, or None."""
    m = THREADS_SUFFIX.search(device)
    return m.group(1) if m else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--neurodyn", required=True, nargs="+", help="neurodyn bench JSON file(s)")
    ap.add_argument("--peers", required=True, nargs="+", help="run_peers.py JSON file(s)")
    ap.add_argument("--out", help="also write the Markdown here")
    ap.add_argument("--populations", default="E,I", help="populations to compare (default E,I)")
    args = ap.parse_args()

    nd_records = [r for path in args.neurodyn for r in load_records(path)]
    peer_records = [r for path in args.peers for r in load_records(path)]
    for r in nd_records:
        r.setdefault("simulator", "neurodyn")
    pops = args.populations.split(",")

    # One table per neurodyn configuration (simulator + adapter), e.g. GPU and CPU. On
    # lavapipe neurodyn chooses the thread count per case (its device names it): one
    # table all the same, the counts listed under its heading.
    nd_configs = group_by(nd_records, lambda r: (r.get("simulator", "neurodyn"), adapter(r.get("device", ""))))
    peers = group_by(peer_records, lambda r: (record_model_id(r), r.get("simulator", "?")))

    for (model_id, sim), recs in peers.items():
        warn_repeated_seeds(f"{sim} {model_id}", recs)

    lines = []
    for (nd_sim, nd_device), nd_recs in nd_configs.items():
        # One block per (model, instance count): an ensemble is not pooled with single
        # networks of the same model.
        nd_groups = group_by(nd_recs, lambda r: (record_model_id(r), instances_of(r)))
        lines.append(f"neurodyn: {nd_sim} on {nd_device or 'unknown device'}")
        threads = group_by(nd_recs, lambda r: lavapipe_threads(r.get("device", "")))
        if len(threads) > 1 or None not in threads:
            for count, recs in threads.items():
                ids = ", ".join(sorted({record_model_id(r) for r in recs}, key=lambda m: order_key(MODEL_ORDER, m)))
                setting = f"LP_NUM_THREADS={count}" if count is not None else "lavapipe's default threads"
                lines.append(f"- {setting}: {ids}")
        lines.append("")
        head = [
            "model",
            "simulator",
            "seeds",
            "synapses",
            "build (s)",
            "RTF",
            "speed-up",
            "syn. events/s",
            "neuron updates/s",
            "peak RSS (MiB)",
        ]
        for p in pops:
            head += [f"rate {p} (Hz)", f"CV {p}"]
        for p in pops:
            head += [f"Δrate {p}", f"ΔCV {p}"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        has_cobahh = False
        brian_hh = set()
        for model_id, instances in sorted(
            nd_groups, key=lambda k: (order_key(MODEL_ORDER, k[0]), k[1])
        ):
            nd_model_recs = nd_groups[(model_id, instances)]
            warn_repeated_seeds(
                f"neurodyn {model_id} on {nd_device or 'unknown device'}"
                + (f", {instances} instances" if instances > 1 else ""),
                nd_model_recs,
            )
            nd = Group(nd_model_recs)
            # neurodyn's RTF per network: an ensemble ran `instances` networks at once.
            nd_rtf_per_network = nd.rtf[0] / instances if nd.rtf[0] else None
            rows = [("neurodyn", nd)]
            sims = sorted({s for (m, s) in peers if m == model_id}, key=lambda s: order_key(SIM_ORDER, s))
            rows += [(s, Group(peers[(model_id, s)])) for s in sims]
            if len(sims) > 1:
                all_peers = [r for s in sims for r in peers[(model_id, s)]]
                rows.append(("peers (all)", Group(all_peers)))
            if model_id == "cobahh":
                has_cobahh = True
                for s in sims:
                    if s.startswith("brian2"):
                        brian_hh |= {r.get("integration") or "exponential_euler" for r in peers[(model_id, s)]}
            for sim, g in rows:
                is_nd = sim == "neurodyn"
                is_all = sim == "peers (all)"
                durations = ",".join(f"{d:g}" for d in g.simulated_ms if d is not None)
                label = ""
                if is_nd:
                    label = f"{g.model} ({durations} ms)"
                    if instances > 1:
                        label += f", × {instances} instances"
                seeds = ",".join(str(s) for s in g.seeds) if g.seeds else str(g.n)
                if g.seeds and len(g.seeds) < g.n:
                    seeds += f" ({g.n} records)"
                cells = [
                    label,
                    sim,
                    seeds,
                    f"{g.synapses:,.0f}" if g.synapses is not None else "n/a",
                    "" if is_all else fmt(*g.build[:2], digits=2),
                    "" if is_all else fmt(*g.rtf[:2], digits=3, sig=True),
                    ""
                    if (is_nd or is_all or g.rtf[0] is None or not nd_rtf_per_network)
                    else f"{g.rtf[0] / nd_rtf_per_network:.2f}×",
                    "" if is_all else fmt_rate(*g.events[:2]),
                    "" if is_all else fmt_rate(*g.updates[:2]),
                    "" if is_all else fmt(*g.memory[:2], digits=0),
                ]
                for p in pops:
                    cells += [fmt(*g.rate(p)[:2], digits=2), fmt(*g.cv(p)[:2], digits=3)]
                for p in pops:
                    if is_nd:
                        cells += ["", ""]
                    else:
                        cells += [pct(nd.rate(p)[0], g.rate(p)[0]), pct(nd.cv(p)[0], g.cv(p)[0])]
                lines.append("| " + " | ".join(cells) + " |")
            for sim, g in rows:
                pooled = [d for d in g.simulated_ms if d is not None]
                if len(pooled) > 1 and sim != "peers (all)":
                    lines.append(
                        f"| ⚠ {model_id}: {sim}'s mean pools records of several durations: "
                        f"{pooled} ms (compare runs of one length) |" + " |" * (len(head) - 1)
                    )
            mismatch = {r.get("simulated_ms") for r in nd_model_recs} ^ {
                r.get("simulated_ms") for s in sims for r in peers[(model_id, s)]
            }
            if sims and mismatch:
                lines.append(
                    f"| ⚠ {model_id}: simulated durations differ between neurodyn and peers: "
                    f"{sorted(x for x in mismatch if x is not None)} ms |" + " |" * (len(head) - 1)
                )
        lines.append("")
        lines.append(
            "RTF = run time / simulated time, mean ± sd over seeds (build excluded; for "
            "\"× B instances\", the wall time of all B). "
            "speed-up = peer RTF / neurodyn RTF per network (neurodyn's RTF / B for B "
            "instances; > 1: neurodyn faster). "
            "syn. events/s and neuron updates/s: per second of run time, all instances. "
            "Δ = (neurodyn − row) / row, on the means over seeds."
        )
        if has_cobahh:
            lines.append("")
            lines.append(COBAHH_NOTE.format(brian=brian_hh_integration(brian_hh)))
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
