//! Spike sources and stimulus schedules: spike_source_array, parrot_neuron (with
//! Poisson input, a Poisson source), step currents and rate schedules.

use neurodyn::{
    Backend, IafPscExp, Network, NeuronModel, ParrotNeuron, Population, Projection, Receptor,
    Simulation, SpikeSourceArray, Stimulus,
};

fn backends() -> [Backend; 2] {
    [Backend::Gpu, Backend::Cpu]
}

#[test]
fn a_spike_source_array_emits_exactly_its_times() {
    let times = vec![
        vec![0.1, 0.5, 0.5, 12.3, 100.0],
        vec![],
        vec![7.0, 7.04, 250.0],
    ];
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "src",
        3,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: times,
        }),
    ));
    net.add_population(Population::new(
        "shared",
        4,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: vec![vec![2.0, 3.0]],
        }),
    ));
    net.add_population(Population::new(
        "target",
        1,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.add_projection(Projection::from_list(
        "src",
        "target",
        &[(2, 0, 0.5, 1.0)],
        Receptor::Excitatory,
    ));
    net.record_spikes("src");
    net.record_spikes("shared");
    net.record_state("target", "i_syn_E", vec![0], 1);
    let mut records = Vec::new();
    for backend in backends() {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run_ms(300.0).unwrap();
        let src = sim.spikes("src").unwrap();
        let spikes: Vec<(f64, u32)> = src
            .times_ms()
            .into_iter()
            .zip(src.neurons.iter().copied())
            .collect();
        // Times on the 0.1 ms grid; 0.5 twice and 7.0/7.04 (same step) give one spike each.
        let expected = [
            (0.1, 0),
            (0.5, 0),
            (7.0, 2),
            (12.3, 0),
            (100.0, 0),
            (250.0, 2),
        ];
        assert_eq!(spikes.len(), expected.len(), "{spikes:?}");
        for ((t, n), (et, en)) in spikes.iter().zip(expected) {
            assert!((t - et).abs() < 1e-9 && *n == en, "{spikes:?}");
        }
        assert_eq!(
            sim.spikes("shared").unwrap().len(),
            8,
            "a shared list drives every neuron"
        );
        // The spike at 7.0 ms (step 69) reaches the target 1 ms (10 steps) later.
        let probe = sim.state_record("target", "i_syn_E").unwrap();
        let first = probe.trace(0).iter().position(|&i| i != 0.0).unwrap();
        assert_eq!(probe.steps[first], 79);
        records.push(sim.spike_records().to_vec());
    }
    assert_eq!(records[0], records[1]);
}

#[test]
fn a_parrot_repeats_every_input_spike_whatever_its_weight() {
    // As NEST's parrot_neuron, which ignores weights: a weight of 0, and a weight too
    // small for the port's fixed-point unit beside a large one, still relay.
    let mut net = Network::new(0.1, 1);
    let source = |times: Vec<f64>| {
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: vec![times],
        })
    };
    net.add_population(Population::new("zero", 1, source(vec![5.0, 10.0, 20.3])));
    net.add_population(Population::new("tiny", 1, source(vec![15.0])));
    net.add_population(Population::new("large", 1, source(vec![30.0])));
    net.add_population(Population::new(
        "parrot",
        1,
        NeuronModel::ParrotNeuron(ParrotNeuron {}),
    ));
    for (pre, weight, receptor) in [
        ("zero", 0.0, Receptor::Excitatory),
        ("zero", 0.0, Receptor::Inhibitory),
        ("tiny", 1e-6, Receptor::Excitatory),
        ("large", 1e6, Receptor::Excitatory),
    ] {
        net.add_projection(Projection::from_list(
            pre,
            "parrot",
            &[(0, 0, weight, 1.0)],
            receptor,
        ));
    }
    net.record_spikes("parrot");
    let mut records = Vec::new();
    for backend in backends() {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run_ms(50.0).unwrap();
        let times = sim.spikes("parrot").unwrap().times_ms();
        let expected = [6.0, 11.0, 16.0, 21.3, 31.0];
        assert_eq!(times.len(), expected.len(), "{times:?}");
        for (t, e) in times.iter().zip(expected) {
            assert!((t - e).abs() < 1e-9, "{times:?}");
        }
        records.push(sim.spike_records().to_vec());
    }
    assert_eq!(records[0], records[1]);
}

#[test]
fn a_parrot_with_poisson_input_is_a_poisson_source() {
    let mut net = Network::new(0.1, 3);
    net.add_population(Population::new(
        "p",
        500,
        NeuronModel::ParrotNeuron(ParrotNeuron {}),
    ));
    net.add_stimulus(Stimulus::Poisson {
        target: "p".into(),
        rate_hz: 20.0,
        weight: 1.0,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    net.record_spikes("p");
    let mut rasters = Vec::new();
    for backend in backends() {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run_ms(2000.0).unwrap();
        let record = sim.spikes("p").unwrap();
        // 500 × 2 s × 20 Hz = 20,000 expected; P(two events in one 0.1 ms step) ≈ 2e-6.
        let rate = record.mean_rate_hz();
        assert!((rate - 20.0).abs() < 0.6, "rate {rate} Hz");
        let cv = record.cv_isi().unwrap();
        assert!((cv - 1.0).abs() < 0.05, "CV ISI {cv}");
        rasters.push(record.clone());
    }
    assert_eq!(rasters[0], rasters[1]);
}

#[test]
fn a_rate_schedule_switches_the_poisson_rate() {
    let mut net = Network::new(0.1, 5);
    net.add_population(Population::new(
        "p",
        400,
        NeuronModel::ParrotNeuron(ParrotNeuron {}),
    ));
    net.add_stimulus(Stimulus::InhomogeneousPoisson {
        target: "p".into(),
        times_ms: vec![0.0, 100.0, 300.0],
        rates_hz: vec![0.0, 50.0, 5.0],
        weight: 1.0,
        receptor: Receptor::Excitatory,
    });
    net.record_spikes("p");
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    sim.run_ms(700.0).unwrap();
    let times = sim.spikes("p").unwrap().times_ms();
    let count = |a: f64, b: f64| times.iter().filter(|&&t| t > a && t <= b).count() as f64;
    assert_eq!(count(0.0, 100.0), 0.0);
    let high = count(100.0, 300.0) / (400.0 * 0.2);
    let low = count(300.0, 700.0) / (400.0 * 0.4);
    assert!((high - 50.0).abs() < 4.0, "{high} Hz");
    assert!((low - 5.0).abs() < 1.0, "{low} Hz");
}

#[test]
fn a_step_current_equals_its_dc_pieces() {
    let lif = NeuronModel::IafPscExp(IafPscExp {
        tau_refrac: 2.0,
        ..Default::default()
    });
    let build = |stimuli: Vec<Stimulus>| {
        let mut net = Network::new(0.1, 1);
        net.add_population(Population::new("n", 1, lif.clone()));
        for s in stimuli {
            net.add_stimulus(s);
        }
        net.record_spikes("n");
        let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
        sim.run_ms(300.0).unwrap();
        sim.spikes("n").unwrap().clone()
    };
    let step = build(vec![Stimulus::StepCurrent {
        target: "n".into(),
        times_ms: vec![50.0, 120.0, 200.0],
        amplitudes_na: vec![1.5, 0.0, 2.0],
    }]);
    let dc = |a: f64, start: f64, stop: Option<f64>| Stimulus::Dc {
        target: "n".into(),
        amplitude_na: a,
        start_ms: start,
        stop_ms: stop,
    };
    let pieces = build(vec![
        dc(1.5, 50.0, Some(120.0)),
        dc(0.0, 120.0, Some(200.0)),
        dc(2.0, 200.0, None),
    ]);
    assert_eq!(step, pieces);
    let times = step.times_ms();
    assert!(
        times
            .iter()
            .all(|&t| (50.0..130.0).contains(&t) || t >= 200.0),
        "{times:?}"
    );
    assert!(times.iter().any(|&t| t < 120.0) && times.iter().any(|&t| t > 200.0));
}

#[test]
fn schedules_and_spike_times_are_validated() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "src",
        2,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: vec![vec![5.0, 1.0], vec![0.0]],
        }),
    ));
    net.add_stimulus(Stimulus::StepCurrent {
        target: "src".into(),
        times_ms: vec![10.0, 5.0],
        amplitudes_na: vec![1.0],
    });
    let message = Simulation::new(&net, Backend::Cpu)
        .err()
        .expect("invalid")
        .to_string();
    for needle in [
        "spike_times_ms[0]",
        "must not decrease",
        "spike_times_ms[1]",
        "stimuli[0].times_ms",
        "must increase",
        "one time per value",
    ] {
        assert!(message.contains(needle), "`{needle}` not in: {message}");
    }
    // Errors name the fields as written, not those of the schedule's pieces.
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "n",
        1,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.add_stimulus(Stimulus::StepCurrent {
        target: "n".into(),
        times_ms: vec![-1.0, 2.0],
        amplitudes_na: vec![f64::NAN, 1.0],
    });
    let message = Simulation::new(&net, Backend::Cpu)
        .err()
        .expect("invalid")
        .to_string();
    assert!(message.contains("stimuli[0].times_ms[0]"), "{message}");
    assert!(message.contains("stimuli[0].amplitudes_na[0]"), "{message}");
    assert!(
        !message.contains("start_ms") && !message.contains("amplitude_na`"),
        "{message}"
    );
}
