#!/usr/bin/env python3
"""neurodyn's plasticity rules against NEST 3.10's synapse models of the same name.

Each case drives one or a few synapses with prescribed presynaptic and postsynaptic spike
times, the same network in both simulators at dt = 0.1 ms:

- neurodyn: `spike_source_array` populations, the plastic projection straight from the
  presynaptic one onto the postsynaptic one (a plastic projection onto a spike source learns
  from its given spikes; docs/model-format.md); `neurodyn run --backend cpu` (the CPU
  reference).
- NEST: each train is a `spike_generator` into a `parrot_neuron` (generator times 0.1 ms
  earlier, connection delay 0.1 ms, so the parrot spikes at the given time); the plastic
  synapse goes from the presynaptic parrot to receptor 1 of the postsynaptic one, which
  ignores its input, so the postsynaptic parrot spikes only at the given times. `tau_minus`
  and `tau_minus_triplet`, the postsynaptic neuron's in NEST, are set on that parrot. One
  thread; every delay in the network is a multiple of dt and the smallest is 0.1 ms
  (NEST's min_delay = dt, so its volume transmitter brings every dopamine synapse up to date
  every step).

In both, the synapse's delay is wholly dendritic: a postsynaptic spike at t reaches the
synapse at t + delay, a presynaptic one acts at t.

What is compared:

- `stdp_synapse` (all_to_all and nearest = `stdp_nn_symm_synapse`), `stdp_triplet_synapse`:
  the weight just after each presynaptic spike. NEST applies a postsynaptic spike's
  facilitation only when the next presynaptic spike reaches the synapse, so the trajectory is
  taken at the presynaptic spikes: copy k of a train keeps its first k presynaptic spikes and
  the postsynaptic spikes that reach the synapse by then (t_post + delay <= t_pre,k); its
  final weight is the weight after presynaptic spike k (in both simulators the same
  network of copies runs once). The trains mix random spikes, bursts, postsynaptic spikes
  before the first presynaptic one, postsynaptic arrivals in the step of a presynaptic spike
  (t_post + delay = t_pre: facilitation first, then depression without that spike) and
  simultaneous spikes.
- `stdp_dopamine_synapse`: the weight at a series of times (NEST: Simulate in chunks and
  GetStatus; neurodyn: one run per time with --duration), with a volume transmitter driven by
  prescribed spikes. neurodyn's modulator jumps in the step of the volume-transmitter
  population's spike; NEST's at the spike's arrival at the volume_transmitter (its
  connection's delay later), so NEST's dopamine parrot spikes 0.1 ms earlier and reaches the
  volume transmitter with a 0.1 ms delay: both jump at the same time.
- `tsodyks2_synapse`: the amplitude u·x of every transmitted spike (NEST: a weight_recorder,
  weight / w; neurodyn: the step's jump of i_syn_E of an iaf_psc_exp target with
  tau_syn_E = 0.01 ms, deconvolved, / w). NEST's state `u` is set to U (its default is 0.5
  whatever U is; see model::Plasticity::Tsodyks2Synapse).

Metrics: "error" is the largest |w_neurodyn − w_NEST| over the trajectory, relative to the
weight range (|w_max|, or w_max − w_min); "change" is the largest error of the weight change
between consecutive trajectory points relative to the largest such change, so that changes
small against w are checked too. For tsodyks2 "error" is the largest |Δ(u·x)| and "change"
the largest relative error of one amplitude (f32 cancellation in x = 1 + (x − xu − 1) e^(−h/τ)
makes the smallest amplitudes' relative error a few 1e-6). neurodyn computes in f32, NEST in
f64: the exact cases are held to 2e-6 of the range.

Run from the repository root (bench/peers/setup.sh makes the venv; a few seconds, 14 cases):

    bench/peers/.venv/bin/python bench/peers/nest_synapses.py [--neurodyn target/release/neurodyn] [--out DIR] [--only TEXT]

Prints a Markdown table with one row per case, notes on the rows marked [k], and exits 1 if
a case is outside its tolerance. Measured 2026-12-07: every case agrees to f32 precision
(`stdp_dopamine_synapse` with b > 0 and a weight bound reached, note [2], did not until
neurodyn's bounds were made to hold between its event-driven updates).
"""
import math
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neurodyn_cli import parser, quiet_nest, report, run_model, toml_value

DT = 0.1            # ms, both simulators
LEAD = 0.1          # ms, NEST generator -> parrot (and -> volume_transmitter) delay
TAU_SYN_PROBE = 0.01  # ms, tau_syn_E of neurodyn's tsodyks2 target (amplitude probe)


def on_grid(t):
    return round(round(t / DT) * DT, 1)


# ---------------------------------------------------------------- spike trains

def stdp_trains(seed, delay, n_pre=24, n_post=24, t_end=400.0, early_post=True):
    """A presynaptic and a postsynaptic train with random spikes, bursts on both sides,
    postsynaptic spikes that reach the synapse in the step of a presynaptic one
    (t_post = t_pre − delay) and at the same time as one (t_post = t_pre), and a final
    presynaptic spike after the last postsynaptic arrival (NEST applies facilitation only at
    presynaptic spikes). early_post = False drops postsynaptic spikes that reach the synapse
    before the first presynaptic spike."""
    rng = np.random.default_rng(seed)
    steps = np.arange(round(5.0 / DT), round(t_end / DT))
    pre = set(rng.choice(steps, n_pre, replace=False).tolist())
    post = set(rng.choice(np.arange(round(1.0 / DT), round(t_end / DT)), n_post,
                          replace=False).tolist())
    # a presynaptic and a postsynaptic burst
    b = int(rng.choice(steps[: len(steps) // 2]))
    pre.update(b + 30 * i for i in range(4))
    b = int(rng.choice(steps[len(steps) // 2:]))
    post.update(b + 20 * i for i in range(4))
    pre_list = sorted(pre)
    d = round(delay / DT)
    for s in rng.choice(pre_list, 3, replace=False):   # arrival in the presynaptic step
        if s - d > 0:
            post.add(int(s) - d)
    for s in rng.choice(pre_list, 2, replace=False):   # simultaneous spikes
        post.add(int(s))
    if not early_post:
        post = {s for s in post if s + d > pre_list[0]}
    pre.add(max(max(post) + d, max(pre)) + 30)
    return [on_grid(s * DT + DT) for s in sorted(pre)], [on_grid(s * DT + DT) for s in sorted(post)]


def pairing_trains(delay, start=20.0):
    """Sjöström-style pairing for the triplet rule: 5 pairs post 10 ms after pre at 20 Hz,
    5 pairs pre 10 ms after post at 20 Hz, then 5 pairs +5 ms at 50 Hz, and a final pre."""
    pre, post = [], []
    t = start
    for _ in range(5):
        pre.append(t)
        post.append(t + 10.0)
        t += 50.0
    t += 200.0
    for _ in range(5):
        post.append(t)
        pre.append(t + 10.0)
        t += 50.0
    t += 200.0
    for _ in range(5):
        pre.append(t)
        post.append(t + 5.0)
        t += 20.0
    pre.append(max(post) + delay + 40.0)
    return [on_grid(x) for x in pre], [on_grid(x) for x in post]


def poisson_train(seed, rate_hz, t0, t1):
    rng = np.random.default_rng(seed)
    steps = np.arange(round(t0 / DT), round(t1 / DT))
    keep = rng.random(len(steps)) < rate_hz * DT * 1e-3
    return [on_grid(s * DT) for s in steps[keep]]


# ---------------------------------------------------------------- cases

@dataclass
class Case:
    rule: str                 # neurodyn model name
    label: str
    kind: str                 # "pairs" | "dopamine" | "tsodyks"
    nd: dict                  # neurodyn plasticity table
    nest_model: str
    nest_syn: dict            # NEST per-connection parameters (besides weight and delay)
    w0: float                 # initial weight (neurodyn units = NEST units here)
    delay: float              # ms
    trains: list              # [(pre times, post times)] per synapse (tsodyks: post unused)
    tol: float                # on the first metric (relative |Δw| or relative u·x error)
    step_tol: float = None    # on "Δ step" (None: not held to it)
    nest_common: dict = field(default_factory=dict)   # CopyModel parameters
    post_nest: dict = field(default_factory=dict)     # parrot (postsynaptic) parameters
    da: list = field(default_factory=list)            # volume-transmitter spikes (dopamine)
    times: list = field(default_factory=list)         # dopamine: read-out times (ms)
    expected_offset: object = None  # documented difference: f(case, train) -> NEST − neurodyn
    note: str = ""

    @property
    def w_range(self):
        lo, hi = self.bounds
        return abs(hi - lo)

    @property
    def bounds(self):
        if self.rule == "stdp_dopamine_synapse":
            return self.nd.get("w_min", 0.0), self.nd.get("w_max", 200.0)
        wmax = self.nd.get("w_max", 100.0)
        return (0.0, wmax) if wmax > 0 else (wmax, 0.0)


NOTES = {
    "phantom": "stdp_nn_symm_synapse in NEST 3.10 pairs every postsynaptic spike that reaches "
               "the synapse before its first presynaptic spike with a presynaptic spike at t = 0 "
               "(its initial t_lastspike; the all-to-all stdp_synapse multiplies that pairing by "
               "Kplus = 0). neurodyn pairs them with none (documented in model::Plasticity). "
               "With the additive rule and no bound reached the difference is a constant "
               "λ·w_max·Σ exp(−(t_post + d)/τ₊) over those spikes: the row checks NEST − "
               "neurodyn against that offset.",
    "clamp": "b > 0 with a bound reached. NEST clamps w at every update_weight_ call: at "
             "every volume-transmitter trigger (every min_delay; here every step) and dopamine "
             "spike, i.e. the hard bounds of the continuous rule to within a step (it equals an "
             "f64 integration clamped every 0.1 ms to 5e-13). neurodyn integrates event-driven "
             "stretches and also clamps where n − b changes sign inside one (the only place w "
             "can turn), which gives the continuous bounds exactly. Until 2026-12-07 it clamped "
             "only at its catch-ups and this row failed (3.1e-4: w came back from an overshoot "
             "above the bound instead of from the bound).",
}


def cases():
    out = []
    d = 1.0
    # stdp_synapse: additive, bounds reached on both sides.
    out.append(Case(
        "stdp_synapse", "additive μ=0, bounds hit, d 1 ms", "pairs",
        dict(model="stdp_synapse", tau_plus=20.0, tau_minus=20.0, lambda_=0.2, alpha=1.3,
             mu_plus=0.0, mu_minus=0.0, w_max=10.0),
        "stdp_synapse", dict(tau_plus=20.0, **{"lambda": 0.2}, alpha=1.3, mu_plus=0.0,
                             mu_minus=0.0, Wmax=10.0),
        w0=6.0, delay=d, trains=[stdp_trains(1, d), stdp_trains(2, d, n_pre=30, n_post=40)],
        post_nest=dict(tau_minus=20.0), tol=2e-6, step_tol=1e-5))
    d = 7.9
    out.append(Case(
        "stdp_synapse", "multiplicative μ=1, d 7.9 ms", "pairs",
        dict(model="stdp_synapse", tau_plus=16.0, tau_minus=33.0, lambda_=0.05, alpha=1.1,
             mu_plus=1.0, mu_minus=1.0, w_max=50.0),
        "stdp_synapse", dict(tau_plus=16.0, **{"lambda": 0.05}, alpha=1.1, mu_plus=1.0,
                             mu_minus=1.0, Wmax=50.0),
        w0=20.0, delay=d, trains=[stdp_trains(3, d), stdp_trains(4, d, n_pre=40, n_post=30)],
        post_nest=dict(tau_minus=33.0), tol=2e-6, step_tol=1e-5))
    d = 0.1
    out.append(Case(
        "stdp_synapse", "Gütig μ₊=0.4 μ₋=0.6, d 0.1 ms", "pairs",
        dict(model="stdp_synapse", tau_plus=20.0, tau_minus=25.0, lambda_=0.08, alpha=1.05,
             mu_plus=0.4, mu_minus=0.6, w_max=5.0),
        "stdp_synapse", dict(tau_plus=20.0, **{"lambda": 0.08}, alpha=1.05, mu_plus=0.4,
                             mu_minus=0.6, Wmax=5.0),
        w0=2.0, delay=d, trains=[stdp_trains(5, d), stdp_trains(6, d)],
        post_nest=dict(tau_minus=25.0), tol=2e-6, step_tol=1e-5))
    d = 2.0
    out.append(Case(
        "stdp_synapse", "inhibitory (w_max < 0), μ=1, d 2 ms", "pairs",
        dict(model="stdp_synapse", tau_plus=20.0, tau_minus=20.0, lambda_=0.05, alpha=1.0,
             mu_plus=1.0, mu_minus=1.0, w_max=-4.0),
        "stdp_synapse", dict(tau_plus=20.0, **{"lambda": 0.05}, alpha=1.0, mu_plus=1.0,
                             mu_minus=1.0, Wmax=-4.0),
        w0=-2.0, delay=d, trains=[stdp_trains(7, d)],
        post_nest=dict(tau_minus=20.0), tol=2e-6, step_tol=1e-5))
    d = 2.0
    out.append(Case(
        "stdp_synapse", "nearest, additive, d 2 ms", "pairs",
        dict(model="stdp_synapse", tau_plus=20.0, tau_minus=15.0, lambda_=0.1, alpha=1.2,
             mu_plus=0.0, mu_minus=0.0, w_max=10.0, pairing="nearest"),
        "stdp_nn_symm_synapse", dict(tau_plus=20.0, **{"lambda": 0.1}, alpha=1.2, mu_plus=0.0,
                                     mu_minus=0.0, Wmax=10.0),
        w0=5.0, delay=d, trains=[stdp_trains(8, d, early_post=False),
                                 stdp_trains(9, d, n_pre=30, n_post=40, early_post=False)],
        post_nest=dict(tau_minus=15.0), tol=2e-6, step_tol=1e-5))
    d = 1.5
    out.append(Case(
        "stdp_synapse", "nearest, multiplicative, d 1.5 ms", "pairs",
        dict(model="stdp_synapse", tau_plus=10.0, tau_minus=30.0, lambda_=0.1, alpha=1.0,
             mu_plus=1.0, mu_minus=1.0, w_max=10.0, pairing="nearest"),
        "stdp_nn_symm_synapse", dict(tau_plus=10.0, **{"lambda": 0.1}, alpha=1.0, mu_plus=1.0,
                                     mu_minus=1.0, Wmax=10.0),
        w0=5.0, delay=d, trains=[stdp_trains(10, d, early_post=False)],
        post_nest=dict(tau_minus=30.0), tol=2e-6, step_tol=1e-5))
    d = 1.0
    out.append(Case(
        "stdp_synapse", "nearest, post spikes before the first pre", "pairs",
        dict(model="stdp_synapse", tau_plus=20.0, tau_minus=20.0, lambda_=0.002, alpha=1.0,
             mu_plus=0.0, mu_minus=0.0, w_max=10.0, pairing="nearest"),
        "stdp_nn_symm_synapse", dict(tau_plus=20.0, **{"lambda": 0.002}, alpha=1.0,
                                     mu_plus=0.0, mu_minus=0.0, Wmax=10.0),
        w0=5.0, delay=d,
        trains=[([30.0, 60.0, 75.0, 120.0], [3.0, 12.0, 28.0, 65.0, 100.0])],
        post_nest=dict(tau_minus=20.0), tol=2e-6, step_tol=None,
        expected_offset=phantom_offset, note="phantom"))
    # stdp_triplet_synapse: the paper's visual-cortex fit (docs' defaults), and a strong one.
    d = 1.0
    tr = dict(tau_plus=16.8, tau_plus_triplet=101.0, tau_minus=33.7, tau_minus_triplet=125.0,
              a_plus=5e-10, a_minus=7e-3, a_plus_triplet=6.2e-3, a_minus_triplet=2.3e-4,
              w_max=100.0)
    out.append(Case(
        "stdp_triplet_synapse", "Pfister–Gerstner visual cortex, d 1 ms", "pairs",
        dict(model="stdp_triplet_synapse", **tr), "stdp_triplet_synapse",
        dict(tau_plus=16.8, tau_plus_triplet=101.0, Aplus=5e-10, Aminus=7e-3,
             Aplus_triplet=6.2e-3, Aminus_triplet=2.3e-4, Wmax=100.0),
        w0=1.0, delay=d, trains=[pairing_trains(d), stdp_trains(11, d, n_pre=30, n_post=40)],
        post_nest=dict(tau_minus=33.7, tau_minus_triplet=125.0), tol=2e-6, step_tol=1e-4))
    d = 3.0
    out.append(Case(
        "stdp_triplet_synapse", "strong, bound hit, d 3 ms", "pairs",
        dict(model="stdp_triplet_synapse", tau_plus=20.0, tau_plus_triplet=80.0,
             tau_minus=25.0, tau_minus_triplet=60.0, a_plus=0.05, a_minus=0.07,
             a_plus_triplet=0.04, a_minus_triplet=0.01, w_max=1.5),
        "stdp_triplet_synapse",
        dict(tau_plus=20.0, tau_plus_triplet=80.0, Aplus=0.05, Aminus=0.07,
             Aplus_triplet=0.04, Aminus_triplet=0.01, Wmax=1.5),
        w0=1.0, delay=d, trains=[pairing_trains(d), stdp_trains(12, d, n_pre=30, n_post=40)],
        post_nest=dict(tau_minus=25.0, tau_minus_triplet=60.0), tol=2e-6, step_tol=1e-5))
    # stdp_dopamine_synapse: two synapses (mostly pre->post, mostly post->pre), dopamine bursts.
    d = 1.0
    da = sorted({on_grid(t0 + 2.0 * i) for t0 in (150.0, 420.0, 700.0) for i in range(5)}
                | {250.0, 555.5, 830.0})
    times = sorted(on_grid(x) for x in list(np.arange(50.0, 1001.0, 50.0)) + [151.3, 152.0, 423.7])
    dop = dict(tau_plus=20.0, tau_minus=20.0, a_plus=1.0, a_minus=1.5, tau_c=1000.0,
               tau_n=200.0, b=0.0, w_min=0.0, w_max=200.0)
    # pre->post pairs; one presynaptic spike in the step of a dopamine spike (420 ms) and one
    # postsynaptic arrival in the step of another (699 + 1 = 700 ms)
    ltp = (sorted({on_grid(x) for x in np.arange(20.0, 900.0, 61.3)} | {420.0}),
           sorted({on_grid(x + 6.0) for x in np.arange(20.0, 900.0, 61.3)} | {699.0}))
    ltd = ([on_grid(x + 8.0) for x in np.arange(30.0, 900.0, 77.7)],
           [on_grid(x) for x in np.arange(30.0, 900.0, 77.7)])
    mixed = stdp_trains(13, d, n_pre=25, n_post=25, t_end=900.0)
    out.append(Case(
        "stdp_dopamine_synapse", "b = 0, 18 dopamine spikes, d 1 ms", "dopamine",
        dict(model="stdp_dopamine_synapse", **dop, volume_transmitter="DA"),
        "stdp_dopamine_synapse", {}, w0=50.0, delay=d, trains=[ltp, ltd, mixed],
        nest_common=dict(tau_plus=20.0, A_plus=1.0, A_minus=1.5, tau_c=1000.0, tau_n=200.0,
                         b=0.0, Wmin=0.0, Wmax=200.0),
        post_nest=dict(tau_minus=20.0), da=da, times=times, tol=2e-6, step_tol=1e-5))
    d = 3.0
    dop_b = dict(dop, tau_c=300.0, b=0.002)
    out.append(Case(
        "stdp_dopamine_synapse", "b = 0.002, τ_c 300, no bound hit, d 3 ms", "dopamine",
        dict(model="stdp_dopamine_synapse", **dop_b, volume_transmitter="DA"),
        "stdp_dopamine_synapse", {}, w0=50.0, delay=d,
        trains=[ltp, ltd, stdp_trains(15, d, n_pre=25, n_post=25, t_end=900.0)],
        nest_common=dict(tau_plus=20.0, A_plus=1.0, A_minus=1.5, tau_c=300.0, tau_n=200.0,
                         b=0.002, Wmin=0.0, Wmax=200.0),
        post_nest=dict(tau_minus=20.0), da=da, times=times, tol=2e-6, step_tol=1e-5))
    d = 1.0
    dop_b = dict(dop, tau_c=300.0, b=0.01, w_min=47.0, w_max=53.0)
    out.append(Case(
        "stdp_dopamine_synapse", "b = 0.01, bounds [47, 53] hit, d 1 ms", "dopamine",
        dict(model="stdp_dopamine_synapse", **dop_b, volume_transmitter="DA"),
        "stdp_dopamine_synapse", {}, w0=50.0, delay=d, trains=[ltp, ltd, mixed],
        nest_common=dict(tau_plus=20.0, A_plus=1.0, A_minus=1.5, tau_c=300.0, tau_n=200.0,
                         b=0.01, Wmin=47.0, Wmax=53.0),
        post_nest=dict(tau_minus=20.0), da=da, times=times, tol=2e-6, step_tol=1e-5,
        note="clamp"))
    # tsodyks2_synapse: a regular train with recovery probes and a random one.
    d = 1.0
    regular = [on_grid(10.0 + 50.0 * i) for i in range(10)] + [900.0, 1400.0, 1400.1, 1400.2]
    rnd = poisson_train(14, 40.0, 5.0, 1500.0)
    out.append(Case(
        "tsodyks2_synapse", "depression U 0.5, τ_rec 800", "tsodyks",
        dict(model="tsodyks2_synapse", U=0.5, tau_rec=800.0, tau_fac=0.0),
        "tsodyks2_synapse", dict(U=0.5, u=0.5, x=1.0, tau_rec=800.0, tau_fac=0.0),
        w0=1.0, delay=d, trains=[(regular, []), (rnd, [])], tol=1e-6, step_tol=1e-5))
    regular = [on_grid(10.0 + 20.0 * i) for i in range(10)] + [700.0, 1400.0, 1400.1, 1400.2]
    out.append(Case(
        "tsodyks2_synapse", "facilitation U 0.1, τ_rec 100, τ_fac 1000", "tsodyks",
        dict(model="tsodyks2_synapse", U=0.1, tau_rec=100.0, tau_fac=1000.0),
        "tsodyks2_synapse", dict(U=0.1, u=0.1, x=1.0, tau_rec=100.0, tau_fac=1000.0),
        w0=1.0, delay=d, trains=[(regular, []), (rnd, [])], tol=1e-6, step_tol=1e-5))
    return out


def phantom_offset(case, pre, post):
    """NEST − neurodyn for additive nearest pairing without bounds reached: NEST's pairings of
    the postsynaptic spikes that reach the synapse by the first presynaptic spike with a
    presynaptic spike at t = 0."""
    lam, wmax, tau = case.nd["lambda_"], case.nd["w_max"], case.nd["tau_plus"]
    arrive = [t + case.delay for t in post if t + case.delay <= pre[0] + 1e-9]
    return lam * wmax * sum(math.exp(-a / tau) for a in arrive)


# ---------------------------------------------------------------- neurodyn side

def copies(case):
    """The synapses of a `pairs` case: per train, one copy per presynaptic spike k, with the
    first k presynaptic spikes and the postsynaptic spikes that reach the synapse by then.
    Returns [(train index, k, pre, post)]."""
    out = []
    for j, (pre, post) in enumerate(case.trains):
        for k in range(1, len(pre) + 1):
            t = pre[k - 1]
            out.append((j, k, pre[:k], [p for p in post if p + case.delay <= t + 1e-9]))
    return out


def synapse_trains(case):
    """[(pre, post)] of every synapse the networks hold, in order."""
    if case.kind == "pairs":
        return [(pre, post) for _, _, pre, post in copies(case)]
    return list(case.trains)


def model_file(case, duration):
    syn = synapse_trains(case)
    n = len(syn)
    receptor = "inhibitory" if case.w0 < 0 else "excitatory"
    out = [f'name = "syn"', "[simulation]", f"dt_ms = {DT!r}", f"duration_ms = {duration!r}",
           "", "[[populations]]", 'name = "pre"', f"size = {n}", 'model = "spike_source_array"',
           f"params = {{ spike_times_ms = {toml_value([p for p, _ in syn])} }}"]
    if case.kind == "tsodyks":
        post = dict(cm=1.0, tau_m=20.0, tau_syn_E=TAU_SYN_PROBE, tau_syn_I=TAU_SYN_PROBE,
                    tau_refrac=0.1, v_rest=0.0, v_reset=0.0, v_thresh=1e6, i_offset=0.0)
        out += ["", "[[populations]]", 'name = "post"', f"size = {n}", 'model = "iaf_psc_exp"',
                f"params = {toml_value(post)}"]
    else:
        out += ["", "[[populations]]", 'name = "post"', f"size = {n}",
                'model = "spike_source_array"',
                f"params = {{ spike_times_ms = {toml_value([q for _, q in syn])} }}"]
    if case.kind == "dopamine":
        out += ["", "[[populations]]", 'name = "DA"', "size = 1", 'model = "spike_source_array"',
                f"params = {{ spike_times_ms = {toml_value([case.da])} }}"]
    out += ["", "[[projections]]", 'pre = "pre"', 'post = "post"',
            f"connectivity = {{ rule = \"from_list\", pairs = {[[i, i] for i in range(n)]} }}",
            f"weight = {case.w0!r}", f"delay_ms = {case.delay!r}", f'receptor = "{receptor}"',
            f"plasticity = {toml_value(case.nd)}"]
    if case.kind == "tsodyks":
        out += ["", "[[recorders]]", 'record = "state"', 'population = "post"',
                'variable = "i_syn_E"', f"neurons = {list(range(n))}", "every_steps = 1"]
    else:
        out += ["", "[[recorders]]", 'record = "spikes"', 'population = "post"']
    return "\n".join(out) + "\n"


def run_neurodyn(binary, case, folder, duration):
    return run_model(binary, model_file(case, duration), folder, f"out_{duration:g}")


def neurodyn_weights(out, n):
    w = np.load(out / "weights_0.npy").astype(float)
    pairs = np.load(out / "synapses_0.npy")
    if not (len(w) == n and np.array_equal(pairs[:, 0], np.arange(n))
            and np.array_equal(pairs[:, 1], np.arange(n))):
        sys.exit(f"{out}: unexpected synapse order {pairs.tolist()}")
    return w


def end_time(case):
    last = max(max(p + [0.0]) + case.delay for p, _ in synapse_trains(case))
    last = max([last] + [max(q) + case.delay for _, q in synapse_trains(case) if q] + case.da)
    return on_grid(last + 2.0)


def nd_side(binary, case, folder):
    syn = synapse_trains(case)
    n = len(syn)
    if case.kind == "pairs":
        return neurodyn_weights(run_neurodyn(binary, case, folder, end_time(case)), n)
    if case.kind == "dopamine":
        return np.array([neurodyn_weights(run_neurodyn(binary, case, folder, t), n)
                         for t in case.times])
    # tsodyks: the jump of i_syn_E at each arrival, deconvolved
    out = run_neurodyn(binary, case, folder, end_time(case))
    t = np.load(out / "state_post_i_syn_E_times.npy")
    i = np.load(out / "state_post_i_syn_E.npy").astype(float)
    p = math.exp(-DT / TAU_SYN_PROBE)
    res = []
    for j, (pre, _) in enumerate(syn):
        amps = []
        for s in pre:
            m = int(np.argmin(np.abs(t - (s + case.delay))))
            if abs(t[m] - (s + case.delay)) > 1e-6:
                sys.exit(f"{case.label}: no sample at {s + case.delay} ms")
            amps.append(i[m, j] - (p * i[m - 1, j] if m > 0 else 0.0))
        res.append(np.array(amps) / case.w0)
    return res


# ---------------------------------------------------------------- NEST side

def parrot(nest, times):
    gen = nest.Create("spike_generator",
                      params={"spike_times": [round(t - LEAD, 10) for t in times]})
    node = nest.Create("parrot_neuron")
    nest.Connect(gen, node, syn_spec={"delay": LEAD})
    return node


def nest_side(nest, case):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    model = case.nest_model
    wr = None
    if case.kind == "dopamine":
        vt = nest.Create("volume_transmitter")
        # a device cannot reach a volume transmitter: generator -> parrot -> volume_transmitter
        nest.Connect(parrot(nest, [round(t - LEAD, 10) for t in case.da]), vt,
                     syn_spec={"delay": LEAD})
        nest.CopyModel(model, "syn_under_test", dict(case.nest_common, volume_transmitter=vt))
        model = "syn_under_test"
    elif case.kind == "tsodyks":
        wr = nest.Create("weight_recorder")
        nest.CopyModel(model, "syn_under_test", {"weight_recorder": wr})
        model = "syn_under_test"
    conns = []
    for pre, post in synapse_trains(case):
        a = parrot(nest, pre)
        b = parrot(nest, post)
        if case.post_nest:
            b.set(case.post_nest)
        nest.Connect(a, b, syn_spec=dict(case.nest_syn, synapse_model=model, weight=case.w0,
                                         delay=case.delay, receptor_type=1))
        conns.append((a, b))
    if case.kind == "pairs":
        nest.Simulate(end_time(case))
        return np.array([nest.GetConnections(a, b).get("weight") for a, b in conns])
    if case.kind == "dopamine":
        res, now = [], 0.0
        for t in case.times:
            nest.Simulate(round(t - now, 10))
            now = t
            res.append([nest.GetConnections(a, b).get("weight") for a, b in conns])
        return np.array(res)
    nest.Simulate(end_time(case))
    ev = wr.get("events")
    res = []
    for a, _ in conns:
        sel = ev["senders"] == a.global_id
        order = np.argsort(ev["times"][sel], kind="stable")
        res.append(np.asarray(ev["weights"][sel], float)[order] / case.w0)
    return res


# ---------------------------------------------------------------- comparison

def trajectories(case, w):
    """Per train, the weights along the trajectory, the initial weight first."""
    if case.kind == "pairs":
        out, at = [], 0
        for pre, _ in case.trains:
            out.append(np.concatenate([[case.w0], w[at:at + len(pre)]]))
            at += len(pre)
        return out
    return [np.concatenate([[case.w0], w[:, j]]) for j in range(w.shape[1])]


def compare(case, nd, ns):
    """First metric, Δ step, points compared, points at a bound."""
    if case.kind == "tsodyks":
        err, rel, npts = 0.0, 0.0, 0
        for a, b in zip(nd, ns):
            if len(a) != len(b):
                sys.exit(f"{case.label}: {len(a)} neurodyn amplitudes, {len(b)} NEST ones")
            err = max(err, float(np.max(np.abs(a - b))))
            rel = max(rel, float(np.max(np.abs(a - b) / np.abs(b))))
            npts += len(a)
        return err, rel, npts, 0
    lo, hi = case.bounds
    err, step_err, npts, at_bound = 0.0, 0.0, 0, 0
    for j, (a, b) in enumerate(zip(trajectories(case, nd), trajectories(case, ns))):
        if case.expected_offset is not None:
            pre, post = case.trains[j]
            b = b.copy()
            b[1:] -= case.expected_offset(case, pre, post)
        err = max(err, float(np.max(np.abs(a - b))) / case.w_range)
        da, db = np.diff(a), np.diff(b)
        big = float(np.max(np.abs(db)))
        if big > 0:
            step_err = max(step_err, float(np.max(np.abs(da - db))) / big)
        npts += len(a) - 1
        at_bound += int(np.sum((np.abs(b[1:] - lo) < 1e-9) | (np.abs(b[1:] - hi) < 1e-9)))
    return err, step_err, npts, at_bound


def main():
    ap = parser(__doc__)
    ap.add_argument("--only", default=None, help="run only the cases whose label or rule contains this")
    args = ap.parse_args()
    nest = quiet_nest(args)
    scratch = args.out or Path(tempfile.mkdtemp(prefix="nest_synapses_"))

    rows, failed = [], []
    for k, case in enumerate(cases()):
        if args.only and args.only not in case.label and args.only not in case.rule:
            continue
        folder = scratch / f"{k:02d}_{case.rule}"
        nd = nd_side(args.neurodyn.resolve(), case, folder)
        ns = nest_side(nest, case)
        err, step_err, npts, at_bound = compare(case, nd, ns)
        ok = err <= case.tol and (case.step_tol is None or step_err <= case.step_tol)
        if not ok:
            failed.append(f"{case.rule} ({case.label})")
        what = {"pairs": "w after each pre spike", "dopamine": "w at read-out times",
                "tsodyks": "u·x of each spike"}[case.kind]
        tol = f"≤ {case.tol:g}" + ("" if case.step_tol is None else f", ≤ {case.step_tol:g}")
        note = f" [{list(NOTES).index(case.note) + 1}]" if case.note else ""
        rows.append(f"| {case.rule} | {case.label}{note} | {case.nest_model} | {what} | {npts} | "
                    f"{at_bound} | {err:.2g} | {'—' if step_err is None else f'{step_err:.2g}'} | "
                    f"{'pass' if ok else '**FAIL**'} ({tol}) |")

    print(f"neurodyn {args.neurodyn} (--backend cpu) against NEST {nest.__version__}, "
          f"dt = {DT} ms; outputs in {scratch}\n")
    print("error: the largest |neurodyn − NEST| over the compared points, over the weight range "
          "(tsodyks2: of u·x, in [0, 1]); change: the largest error of the change between "
          "consecutive points over the largest change (tsodyks2: the largest relative error of "
          "one amplitude).\n")
    report("| rule | case | NEST model | compared | points | at a bound | error | change "
           "| verdict (tolerances) |", rows, NOTES.values(), failed)


if __name__ == "__main__":
    main()
