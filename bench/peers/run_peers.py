#!/usr/bin/env python3
"""Runs neurodyn's standard benchmark models in Brian2 (C++ standalone) and NEST 3 and
writes the results as a JSON list in the schema of `neurodyn bench --out`.

Every (model, simulator, seed) runs in a fresh Python process, so that memory figures
are clean and no Brian device state or NEST kernel is shared between runs.

Examples:

    bench/peers/run_peers.py --models cuba,coba,brunel_12500 \\
        --simulators brian2-cpp-1thread,nest-1thread --seeds 1,2,3 \\
        --duration-ms 1000 --out peers.json

    # the models and durations of a neurodyn result file (e.g. its quick suite)
    bench/peers/run_peers.py --like nd.json --seeds 1 --out peers.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import models as M  # noqa: E402

# Cases run only when named (--models, or compare.sh's --only), never by default nor
# taken from a --like file: brunel_100000 needs about 8.5 GiB per NEST run and 1.5 min
# of building on one core (README).
EXPLICIT_ONLY = ("brunel_100000",)


def record_model_id(record: dict) -> str | None:
    """The case id of a result record: its `id`, or one derived from `model` (for
    records of neurodyn binaries older than the `id` field)."""
    if record.get("id"):
        return record["id"]
    name = str(record.get("model", "")).strip()
    low = name.lower()
    if low.startswith("brunel"):
        m = re.search(r"([\d,]+)\s*neurons", name)
        if m:
            return "brunel_" + m.group(1).replace(",", "")
        if record.get("neurons"):
            return f"brunel_{record['neurons']}"
    if low in ("cuba", "coba", "cobahh"):
        return low
    return low or None


def load_records(path: str) -> list[dict]:
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, dict):
        data = data.get("results", [data])
    return list(data)


def default_python() -> str:
    venv = os.path.join(HERE, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


def parse_durations(text: str, model_ids: list[str]) -> dict[str, float]:
    """`1000` (every model) or `cuba=200,brunel_2500=100` (just those)."""
    if "=" not in text:
        return {m: float(text) for m in model_ids}
    out = {}
    for part in text.split(","):
        key, value = part.split("=")
        out[key.strip()] = float(value)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--models",
        help=f"comma-separated ids (default: {','.join(M.DEFAULT_MODELS)}; known: {','.join(M.MODELS)}; "
        f"{','.join(EXPLICIT_ONLY)} only when named here, also with --like)",
    )
    ap.add_argument(
        "--simulators",
        default=",".join(M.SIMULATORS),
        help=f"comma-separated (default: all: {','.join(M.SIMULATORS)})",
    )
    ap.add_argument("--seeds", default="1", help="comma-separated, e.g. 1,2,3 (default 1)")
    ap.add_argument(
        "--duration-ms",
        help="simulated time: one number, or per model as cuba=200,brunel_2500=100 "
        "(default 1000; 100 with --quick; with --like, the file's)",
    )
    ap.add_argument(
        "--like",
        metavar="ND_JSON",
        help="take the models and their durations from a neurodyn bench JSON file "
        "(--models then filters them)",
    )
    ap.add_argument("--quick", action="store_true", help=f"models {','.join(M.QUICK_MODELS)}, 100 ms (smoke test)")
    ap.add_argument(
        "--brian-hh-dt-ms",
        type=float,
        help="COBAHH in Brian2: the HH neurons' time step (default 0.1 ms, Brian's example; "
        "0.01 ms integrates as accurately as NEST and neurodyn)",
    )
    ap.add_argument("--out", required=True, help="JSON file to write (a list of records)")
    ap.add_argument("--append", action="store_true", help="keep the records already in --out")
    ap.add_argument("--python", default=default_python(), help="interpreter with brian2 and nest (default: bench/peers/.venv)")
    ap.add_argument("--timeout-s", type=float, default=3600.0, help="per run (default 3600)")
    ap.add_argument("--log", help="append the runs' stdout/stderr here (default: OUT.log)")
    args = ap.parse_args()

    durations: dict[str, float] = {}
    if args.like:
        for r in load_records(args.like):
            mid = record_model_id(r)
            if mid and mid not in durations:
                durations[mid] = float(r.get("simulated_ms", 1000.0))
        # neurodyn's suite has cases the peers do not model (procedural rows,
        # plasticity, the microcircuit): those are left to neurodyn's own figures.
        skipped = [m for m in durations if m not in M.MODELS]
        if skipped:
            print(f"no peer model for {', '.join(skipped)}: skipped", file=sys.stderr)
        model_ids = [m for m in durations if m in M.MODELS]
        wanted = args.models.split(",") if args.models else []
        if wanted:
            model_ids = [m for m in model_ids if m in wanted]
        explicit = [m for m in model_ids if m in EXPLICIT_ONLY and m not in wanted]
        if explicit:
            print(
                f"{', '.join(explicit)}: run only when named (--models {','.join(explicit)}): skipped",
                file=sys.stderr,
            )
            model_ids = [m for m in model_ids if m not in explicit]
    else:
        default_models = M.QUICK_MODELS if args.quick else M.DEFAULT_MODELS
        model_ids = args.models.split(",") if args.models else list(default_models)
        durations = parse_durations("100" if args.quick else "1000", model_ids)
    if args.duration_ms is not None:
        durations.update(parse_durations(args.duration_ms, model_ids))
    for m in model_ids:
        M.model_spec(m)  # exits on unknown ids

    simulators = args.simulators.split(",")
    for s in simulators:
        if s not in M.SIMULATORS:
            print(f"unknown simulator {s!r}; known: {', '.join(M.SIMULATORS)}", file=sys.stderr)
            return 2
    seeds = [int(s) for s in args.seeds.split(",")]

    records: list[dict] = []
    if args.append and os.path.exists(args.out):
        records = load_records(args.out)
    log_path = args.log or args.out + ".log"
    tmp_dir = os.path.join(os.path.dirname(os.path.abspath(args.out)), ".peers-tmp")
    os.makedirs(tmp_dir, exist_ok=True)

    env = dict(os.environ)
    # No BLAS/OpenMP threads beyond the ones a run asks for.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(var, None)
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["MKL_NUM_THREADS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"

    failures = 0
    total = len(model_ids) * len(seeds) * len(simulators)
    k = 0
    with open(log_path, "a") as log:
        for model_id in model_ids:
            for seed in seeds:
                for sim in simulators:
                    k += 1
                    runner, threads = M.SIMULATORS[sim]
                    out = os.path.join(tmp_dir, f"{model_id}-{sim}-{seed}.json")
                    if os.path.exists(out):
                        os.remove(out)
                    cmd = [
                        args.python,
                        os.path.join(HERE, f"{runner}.py"),
                        "--model", model_id,
                        "--threads", str(threads),
                        "--seed", str(seed),
                        "--duration-ms", repr(durations[model_id]),
                        "--out", out,
                    ]
                    if runner == "brian2_run" and args.brian_hh_dt_ms and model_id == "cobahh":
                        cmd += ["--hh-dt-ms", repr(args.brian_hh_dt_ms)]
                    label = f"[{k}/{total}] {model_id} {sim} seed {seed} ({durations[model_id]:g} ms)"
                    print(label, end=" ... ", flush=True)
                    log.write(f"\n=== {label}\n$ {' '.join(cmd)}\n")
                    log.flush()
                    load_before = os.getloadavg()
                    t0 = time.perf_counter()
                    try:
                        proc = subprocess.run(
                            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=args.timeout_s
                        )
                        rc = proc.returncode
                    except subprocess.TimeoutExpired:
                        rc = "timeout"
                    wall = time.perf_counter() - t0
                    if rc != 0 or not os.path.exists(out):
                        failures += 1
                        print(f"FAILED ({rc}) after {wall:.1f} s, see {log_path}")
                        continue
                    with open(out) as f:
                        rec = json.load(f)
                    os.remove(out)
                    # The whole subprocess, and the machine's load when it started (other
                    # processes on the cores distort the timings, threaded ones most).
                    rec["wall_total_s"] = wall
                    rec["loadavg_before"] = list(load_before)
                    records.append(rec)
                    M.write_json(args.out, records)
                    pops = ", ".join(
                        f"{p['name']} {p['rate_hz']:.2f} Hz CV {p['cv_isi']:.2f}"
                        if p["cv_isi"] is not None
                        else f"{p['name']} {p['rate_hz']:.2f} Hz CV -"
                        for p in rec["populations"]
                    )
                    print(
                        f"RTF {rec['realtime_factor']:.3f}, build {rec['build_s']:.2f} s, "
                        f"{pops} ({wall:.0f} s)"
                    )
    try:
        os.rmdir(tmp_dir)
    except OSError:
        pass
    if not records:
        M.write_json(args.out, records)
    print(f"{len(records)} records in {args.out}" + (f", {failures} failed" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
