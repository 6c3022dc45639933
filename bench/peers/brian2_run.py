"""Runs one standard model once in Brian2's C++ standalone mode and writes one record
(neurodyn's bench schema) as JSON. Called by run_peers.py, one fresh process per run.

    python brian2_run.py --model cuba --threads 1 --seed 1 --duration-ms 1000 --out r.json

Timing:
- build_s: Python network construction + code generation + compilation + the
  binary's own set-up before the run loop (synapse creation, initial values, spike
  queue preparation); compile_s is the `make` part of it.
- run_s: wall time of `Network::run` inside the binary only, measured with
  std::chrono::steady_clock code inserted right around it (Brian's own
  `device._last_run_time` is CPU time when OpenMP is off; it is kept as
  `brian_last_run_time_s`).
- peak_memory_bytes: the peak RSS of the standalone binary, which is the process that
  builds the synapses and simulates (getrusage inserted at its end). The Python
  process's own peak (code generation) is `python_peak_memory_bytes`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import models as M  # noqa: E402

import brian2 as b2  # noqa: E402
from brian2 import mV, ms, nS, pF, uS, nA, Hz  # noqa: E402,F401


def refractory_like_nest(tau_ref_ms: float) -> str:
    """NEST (and neurodyn) hold a neuron for round(tau_ref/dt) steps *after* the step
    of its spike and let it integrate again in the next one; Brian's
    `refractory=tau_ref` releases it one step earlier (`timestep(t - lastspike) >=
    timestep(tau_ref)`). This condition gives NEST's count."""
    return f"timestep(t - lastspike, dt) <= timestep({tau_ref_ms!r}*ms, dt)"


def build_cuba(spec, init, method=None):
    # Brian2 examples/CUBA.py: synaptic variables in mV; I = w·cm/tau_m ⇔ w_mV =
    # I·tau_m/cm (0.081 nA · 20 ms / 1 nF = 1.62 mV; −0.45 nA → −9 mV).
    n = spec["n_e"] + spec["n_i"]
    ns = dict(
        taum=spec["tau_m"] * ms,
        taue=spec["tau_syn_e"] * ms,
        taui=spec["tau_syn_i"] * ms,
        Vt=spec["v_thresh"] * mV,
        Vr=spec["v_reset"] * mV,
        El=spec["v_rest"] * mV,
        we=spec["w_e_na"] * spec["tau_m"] / spec["cm_nf"] * mV,
        wi=spec["w_i_na"] * spec["tau_m"] / spec["cm_nf"] * mV,
    )
    eqs = """
    dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : volt
    dgi/dt = -gi / taui : volt
    """
    return lif_group(n, eqs, spec, ns, init, method or "exact")


def lif_group(n, eqs, spec, ns, init, method):
    """The E+I group of CUBA/COBA: threshold Vt, reset Vr, NEST's refractory count,
    initial v; returns (group, namespace, E on_pre, I on_pre, method)."""
    P = b2.NeuronGroup(
        n,
        eqs,
        threshold="v >= Vt",
        reset="v = Vr",
        refractory=refractory_like_nest(spec["tau_refrac"]),
        method=method,
        namespace=ns,
    )
    P.v = init["v"] * mV
    return P, ns, "ge += we", "gi += wi", method


def build_coba(spec, init, method=None):
    # The Brian form of Brette et al. (2007) benchmark 1: conductances in units of
    # g_leak (ge, gi dimensionless), the drive in mV. g_leak = cm/tau_m = 10 nS;
    # 6 nS → 0.6, 67 nS → 6.7, 0.2 nA → 20 mV.
    n = spec["n_e"] + spec["n_i"]
    g_leak_us = spec["cm_nf"] / spec["tau_m"]
    ns = dict(
        taum=spec["tau_m"] * ms,
        taue=spec["tau_syn_e"] * ms,
        taui=spec["tau_syn_i"] * ms,
        Vt=spec["v_thresh"] * mV,
        Vr=spec["v_reset"] * mV,
        El=spec["v_rest"] * mV,
        Ee=spec["e_rev_e"] * mV,
        Ei=spec["e_rev_i"] * mV,
        I=spec["i_offset_na"] / g_leak_us * mV,
        we=spec["w_e_us"] / g_leak_us,
        wi=spec["w_i_us"] / g_leak_us,
    )
    eqs = """
    dv/dt  = (ge * (Ee - v) + gi * (Ei - v) - (v - El) + I) / taum : volt (unless refractory)
    dge/dt = -ge / taue : 1
    dgi/dt = -gi / taui : 1
    """
    # v is not linear with constant coefficients (ge·v), so no 'exact': RK4, as
    # neurodyn (NEST: adaptive RKF45).
    return lif_group(n, eqs, spec, ns, init, method or "rk4")


def build_cobahh(spec, init, method=None, hh_dt_ms=M.DT_MS):
    # Brian2 examples/COBAHH.py with the parameters of models/cobahh.toml (the same
    # numbers). Spike detection and integration as in the Brian example.
    n = spec["n_e"] + spec["n_i"]
    ns = dict(
        Cm=spec["cm_nf"] * 1000 * pF,
        gl=spec["g_leak_us"] * uS,
        El=spec["e_rev_leak"] * mV,
        EK=spec["e_rev_k"] * mV,
        ENa=spec["e_rev_na"] * mV,
        g_na=spec["gbar_na_us"] * uS,
        g_kd=spec["gbar_k_us"] * uS,
        VT=spec["v_offset"] * mV,
        taue=spec["tau_syn_e"] * ms,
        taui=spec["tau_syn_i"] * ms,
        Ee=spec["e_rev_e"] * mV,
        Ei=spec["e_rev_i"] * mV,
        we=spec["w_e_us"] * uS,
        wi=spec["w_i_us"] * uS,
    )
    eqs = """
    dv/dt = (gl*(El-v) + ge*(Ee-v) + gi*(Ei-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m) - beta_m*m : 1
    dn/dt = alpha_n*(1-n) - beta_n*n : 1
    dh/dt = alpha_h*(1-h) - beta_h*h : 1
    dge/dt = -ge*(1./taue) : siemens
    dgi/dt = -gi*(1./taui) : siemens
    alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
    beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    """
    P = b2.NeuronGroup(
        n,
        eqs,
        threshold="v > -20*mV",
        refractory=spec["tau_refrac"] * ms,
        method=method or "exponential_euler",
        namespace=ns,
        dt=hh_dt_ms * ms,
    )
    P.v = init["v"] * mV
    m, h, nn = M.hh_gate_steady_states(init["v"], spec["v_offset"])
    P.m = m
    P.h = h
    P.n = nn
    P.ge = init["g_e"] * uS
    P.gi = init["g_i"] * uS
    integration = method or "exponential_euler"
    if abs(hh_dt_ms - M.DT_MS) > 1e-12:
        integration += f", neuron dt {hh_dt_ms:g} ms"
    return P, ns, "ge += we", "gi += wi", integration


def build_brunel(spec, init, method=None):
    # NEST brunel_delta_nest.py (iaf_psc_delta) in Brian: v jumps by J on a spike;
    # input arriving while refractory is discarded (NEST's iaf_psc_delta default).
    n = spec["n_e"] + spec["n_i"]
    ns = dict(
        tau_m=spec["tau_m"] * ms,
        theta=spec["v_thresh"] * mV,
        Vr=spec["v_reset"] * mV,
        El=spec["v_rest"] * mV,
        J=spec["j_mv"] * mV,
        JI=spec["j_i_mv"] * mV,
    )
    P = b2.NeuronGroup(
        n,
        "dv/dt = -(v - El) / tau_m : volt (unless refractory)",
        threshold="v >= theta",
        reset="v = Vr",
        refractory=refractory_like_nest(spec["tau_refrac"]),
        method=method or "exact",
        namespace=ns,
    )
    P.v = spec["v0"] * mV
    return (
        P,
        ns,
        "v_post += J * int(not_refractory_post)",
        "v_post += JI * int(not_refractory_post)",
        method or "exact",
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--project-dir", help="standalone project directory (default: a temporary one, deleted)")
    ap.add_argument("--method", help="override the model's integration method (e.g. rk4)")
    ap.add_argument(
        "--hh-dt-ms",
        type=float,
        default=M.DT_MS,
        help="COBAHH only: the HH neurons' own time step (default 0.1 ms, as Brian's "
        "example; 0.01 ms brings the rates to NEST's and neurodyn's)",
    )
    ap.add_argument("--make-jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    spec = M.model_spec(args.model)
    simulator = f"brian2-cpp-{args.threads}thread" + ("s" if args.threads != 1 else "")
    project = args.project_dir or tempfile.mkdtemp(prefix=f"brian2_{spec['id']}_")
    keep = args.project_dir is not None

    b2.set_device("cpp_standalone", directory=project, build_on_run=False)
    prefs = b2.prefs
    # 1 thread: Brian's default single-threaded code (no OpenMP); N > 1: OpenMP.
    prefs.devices.cpp_standalone.openmp_threads = 0 if args.threads == 1 else args.threads
    prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{args.make_jobs}"]
    prefs.codegen.cpp.headers = list(prefs.codegen.cpp.headers) + [
        "<chrono>",
        "<fstream>",
        "<string>",
        "<sys/resource.h>",
    ]
    b2.defaultclock.dt = M.DT_MS * ms
    b2.seed(args.seed)
    init = M.initial_state(spec, args.seed)

    t0 = time.perf_counter()
    n_e, n_i = spec["n_e"], spec["n_i"]
    builder = {"cuba": build_cuba, "coba": build_coba, "cobahh": build_cobahh}.get(
        spec["id"], build_brunel
    )
    if builder is build_cobahh:
        P, ns, on_pre_e, on_pre_i, method = builder(spec, init, args.method, args.hh_dt_ms)
    else:
        P, ns, on_pre_e, on_pre_i, method = builder(spec, init, args.method)
    Pe, Pi = P[:n_e], P[n_e:]

    if spec["id"].startswith("brunel"):
        # Fixed in-degree with multapses and autapses (NEST's fixed_indegree): each
        # target draws C_E (C_I) sources uniformly with replacement.
        #
        # Timing: NEST adds the input of a step before that step's threshold test;
        # Brian's default schedule applies synapses after it. Running the pathways
        # (and the Poisson input) in 'before_thresholds' reproduces NEST's order; the
        # pathway then reads the previous step's spikes, so its queue delay is one
        # step shorter (1.4 ms) for the same 1.5 ms from spike to effect.
        queue_delay = (spec["delay"] - M.DT_MS) * ms
        Ce = b2.Synapses(Pe, P, on_pre=on_pre_e, delay=queue_delay, namespace=ns, name="ce")
        Ce.connect(i=f"int(rand() * N_pre) for k in range({spec['c_e']})")
        Ci = b2.Synapses(Pi, P, on_pre=on_pre_i, delay=queue_delay, namespace=ns, name="ci")
        Ci.connect(i=f"int(rand() * N_pre) for k in range({spec['c_i']})")
        for S in (Ce, Ci):
            S.pre.when = "before_thresholds"
        # One independent Poisson train per neuron at C_E·ν_ext: Brian draws the sum of
        # C_E trains at ν_ext each step (binomial), like brunel_delta_nest's drive.
        noise = b2.PoissonInput(
            P,
            "v",
            N=spec["ext_inputs"],
            rate=spec["ext_rate_per_input_hz"] * Hz,
            weight="J * int(not_refractory)",
            when="before_thresholds",
        )
        extra_objects = [noise]
    else:
        # p = 0.02 per pair, no autapses (models/*.toml allow_autapses = false); the
        # index of Pi's neuron k in P is k + n_e. Delay 0.1 ms = one step, which
        # in Brian's default schedule is NEST's timing for these models.
        d = spec["delay"] * ms
        Ce = b2.Synapses(Pe, P, on_pre=on_pre_e, delay=d, namespace=ns, name="ce")
        Ce.connect(condition="i != j", p=spec["p"])
        Ci = b2.Synapses(Pi, P, on_pre=on_pre_i, delay=d, namespace=ns, name="ci")
        Ci.connect(condition=f"i + {n_e} != j", p=spec["p"])
        extra_objects = []

    mon = b2.SpikeMonitor(P)
    net = b2.Network(P, Ce, Ci, mon, *extra_objects)

    device = b2.get_device()
    device.insert_code("before_network_run", "auto _nd_run_t0 = std::chrono::steady_clock::now();")
    device.insert_code(
        "after_network_run",
        "{ const double _nd_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - _nd_run_t0).count();"
        ' std::ofstream _nd_f(brian::results_dir + "neurodyn_run_wall_s.txt");'
        " _nd_f.precision(12); _nd_f << _nd_s << std::endl; }",
    )
    # The binary's peak RSS: VmHWM of its own address space (getrusage's ru_maxrss
    # would carry over the forking Python process's peak across exec).
    device.insert_code(
        "after_end",
        "{ long _nd_kib = -1; std::ifstream _nd_st(\"/proc/self/status\"); std::string _nd_l;"
        " while (std::getline(_nd_st, _nd_l)) if (_nd_l.rfind(\"VmHWM:\", 0) == 0) _nd_kib = std::stol(_nd_l.substr(6));"
        " if (_nd_kib < 0) { struct rusage _nd_ru; getrusage(RUSAGE_SELF, &_nd_ru); _nd_kib = _nd_ru.ru_maxrss; }"
        ' std::ofstream _nd_f(brian::results_dir + "neurodyn_maxrss_kib.txt");'
        " _nd_f << _nd_kib << std::endl; }",
    )
    net.run(args.duration_ms * ms, namespace=ns)
    t_construct = time.perf_counter() - t0

    t1 = time.perf_counter()
    device.build(directory=project, compile=True, run=True, with_output=False)
    t_build_call = time.perf_counter() - t1

    results = device.results_dir
    with open(os.path.join(results, "neurodyn_run_wall_s.txt")) as f:
        run_s = float(f.read())
    with open(os.path.join(results, "neurodyn_maxrss_kib.txt")) as f:
        binary_rss = int(f.read()) * 1024
    compile_s = sum(v for v in device.timers["compile"].values() if v is not None)
    run_binary_s = device.timers["run_binary"]
    codegen_s = t_build_call - compile_s - run_binary_s
    binary_setup_s = run_binary_s - run_s
    build_s = t_construct + codegen_s + compile_s + binary_setup_s
    python_rss = M.peak_rss_bytes_self()

    senders = np.asarray(mon.i[:], dtype=np.int64)
    times_ms = np.asarray(mon.t[:] / ms, dtype=np.float64)
    n = n_e + n_i
    out_degree = np.zeros(n, dtype=np.int64)
    pre_e = np.asarray(Ce.i[:], dtype=np.int64)
    pre_i = np.asarray(Ci.i[:], dtype=np.int64)
    out_degree[:n_e] = np.bincount(pre_e, minlength=n_e)
    out_degree[n_e:] = np.bincount(pre_i, minlength=n_i)
    synapses = len(pre_e) + len(pre_i)

    record = M.make_record(
        spec,
        simulator,
        args.threads,
        args.seed,
        args.duration_ms,
        synapses,
        build_s,
        run_s,
        senders,
        times_ms,
        out_degree,
        binary_rss,
        extra={
            "compile_s": compile_s,
            "build_breakdown_s": {
                "python_construction": t_construct,
                "code_generation": codegen_s,
                "compile": compile_s,
                "binary_setup": binary_setup_s,
            },
            "brian_last_run_time_s": getattr(device, "_last_run_time", None),
            "python_peak_memory_bytes": python_rss,
            "integration": method,
            "versions": {"brian2": b2.__version__, "numpy": np.__version__},
            "openmp_threads": prefs.devices.cpp_standalone.openmp_threads,
        },
    )
    M.write_json(args.out, record)
    if not keep:
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
