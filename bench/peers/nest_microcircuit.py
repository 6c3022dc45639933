"""Potjans & Diesmann (2014)'s cortical microcircuit in NEST 3, as NEST's PyNEST
example `Potjans_2014` builds it (network_params.py, helpers.py, network.py; the
example is no longer shipped with NEST's wheels), with the numbers of neurodyn's
`src/model/microcircuit.rs`, so that one 2-core host times both on the same model
(each source population's synapses in a copy of static_synapse of their own: NEST
allows 2^27 − 2 connections per thread and synapse model, fewer than the full scale
has on 2 threads):

    python nest_microcircuit.py --scale 1 --threads 2 --seed 1 \
        --transient-ms 500 --duration-ms 1000 --out r.json

`--scale` is both N_scaling and K_scaling (the speed issue's target is 1: 77,169
neurons, about 3·10^8 synapses). With K_scaling below 1 the weights grow by
1/sqrt(K_scaling) and a DC keeps the mean input, as helpers.py does.

Writes one record in `neurodyn bench --out`'s schema: build_s (nodes, Connect and
nest.Prepare), run_s (nest.Run of the measured stretch only; the transient runs
before it), realtime_factor = run_s / measured simulated time, peak memory, and each
population's rate and CV ISI over the measured stretch.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import models as M  # noqa: E402

os.environ.setdefault("PYNEST_QUIET", "1")
import nest  # noqa: E402

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
FULL_NUM_NEURONS = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
CONN_PROBS = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
FULL_MEAN_RATES = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]
V0_MEAN = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
V0_SD = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
BG_RATE = 8.0
PSP_EXC = 0.15
WEIGHT_REL_SD = 0.1
G = -4.0
DELAY_EXC, DELAY_INH, DELAY_REL_SD = 1.5, 0.75, 0.5
DELAY_POISSON = 1.5
NEURON = {
    "C_m": 250.0,
    "tau_m": 10.0,
    "tau_syn_ex": 0.5,
    "tau_syn_in": 0.5,
    "t_ref": 2.0,
    "E_L": -65.0,
    "V_reset": -65.0,
    "V_th": -50.0,
}
DT = 0.1


def psc_over_psp(c_m, tau_m, tau_syn):
    """helpers.py postsynaptic_potential_to_current, per mV."""
    sub = 1.0 / (tau_syn - tau_m)
    pre = tau_m * tau_syn / c_m * sub
    frac = (tau_m / tau_syn) ** sub
    return 1.0 / (pre * (frac**tau_m - frac**tau_syn))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--transient-ms", type=float, default=500.0)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    scale = args.scale

    nest.ResetKernel()
    nest.set(
        resolution=DT,
        local_num_threads=args.threads,
        rng_seed=args.seed,
        print_time=False,
        overwrite_files=True,
    )

    t0 = time.perf_counter()
    num_neurons = [int(np.round(n * scale)) for n in FULL_NUM_NEURONS]
    full_syn = np.zeros((8, 8))
    for i in range(8):
        for j in range(8):
            prod = FULL_NUM_NEURONS[i] * FULL_NUM_NEURONS[j]
            full_syn[i, j] = math.log(1.0 - CONN_PROBS[i][j]) / math.log((prod - 1.0) / prod)
    num_syn = np.round(full_syn * scale * scale).astype(np.int64)
    ext_indegrees = np.round(np.array(K_EXT) * scale).astype(np.int64)
    factor = psc_over_psp(NEURON["C_m"], NEURON["tau_m"], NEURON["tau_syn_ex"])
    weight = np.full((8, 8), PSP_EXC * factor)
    weight[:, 1::2] *= G
    weight[0, 2] *= 2.0
    weight_ext = PSP_EXC * factor
    dc = np.zeros(8)
    if scale != 1.0:
        sqrt_k = math.sqrt(scale)
        for i in range(8):
            indegree = full_syn[i] / FULL_NUM_NEURONS[i]
            rec = float(np.sum(weight[i] * indegree * np.array(FULL_MEAN_RATES)))
            ext = weight_ext * K_EXT[i] * BG_RATE
            dc[i] = 0.001 * NEURON["tau_syn_ex"] * (1.0 - sqrt_k) * (rec + ext)
        weight /= sqrt_k
        weight_ext /= sqrt_k

    pops = []
    for i, n in enumerate(num_neurons):
        pop = nest.Create("iaf_psc_exp", n, params=dict(NEURON, I_e=dc[i]))
        pop.V_m = nest.random.normal(mean=V0_MEAN[i], std=V0_SD[i])
        pops.append(pop)
    recorders = [
        nest.Create("spike_recorder", params={"start": args.transient_ms}) for _ in pops
    ]
    for pop, rec in zip(pops, recorders):
        nest.Connect(pop, rec)
    # NEST holds at most 2^27 − 2 connections per thread and synapse model; the full
    # scale's 3·10^8 on 2 threads exceed that, so each source population gets its own
    # copy of static_synapse (the same synapse).
    for name in POPULATIONS:
        nest.CopyModel("static_synapse", f"static_from_{name}")
    for i, target in enumerate(pops):
        for j, source in enumerate(pops):
            if num_syn[i, j] == 0:
                continue
            mean_delay = DELAY_EXC if j % 2 == 0 else DELAY_INH
            w_mean, w_sd = weight[i, j], abs(weight[i, j] * WEIGHT_REL_SD)
            w = (
                nest.math.redraw(nest.random.normal(mean=w_mean, std=w_sd), min=0.0, max=np.inf)
                if j % 2 == 0
                else nest.math.redraw(nest.random.normal(mean=w_mean, std=w_sd), min=-np.inf, max=0.0)
            )
            d = nest.math.redraw(
                nest.random.normal(mean=mean_delay, std=mean_delay * DELAY_REL_SD),
                min=DT - 0.5 * DT,
                max=np.inf,
            )
            nest.Connect(
                source,
                target,
                conn_spec={"rule": "fixed_total_number", "N": int(num_syn[i, j])},
                syn_spec={"synapse_model": f"static_from_{POPULATIONS[j]}", "weight": w, "delay": d},
            )
    for i, target in enumerate(pops):
        gen = nest.Create("poisson_generator", params={"rate": BG_RATE * float(ext_indegrees[i])})
        nest.Connect(gen, target, "all_to_all", {"weight": weight_ext, "delay": DELAY_POISSON})
    nest.Prepare()
    build_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    nest.Run(args.transient_ms)
    transient_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    nest.Run(args.duration_ms)
    run_s = time.perf_counter() - t2
    peak = M.peak_rss_bytes_self()
    nest.Cleanup()

    populations = []
    spikes = 0
    for name, pop, rec in zip(POPULATIONS, pops, recorders):
        ev = rec.get("events")
        first = pop.tolist()[0]
        senders = np.asarray(ev["senders"]) - first
        spikes += len(senders)
        populations.append(
            M.population_stats(name, len(pop), senders, ev["times"], args.duration_ms)
        )
    n = sum(num_neurons)
    record = {
        "id": "microcircuit_1" if scale == 1.0 else f"microcircuit_{scale:g}",
        "model": "Microcircuit" + (", full scale" if scale == 1.0 else f", scale {scale:g}"),
        "simulator": f"nest-{args.threads}thread{'s' if args.threads != 1 else ''}",
        "device": f"{M.cpu_model()}, {args.threads} threads",
        "seed": args.seed,
        "neurons": n,
        "synapses": int(num_syn.sum()),
        "simulated_ms": args.duration_ms,
        "transient_ms": args.transient_ms,
        "build_s": build_s,
        "transient_s": transient_s,
        "run_s": run_s,
        # Over the measured stretch alone; neurodyn's microcircuit example prints its
        # factor over transient and measured time together, as this one:
        "realtime_factor": run_s / (args.duration_ms / 1000.0),
        "realtime_factor_with_transient": (transient_s + run_s)
        / ((args.transient_ms + args.duration_ms) / 1000.0),
        "spikes": spikes,
        "neuron_updates_per_s": n * round(args.duration_ms / DT) / run_s,
        "peak_memory_bytes": peak,
        "populations": populations,
        "nest_version": nest.__version__,
    }
    M.write_json(args.out, record)
    print(
        f"{record['model']}, NEST {args.threads} threads, seed {args.seed}: build {build_s:.1f} s, "
        f"transient {transient_s:.1f} s, run {run_s:.1f} s, RTF {record['realtime_factor']:.2f} "
        f"({record['realtime_factor_with_transient']:.2f} with the transient), "
        f"peak {peak / 2**30:.2f} GiB"
    )
    for p in populations:
        print(f"  {p['name']:5s} {p['size']:6d} neurons  {p['rate_hz']:7.3f} Hz  CV {p['cv_isi']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
