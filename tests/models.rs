//! The neuron model library: every model identical on GPU and CPU reference in a
//! recurrent network, and single-neuron behaviour against independent references.

use neurodyn::{
    AeifCondExp, Backend, Connectivity, HhCondExpTraub, IafCondExp, IafPscDelta, IafPscExp,
    Izhikevich, Network, NeuronModel, Population, Projection, Receptor, Simulation, Stimulus,
    Value,
};

/// A recurrent network of each model (and one population of every model together),
/// Poisson-driven, with delays of 0.1–5 ms.
fn mixed_network(seed: u64) -> Network {
    let mut net = Network::new(0.1, seed);
    let exp = NeuronModel::IafPscExp(IafPscExp {
        tau_refrac: 2.0,
        v_rest: -65.0,
        v_reset: -70.0,
        v_thresh: -50.0,
        cm: 0.25,
        tau_m: 10.0,
        tau_syn_e: 0.5,
        tau_syn_i: 1.0,
        i_offset: 0.0,
    });
    let delta = NeuronModel::IafPscDelta(IafPscDelta {
        tau_refrac: 2.0,
        v_rest: 0.0,
        v_reset: 10.0,
        v_thresh: 20.0,
        ..Default::default()
    });
    let izh = NeuronModel::Izhikevich(Izhikevich::default());
    let hh = NeuronModel::HhCondExpTraub(HhCondExpTraub {
        tau_syn_e: 5.0,
        tau_syn_i: 10.0,
        ..Default::default()
    });
    let cond_alpha = NeuronModel::IafCondAlpha(IafCondExp {
        tau_refrac: 2.0,
        v_rest: -60.0,
        v_reset: -60.0,
        v_thresh: -50.0,
        cm: 0.2,
        tau_m: 20.0,
        tau_syn_e: 1.0,
        tau_syn_i: 2.0,
        i_offset: 0.1,
        e_rev_e: 0.0,
        e_rev_i: -80.0,
    });
    let izh2006 = NeuronModel::Izhikevich(Izhikevich {
        half_steps: true,
        ..Default::default()
    });
    let adex = NeuronModel::AeifCondExp(AeifCondExp {
        tau_refrac: 2.0,
        ..Default::default()
    });
    let alpha = NeuronModel::IafPscAlpha(IafPscExp {
        tau_refrac: 2.0,
        v_rest: -65.0,
        v_reset: -70.0,
        v_thresh: -50.0,
        cm: 0.25,
        tau_m: 10.0,
        tau_syn_e: 0.5,
        tau_syn_i: 1.0,
        i_offset: 0.0,
    });
    let cond = NeuronModel::IafCondExp(IafCondExp {
        cm: 0.2,
        tau_m: 20.0,
        tau_syn_e: 5.0,
        tau_syn_i: 10.0,
        tau_refrac: 2.0,
        v_rest: -60.0,
        v_reset: -60.0,
        v_thresh: -50.0,
        i_offset: 0.1,
        e_rev_e: 0.0,
        e_rev_i: -80.0,
    });
    // Populations given out of kind order on purpose: the plan groups them.
    for (name, model, v0, rate, w) in [
        ("izh", izh, Value::uniform(-70.0, -60.0), 2000.0, 2.0),
        ("exp", exp, Value::uniform(-65.0, -55.0), 16000.0, 0.0877),
        ("delta", delta, Value::uniform(0.0, 19.0), 20000.0, 0.1),
        ("cond", cond, Value::normal(-55.0, 5.0), 4000.0, 0.004),
        ("alpha", alpha, Value::uniform(-65.0, -55.0), 16000.0, 0.05),
        ("adex", adex, Value::uniform(-70.0, -55.0), 6000.0, 0.004),
        ("hh", hh, Value::uniform(-70.0, -60.0), 3000.0, 0.01),
        (
            "izh2006",
            izh2006,
            Value::uniform(-70.0, -60.0),
            2000.0,
            2.0,
        ),
        (
            "cond_alpha",
            cond_alpha,
            Value::normal(-55.0, 5.0),
            4000.0,
            0.002,
        ),
    ] {
        net.add_population(Population::new(name, 300, model).with_initial_v(v0));
        net.add_stimulus(Stimulus::Poisson {
            target: name.into(),
            rate_hz: rate,
            weight: w,
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        });
        net.record_spikes(name);
    }
    let rule = Connectivity::FixedInDegree {
        k: 30,
        allow_autapses: false,
        allow_multapses: true,
    };
    let delays = Value::uniform(0.1, 5.0);
    for (pre, post, w, r) in [
        ("delta", "delta", -0.5, Receptor::Inhibitory),
        ("delta", "exp", 0.05, Receptor::Excitatory),
        ("exp", "izh", 0.5, Receptor::Excitatory),
        ("izh", "delta", 0.1, Receptor::Excitatory),
        ("izh", "izh", -1.0, Receptor::Inhibitory),
        ("exp", "exp", -0.1, Receptor::Inhibitory),
        ("cond", "cond", 0.03, Receptor::Inhibitory),
        ("exp", "cond", 0.004, Receptor::Excitatory),
        ("alpha", "alpha", -0.1, Receptor::Inhibitory),
        ("adex", "adex", 0.01, Receptor::Inhibitory),
        ("hh", "hh", 0.02, Receptor::Inhibitory),
        ("adex", "hh", 0.005, Receptor::Excitatory),
        ("hh", "cond_alpha", 0.002, Receptor::Excitatory),
        ("izh2006", "izh2006", -1.0, Receptor::Inhibitory),
        ("cond_alpha", "cond_alpha", 0.02, Receptor::Inhibitory),
        ("alpha", "adex", 0.003, Receptor::Excitatory),
        ("cond", "alpha", 0.05, Receptor::Excitatory),
    ] {
        net.add_projection(Projection::new(
            pre,
            post,
            rule.clone(),
            w,
            delays.clone(),
            r,
        ));
    }
    // The spike sources inside the loop: a parrot repeats the delta population into
    // the exponential one; a spike source array drives the parrots too.
    let times: Vec<Vec<f64>> = (0..300)
        .map(|k| vec![1.0 + k as f64 * 0.5, 200.0 + k as f64])
        .collect();
    net.add_population(Population::new(
        "parrot",
        300,
        NeuronModel::ParrotNeuron(neurodyn::ParrotNeuron {}),
    ));
    net.add_population(Population::new(
        "array",
        300,
        NeuronModel::SpikeSourceArray(neurodyn::SpikeSourceArray {
            spike_times_ms: times,
        }),
    ));
    for (pre, post, w) in [
        ("delta", "parrot", 1.0),
        ("array", "parrot", 1.0),
        ("parrot", "exp", 0.02),
    ] {
        net.add_projection(Projection::new(
            pre,
            post,
            rule.clone(),
            w,
            delays.clone(),
            Receptor::Excitatory,
        ));
    }
    net.record_spikes("parrot");
    net.record_spikes("array");
    net.record_state("izh", "u", vec![0, 5], 7);
    net
}

#[test]
fn every_model_is_identical_on_gpu_and_cpu_in_one_recurrent_network() {
    let net = mixed_network(21);
    let mut gpu = Simulation::new(&net, Backend::Gpu).unwrap();
    let mut cpu = Simulation::new(&net, Backend::Cpu).unwrap();
    gpu.run(6000).unwrap();
    cpu.run(6000).unwrap();
    for (g, c) in gpu.spike_records().iter().zip(cpu.spike_records()) {
        assert!(
            g.len() > 100,
            "{} fired only {} spikes",
            g.population,
            g.len()
        );
        assert_eq!(g, c, "rasters of {} differ", g.population);
    }
    for (population, variables) in [
        ("izh", &["v", "u"][..]),
        ("exp", &["v", "i_syn_E", "i_syn_I"][..]),
        ("delta", &["v"][..]),
        ("cond", &["v", "g_E", "g_I"][..]),
        (
            "alpha",
            &["v", "i_syn_E", "di_syn_E", "i_syn_I", "di_syn_I"][..],
        ),
        ("adex", &["v", "w", "g_E", "g_I"][..]),
        ("hh", &["v", "m", "h", "n", "g_E", "g_I"][..]),
        ("izh2006", &["v", "u"][..]),
        ("cond_alpha", &["v", "g_E", "dg_E", "g_I", "dg_I"][..]),
    ] {
        for var in variables {
            let g: Vec<u32> = gpu
                .read_state(population, var)
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect();
            let c: Vec<u32> = cpu
                .read_state(population, var)
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect();
            assert_eq!(g, c, "{population}.{var}");
        }
    }
    assert_eq!(
        gpu.state_record("izh", "u").unwrap(),
        cpu.state_record("izh", "u").unwrap()
    );
    assert_eq!(
        gpu.read_input_ring().unwrap(),
        cpu.read_input_ring().unwrap()
    );
}

#[test]
fn a_delta_synapse_makes_the_membrane_jump_by_its_weight() {
    let mut net = Network::new(0.1, 1);
    let lif = IafPscDelta {
        v_rest: -70.0,
        v_reset: -70.0,
        v_thresh: -50.0,
        tau_refrac: 2.0,
        ..Default::default()
    };
    net.add_population(
        Population::new("pre", 1, NeuronModel::IafPscDelta(lif.clone()))
            .with_initial_v(Value::constant(-40.0)),
    );
    net.add_population(Population::new("post", 1, NeuronModel::IafPscDelta(lif)));
    net.add_projection(Projection::from_list(
        "pre",
        "post",
        &[(0, 0, 0.75, 1.0)],
        Receptor::Excitatory,
    ));
    net.record_state("post", "v", vec![0], 1);
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(40).unwrap();
        let trace = sim.state_record("post", "v").unwrap().trace(0);
        // Spike in step 0, delay 10 steps: the jump is in step 10.
        assert!(trace[..10].iter().all(|&v| v == -70.0), "{trace:?}");
        assert!(
            (trace[10] - (-69.25)).abs() < 1e-5,
            "jump {}",
            trace[10] + 70.0
        );
        // Then it relaxes towards rest with tau_m.
        let expected = -70.0 + 0.75 * (-0.1f64 * 10.0 / 20.0).exp();
        assert!(
            (f64::from(trace[20]) - expected).abs() < 1e-4,
            "{} vs {expected}",
            trace[20]
        );
    }
}

/// Interspike intervals (ms) of one Izhikevich neuron under a step current of 10
/// from 0 to 500 ms (Izhikevich 2003, Fig. 2), at dt = 0.1 ms.
fn izhikevich_isis(a: f64, b: f64, c: f64, d: f64) -> Vec<f64> {
    let mut net = Network::new(0.1, 1);
    let model = Izhikevich {
        a,
        b,
        c,
        d,
        v_thresh: 30.0,
        i_offset: 0.0,
        half_steps: false,
    };
    net.add_population(
        Population::new("n", 1, NeuronModel::Izhikevich(model))
            .with_initial_v(Value::constant(-65.0)),
    );
    net.add_stimulus(Stimulus::Dc {
        target: "n".into(),
        amplitude_na: 10.0,
        start_ms: 0.0,
        stop_ms: Some(500.0),
    });
    net.record_spikes("n");
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    sim.run_ms(600.0).unwrap();
    let times = sim.spikes("n").unwrap().times_ms();
    assert!(
        times.iter().all(|&t| t <= 500.2),
        "spikes after the current stopped: {times:?}"
    );
    // Against the same equations in f64 with a 1 µs step: the spike count within 10%
    // and the first-spike latency within 0.5 ms.
    let reference = izhikevich_reference(a, b, c, d);
    let (n, expected) = (times.len() as f64, reference.len() as f64);
    assert!(
        (n - expected).abs() <= 0.1 * expected,
        "{n} spikes vs {expected} in f64 ({a}, {b}, {c}, {d})"
    );
    assert!(
        (times[0] - reference[0]).abs() < 0.5,
        "first spike at {} ms vs {} ms in f64",
        times[0],
        reference[0]
    );
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Spike times of the same neuron and current from forward Euler in f64 at 1 µs.
fn izhikevich_reference(a: f64, b: f64, c: f64, d: f64) -> Vec<f64> {
    let h = 0.001;
    let (mut v, mut u) = (-65.0f64, b * -65.0);
    let mut spikes = Vec::new();
    for k in 0..(600.0 / h) as usize {
        let i = if (k as f64) * h < 500.0 { 10.0 } else { 0.0 };
        let dv = 0.04 * v * v + 5.0 * v + 140.0 - u + i;
        let du = a * (b * v - u);
        v += h * dv;
        u += h * du;
        if v >= 30.0 {
            spikes.push((k + 1) as f64 * h);
            v = c;
            u += d;
        }
    }
    spikes
}

#[test]
fn izhikevich_parameter_sets_give_the_published_firing_patterns() {
    // Regular spiking: tonic firing with spike-frequency adaptation.
    let rs = izhikevich_isis(0.02, 0.2, -65.0, 8.0);
    assert!(rs.len() >= 5, "RS: {rs:?}");
    assert!(rs[rs.len() - 1] > 1.5 * rs[0], "RS adapts: {rs:?}");
    // Fast spiking: high rate, little adaptation.
    let fs = izhikevich_isis(0.1, 0.2, -65.0, 2.0);
    assert!(
        fs.len() > 2 * rs.len(),
        "FS fires faster than RS: {} vs {}",
        fs.len(),
        rs.len()
    );
    assert!(fs[fs.len() - 1] < 1.3 * fs[1], "FS does not adapt: {fs:?}");
    // Chattering: bursts of closely spaced spikes separated by long pauses.
    let ch = izhikevich_isis(0.02, 0.2, -50.0, 2.0);
    let short = ch.iter().filter(|&&i| i < 10.0).count();
    let long = ch.iter().filter(|&&i| i > 20.0).count();
    assert!(short >= 2 * long && long >= 3, "CH bursts: {ch:?}");
    // Intrinsically bursting: an initial burst, then tonic single spikes.
    let ib = izhikevich_isis(0.02, 0.2, -55.0, 4.0);
    assert!(ib[0] < 10.0, "IB starts with a burst: {ib:?}");
    assert!(
        ib[ib.len() - 1] > 3.0 * ib[0],
        "IB then fires tonically: {ib:?}"
    );
}

#[test]
fn model_specific_variables_are_validated() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "d",
        2,
        NeuronModel::IafPscDelta(IafPscDelta::default()),
    ));
    net.record_state("d", "i_syn_E", vec![0], 1);
    let error = Simulation::new(&net, Backend::Cpu).err().expect("invalid");
    let message = error.to_string();
    assert!(
        message.contains("recorders[0].variable") && message.contains("recordable: v"),
        "{message}"
    );
}

#[test]
fn brunel_regime_c_fires_in_the_published_range_identically_on_both_backends() {
    let model = neurodyn::model::file::load(std::path::Path::new("models/brunel.toml")).unwrap();
    let mut gpu = Simulation::new(&model.network, Backend::Gpu).unwrap();
    let mut cpu = Simulation::new(&model.network, Backend::Cpu).unwrap();
    gpu.run_ms(300.0).unwrap();
    cpu.run_ms(300.0).unwrap();
    for name in ["E", "I"] {
        let record = gpu.spikes(name).unwrap();
        assert_eq!(
            record,
            cpu.spikes(name).unwrap(),
            "{name} differs between backends"
        );
        let rate = record.mean_rate_hz();
        assert!((20.0..=45.0).contains(&rate), "{name}: {rate} Hz");
    }
}

#[test]
fn coba_fires_irregularly_in_the_published_range_identically_on_both_backends() {
    let model = neurodyn::model::file::load(std::path::Path::new("models/coba.toml")).unwrap();
    let mut gpu = Simulation::new(&model.network, Backend::Gpu).unwrap();
    let mut cpu = Simulation::new(&model.network, Backend::Cpu).unwrap();
    gpu.run_ms(1000.0).unwrap();
    cpu.run_ms(1000.0).unwrap();
    for name in ["E", "I"] {
        let record = gpu.spikes(name).unwrap();
        assert_eq!(
            record,
            cpu.spikes(name).unwrap(),
            "{name} differs between backends"
        );
        let rate = record.mean_rate_hz();
        let cv = record.cv_isi().unwrap();
        assert!((10.0..=40.0).contains(&rate), "{name}: {rate} Hz");
        assert!(cv > 1.0, "{name}: CV ISI {cv}");
    }
}

/// One iaf_cond_exp neuron at rest under i_offset receives one excitatory conductance
/// pulse; its V follows an f64 solution of the same equations (fine Euler) to 1e-3 mV.
#[test]
fn a_conductance_pulse_matches_an_f64_reference() {
    let m = IafCondExp {
        cm: 0.2,
        tau_m: 20.0,
        tau_syn_e: 5.0,
        tau_syn_i: 10.0,
        tau_refrac: 2.0,
        v_rest: -60.0,
        v_reset: -60.0,
        v_thresh: -40.0,
        i_offset: 0.05,
        e_rev_e: 0.0,
        e_rev_i: -80.0,
    };
    let g_l = m.cm / m.tau_m;
    let v_inf = m.v_rest + m.i_offset / g_l;
    for alpha in [false, true] {
        // µS; the alpha conductance carries e times the charge, so a smaller weight
        // keeps the pulse subthreshold.
        let w = if alpha { 0.004 } else { 0.01 };
        let mut net = Network::new(0.1, 1);
        net.add_population(
            Population::new("pre", 1, NeuronModel::IafPscDelta(IafPscDelta::default()))
                .with_initial_v(Value::constant(-40.0)),
        );
        net.add_population(
            Population::new(
                "n",
                1,
                if alpha {
                    NeuronModel::IafCondAlpha(m.clone())
                } else {
                    NeuronModel::IafCondExp(m.clone())
                },
            )
            .with_initial_v(Value::constant(v_inf)),
        );
        net.add_projection(Projection::from_list(
            "pre",
            "n",
            &[(0, 0, w, 1.0)],
            Receptor::Excitatory,
        ));
        net.record_state("n", "v", vec![0], 1);
        let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
        sim.run(400).unwrap();
        let trace = sim.state_record("n", "v").unwrap().trace(0);
        // The conductance enters at the end of step 10 (spike in step 0, delay 10 steps).
        // Exponential: g jumps to w; alpha: dg jumps to e/τ w and g rises from 0.
        let (mut v, mut g, mut dg, h) = (v_inf, 0.0f64, 0.0f64, 1e-4);
        let tau = m.tau_syn_e;
        let mut worst = 0f64;
        for (step, &simulated) in trace.iter().enumerate() {
            if step > 10 {
                for _ in 0..1000 {
                    v += h * (g_l * (m.v_rest - v) + g * (m.e_rev_e - v) + m.i_offset) / m.cm;
                    let (g_next, dg_next) = (g + h * (dg - g / tau), dg - h * dg / tau);
                    (g, dg) = (g_next, dg_next);
                }
            }
            if step == 10 {
                if alpha {
                    dg = std::f64::consts::E / tau * w;
                } else {
                    g = w;
                }
            }
            worst = worst.max((f64::from(simulated) - v).abs());
        }
        let peak = trace.iter().fold(f32::MIN, |a, &b| a.max(b));
        assert!(
            f64::from(peak) - v_inf > 0.5,
            "the pulse depolarises: peak {peak}"
        );
        assert!(
            worst < 1e-3,
            "alpha: {alpha}: largest deviation from the f64 reference: {worst} mV"
        );
    }
}

/// The trace of `v` of neuron 0 of `n` over `steps`, which must be the same on both
/// backends and hold no spike.
fn silent_trace(mut net: Network, steps: u64) -> Vec<f32> {
    net.record_spikes("n");
    net.record_state("n", "v", vec![0], 1);
    let mut traces = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(steps).unwrap();
        assert!(sim.spikes("n").unwrap().is_empty(), "no spike");
        traces.push(sim.state_record("n", "v").unwrap().trace(0));
    }
    assert_eq!(traces[0], traces[1], "GPU and CPU differ");
    traces.swap_remove(0)
}

/// A conductance far beyond what one step resolves (G h / C = 4: 8 µS on 0.2 nF) pulls
/// V to the reversal potential and lets it relax as g decays, without a spike: RK4 is
/// unstable past G h / C = 2.78 (the neuron fired at 500 Hz), so such steps take the
/// exact solution with the mid-step conductances held. Both backends alike, against an
/// f64 reference (fine Euler).
#[test]
fn a_conductance_too_strong_for_rk4_is_integrated_stably() {
    let m = IafCondExp {
        cm: 0.2,
        tau_m: 20.0,
        tau_syn_e: 5.0,
        tau_syn_i: 10.0,
        tau_refrac: 2.0,
        v_rest: -65.0,
        v_reset: -65.0,
        v_thresh: -50.0,
        i_offset: 0.0,
        e_rev_e: 0.0,
        e_rev_i: -70.0,
    };
    let g0 = 8.0;
    let mut net = Network::new(0.1, 1);
    net.add_population(
        Population::new("n", 1, NeuronModel::IafCondExp(m.clone()))
            .with_initial("g_I", Value::constant(g0)),
    );
    let trace = silent_trace(net, 600);
    let g_l = m.cm / m.tau_m;
    let (mut v, h) = (m.v_rest, 1e-5);
    let mut worst = 0f64;
    for (step, &simulated) in trace.iter().enumerate() {
        for k in 0..10_000 {
            let t = step as f64 * 0.1 + k as f64 * h;
            let g = g0 * (-t / m.tau_syn_i).exp();
            v += h * (g_l * (m.v_rest - v) + g * (m.e_rev_i - v)) / m.cm;
        }
        worst = worst.max((f64::from(simulated) - v).abs());
    }
    let low = trace.iter().fold(f32::MAX, |a, &b| a.min(b));
    assert!(
        (-70.0..-69.0).contains(&low),
        "pulled toward e_rev_I: {low}"
    );
    assert!(
        worst < 0.02,
        "largest deviation from the f64 reference: {worst} mV"
    );
}

/// One input spike into a resting neuron of `model`; returns the probed traces of `v`
/// (relative to rest) and of `current`, sampled after every step, and the time (ms)
/// since the input entered the synaptic state for each sample.
fn psp(model: NeuronModel, weight: f64, current: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut net = Network::new(0.1, 1);
    net.add_population(
        Population::new("pre", 1, NeuronModel::IafPscDelta(IafPscDelta::default()))
            .with_initial_v(Value::constant(-40.0)),
    );
    net.add_population(Population::new("n", 1, model));
    net.add_projection(Projection::from_list(
        "pre",
        "n",
        &[(0, 0, weight, 0.1)],
        Receptor::Excitatory,
    ));
    net.record_state("n", "v", vec![0], 1);
    net.record_state("n", current, vec![0], 1);
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    sim.run(600).unwrap();
    let rest = -65.0;
    let v = sim
        .state_record("n", "v")
        .unwrap()
        .trace(0)
        .iter()
        .map(|&x| f64::from(x) - rest)
        .collect();
    let i = sim
        .state_record("n", current)
        .unwrap()
        .trace(0)
        .iter()
        .map(|&x| f64::from(x))
        .collect();
    // The spike (step 0) arrives in step 1 and enters the currents at its end.
    let t = (0..600).map(|k| (k as f64 - 1.0) * 0.1).collect();
    (v, i, t)
}

#[test]
fn exponential_and_alpha_psps_follow_their_closed_forms() {
    let (tau_m, tau_s, cm, w) = (10.0f64, 2.0f64, 0.25f64, 0.5f64);
    let model = IafPscExp {
        cm,
        tau_m,
        tau_syn_e: tau_s,
        tau_syn_i: tau_s,
        tau_refrac: 2.0,
        v_rest: -65.0,
        v_reset: -65.0,
        v_thresh: -50.0,
        i_offset: 0.0,
    };
    let (v, i, t) = psp(NeuronModel::IafPscExp(model.clone()), w, "i_syn_E");
    let factor = w / cm * tau_s * tau_m / (tau_m - tau_s);
    for k in 1..600 {
        let expected_v = factor * ((-t[k] / tau_m).exp() - (-t[k] / tau_s).exp());
        assert!(
            (v[k] - expected_v).abs() < 2e-5,
            "exp PSP at {} ms: {} vs {expected_v}",
            t[k],
            v[k]
        );
        assert!(
            (i[k] - w * (-t[k] / tau_s).exp()).abs() < 1e-6,
            "exp PSC at {} ms",
            t[k]
        );
    }
    let peak = v
        .iter()
        .cloned()
        .enumerate()
        .fold((0, 0.0), |a, (k, x)| if x > a.1 { (k, x) } else { a });
    let t_peak = (tau_m / tau_s).ln() * tau_m * tau_s / (tau_m - tau_s);
    assert!(
        (t[peak.0] - t_peak).abs() <= 0.05 + 1e-9,
        "exp PSP peaks at {} ms, analytic {t_peak}",
        t[peak.0]
    );

    let (v, i, t) = psp(NeuronModel::IafPscAlpha(model), w, "i_syn_E");
    let a = 1.0 / tau_s - 1.0 / tau_m;
    for k in 1..600 {
        let x = a * t[k];
        let f = 1.0 - (-x).exp() * (1.0 + x);
        let expected_v =
            w * std::f64::consts::E / (tau_s * cm) * (-t[k] / tau_m).exp() * f / (a * a);
        let expected_i = w * t[k] / tau_s * (1.0 - t[k] / tau_s).exp();
        assert!(
            (v[k] - expected_v).abs() < 2e-5,
            "alpha PSP at {} ms: {} vs {expected_v}",
            t[k],
            v[k]
        );
        assert!(
            (i[k] - expected_i).abs() < 1e-6,
            "alpha PSC at {} ms: {} vs {expected_i}",
            t[k],
            i[k]
        );
    }
    // The alpha current peaks at the weight, tau_syn after the input.
    let peak = i
        .iter()
        .cloned()
        .enumerate()
        .fold((0, 0.0), |a, (k, x)| if x > a.1 { (k, x) } else { a });
    assert!(
        (t[peak.0] - tau_s).abs() < 1e-9,
        "alpha PSC peaks at {} ms",
        t[peak.0]
    );
    assert!(
        (peak.1 - w).abs() / w < 1e-5,
        "alpha PSC peak {} vs weight {w}",
        peak.1
    );
}

/// Spike times (ms) of one AdEx neuron under a constant current, from an f64 RK4
/// integration with a step of 1 µs and the model's own rules (V clamped at v_spike
/// in the right-hand side, held at v_reset while refractory).
fn adex_reference(m: &AeifCondExp, duration_ms: f64) -> Vec<f64> {
    let peak = if m.delta_t > 0.0 {
        m.v_spike
    } else {
        m.v_thresh
    };
    let g_l = m.cm / m.tau_m;
    let a = m.a / 1000.0;
    let rhs = |v: f64, w: f64, refractory: bool| {
        let v = if refractory { m.v_reset } else { v.min(peak) };
        // ΔT = 0: no spike current, and the spike at v_thresh (NEST).
        let spike = if m.delta_t > 0.0 {
            g_l * m.delta_t * ((v - m.v_thresh) / m.delta_t).exp()
        } else {
            0.0
        };
        let dv = (g_l * (m.v_rest - v) + spike - w + m.i_offset) / m.cm;
        let dw = (a * (v - m.v_rest) - w) / m.tau_w;
        (if refractory { 0.0 } else { dv }, dw)
    };
    let h = 0.001;
    let (mut v, mut w, mut refractory_left) = (m.v_rest, 0.0, 0.0);
    let mut spikes = Vec::new();
    for k in 0..(duration_ms / h) as usize {
        let refractory = refractory_left > 1e-9;
        if refractory {
            v = m.v_reset;
            refractory_left -= h;
        }
        let k1 = rhs(v, w, refractory);
        let k2 = rhs(v + h / 2.0 * k1.0, w + h / 2.0 * k1.1, refractory);
        let k3 = rhs(v + h / 2.0 * k2.0, w + h / 2.0 * k2.1, refractory);
        let k4 = rhs(v + h * k3.0, w + h * k3.1, refractory);
        v += h / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0);
        w += h / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1);
        if v >= peak {
            spikes.push((k + 1) as f64 * h);
            v = m.v_reset;
            w += m.b;
            refractory_left = m.tau_refrac;
        }
    }
    spikes
}

#[test]
fn adex_adapts_and_reaches_the_reference_steady_state_rate() {
    let m = AeifCondExp {
        i_offset: 0.8,
        tau_refrac: 2.0,
        ..Default::default()
    };
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("n", 1, NeuronModel::AeifCondExp(m.clone())));
    net.record_spikes("n");
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    sim.run_ms(2000.0).unwrap();
    let times = sim.spikes("n").unwrap().times_ms();
    let isi: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(isi.len() > 20, "{} spikes", times.len());
    assert!(
        isi[isi.len() - 1] > 1.5 * isi[0],
        "intervals lengthen: first {} ms, last {} ms",
        isi[0],
        isi[isi.len() - 1]
    );
    let reference = adex_reference(&m, 2000.0);
    let ref_isi: Vec<f64> = reference.windows(2).map(|w| w[1] - w[0]).collect();
    let tail = |x: &[f64]| x[x.len() - 5..].iter().sum::<f64>() / 5.0;
    let (rate, expected) = (1000.0 / tail(&isi), 1000.0 / tail(&ref_isi));
    assert!(
        (rate - expected).abs() / expected < 0.02,
        "steady-state rate {rate:.3} Hz vs reference {expected:.3} Hz"
    );
}

/// Steps RK4 does not resolve take exponential Euler: a 10 µS inhibitory conductance
/// (G h / C = 3.6; RK4 fired the neuron four times) pulls V toward e_rev_I without a
/// spike; tau_m = 0.02 ms (g_L h / C = 5; RK4 fired every other step where NEST
/// stays silent) and tau_w = 0.01 ms (h / tau_w = 10; RK4 gave NaN) fire as the f64
/// reference does, within a millisecond over 100 ms. Both backends alike.
#[test]
fn adex_steps_too_stiff_for_rk4_are_integrated_stably() {
    let m = AeifCondExp::default();
    let mut net = Network::new(0.1, 1);
    net.add_population(
        Population::new("n", 1, NeuronModel::AeifCondExp(m.clone()))
            .with_initial("g_I", Value::constant(10.0)),
    );
    let trace = silent_trace(net, 500);
    let low = trace.iter().fold(f32::MAX, |a, &b| a.min(b));
    assert!(
        f64::from(low) > m.e_rev_i && f64::from(low) < m.v_rest - 5.0,
        "pulled toward e_rev_I: {low}"
    );
    for stiff in [
        AeifCondExp {
            tau_m: 0.02,
            i_offset: 0.8,
            ..Default::default()
        },
        AeifCondExp {
            tau_w: 0.01,
            i_offset: 0.8,
            ..Default::default()
        },
    ] {
        let mut net = Network::new(0.1, 1);
        net.add_population(Population::new(
            "n",
            1,
            NeuronModel::AeifCondExp(stiff.clone()),
        ));
        net.record_spikes("n");
        let mut times = Vec::new();
        for backend in [Backend::Gpu, Backend::Cpu] {
            let mut sim = Simulation::new(&net, backend).unwrap();
            sim.run_ms(100.0).unwrap();
            times.push(sim.spikes("n").unwrap().times_ms());
        }
        assert_eq!(times[0], times[1], "GPU and CPU differ");
        let reference = adex_reference(&stiff, 100.0);
        assert_eq!(
            times[0].len(),
            reference.len(),
            "{:?} vs {reference:?}",
            times[0]
        );
        for (t, r) in times[0].iter().zip(&reference) {
            assert!((t - r).abs() < 1.0, "{:?} vs {reference:?}", times[0]);
        }
    }
}

/// `delta_T = 0` is NEST's integrate-and-fire limit: no spike current, the spike at
/// `v_thresh` (`v_spike` ignored); a `delta_T` whose exponential would overflow f32 at
/// `v_spike` is refused.
#[test]
fn adex_without_its_exponential_fires_at_v_thresh() {
    let m = AeifCondExp {
        delta_t: 0.0,
        i_offset: 0.8,
        ..Default::default()
    };
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("n", 1, NeuronModel::AeifCondExp(m.clone())));
    net.record_spikes("n");
    net.record_state("n", "v", vec![0], 1);
    let mut runs = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run_ms(100.0).unwrap();
        let v = sim.state_record("n", "v").unwrap().trace(0);
        runs.push((sim.spikes("n").unwrap().times_ms(), v));
    }
    assert_eq!(runs[0], runs[1], "GPU and CPU differ");
    let (times, v) = &runs[0];
    let reference = adex_reference(&m, 100.0);
    assert!(reference.len() >= 3, "{reference:?}");
    assert_eq!(times.len(), reference.len(), "{times:?} vs {reference:?}");
    for (k, (t, r)) in times.iter().zip(&reference).enumerate() {
        // Each spike at the end of its step: up to a step late per spike so far.
        assert!(
            (t - r).abs() < 0.1 * (k + 1) as f64 + 1e-9,
            "{times:?} vs {reference:?}"
        );
    }
    assert!(
        v.iter().all(|&x| f64::from(x) < m.v_thresh),
        "reset at v_thresh"
    );
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "n",
        1,
        NeuronModel::AeifCondExp(AeifCondExp {
            delta_t: 0.05,
            ..Default::default()
        }),
    ));
    let e = Simulation::new(&net, Backend::Cpu)
        .err()
        .map(|e| e.to_string());
    assert!(
        e.as_deref()
            .is_some_and(|e| e.contains("`populations[n].delta_T` = 0.05: (v_spike − v_thresh)")),
        "{e:?}"
    );
    // Per neuron: 0 and 2 are valid, values between them need not be.
    for (values, field) in [
        (Value::uniform(0.0, 2.0), "heterogeneous.delta_T.low"),
        (
            Value::array(vec![0.0, 0.05, 2.0]),
            "heterogeneous.delta_T[1]",
        ),
    ] {
        let mut net = Network::new(0.1, 1);
        net.add_population(
            Population::new("n", 3, NeuronModel::AeifCondExp(AeifCondExp::default()))
                .with_heterogeneous("delta_T", values),
        );
        let e = Simulation::new(&net, Backend::Cpu)
            .err()
            .map(|e| e.to_string());
        assert!(e.as_deref().is_some_and(|e| e.contains(field)), "{e:?}");
    }
}

#[test]
fn hh_fires_one_spike_per_suprathreshold_pulse_peaking_above_zero() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "n",
        1,
        NeuronModel::HhCondExpTraub(HhCondExpTraub::default()),
    ));
    // Three 1 ms current pulses 50 ms apart, and a subthreshold one.
    for (start, amplitude) in [(20.0, 4.0), (70.0, 4.0), (120.0, 4.0), (170.0, 0.4)] {
        net.add_stimulus(Stimulus::Dc {
            target: "n".into(),
            amplitude_na: amplitude,
            start_ms: start,
            stop_ms: Some(start + 1.0),
        });
    }
    net.record_spikes("n");
    net.record_state("n", "v", vec![0], 1);
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend.clone()).unwrap();
        sim.run_ms(220.0).unwrap();
        let times = sim.spikes("n").unwrap().times_ms();
        assert_eq!(times.len(), 3, "{backend:?}: spikes at {times:?}");
        for (t, start) in times.iter().zip([20.0, 70.0, 120.0]) {
            assert!(
                *t > start && *t < start + 10.0,
                "{backend:?}: spike at {t} ms for the pulse at {start} ms"
            );
        }
        let v = sim.state_record("n", "v").unwrap().trace(0);
        let peak = v.iter().fold(f32::MIN, |a, &b| a.max(b));
        assert!(
            peak > 0.0,
            "{backend:?}: action potentials peak at {peak} mV"
        );
        let late = v[1700..].iter().fold(f32::MIN, |a, &b| a.max(b));
        assert!(
            late < -40.0,
            "{backend:?}: the subthreshold pulse fired ({late} mV)"
        );
    }
}

/// The alpha models share their exponential twins' parameter types, not PyNN's
/// defaults: a model file's `iaf_psc_alpha` and `iaf_cond_alpha` take IF_curr_alpha's
/// τ_syn 0.5/0.5 ms and IF_cond_alpha's 0.3/0.5 ms (the exponential ones keep 5/5),
/// and a value given in the file stands.
#[test]
fn the_alpha_models_take_pynn_synaptic_time_constants_by_default() {
    let text = r#"
name = "defaults"
[simulation]
duration_ms = 1.0
[[populations]]
name = "a"
size = 1
model = "iaf_psc_alpha"
[[populations]]
name = "b"
size = 1
model = "iaf_cond_alpha"
[[populations]]
name = "c"
size = 1
model = "iaf_psc_exp"
[[populations]]
name = "d"
size = 1
model = "iaf_cond_alpha"
params = { tau_syn_I = 7.0 }
"#;
    let model = neurodyn::model::file::load_text(std::path::Path::new("d.toml"), text).unwrap();
    let taus: Vec<(f64, f64)> = model
        .network
        .populations
        .iter()
        .map(|p| match &p.neuron {
            NeuronModel::IafPscAlpha(m) | NeuronModel::IafPscExp(m) => (m.tau_syn_e, m.tau_syn_i),
            NeuronModel::IafCondAlpha(m) => (m.tau_syn_e, m.tau_syn_i),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(taus, [(0.5, 0.5), (0.3, 0.5), (5.0, 5.0), (0.3, 7.0)]);
}

/// A flat list of spike times in a model file is the single list every neuron of the
/// source emits, as `[[…]]` is.
#[test]
fn a_flat_spike_time_list_is_the_list_for_every_neuron() {
    let text = |times: &str| {
        format!(
            "name = \"s\"\n[simulation]\nduration_ms = 10.0\n[[populations]]\nname = \"S\"\n\
             size = 3\nmodel = \"spike_source_array\"\nparams = {{ spike_times_ms = {times} }}\n"
        )
    };
    let load = |times: &str| {
        neurodyn::model::file::load_text(std::path::Path::new("s.toml"), &text(times))
            .unwrap()
            .network
            .populations[0]
            .neuron
            .clone()
    };
    assert_eq!(load("[1.0, 5.0]"), load("[[1.0, 5.0]]"));
    // A bad time is named by its path in the file, at its line.
    let Err(error) = neurodyn::model::file::load_text(
        std::path::Path::new("s.toml"),
        &text("[[1.0], [5.0, 2.0], []]"),
    ) else {
        panic!("decreasing times accepted");
    };
    let error = error.to_string();
    assert!(
        error.contains("s.toml:8:") && error.contains("`populations[0].params.spike_times_ms[1]`"),
        "{error}"
    );
}

/// Every key of a custom model is one the error lookup knows (a key it did not
/// know would be blamed as unknown where another was at fault): a complete table
/// with one error elsewhere names that one.
#[test]
fn every_key_of_a_custom_model_is_known_to_its_error_lookup() {
    let model = neurodyn::model::CustomNeuron {
        name: "m".into(),
        parameters: [("k".to_string(), 1.0)].into(),
        state: [("v".to_string(), 0.0)].into(),
        update: "v = v + k;".into(),
        threshold: "v > 1.0".into(),
        reset: "v = 0.0;".into(),
        refractory_ms: 1.0,
        receptors: vec!["E".into()],
    };
    let serde_json::Value::Object(table) = serde_json::to_value(&model).unwrap() else {
        panic!("a table")
    };
    // Each key in turn given a value of no key's type: the error names that key.
    for key in table.keys() {
        let mut broken = table.clone();
        broken.insert(key.clone(), true.into());
        let text = serde_json::json!({
            "simulation": { "duration_ms": 1.0 },
            "populations": [{ "name": "P", "size": 1, "model": "custom", "params": broken }],
        })
        .to_string();
        let Err(e) = neurodyn::model::file::load_text(std::path::Path::new("t.json"), &text) else {
            panic!("{key} = true accepted")
        };
        assert!(
            e.to_string()
                .contains(&format!("`populations[0].params.{key}`: invalid type")),
            "{key}: {e}"
        );
    }
}

/// A parameter of the wrong type is named with the type it needs, not blamed on the
/// model (`half_steps = 1`), nor ignored (`events_npy = 5`).
#[test]
fn parameters_of_the_wrong_type_are_named() {
    for (model, param, needle) in [
        (
            "izhikevich",
            "half_steps = 1",
            "`populations[0].params.half_steps`: expected true or false",
        ),
        (
            "spike_source_stream",
            "events_npy = 5",
            "`populations[0].params.events_npy`: expected a path",
        ),
        (
            "spike_source_array",
            "spike_times_ms = 5",
            "`populations[0].params.spike_times_ms`: expected an array",
        ),
        // Arrays of the wrong elements (blamed on the population's `model`).
        (
            "spike_source_stream",
            "events = [[1.0, 0], [2.0, -1]]",
            "`populations[0].params.events`: invalid value: integer `-1`, expected u32: \
             events are [time in ms, neuron index] pairs",
        ),
        (
            "spike_source_stream",
            "events = [[2.0, 1.5]]",
            "`populations[0].params.events`: invalid type: floating point `1.5`",
        ),
        (
            "spike_source_array",
            "spike_times_ms = [[1.0], [\"x\"]]",
            "`populations[0].params.spike_times_ms`: invalid type: string",
        ),
        // A custom model's keys (blamed on `model`): unknown, of the wrong type.
        (
            "custom",
            "name = \"m\", state = { v = 0.0 }, treshold = \"v > 1.0\"",
            "`populations[0].params.treshold`: unknown field `treshold`, expected one of \
             `name`, `parameters`, `state`, `update`, `threshold`, `reset`, `refractory_ms`, \
             `receptors` (did you mean `threshold`?)",
        ),
        (
            "custom",
            "name = \"m\", state = { v = 0.0 }, threshold = \"v > 1.0\", parameters = { k = \"abc\" }",
            "`populations[0].params.parameters`: invalid type: string \"abc\", expected f64",
        ),
    ] {
        let text = format!(
            "name = \"t\"\n[simulation]\nduration_ms = 10.0\n[[populations]]\nname = \"P\"\n\
             size = 1\nmodel = \"{model}\"\nparams = {{ {param} }}\n"
        );
        let Err(e) = neurodyn::model::file::load_text(std::path::Path::new("t.toml"), &text) else {
            panic!("{model} with {param} accepted");
        };
        assert!(e.to_string().contains(needle), "{e}");
    }
}

/// An error inside a stimulus, recorder or sweep (tables serde reads through a buffer
/// without positions) names the element and the key at fault, in TOML and in JSON,
/// and not another key that holds the same value.
#[test]
fn an_error_inside_a_tagged_table_names_its_element_and_key() {
    let head = "name = \"t\"\n[simulation]\nduration_ms = 10.0\n[[populations]]\nname = \"E\"\n\
                size = 2\nmodel = \"iaf_psc_exp\"\n";
    let good = "[[stimuli]]\nkind = \"dc\"\ntarget = \"E\"\namplitude_na = 0.5\n";
    for (bad, line, field, text) in [
        // `start_ms = 0` is valid and quoted alike: it is not the culprit.
        (
            "[[stimuli]]\nkind = \"dc\"\ntarget = 0\namplitude_na = 0.5\nstart_ms = 0\n",
            ":14:",
            "`stimuli[1].target`",
            "integer `0`",
        ),
        (
            "[[stimuli]]\nkind = \"poisson\"\ntarget = \"E\"\nrate_hz = 10.0\nweight = 0.1\n\
             receptor = \"exc\"\n",
            ":17:",
            "`stimuli[1].receptor`",
            "exc",
        ),
    ] {
        let text_of = format!("{head}{good}{bad}");
        let Err(e) = neurodyn::model::file::load_text(std::path::Path::new("t.toml"), &text_of)
        else {
            panic!("{bad} accepted");
        };
        let e = e.to_string();
        assert!(
            e.contains(line) && e.contains(field) && e.contains(text),
            "{e}"
        );
    }
    let json = r#"{"name": "t", "simulation": {"duration_ms": 10.0},
        "populations": [{"name": "E", "size": 2, "model": "iaf_psc_exp"}],
        "recorders": [{"record": "spikes", "population": "E"},
                      {"record": "state", "population": "E", "variable": "v",
                       "neurons": [0], "every_steps": 2.5}]}"#;
    let Err(e) = neurodyn::model::file::load_text(std::path::Path::new("t.json"), json) else {
        panic!("accepted");
    };
    assert!(e.to_string().contains("`recorders[1].every_steps`"), "{e}");
}

/// NEST's connection rule and parameter names (`pairwise_bernoulli`, `fixed_indegree`
/// with `indegree`, `fixed_outdegree` with `outdegree`, `fixed_total_number` with `N`)
/// read as the rules they name, so a NEST `conn_spec` ports as it is.
#[test]
fn nest_connection_rule_names_are_accepted() {
    let rules = [
        (
            r#"{ rule = "pairwise_bernoulli", p = 0.1 }"#,
            r#"{ rule = "fixed_probability", p = 0.1 }"#,
        ),
        (
            r#"{ rule = "fixed_indegree", indegree = 3, allow_autapses = false }"#,
            r#"{ rule = "fixed_in_degree", k = 3, allow_autapses = false }"#,
        ),
        (
            r#"{ rule = "fixed_outdegree", outdegree = 2, allow_multapses = false }"#,
            r#"{ rule = "fixed_out_degree", k = 2, allow_multapses = false }"#,
        ),
        (
            r#"{ rule = "fixed_total_number", N = 40 }"#,
            r#"{ rule = "fixed_total_number", n = 40 }"#,
        ),
        (r#"{ rule = "one_to_one" }"#, r#"{ rule = "one_to_one" }"#),
    ];
    let network = |rule: &str| {
        let text = format!(
            "[simulation]\nduration_ms = 1.0\n\
             [[populations]]\nname = \"P\"\nsize = 10\nmodel = \"iaf_psc_exp\"\n\
             [[projections]]\npre = \"P\"\npost = \"P\"\nconnectivity = {rule}\n\
             weight = 0.1\ndelay_ms = 1.0\nreceptor = \"excitatory\"\n"
        );
        match neurodyn::model::file::load_text(std::path::Path::new("t.toml"), &text) {
            Ok(loaded) => loaded.network.projections[0].connectivity.clone(),
            Err(e) => panic!("{rule}: {e}"),
        }
    };
    for (nest, ours) in rules {
        assert_eq!(network(nest), network(ours), "{nest}");
    }
}
