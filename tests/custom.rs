//! Neuron models written in WGSL by the user.

use std::collections::BTreeMap;

use neurodyn::model::CustomNeuron;
use neurodyn::plan::IafPscExpPropagators;
use neurodyn::{
    Backend, Connectivity, Error, IafPscExp, Network, NeuronModel, Population, Projection,
    Receptor, Simulation, Stimulus, Value,
};

fn builtin() -> IafPscExp {
    IafPscExp {
        cm: 0.25,
        tau_m: 10.0,
        tau_syn_e: 0.5,
        tau_syn_i: 1.0,
        tau_refrac: 2.0,
        v_rest: -65.0,
        v_reset: -70.0,
        v_thresh: -50.0,
        i_offset: 0.1,
    }
}

/// `iaf_psc_exp` written again as a custom model: the same propagators (computed here
/// as the plan does) and the same arithmetic as shaders/neurons/iaf_psc_exp.wgsl.
fn user_lif(m: &IafPscExp, dt: f64) -> CustomNeuron {
    user_lif_counting(m, dt, 0)
}

/// `user_lif` with `extra` more variables, each counting the neuron's spikes: 4 and
/// 8 variables put the refractory counter in a state block's second and third
/// vector (`plan::layout::state_words`).
fn user_lif_counting(m: &IafPscExp, dt: f64, extra: usize) -> CustomNeuron {
    let p = IafPscExpPropagators::new(m, dt);
    let counters: Vec<String> = (1..=extra).map(|k| format!("count{k}")).collect();
    let parameters: BTreeMap<String, f64> = [
        ("p22", p.p22),
        ("p11_ex", p.p11_ex),
        ("p11_in", p.p11_in),
        ("p21_ex", p.p21_ex),
        ("p21_in", p.p21_in),
        ("p20", p.p20),
        ("i_offset", m.i_offset),
        ("theta", m.v_thresh - m.v_rest),
        ("v_reset", m.v_reset - m.v_rest),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    CustomNeuron {
        name: "user_lif".into(),
        parameters,
        state: [("v", 0.0), ("i_e", 0.0), ("i_i", 0.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .chain(counters.iter().map(|k| (k.clone(), 0.0)))
            .collect(),
        update: "if (!refractory) {
    let drive = rounded(i_offset + I_stim);
    let from_in = rounded(rounded(p21_in * i_i) + rounded(p20 * drive));
    let from_ex = rounded(rounded(p21_ex * i_e) + from_in);
    v = rounded(rounded(p22 * v) + from_ex);
}
i_e = rounded(rounded(p11_ex * i_e) + I_syn_E);
i_i = rounded(rounded(p11_in * i_i) + I_syn_I);"
            .into(),
        threshold: "v >= theta".into(),
        reset: std::iter::once("v = v_reset;".to_string())
            .chain(counters.iter().map(|k| format!("\n{k} = {k} + 1.0;")))
            .collect(),
        refractory_ms: m.tau_refrac,
        receptors: vec!["E".into(), "I".into()],
    }
}

fn network(model: NeuronModel, initial: Value) -> Network {
    let mut net = Network::new(0.1, 4);
    net.add_population(Population::new("n", 400, model).with_initial_v(initial));
    net.add_stimulus(Stimulus::Poisson {
        target: "n".into(),
        rate_hz: 12000.0,
        weight: 0.0877,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    net.add_stimulus(Stimulus::Dc {
        target: "n".into(),
        amplitude_na: 0.05,
        start_ms: 100.0,
        stop_ms: Some(300.0),
    });
    let rule = Connectivity::FixedInDegree {
        k: 40,
        allow_autapses: false,
        allow_multapses: true,
    };
    net.add_projection(Projection::new(
        "n",
        "n",
        rule.clone(),
        0.05,
        Value::uniform(0.5, 3.0),
        Receptor::Excitatory,
    ));
    net.add_projection(Projection::new(
        "n",
        "n",
        rule,
        -0.2,
        0.8,
        Receptor::Inhibitory,
    ));
    net.record_spikes("n");
    net
}

#[test]
fn a_user_written_lif_equals_the_built_in_iaf_psc_exp() {
    let m = builtin();
    // Built-in v is relative to rest; the custom model's v is whatever it integrates,
    // here also relative to rest, so both start from the same numbers.
    let builtin_net = network(
        NeuronModel::IafPscExp(m.clone()),
        Value::uniform(-65.0, -52.0),
    );
    let custom_net = network(
        NeuronModel::Custom(user_lif(&m, 0.1)),
        Value::uniform(0.0, 13.0),
    );
    let mut a = Simulation::new(&builtin_net, Backend::Gpu).unwrap();
    let mut b = Simulation::new(&custom_net, Backend::Gpu).unwrap();
    a.run(5000).unwrap();
    b.run(5000).unwrap();
    let (ra, rb) = (a.spikes("n").unwrap(), b.spikes("n").unwrap());
    assert!(ra.len() > 1000, "the network fires: {}", ra.len());
    assert_eq!(ra, rb, "custom and built-in rasters differ");
    let va: Vec<u32> = a
        .read_state("n", "i_syn_E")
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect();
    let vb: Vec<u32> = b
        .read_state("n", "i_e")
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect();
    assert_eq!(va, vb);
}

#[test]
fn a_custom_model_of_four_or_eight_variables_keeps_its_refractory_counter_apart() {
    // Four and eight variables: the refractory counter in a block's second and third
    // vector, next to padding (4) or to nothing (8 = the custom maximum).
    let m = builtin();
    let mut a = Simulation::new(
        &network(
            NeuronModel::IafPscExp(m.clone()),
            Value::uniform(-65.0, -52.0),
        ),
        Backend::Gpu,
    )
    .unwrap();
    a.run(2000).unwrap();
    let expected = a.spikes("n").unwrap().clone();
    assert!(
        expected.len() > 300,
        "the network fires: {}",
        expected.len()
    );
    for extra in [1, 5] {
        let net = network(
            NeuronModel::Custom(user_lif_counting(&m, 0.1, extra)),
            Value::uniform(0.0, 13.0),
        );
        let mut b = Simulation::new(&net, Backend::Gpu).unwrap();
        b.run(2000).unwrap();
        let spikes = b.spikes("n").unwrap();
        assert_eq!(*spikes, expected, "{} variables", 3 + extra);
        let mut per_neuron = vec![0.0f32; 400];
        for &neuron in &spikes.neurons {
            per_neuron[neuron as usize] += 1.0;
        }
        for k in 1..=extra {
            let counted = b.read_state("n", &format!("count{k}")).unwrap();
            assert_eq!(counted, per_neuron, "count{k} of {} variables", 3 + extra);
        }
    }
}

#[test]
fn a_wgsl_error_in_a_snippet_is_reported_at_its_line_and_column() {
    let mut model = user_lif(&builtin(), 0.1);
    model.update = "v = v + 1.0;\nv = v * undefined_thing;".into();
    let net = network(NeuronModel::Custom(model), Value::constant(0.0));
    match Simulation::new(&net, Backend::Gpu) {
        Err(Error::Shader(e)) => {
            assert_eq!(e.file, "custom model `user_lif`, update");
            assert_eq!((e.line, e.column), (2, 9), "{e}");
            assert!(e.to_string().contains("undefined_thing"), "{e}");
        }
        other => panic!("expected a shader error, got {:?}", other.err()),
    }
    let mut model = user_lif(&builtin(), 0.1);
    model.threshold = "v >= theta +".into();
    let net = network(NeuronModel::Custom(model), Value::constant(0.0));
    let error = Simulation::new(&net, Backend::Gpu)
        .err()
        .expect("a syntax error");
    assert!(
        error.to_string().contains("custom model `user_lif`"),
        "{error}"
    );
    // Errors naga's validator finds (not its parser) are located in the snippet too,
    // at the expression at fault (they named the generated header's line 3).
    for (change, file, at) in [
        (
            &(|m: &mut CustomNeuron| m.threshold = "v - theta".into())
                as &dyn Fn(&mut CustomNeuron),
            "custom model `user_lif`, threshold",
            (1, 1),
        ),
        (
            &|m| m.update = "v = v + 1.0;\nv = v\n  + true;".into(),
            "custom model `user_lif`, update",
            (2, 5),
        ),
    ] {
        let mut model = user_lif(&builtin(), 0.1);
        change(&mut model);
        let net = network(NeuronModel::Custom(model), Value::constant(0.0));
        match Simulation::new(&net, Backend::Gpu) {
            Err(Error::Shader(e)) => {
                assert_eq!(e.file, file, "{e}");
                assert_eq!((e.line, e.column), at, "{e}");
            }
            other => panic!("expected a shader error, got {:?}", other.err()),
        }
    }
}

#[test]
fn reserved_names_are_rejected_with_a_clear_message() {
    let mut model = user_lif(&builtin(), 0.1);
    model.parameters.insert("dt".into(), 1.0);
    let net = network(NeuronModel::Custom(model), Value::constant(0.0));
    let message = Simulation::new(&net, Backend::Gpu)
        .err()
        .expect("reserved")
        .to_string();
    assert!(
        message.contains("populations[n].parameters.dt") && message.contains("reserved"),
        "{message}"
    );

    let mut model = user_lif(&builtin(), 0.1);
    model.update = "let I_stim = 2.0;\nv = v + I_stim;".into();
    let net = network(NeuronModel::Custom(model), Value::constant(0.0));
    let message = Simulation::new(&net, Backend::Gpu)
        .err()
        .expect("reserved")
        .to_string();
    assert!(
        message.contains("populations[n].update") && message.contains("`I_stim`"),
        "{message}"
    );

    // Snippets stay inside their function, keep their hands off the engine's own
    // names and do not shadow the model's (each was accepted: the first ran code
    // outside the generated function, the second wrote the counters, the third lost
    // `v`'s update); a comment's words are not declarations; a name is one line.
    let refused = |change: &dyn Fn(&mut CustomNeuron)| {
        let mut model = user_lif(&builtin(), 0.1);
        change(&mut model);
        let net = network(NeuronModel::Custom(model), Value::constant(0.0));
        Simulation::new(&net, Backend::Gpu)
            .err()
            .map(|e| e.to_string())
    };
    for (change, needle) in [
        (
            &(|m: &mut CustomNeuron| m.update = "}\nfn evil() {".into())
                as &dyn Fn(&mut CustomNeuron),
            "`}` closes what the snippet did not open",
        ),
        (
            &|m| m.update = "counters.record_count = 7u;".into(),
            "uses `counters`, the engine's own",
        ),
        (
            &|m| m.update = "let v = 1.0;".into(),
            "declares `v`, a declared name",
        ),
        (&|m| m.threshold = "v > 1.0) || (true".into(), "`)` closes"),
        (
            &|m| m.reset = "/* unclosed".into(),
            "comment is never closed",
        ),
        (&|m| m.name = "lif\nfn x() {}".into(), "control character"),
        (
            &|m| {
                m.parameters.insert("I_syn_E".into(), 1.0);
            },
            "its input `I_syn_E` is also a parameter",
        ),
    ] {
        let message = refused(change).expect(needle);
        assert!(message.contains(needle), "{message}");
    }
    assert_eq!(
        refused(&|m| m.update = format!("// let step size be dt\n{}", m.update)),
        None
    );
    // A snippet that returns skips the generated code after it (the state's store).
    let message = refused(&|m| m.reset = "v = v_reset;\nreturn true;".into()).unwrap();
    assert!(message.contains("the snippet returns"), "{message}");
    // A member or swizzle is not the engine's name (`.r` is not the counter `r`).
    assert_eq!(
        refused(&|m| m.update = format!("let q = vec2<f32>(0.0, 1.0);\nv = v + q.r;\n{}", m.update)),
        None
    );
}

/// Two different custom models under one name are refused (a WGSL error names its
/// snippet by the model's name, and could not say which); the same model twice is
/// one model.
#[test]
fn two_custom_models_of_one_name_are_refused() {
    let mut net = network(
        NeuronModel::Custom(user_lif(&builtin(), 0.1)),
        Value::constant(0.0),
    );
    let mut other = user_lif(&builtin(), 0.1);
    other.reset = "v = 0.0;".into();
    net.add_population(Population::new(
        "m",
        2,
        NeuronModel::Custom(user_lif(&builtin(), 0.1)),
    ));
    // The same code with other values is the same model (its parameters are values).
    let mut valued = user_lif(&builtin(), 0.1);
    for value in valued.parameters.values_mut() {
        *value *= 0.5;
    }
    valued.refractory_ms = 3.0;
    net.add_population(Population::new("v", 2, NeuronModel::Custom(valued)));
    assert!(neurodyn::Plan::new(&net).is_ok());
    net.add_population(Population::new("o", 2, NeuronModel::Custom(other)));
    let Err(refusal) = neurodyn::Plan::new(&net) else {
        panic!("two models of one name accepted")
    };
    let message = refusal.to_string();
    assert!(
        message.contains("populations[o].name") && message.contains("names another custom model"),
        "{message}"
    );
}

/// A custom model's refractory time keeps it from spiking, whatever its threshold
/// (it spiked every step).
#[test]
fn a_custom_model_does_not_spike_while_refractory() {
    let model = CustomNeuron {
        name: "pump".into(),
        parameters: Default::default(),
        state: [("v".to_string(), 0.0)].into(),
        update: "v = v + 10.0;".into(),
        threshold: "v > 5.0".into(),
        reset: "v = 0.0;".into(),
        refractory_ms: 1.0,
        receptors: vec!["E".into(), "I".into()],
    };
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("P", 1, NeuronModel::Custom(model)));
    net.record_spikes("P");
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    sim.run(100).unwrap();
    let steps: Vec<u64> = sim.spikes("P").unwrap().steps.clone();
    // A spike, then 10 refractory steps (1 ms), then the next.
    assert_eq!(steps.len(), 10, "{steps:?}");
    assert!(steps.windows(2).all(|w| w[1] - w[0] == 11), "{steps:?}");
}

#[test]
fn the_cpu_reference_refuses_custom_models() {
    let net = network(
        NeuronModel::Custom(user_lif(&builtin(), 0.1)),
        Value::constant(0.0),
    );
    let error = Simulation::new(&net, Backend::Cpu).err().expect("refused");
    assert!(matches!(error, Error::CustomModelOnCpu { .. }), "{error}");
}

#[test]
fn a_custom_model_runs_from_a_model_file() {
    let dir = std::env::temp_dir().join(format!("neurodyn-custom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("adaptive.toml");
    std::fs::write(
        &path,
        r#"
[simulation]
duration_ms = 200.0

[[populations]]
name = "adaptive"
size = 10
model = "custom"
params = { name = "adaptive_lif", parameters = { decay = 0.99, drive = 0.3, jump = 1.0 }, state = { v = 0.0, w = 0.0 }, update = "v = rounded(rounded(decay * v) + drive) - w;\nw = rounded(0.999 * w);", threshold = "v >= 10.0", reset = "v = 0.0;\nw = w + jump;" }
"#,
    )
    .unwrap();
    let model = neurodyn::model::file::load(&path).unwrap();
    let mut sim = Simulation::new(&model.network, Backend::Gpu).unwrap();
    sim.run_ms(200.0).unwrap();
    let w = sim.read_state("adaptive", "w").unwrap();
    assert!(
        w.iter().all(|&w| w > 0.5),
        "the adaptation variable grew with each spike: {w:?}"
    );
}

#[test]
fn a_custom_model_can_declare_more_receptor_ports() {
    let three_ports = CustomNeuron {
        name: "three_ports".into(),
        parameters: BTreeMap::new(),
        state: [("x_ampa", 0.0), ("x_nmda", 0.0), ("x_gaba", 0.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        update: "x_ampa = x_ampa + I_syn_AMPA;\nx_nmda = x_nmda + I_syn_NMDA;\nx_gaba = x_gaba + I_syn_GABA;".into(),
        threshold: "false".into(),
        reset: String::new(),
        refractory_ms: 0.0,
        receptors: vec!["AMPA".into(), "NMDA".into(), "GABA".into()],
    };
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "src",
        1,
        NeuronModel::SpikeSourceArray(neurodyn::SpikeSourceArray {
            spike_times_ms: vec![vec![1.0]],
        }),
    ));
    net.add_population(Population::new("n", 2, NeuronModel::Custom(three_ports)));
    net.add_population(Population::new("lif", 1, NeuronModel::IafPscExp(builtin())));
    net.add_projection(Projection::from_list(
        "src",
        "n",
        &[(0, 0, 1.0, 0.5)],
        Receptor::Excitatory,
    ));
    net.add_projection(Projection::from_list(
        "src",
        "n",
        &[(0, 0, 3.0, 0.5), (0, 1, 5.0, 0.5)],
        Receptor::Port(2),
    ));
    net.add_projection(Projection::from_list(
        "src",
        "lif",
        &[(0, 0, 0.5, 0.5)],
        Receptor::Excitatory,
    ));
    net.record_state("lif", "i_syn_E", vec![0], 1);
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    assert_eq!(sim.plan().config.n_receptors, 3);
    sim.run(50).unwrap();
    assert_eq!(sim.read_state("n", "x_ampa").unwrap(), vec![1.0, 0.0]);
    assert_eq!(sim.read_state("n", "x_nmda").unwrap(), vec![0.0, 0.0]);
    assert_eq!(sim.read_state("n", "x_gaba").unwrap(), vec![3.0, 5.0]);
    // The built-in model beside it still receives on its excitatory port.
    let trace = sim.state_record("lif", "i_syn_E").unwrap().trace(0);
    assert!((trace[14] - 0.5).abs() < 1e-6, "{:?}", &trace[10..16]);

    // A port the target's model does not have is refused.
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("a", 1, NeuronModel::IafPscExp(builtin())));
    net.add_projection(Projection::from_list(
        "a",
        "a",
        &[(0, 0, 0.1, 1.0)],
        Receptor::Port(2),
    ));
    let message = Simulation::new(&net, Backend::Cpu)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        message.contains("projections[0] (a -> a).receptor")
            && message.contains("port 2 does not exist"),
        "{message}"
    );
}

#[test]
fn an_adaptive_threshold_brings_the_rate_to_its_target() {
    // models/intrinsic_plasticity.toml: the threshold rises by eta per spike and falls
    // by eta · r_target · dt per step, so each neuron settles at 10 Hz whatever its
    // drive; half the neurons start far below the fixed point, half far above.
    let model =
        neurodyn::model::file::load(std::path::Path::new("models/intrinsic_plasticity.toml"))
            .unwrap();
    let mut network = model.network;
    let size = network.populations[0].size as usize;
    let start: Vec<f64> = (0..size)
        .map(|k| if k < size / 2 { 1.0 } else { 40.0 })
        .collect();
    network.populations[0] = network.populations[0]
        .clone()
        .with_initial("theta", Value::array(start));
    let mut sim = Simulation::new(&network, Backend::Gpu).unwrap();
    sim.run_ms(8_000.0).unwrap();
    sim.drain_spikes();
    sim.run_ms(4_000.0).unwrap();
    let record = sim.spikes("N").unwrap();
    for (half, range) in [("low", 0..size / 2), ("high", size / 2..size)] {
        let spikes = record
            .neurons
            .iter()
            .filter(|&&n| range.contains(&(n as usize)))
            .count();
        let rate = spikes as f64 / (size / 2) as f64 / 4.0;
        assert!((rate - 10.0).abs() < 1.0, "{half} start: {rate} Hz");
    }
}
