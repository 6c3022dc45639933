//! Every validation error names the field and the value.

use neurodyn::model::{ModelError, MAX_DELAY_STEPS};
use neurodyn::{
    Backend, Connectivity, Error, IafPscExp, Network, NeuronModel, Population, Projection,
    Receptor, Simulation, Stimulus, Value,
};

fn lif() -> NeuronModel {
    NeuronModel::IafPscExp(IafPscExp::default())
}

fn base() -> Network {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("E", 10, lif()));
    net.add_population(Population::new("I", 5, lif()));
    net
}

fn fixed_p(p: f64) -> Connectivity {
    Connectivity::FixedProbability {
        p,
        allow_autapses: true,
    }
}

/// The errors of `net`; also checks the simulation refuses it before touching a device.
fn errors(net: &Network) -> Vec<ModelError> {
    match Simulation::new(net, Backend::Cpu) {
        Err(Error::Model(e)) => e.0,
        Err(other) => panic!("expected a model error, got {other}"),
        Ok(_) => panic!("the model was accepted"),
    }
}

/// Exactly one error, for `field`, whose message names the field and contains `text`.
fn expect_one(net: &Network, field: &str, text: &str) {
    let errors = errors(net);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e.field(), field);
    let message = e.to_string();
    assert!(message.contains(&format!("`{field}`")), "{message}");
    assert!(message.contains(text), "`{text}` not in: {message}");
}

#[test]
fn unknown_population() {
    let mut net = base();
    net.add_projection(Projection::new(
        "E",
        "X",
        fixed_p(0.1),
        0.1,
        1.0,
        Receptor::Excitatory,
    ));
    expect_one(
        &net,
        "projections[0] (E -> X).post",
        "unknown population `X`",
    );
    let message = errors(&net)[0].to_string();
    assert!(
        message.contains("E, I"),
        "lists the known populations: {message}"
    );
}

#[test]
fn negative_time_constant() {
    let mut net = base();
    let NeuronModel::IafPscExp(p) = &mut net.populations[0].neuron else {
        unreachable!()
    };
    p.tau_m = -20.0;
    expect_one(&net, "populations[E].tau_m", "-20");
}

#[test]
fn zero_synaptic_time_constant() {
    let mut net = base();
    let NeuronModel::IafPscExp(p) = &mut net.populations[1].neuron else {
        unreachable!()
    };
    p.tau_syn_i = 0.0;
    expect_one(&net, "populations[I].tau_syn_I", "greater than 0");
}

#[test]
fn negative_refractory_period_and_nan_parameter() {
    let mut net = base();
    let NeuronModel::IafPscExp(p) = &mut net.populations[0].neuron else {
        unreachable!()
    };
    p.tau_refrac = -1.0;
    p.v_rest = f64::NAN;
    let errors = errors(&net);
    let fields: Vec<_> = errors.iter().map(|e| e.field().to_string()).collect();
    assert!(
        fields.contains(&"populations[E].tau_refrac".to_string()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"populations[E].v_rest".to_string()),
        "{fields:?}"
    );
}

#[test]
fn reset_above_threshold() {
    let mut net = base();
    let NeuronModel::IafPscExp(p) = &mut net.populations[0].neuron else {
        unreachable!()
    };
    p.v_reset = -40.0;
    expect_one(&net, "populations[E].v_reset", "below v_thresh");
}

#[test]
fn probability_outside_unit_interval() {
    for p in [-0.1, 1.5] {
        let mut net = base();
        net.add_projection(Projection::new(
            "E",
            "I",
            fixed_p(p),
            0.1,
            1.0,
            Receptor::Excitatory,
        ));
        expect_one(
            &net,
            "projections[0] (E -> I).connectivity.p",
            &format!("{p}"),
        );
    }
}

#[test]
fn delay_beyond_the_supported_maximum() {
    let mut net = base();
    let too_long = f64::from(MAX_DELAY_STEPS + 1) * 0.1;
    net.add_projection(Projection::new(
        "E",
        "I",
        fixed_p(0.1),
        0.1,
        too_long,
        Receptor::Excitatory,
    ));
    expect_one(
        &net,
        "projections[0] (E -> I).delay_ms",
        &format!("{MAX_DELAY_STEPS} steps"),
    );
}

#[test]
fn negative_delay() {
    let mut net = base();
    net.add_projection(Projection::new(
        "E",
        "I",
        fixed_p(0.1),
        0.1,
        -1.0,
        Receptor::Excitatory,
    ));
    expect_one(&net, "projections[0] (E -> I).delay_ms", "negative");
}

#[test]
fn empty_population() {
    let mut net = base();
    net.add_population(Population::new("empty", 0, lif()));
    expect_one(&net, "populations[empty].size", "empty");
}

#[test]
fn duplicate_population_name() {
    let mut net = base();
    net.add_population(Population::new("E", 3, lif()));
    expect_one(&net, "populations[2].name", "used by two populations");
}

#[test]
fn weight_sign_must_match_the_receptor() {
    // Written as its port, the inhibitory receptor is checked alike (it was not).
    for receptor in [Receptor::Inhibitory, Receptor::Port(1)] {
        let mut net = base();
        net.add_projection(Projection::new("I", "E", fixed_p(0.1), 0.5, 1.0, receptor));
        expect_one(
            &net,
            "projections[0] (I -> E).weight",
            "inhibitory receptor must be ≤ 0",
        );
    }
    let mut net = base();
    net.add_projection(Projection::new(
        "E",
        "E",
        fixed_p(0.1),
        Value::uniform(-0.1, 0.1),
        1.0,
        Receptor::Excitatory,
    ));
    expect_one(&net, "projections[0] (E -> E).weight", "≥ 0");
}

#[test]
fn list_index_outside_the_population() {
    let mut net = base();
    net.add_projection(Projection::from_list(
        "E",
        "I",
        &[(0, 0, 0.1, 1.0), (3, 7, 0.1, 1.0)],
        Receptor::Excitatory,
    ));
    expect_one(
        &net,
        "projections[0] (E -> I).connectivity.pairs[1].post",
        "index 7",
    );
}

#[test]
fn array_length_must_match() {
    let mut net = base();
    net.populations[0]
        .initial
        .insert("v".into(), Value::array(vec![-65.0; 3]));
    expect_one(&net, "populations[E].initial.v", "3 values");
    let mut net = base();
    net.populations[1]
        .initial
        .insert("g_E".into(), Value::constant(0.0));
    expect_one(&net, "populations[I].initial.g_E", "unknown variable `g_E`");
}

#[test]
fn in_degree_without_multapses_beyond_the_population() {
    let mut net = base();
    let rule = Connectivity::FixedInDegree {
        k: 6,
        allow_autapses: true,
        allow_multapses: false,
    };
    net.add_projection(Projection::new(
        "I",
        "E",
        rule,
        -0.1,
        1.0,
        Receptor::Inhibitory,
    ));
    expect_one(
        &net,
        "projections[0] (I -> E).connectivity.k",
        "in-degree 6",
    );
}

#[test]
fn stimulus_with_negative_rate_and_unknown_target() {
    let mut net = base();
    net.add_stimulus(Stimulus::Poisson {
        target: "E".into(),
        rate_hz: -5.0,
        weight: 0.1,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    expect_one(&net, "stimuli[0].rate_hz", "-5");
    let mut net = base();
    net.add_stimulus(Stimulus::Dc {
        target: "Z".into(),
        amplitude_na: 1.0,
        start_ms: 0.0,
        stop_ms: None,
    });
    expect_one(&net, "stimuli[0].target", "unknown population `Z`");
}

#[test]
fn a_neuron_recorded_twice_by_one_recorder_is_refused() {
    let mut net = base();
    net.record_state("E", "v", vec![7, 2, 2], 1);
    expect_one(
        &net,
        "recorders[0].neurons[2]",
        "neuron 2 is listed already (neurons[1])",
    );
}

#[test]
fn recorder_of_an_unknown_variable_or_neuron() {
    let mut net = base();
    net.record_state("E", "w", vec![0], 1);
    expect_one(&net, "recorders[0].variable", "unknown variable `w`");
    let mut net = base();
    net.record_state("I", "v", vec![5], 1);
    expect_one(&net, "recorders[0].neurons[0]", "index 5");
}

#[test]
fn non_positive_time_step() {
    let mut net = base();
    net.dt_ms = 0.0;
    expect_one(&net, "dt_ms", "greater than 0");
}

#[test]
fn every_error_is_reported_at_once() {
    let mut net = base();
    net.dt_ms = -1.0;
    net.add_population(Population::new("empty", 0, lif()));
    net.add_projection(Projection::new(
        "E",
        "nowhere",
        fixed_p(2.0),
        0.1,
        1.0,
        Receptor::Excitatory,
    ));
    let errors = errors(&net);
    assert!(errors.len() >= 3, "{errors:?}");
}

#[test]
fn conductances_are_not_negative() {
    let mut net = base();
    net.add_population(Population::new(
        "C",
        4,
        NeuronModel::IafCondExp(neurodyn::IafCondExp::default()),
    ));
    net.add_projection(Projection::new(
        "I",
        "C",
        fixed_p(0.5),
        -0.01,
        1.0,
        Receptor::Inhibitory,
    ));
    expect_one(&net, "projections[0] (I -> C).weight", "a conductance");
}

#[test]
fn an_empty_population_with_rules_onto_itself_is_reported_not_a_panic() {
    let mut net = base();
    net.add_population(Population::new("empty", 0, lif()));
    net.add_projection(Projection::new(
        "empty",
        "empty",
        Connectivity::FixedInDegree {
            k: 3,
            allow_autapses: false,
            allow_multapses: false,
        },
        0.1,
        1.0,
        Receptor::Excitatory,
    ));
    let errors = errors(&net);
    assert!(
        errors
            .iter()
            .any(|e| e.field() == "populations[empty].size"),
        "{errors:?}"
    );
}

fn stdp(w_max: f64, tau_plus: f64) -> neurodyn::model::Plasticity {
    neurodyn::model::Plasticity::StdpSynapse {
        tau_plus,
        tau_minus: 20.0,
        lambda: 0.01,
        alpha: 1.0,
        mu_plus: 0.0,
        mu_minus: 0.0,
        w_max,
        pairing: neurodyn::model::Pairing::AllToAll,
    }
}

/// The base network with one E → I projection following `rule`.
fn plastic(rule: neurodyn::model::Plasticity) -> Network {
    let mut net = base();
    net.add_projection(
        Projection::new("E", "I", fixed_p(0.5), 0.5, 1.0, Receptor::Excitatory)
            .with_plasticity(rule),
    );
    net
}

#[test]
fn a_plastic_projection_onto_a_parrot_is_refused() {
    let mut net = base();
    net.add_population(Population::new(
        "P",
        3,
        NeuronModel::ParrotNeuron(neurodyn::ParrotNeuron {}),
    ));
    net.add_projection(
        Projection::new("E", "P", fixed_p(0.5), 0.5, 1.0, Receptor::Excitatory)
            .with_plasticity(stdp(1.0, 20.0)),
    );
    expect_one(
        &net,
        "projections[0] (E -> P).plasticity",
        "whatever the weight",
    );
}

#[test]
fn plasticity_parameters_and_bounds_are_checked() {
    expect_one(
        &plastic(stdp(1.0, -5.0)),
        "projections[0] (E -> I).plasticity.tau_plus",
        "greater than 0",
    );
    expect_one(
        &plastic(stdp(0.2, 20.0)),
        "projections[0] (E -> I).weight",
        "within [0, 0.2]",
    );
    expect_one(
        &plastic(stdp(0.0, 20.0)),
        "projections[0] (E -> I).plasticity.w_max",
        "empty",
    );
    let mut procedural = plastic(stdp(1.0, 20.0));
    procedural.projections[0].procedural = true;
    expect_one(
        &procedural,
        "projections[0] (E -> I).procedural",
        "keeps state per synapse",
    );
    let dopamine = |volume: &str, modulator| neurodyn::model::Plasticity::StdpDopamineSynapse {
        tau_plus: 20.0,
        tau_minus: 20.0,
        a_plus: 1.0,
        a_minus: 1.5,
        tau_c: 1000.0,
        tau_n: 200.0,
        b: 0.0,
        w_min: 0.0,
        w_max: 1.0,
        pairing: neurodyn::model::Pairing::AllToAll,
        modulator,
        volume_transmitter: Some(volume.to_string()),
    };
    expect_one(
        &plastic(dopamine("DA", neurodyn::model::Modulator::Trace)),
        "projections[0] (E -> I).plasticity.volume_transmitter",
        "unknown population `DA`",
    );
    expect_one(
        &plastic(dopamine("E", neurodyn::model::Modulator::Level)),
        "projections[0] (E -> I).plasticity.volume_transmitter",
        "set by the host",
    );
}

#[test]
fn custom_rule_names_and_sizes_are_checked() {
    let rule = |parameters: &[&str], variables: &[&str], code: &str| {
        neurodyn::model::Plasticity::Custom(neurodyn::model::CustomRule {
            name: "r".into(),
            parameters: parameters.iter().map(|p| (p.to_string(), 1.0)).collect(),
            variables: variables.iter().map(|v| (v.to_string(), 0.0)).collect(),
            tau_pre: 20.0,
            tau_post: 20.0,
            on_pre: code.into(),
            on_post: String::new(),
            each_step: String::new(),
            w_min: 0.0,
            w_max: 1.0,
        })
    };
    expect_one(
        &plastic(rule(&["x"], &[], "w = w;")),
        "projections[0] (E -> I).plasticity.parameters.x",
        "generated",
    );
    expect_one(
        &plastic(rule(&[], &["a", "b", "c", "d"], "w = w;")),
        "projections[0] (E -> I).plasticity.variables",
        "at most 3",
    );
    expect_one(
        &plastic(rule(&[], &[], "  ")),
        "projections[0] (E -> I).plasticity",
        "no code",
    );
}

#[test]
fn a_spike_source_takes_no_input() {
    // Synapses onto a spike source never act (its spikes are given): refused, not
    // silently idle.
    let mut net = base();
    net.add_population(Population::new(
        "S",
        3,
        NeuronModel::SpikeSourceArray(neurodyn::SpikeSourceArray {
            spike_times_ms: vec![vec![1.0]],
        }),
    ));
    net.add_projection(Projection::new(
        "E",
        "S",
        fixed_p(0.5),
        0.1,
        1.0,
        Receptor::Excitatory,
    ));
    expect_one(
        &net,
        "projections[0] (E -> S).post",
        "`S` is a spike source and takes no input",
    );
}

/// Numbers the device holds as f32 must fit one: 1e39 would become +∞ there, and the
/// run would stop at step 0 with a non-finite state instead of naming the field.
#[test]
fn numbers_beyond_f32_are_refused_where_given() {
    let mut net = base();
    net.add_stimulus(Stimulus::Dc {
        target: "E".into(),
        amplitude_na: 1e39,
        start_ms: 0.0,
        stop_ms: None,
    });
    expect_one(&net, "stimuli[0].amplitude_na", "32-bit float");
    let mut net = base();
    net.populations[0]
        .initial
        .insert("v".into(), Value::Constant { value: -1e39 });
    expect_one(&net, "populations[E].initial.v", "32-bit float");
}

/// A given fixed-point unit has one k per receptor port, each in the range the plan
/// chooses from.
#[test]
fn given_input_units_are_checked() {
    let mut net = base();
    net.populations[0].input_scale_log2 = Some(vec![i32::MIN, 10]);
    expect_one(&net, "populations[E].input_scale_log2[0]", "[-60, 60]");
    net.populations[0].input_scale_log2 = Some(vec![10]);
    expect_one(&net, "populations[E].input_scale_log2", "one per port");
}

/// A rule whose parameters overflow f32 once lowered (1 / target rate here) is refused
/// naming the projection: its weights became NaN on the CPU and 0 on the GPU.
#[test]
fn a_rule_that_overflows_once_lowered_is_refused() {
    let mut net = base();
    net.add_projection(
        Projection::new("E", "I", fixed_p(0.5), 0.1, 1.0, Receptor::Excitatory).with_plasticity(
            neurodyn::model::Plasticity::SynapticScaling {
                target_rate_hz: 1e-40,
                tau_rate: 1000.0,
                tau_scaling: 10_000.0,
                w_min: 0.0,
                w_max: 1.0,
            },
        ),
    );
    let e = Simulation::new(&net, Backend::Cpu)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("`projections[0].plasticity`") && e.contains("32-bit floats (c)"),
        "{e}"
    );
}

/// Input a target would ignore is refused: a spike source emits only its given
/// spikes, and neither it nor a parrot has a membrane for a current. A parrot repeats
/// Poisson spikes.
#[test]
fn input_a_spike_source_would_ignore_is_refused() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "S",
        2,
        NeuronModel::SpikeSourceArray(neurodyn::model::SpikeSourceArray {
            spike_times_ms: vec![vec![1.0]; 2],
        }),
    ));
    net.add_population(Population::new(
        "P",
        2,
        NeuronModel::ParrotNeuron(neurodyn::model::ParrotNeuron {}),
    ));
    let poisson = |target: &str| Stimulus::Poisson {
        target: target.into(),
        rate_hz: 100.0,
        weight: 1.0,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    };
    let dc = |target: &str| Stimulus::Dc {
        target: target.into(),
        amplitude_na: 1.0,
        start_ms: 0.0,
        stop_ms: None,
    };
    net.add_stimulus(poisson("P"));
    assert!(Simulation::new(&net, Backend::Cpu).is_ok());
    // A rate whose draws would take hours per simulated millisecond.
    let mut fast = net.clone();
    if let Stimulus::Poisson { rate_hz, .. } = &mut fast.stimuli[0] {
        *rate_hz = 1e13;
    }
    expect_one(&fast, "stimuli[0].rate_hz", "events per neuron per step");
    for (stimulus, text) in [
        (poisson("S"), "emits only its given spikes"),
        (dc("S"), "no membrane for a current"),
        (dc("P"), "no membrane for a current"),
    ] {
        let mut bad = net.clone();
        bad.add_stimulus(stimulus);
        expect_one(&bad, "stimuli[1].target", text);
    }
}

#[test]
fn no_instances_is_one_error_not_one_per_recorder() {
    // A state recorder samples instance 0, which a network of no instances lacks: the
    // instance count is the error (each recorder was a second one).
    let mut net = base();
    net.record_state("E", "v", vec![0], 1);
    net.instances = 0;
    expect_one(&net, "instances", "at least one instance");
}

#[test]
fn a_switch_or_a_list_takes_no_value_per_neuron() {
    // `half_steps` per neuron was a serde message about a float and a boolean.
    let mut net = base();
    net.populations[0].neuron = NeuronModel::Izhikevich(neurodyn::Izhikevich::default());
    net.populations[0]
        .heterogeneous
        .insert("half_steps".into(), Value::uniform(0.0, 1.0));
    let errors = errors(&net);
    let message = errors[0].to_string();
    assert!(
        message.contains("`half_steps` is a switch (true or false): it cannot take one number"),
        "{message}"
    );
}

#[test]
fn one_to_one_needs_populations_of_one_size_and_is_stored() {
    let mut net = base();
    net.add_projection(Projection::new(
        "E",
        "I",
        Connectivity::OneToOne {},
        0.1,
        1.0,
        Receptor::Excitatory,
    ));
    expect_one(
        &net,
        "projections[0] (E -> I).connectivity",
        "they have 10 and 5 neurons",
    );
    let mut net = base();
    net.add_projection(
        Projection::new(
            "E",
            "E",
            Connectivity::OneToOne {},
            0.1,
            1.0,
            Receptor::Excitatory,
        )
        .procedural(),
    );
    expect_one(
        &net,
        "projections[0] (E -> E).procedural",
        "one synapse per neuron",
    );
}

/// One fault, one message: an array of equal bad values was checked (and reported)
/// at both ends of its range, and a NaN branching window added a count of its bins.
#[test]
fn a_fault_is_reported_once() {
    let mut net = base();
    net.populations[0]
        .heterogeneous
        .insert("tau_m".into(), Value::array(vec![0.0; 10]));
    expect_one(
        &net,
        "populations[E].heterogeneous.tau_m[0]",
        "must be greater than 0",
    );
    let mut net = base();
    net.recorders.push(neurodyn::Recorder::Branching {
        population: "E".into(),
        window_ms: f64::NAN,
        bin_ms: 1.0,
        max_lag: 10,
        instance: 0,
    });
    expect_one(&net, "recorders[0].window_ms", "finite");
}
