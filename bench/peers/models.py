"""The standard models of `neurodyn bench`, as plain numbers shared by the Brian2 and
NEST runners, and the statistics written into each record.

Every figure is taken from neurodyn's model files (`models/cuba.toml`, `coba.toml`,
`cobahh.toml`, `brunel.toml`) and `src/model/brunel.rs`, in PyNN's units (ms, mV, nA,
nF, µS). The runners convert them into each simulator's own units.

Nothing in this module imports a simulator, so the orchestrator (`run_peers.py`) and
`compare.py` can use it from any Python.
"""

from __future__ import annotations

import json
import os
import platform
import resource

try:
    import numpy as np
except ImportError:  # run_peers.py and compare.py work without numpy
    np = None

DT_MS = 0.1

# ---------------------------------------------------------------------------------
# CUBA (models/cuba.toml): iaf_psc_exp, 3200 E + 800 I, p = 0.02 without autapses,
# weights 0.081 nA / -0.45 nA into cm = 1 nF (1.62 mV / -9 mV in Brian's voltage form),
# delay 0.1 ms, v0 ~ U[-60, -50) mV.
CUBA = dict(
    id="cuba",
    model="CUBA",
    n_e=3200,
    n_i=800,
    p=0.02,
    cm_nf=1.0,
    tau_m=20.0,
    tau_syn_e=5.0,
    tau_syn_i=10.0,
    tau_refrac=5.0,
    v_rest=-49.0,
    v_reset=-60.0,
    v_thresh=-50.0,
    w_e_na=0.081,
    w_i_na=-0.45,
    delay=0.1,
    v0_uniform=(-60.0, -50.0),
)

# COBA (models/coba.toml): iaf_cond_exp, cm = 0.2 nF, tau_m = 20 ms (g_leak = 10 nS),
# weights 0.006 µS / 0.067 µS, i_offset = 0.2 nA (20 mV drive), v0 ~ N(-55, 5) mV.
COBA = dict(
    id="coba",
    model="COBA",
    n_e=3200,
    n_i=800,
    p=0.02,
    cm_nf=0.2,
    tau_m=20.0,
    tau_syn_e=5.0,
    tau_syn_i=10.0,
    tau_refrac=5.0,
    v_rest=-60.0,
    v_reset=-60.0,
    v_thresh=-50.0,
    e_rev_e=0.0,
    e_rev_i=-80.0,
    i_offset_na=0.2,
    w_e_us=0.006,
    w_i_us=0.067,
    delay=0.1,
    v0_normal=(-55.0, 5.0),
)

# COBAHH (models/cobahh.toml): hh_cond_exp_traub, Brian2's examples/COBAHH.py.
COBAHH = dict(
    id="cobahh",
    model="COBAHH",
    n_e=3200,
    n_i=800,
    p=0.02,
    cm_nf=0.2,
    g_leak_us=0.01,
    gbar_na_us=20.0,
    gbar_k_us=6.0,
    e_rev_leak=-60.0,
    e_rev_k=-90.0,
    e_rev_na=50.0,
    v_offset=-63.0,
    e_rev_e=0.0,
    e_rev_i=-80.0,
    tau_syn_e=5.0,
    tau_syn_i=10.0,
    tau_refrac=3.0,
    w_e_us=0.006,
    w_i_us=0.067,
    delay=0.1,
    v0_normal=(-65.0, 5.0),
    # (mean, sd, low, high) in µS; draws outside [low, high] are redrawn, as
    # neurodyn's `normal` with bounds (NEST's normal_clipped).
    g_e0=(0.04, 0.015, 0.0, 1.0),
    g_i0=(0.2, 0.12, 0.0, 2.0),
)

# Brunel (models/brunel.toml + brunel.rs::configure), regime C.
BRUNEL_J_MV = 0.1
BRUNEL_C_E_NOMINAL = 1000  # ν_ext is computed with this C_E at every size
BRUNEL_TAU_M = 20.0
BRUNEL_THETA = 20.0


def brunel(order: int, g: float = 5.0, eta: float = 2.0) -> dict:
    n_e, n_i = 4 * order, order
    rate_hz = (
        eta
        * BRUNEL_THETA
        / (BRUNEL_J_MV * BRUNEL_C_E_NOMINAL * BRUNEL_TAU_M)
        * 1000.0
        * BRUNEL_C_E_NOMINAL
    )
    n = n_e + n_i
    return dict(
        id=f"brunel_{n}",
        model=f"Brunel C, {n:,} neurons",
        order=order,
        n_e=n_e,
        n_i=n_i,
        # brunel.rs: k = min(k, size of the source population)
        c_e=min(1000, n_e),
        c_i=min(250, n_i),
        tau_m=BRUNEL_TAU_M,
        tau_refrac=2.0,
        v_rest=0.0,
        v_reset=0.0,
        v_thresh=BRUNEL_THETA,
        j_mv=BRUNEL_J_MV,
        g=g,
        eta=eta,
        j_i_mv=-g * BRUNEL_J_MV,
        delay=1.5,
        # One independent Poisson train per neuron at this rate, weight J.
        ext_rate_hz=rate_hz,
        ext_rate_per_input_hz=rate_hz / BRUNEL_C_E_NOMINAL,
        ext_inputs=BRUNEL_C_E_NOMINAL,
        v0=0.0,
    )


MODELS = {
    "cuba": CUBA,
    "coba": COBA,
    "cobahh": COBAHH,
    "brunel_2500": brunel(500),
    "brunel_12500": brunel(2500),
    "brunel_100000": brunel(20000),
}

DEFAULT_MODELS = ["cuba", "coba", "cobahh", "brunel_12500"]
QUICK_MODELS = ["cuba", "coba", "brunel_2500"]

SIMULATORS = {
    # name: (runner module, threads)
    "brian2-cpp-1thread": ("brian2_run", 1),
    "brian2-cpp-2threads": ("brian2_run", 2),
    "nest-1thread": ("nest_run", 1),
    "nest-2threads": ("nest_run", 2),
}


def model_spec(model_id: str) -> dict:
    try:
        return MODELS[model_id]
    except KeyError:
        raise SystemExit(
            f"unknown model {model_id!r}; known: {', '.join(MODELS)}"
        ) from None


# ---------------------------------------------------------------------------------
# Initial values, drawn with numpy from the run's seed so that both simulators start
# from the same distribution (not the same numbers as neurodyn, whose RNG differs).


def truncated_normal(rng: np.random.Generator, mean, sd, low, high, n) -> np.ndarray:
    out = rng.normal(mean, sd, n)
    bad = (out < low) | (out > high)
    while bad.any():
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (out < low) | (out > high)
    return out


def initial_state(spec: dict, seed: int) -> dict:
    """Initial v (mV) and, for COBAHH, g_E / g_I (µS) of all neurons, E first."""
    rng = np.random.default_rng(seed)
    n = spec["n_e"] + spec["n_i"]
    state = {}
    if "v0_uniform" in spec:
        lo, hi = spec["v0_uniform"]
        state["v"] = rng.uniform(lo, hi, n)
    elif "v0_normal" in spec:
        mean, sd = spec["v0_normal"]
        state["v"] = rng.normal(mean, sd, n)
    else:
        state["v"] = np.full(n, spec["v0"])
    if "g_e0" in spec:
        state["g_e"] = truncated_normal(rng, *spec["g_e0"], n)
        state["g_i"] = truncated_normal(rng, *spec["g_i0"], n)
    return state


def hh_gate_steady_states(v: np.ndarray, v_t: float):
    """m, h, n at rest for each v (Traub & Miles rates, as hh_cond_exp_traub), which
    is how neurodyn starts its HH neurons."""
    u = v - v_t

    def x_over_expm1(x, s):
        # x / (exp(x/s) - 1), with its limit s at x = 0
        x = np.asarray(x, dtype=float)
        small = np.abs(x) < 1e-9
        safe = np.where(small, 1.0, x)
        return np.where(small, s, safe / np.expm1(safe / s))

    alpha_m = 0.32 * x_over_expm1(13.0 - u, 4.0)
    beta_m = 0.28 * x_over_expm1(u - 40.0, 5.0)
    alpha_h = 0.128 * np.exp((17.0 - u) / 18.0)
    beta_h = 4.0 / (1.0 + np.exp((40.0 - u) / 5.0))
    alpha_n = 0.032 * x_over_expm1(15.0 - u, 5.0)
    beta_n = 0.5 * np.exp((10.0 - u) / 40.0)
    return (
        alpha_m / (alpha_m + beta_m),
        alpha_h / (alpha_h + beta_h),
        alpha_n / (alpha_n + beta_n),
    )


# ---------------------------------------------------------------------------------
# The record.


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def peak_rss_bytes_self() -> int:
    """Peak RSS of this process: VmHWM of its own address space. (getrusage's
    ru_maxrss is not used first because Linux carries the parent's peak over fork and
    exec into the child's figure.)"""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def population_stats(name, size, senders, times_ms, duration_ms) -> dict:
    """rate_hz = spikes / (size · simulated s); cv_isi = mean over the neurons with at
    least 3 spikes of std(ISI)/mean(ISI) (None when no neuron qualifies).

    `senders` are indices within the population (0..size-1)."""
    senders = np.asarray(senders, dtype=np.int64)
    times_ms = np.asarray(times_ms, dtype=np.float64)
    rate = len(senders) / (size * duration_ms / 1000.0) if size else 0.0
    cvs = []
    if len(senders):
        order = np.lexsort((times_ms, senders))
        s, t = senders[order], times_ms[order]
        bounds = np.flatnonzero(np.diff(s)) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(s)]))
        for a, b in zip(starts, ends):
            if b - a >= 3:
                isi = np.diff(t[a:b])
                m = isi.mean()
                if m > 0:
                    cvs.append(isi.std() / m)
    return {
        "name": name,
        "size": int(size),
        "rate_hz": float(rate),
        "cv_isi": float(np.mean(cvs)) if cvs else None,
    }


def make_record(
    spec: dict,
    simulator: str,
    threads: int,
    seed: int,
    duration_ms: float,
    synapses: int,
    build_s: float,
    run_s: float,
    senders: np.ndarray,
    times_ms: np.ndarray,
    out_degree: np.ndarray,
    peak_memory_bytes: int,
    extra: dict | None = None,
) -> dict:
    """One record in `neurodyn bench --out`'s schema. `senders` are global neuron
    indices (E first, then I); `out_degree[k]` is neuron k's number of outgoing
    synapses within the network."""
    n_e, n_i = spec["n_e"], spec["n_i"]
    n = n_e + n_i
    senders = np.asarray(senders, dtype=np.int64)
    times_ms = np.asarray(times_ms, dtype=np.float64)
    steps = int(round(duration_ms / DT_MS))
    simulated_ms = steps * DT_MS
    events = float(np.asarray(out_degree)[senders].sum()) if len(senders) else 0.0
    is_e = senders < n_e
    record = {
        "id": spec["id"],
        "model": spec["model"],
        "simulator": simulator,
        "device": f"{cpu_model()}, {threads} thread{'s' if threads != 1 else ''}",
        "seed": seed,
        "neurons": n,
        "synapses": int(synapses),
        "simulated_ms": simulated_ms,
        "build_s": build_s,
        "run_s": run_s,
        "realtime_factor": run_s / (simulated_ms / 1000.0),
        "spikes": int(len(senders)),
        "synaptic_events_per_s": events / run_s if run_s > 0 else None,
        "neuron_updates_per_s": n * steps / run_s if run_s > 0 else None,
        "peak_memory_bytes": int(peak_memory_bytes),
        "populations": [
            population_stats("E", n_e, senders[is_e], times_ms[is_e], simulated_ms),
            population_stats("I", n_i, senders[~is_e] - n_e, times_ms[~is_e], simulated_ms),
        ],
    }
    if extra:
        record.update(extra)
    return record


def _jsonable(x):
    if np is None:
        raise TypeError(f"not JSON serialisable: {type(x).__name__}")
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (tuple, set)):
        return list(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def write_json(path: str, obj) -> None:
    """Writes `obj` to `path` atomically (numpy values converted)."""
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, default=_jsonable)
        f.write("\n")
    os.replace(tmp, path)


def host_info() -> dict:
    return {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
