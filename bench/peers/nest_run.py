"""Runs one standard model once in NEST 3 and writes one record (neurodyn's bench
schema) as JSON. Called by run_peers.py, one fresh process per run.

    python nest_run.py --model cuba --threads 1 --seed 1 --duration-ms 1000 --out r.json

Timing:
- build_s: node creation + Connect + nest.Prepare() (NEST finalises its connection
  infrastructure there, before the first step); `prepare_s` is that last part.
- run_s: nest.Run(duration) only. `simulate_s` = Prepare + Run + Cleanup, i.e. what
  nest.Simulate(duration) would take, is kept as well.
- peak_memory_bytes: peak RSS of this process (VmHWM), read right after the run,
  before the connectivity is read back for the statistics.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import models as M  # noqa: E402

os.environ.setdefault("PYNEST_QUIET", "1")
import nest  # noqa: E402


def create_cuba(spec, init):
    params = {
        "C_m": spec["cm_nf"] * 1000.0,  # pF
        "tau_m": spec["tau_m"],
        "tau_syn_ex": spec["tau_syn_e"],
        "tau_syn_in": spec["tau_syn_i"],
        "t_ref": spec["tau_refrac"],
        "E_L": spec["v_rest"],
        "V_reset": spec["v_reset"],
        "V_th": spec["v_thresh"],
        "I_e": 0.0,
    }
    nodes = nest.Create("iaf_psc_exp", spec["n_e"] + spec["n_i"], params=params)
    nodes.V_m = list(init["v"])
    # weights in pA
    return nodes, spec["w_e_na"] * 1000.0, spec["w_i_na"] * 1000.0


def create_coba(spec, init):
    params = {
        "C_m": spec["cm_nf"] * 1000.0,  # pF
        "g_L": spec["cm_nf"] / spec["tau_m"] * 1000.0,  # nS
        "tau_syn_ex": spec["tau_syn_e"],
        "tau_syn_in": spec["tau_syn_i"],
        "t_ref": spec["tau_refrac"],
        "E_L": spec["v_rest"],
        "V_reset": spec["v_reset"],
        "V_th": spec["v_thresh"],
        "E_ex": spec["e_rev_e"],
        "E_in": spec["e_rev_i"],
        "I_e": spec["i_offset_na"] * 1000.0,  # pA
    }
    nodes = nest.Create("iaf_cond_exp", spec["n_e"] + spec["n_i"], params=params)
    nodes.V_m = list(init["v"])
    # weights in nS; NEST routes negative weights to the inhibitory conductance
    return nodes, spec["w_e_us"] * 1000.0, -spec["w_i_us"] * 1000.0


def create_cobahh(spec, init):
    params = {
        "C_m": spec["cm_nf"] * 1000.0,
        "g_L": spec["g_leak_us"] * 1000.0,
        "g_Na": spec["gbar_na_us"] * 1000.0,
        "g_K": spec["gbar_k_us"] * 1000.0,
        "E_L": spec["e_rev_leak"],
        "E_K": spec["e_rev_k"],
        "E_Na": spec["e_rev_na"],
        "V_T": spec["v_offset"],
        "E_ex": spec["e_rev_e"],
        "E_in": spec["e_rev_i"],
        "tau_syn_ex": spec["tau_syn_e"],
        "tau_syn_in": spec["tau_syn_i"],
        "t_ref": spec["tau_refrac"],
        "I_e": 0.0,
    }
    nodes = nest.Create("hh_cond_exp_traub", spec["n_e"] + spec["n_i"], params=params)
    m, h, n = M.hh_gate_steady_states(init["v"], spec["v_offset"])
    nodes.set(V_m=list(init["v"]), Act_m=list(m), Inact_h=list(h), Act_n=list(n))
    # NEST 3 does not let g_ex / g_in be set, so the initial conductances come as one
    # spike per neuron and receptor from a spike generator at 0.1 ms; delivered with
    # the 0.1 ms minimum delay, they enter g at the end of the second step (0.2 ms),
    # scaled by exp(0.2 ms / τ) so that from then on g equals the drawn g0·e^(−t/τ).
    # (These N·2 connections are not counted as synapses.)
    t_arrive = 2 * M.DT_MS
    kick = nest.Create("spike_generator", params={"spike_times": [M.DT_MS]})
    n_all = len(nodes)
    g_e0 = init["g_e"] * 1000.0 * np.exp(t_arrive / spec["tau_syn_e"])
    g_i0 = init["g_i"] * 1000.0 * np.exp(t_arrive / spec["tau_syn_i"])
    nest.Connect(kick, nodes, "all_to_all", {"weight": g_e0.reshape(n_all, 1), "delay": M.DT_MS})
    nest.Connect(kick, nodes, "all_to_all", {"weight": -g_i0.reshape(n_all, 1), "delay": M.DT_MS})
    return nodes, spec["w_e_us"] * 1000.0, -spec["w_i_us"] * 1000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--exact-degree-max-synapses", type=int, default=2_000_000)
    args = ap.parse_args()

    spec = M.model_spec(args.model)
    simulator = f"nest-{args.threads}thread" + ("s" if args.threads != 1 else "")
    n_e, n_i = spec["n_e"], spec["n_i"]
    n = n_e + n_i

    try:
        nest.verbosity = nest.VerbosityLevel.WARNING
    except AttributeError:
        nest.set_verbosity("M_WARNING")
    nest.ResetKernel()
    nest.SetKernelStatus(
        {
            "local_num_threads": args.threads,
            "resolution": M.DT_MS,
            "rng_seed": args.seed,
            "print_time": False,
        }
    )
    init = M.initial_state(spec, args.seed)

    t0 = time.perf_counter()
    extra_connections = 0
    if spec["id"].startswith("brunel"):
        # NEST examples/brunel_delta_nest.py, resized as brunel.rs: C_E = min(1000,
        # N_E), C_I = min(250, N_I), the Poisson rate from the nominal C_E = 1000.
        params = {
            "C_m": 1.0,
            "tau_m": spec["tau_m"],
            "t_ref": spec["tau_refrac"],
            "E_L": spec["v_rest"],
            "V_reset": spec["v_reset"],
            "V_m": spec["v0"],
            "V_th": spec["v_thresh"],
        }
        nest.SetDefaults("iaf_psc_delta", params)
        nodes_ex = nest.Create("iaf_psc_delta", n_e)
        nodes_in = nest.Create("iaf_psc_delta", n_i)
        nodes = nodes_ex + nodes_in
        noise = nest.Create("poisson_generator", params={"rate": spec["ext_rate_hz"]})
        nest.CopyModel("static_synapse", "excitatory", {"weight": spec["j_mv"], "delay": spec["delay"]})
        nest.CopyModel("static_synapse", "inhibitory", {"weight": spec["j_i_mv"], "delay": spec["delay"]})
        nest.Connect(noise, nodes_ex, syn_spec="excitatory")
        nest.Connect(noise, nodes_in, syn_spec="excitatory")
        extra_connections += n
        counted = nest.GetKernelStatus("num_connections")
        nest.Connect(nodes_ex, nodes, {"rule": "fixed_indegree", "indegree": spec["c_e"]}, "excitatory")
        from_e = nest.GetKernelStatus("num_connections") - counted
        nest.Connect(nodes_in, nodes, {"rule": "fixed_indegree", "indegree": spec["c_i"]}, "inhibitory")
        from_i = nest.GetKernelStatus("num_connections") - counted - from_e
    else:
        create = {"cuba": create_cuba, "coba": create_coba, "cobahh": create_cobahh}[spec["id"]]
        nodes, w_e, w_i = create(spec, init)
        extra_connections = nest.GetKernelStatus("num_connections")
        nodes_ex, nodes_in = nodes[:n_e], nodes[n_e:]
        conn = {"rule": "pairwise_bernoulli", "p": spec["p"], "allow_autapses": False}
        nest.Connect(nodes_ex, nodes, conn, {"synapse_model": "static_synapse", "weight": w_e, "delay": spec["delay"]})
        from_e = nest.GetKernelStatus("num_connections") - extra_connections
        nest.Connect(nodes_in, nodes, conn, {"synapse_model": "static_synapse", "weight": w_i, "delay": spec["delay"]})
        from_i = nest.GetKernelStatus("num_connections") - extra_connections - from_e

    recorder = nest.Create("spike_recorder")
    nest.Connect(nodes, recorder)
    extra_connections += n
    t_connect = time.perf_counter() - t0

    t1 = time.perf_counter()
    nest.Prepare()
    prepare_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    nest.Run(args.duration_ms)
    run_s = time.perf_counter() - t2
    t3 = time.perf_counter()
    nest.Cleanup()
    cleanup_s = time.perf_counter() - t3
    peak = M.peak_rss_bytes_self()
    build_s = t_connect + prepare_s

    kernel = nest.GetKernelStatus()
    synapses = int(kernel["num_connections"]) - extra_connections
    if synapses != from_e + from_i:
        print(f"warning: {synapses} connections, {from_e} + {from_i} counted", file=sys.stderr)

    events = recorder.get("events")
    first = nodes[0].global_id
    senders = np.asarray(events["senders"], dtype=np.int64) - first
    times_ms = np.asarray(events["times"], dtype=np.float64)

    # Out-degree of every neuron within the network, for synaptic events/s (after the
    # timings). PyNEST returns connections one Python object each (about 10 µs per
    # connection), so above --exact-degree-max-synapses each neuron is given its
    # population's mean out-degree instead: exact in expectation, since a neuron's
    # out-degree and its own rate are independent in these random networks.
    if synapses <= args.exact_degree_max_synapses:
        sources = np.asarray(nest.GetConnections(source=nodes, target=nodes).get("source"), dtype=np.int64)
        out_degree = np.bincount(sources - first, minlength=n)
        del sources
        exact_degrees = True
    else:
        out_degree = np.empty(n, dtype=np.float64)
        out_degree[:n_e] = from_e / n_e
        out_degree[n_e:] = from_i / n_i
        exact_degrees = False

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
        peak,
        extra={
            "prepare_s": prepare_s,
            "synaptic_events_exact": exact_degrees,
            "simulate_s": prepare_s + run_s + cleanup_s,
            "build_breakdown_s": {"create_and_connect": t_connect, "prepare": prepare_s},
            "nest_kernel_times_s": {
                k: kernel[k]
                for k in (
                    "time_construction_create",
                    "time_construction_connect",
                    "time_communicate_prepare",
                    "time_simulate",
                    "time_update",
                    "time_deliver_spike_data",
                    "time_gather_spike_data",
                )
                if k in kernel
            },
            "versions": {"nest": nest.__version__, "numpy": np.__version__},
        },
    )
    M.write_json(args.out, record)


if __name__ == "__main__":
    main()
