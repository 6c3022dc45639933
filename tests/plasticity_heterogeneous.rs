//! Plasticity parameters drawn per synapse: a projection whose rule parameters vary
//! by synapse is exactly one projection per synapse with that synapse's values
//! (raster and weights, bit for bit), GPU equals CPU, drawn values follow their
//! distribution, the planner counts their memory, and bad heterogeneity is refused.

use neurodyn::model::{Modulator, Pairing, Plasticity};
use neurodyn::plan::memory::estimate;
use neurodyn::{
    Backend, IafPscExp, Network, NeuronModel, Plan, Population, Projection, Receptor, Simulation,
    SpikeSourceArray, Value,
};

const DT: f64 = 0.1;
const N: u32 = 6;

fn stdp() -> Plasticity {
    Plasticity::StdpSynapse {
        tau_plus: 20.0,
        tau_minus: 30.0,
        lambda: 0.01,
        alpha: 1.2,
        mu_plus: 1.0,
        mu_minus: 1.0,
        w_max: 400.0,
        pairing: Pairing::AllToAll,
    }
}

/// Per synapse i (pre i → post i): λ, w_max and τ₊.
const LAMBDA: [f64; N as usize] = [0.0, 0.01, 0.02, 0.04, 0.08, 0.03];
const W_MAX: [f64; N as usize] = [400.0, 300.0, 500.0, 350.0, 450.0, 600.0];
const TAU_PLUS: [f64; N as usize] = [20.0, 10.0, 40.0, 15.0, 25.0, 60.0];

/// Regular presynaptic trains (a period per neuron) onto driven LIF neurons, through
/// one heterogeneous projection (`split` false) or one projection per synapse.
fn network(split: bool) -> Network {
    let mut net = Network::new(DT, 5);
    let trains = (0..N)
        .map(|i| {
            let period = 7.0 + 3.0 * f64::from(i);
            (1..400)
                .map(|k| k as f64 * period)
                .take_while(|&t| t < 1000.0)
                .collect()
        })
        .collect();
    net.add_population(Population::new(
        "pre",
        N,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: trains,
        }),
    ));
    net.add_population(Population::new(
        "post",
        N,
        NeuronModel::IafPscExp(IafPscExp {
            i_offset: 0.3,
            ..Default::default()
        }),
    ));
    net.record_spikes("post");
    let w0 = 200.0;
    if split {
        for i in 0..N as usize {
            let rule = stdp()
                .with_parameter("lambda", LAMBDA[i])
                .and_then(|r| r.with_parameter("w_max", W_MAX[i]))
                .and_then(|r| r.with_parameter("tau_plus", TAU_PLUS[i]))
                .unwrap();
            net.add_projection(
                Projection::from_list(
                    "pre",
                    "post",
                    &[(i as u32, i as u32, w0, 1.0)],
                    Receptor::Excitatory,
                )
                .with_plasticity(rule),
            );
        }
    } else {
        let pairs: Vec<_> = (0..N).map(|i| (i, i, w0, 1.0)).collect();
        net.add_projection(
            Projection::from_list("pre", "post", &pairs, Receptor::Excitatory)
                .with_plasticity(stdp())
                .with_heterogeneous_plasticity("lambda", Value::array(LAMBDA.to_vec()))
                .with_heterogeneous_plasticity("w_max", Value::array(W_MAX.to_vec()))
                .with_heterogeneous_plasticity("tau_plus", Value::array(TAU_PLUS.to_vec())),
        );
    }
    net
}

/// The raster of "post" as (step, neuron), and every synapse's weight bits in
/// synapse order.
fn run(net: &Network, backend: Backend) -> (Vec<(u64, u32)>, Vec<u32>) {
    let mut sim = Simulation::new(net, backend).unwrap();
    sim.run_ms(1000.0).unwrap();
    let raster = sim.spikes("post").unwrap().pairs();
    let weights = (0..net.projections.len())
        .flat_map(|p| sim.weights(p).unwrap())
        .map(f32::to_bits)
        .collect();
    (raster, weights)
}

#[test]
fn per_synapse_parameters_equal_one_projection_per_synapse() {
    let plan = Plan::new(&network(false)).unwrap();
    assert!(
        plan.plastic.rule_param_words > 0,
        "the rule varies per synapse"
    );
    for backend in [Backend::Gpu, Backend::Cpu] {
        let (raster, weights) = run(&network(false), backend.clone());
        let (split_raster, split_weights) = run(&network(true), backend.clone());
        assert!(
            raster.len() > 50,
            "{backend:?}: the post neurons fire: {}",
            raster.len()
        );
        assert!(raster == split_raster, "{backend:?}: rasters differ");
        assert_eq!(weights, split_weights, "{backend:?}: weights differ");
        assert_eq!(f32::from_bits(weights[0]), 200.0, "λ = 0 leaves the weight");
        let moved = weights[1..]
            .iter()
            .filter(|&&w| f32::from_bits(w) != 200.0)
            .count();
        assert_eq!(moved, N as usize - 1, "every other synapse learns");
    }
    assert!(
        run(&network(false), Backend::Gpu) == run(&network(false), Backend::Cpu),
        "GPU and CPU differ"
    );
}

/// The small Izhikevich (2007) network with three-factor synapses whose A₊, τ_c and
/// baseline b are drawn per synapse.
fn dopamine_network() -> Network {
    let mut net = neurodyn::model::izhikevich2007::Izhikevich2007 {
        excitatory: 200,
        inhibitory: 50,
        synapses: 50,
        input_hz: 3.0,
        learning_scale: 1.0,
    }
    .network(3);
    let rule = Plasticity::StdpDopamineSynapse {
        tau_plus: 20.0,
        tau_minus: 20.0,
        a_plus: 0.1,
        a_minus: 0.15,
        tau_c: 1000.0,
        tau_n: 200.0,
        b: 0.0,
        w_min: 0.0,
        w_max: 4.0,
        pairing: Pairing::Nearest,
        modulator: Modulator::Level,
        volume_transmitter: None,
    };
    for p in &mut net.projections[..2] {
        p.plasticity = Some(rule.clone());
        p.plasticity_heterogeneous = [
            ("a_plus".to_string(), Value::uniform(0.05, 0.2)),
            (
                "tau_c".to_string(),
                Value::Normal {
                    mean: 1000.0,
                    sd: 200.0,
                    low: 500.0,
                    high: 1500.0,
                },
            ),
            ("b".to_string(), Value::uniform(0.0, 0.01)),
        ]
        .into();
    }
    net
}

#[test]
fn three_factor_synapses_with_their_own_parameters_are_identical_on_gpu_and_cpu() {
    let net = dopamine_network();
    let mut results = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend.clone()).unwrap();
        let initial = sim.weights(0).unwrap();
        sim.run_ms(500.0).unwrap();
        for p in [0, 1] {
            sim.set_modulator(p, 0, 0.05).unwrap();
        }
        sim.run_ms(1000.0).unwrap();
        let weights = sim.weights(0).unwrap();
        let moved = weights.iter().zip(&initial).filter(|(a, b)| a != b).count();
        assert!(
            moved > weights.len() / 2,
            "{backend:?}: {moved} weights moved"
        );
        let record = sim.spikes("E").unwrap();
        assert!(record.len() > 200, "{backend:?}: the network is active");
        let raster = record.pairs();
        results.push((
            raster,
            weights.iter().map(|w| w.to_bits()).collect::<Vec<_>>(),
        ));
    }
    assert!(
        results[0].0 == results[1].0,
        "rasters differ between GPU and CPU"
    );
    assert_eq!(
        results[0].1, results[1].1,
        "weights differ between GPU and CPU"
    );
}

#[test]
fn drawn_parameters_follow_their_distribution_and_the_planner_counts_them() {
    // λ ~ U(0.005, 0.015) over 20,000 synapses: the lowered λ (word c.x) of each.
    let mut net = Network::new(DT, 11);
    let lif = NeuronModel::IafPscExp(IafPscExp::default());
    net.add_population(Population::new("a", 200, lif.clone()));
    net.add_population(Population::new("b", 100, lif));
    net.add_projection(
        Projection::new(
            "a",
            "b",
            neurodyn::Connectivity::AllToAll {
                allow_autapses: true,
            },
            50.0,
            1.0,
            Receptor::Excitatory,
        )
        .with_plasticity(stdp())
        .with_heterogeneous_plasticity("lambda", Value::uniform(0.005, 0.015)),
    );
    let plan = Plan::new(&net).unwrap();
    // λ sets c.x (word 8) and α λ sets c.y (word 9).
    assert_eq!(plan.plastic.rules[0].own_words, 1 << 8 | 1 << 9);
    let words = plan.plastic.rule_param_words as usize;
    assert_eq!(words, 2);
    let lambdas: Vec<f64> = plan
        .plastic
        .rule_params
        .chunks(words)
        .map(|w| f64::from(f32::from_bits(w[0])))
        .collect();
    assert_eq!(lambdas.len(), 20_000);
    assert!(lambdas.iter().all(|l| (0.005..0.015).contains(l)));
    let n = lambdas.len() as f64;
    let mean = lambdas.iter().sum::<f64>() / n;
    let sd = (lambdas.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let (mu, sigma) = (0.01, 0.01 / 12f64.sqrt());
    assert!((mean - mu).abs() < 3.0 * sigma / n.sqrt(), "mean {mean}");
    assert!(
        (sd - sigma).abs() < 3.0 * sigma / (2.0 * (n - 1.0)).sqrt(),
        "sd {sd}"
    );
    // Each synapse's α λ is its own λ times α (both rounded to f32 from f64).
    for w in plan.plastic.rule_params.chunks(words).take(100) {
        let (l, al) = (f32::from_bits(w[0]), f32::from_bits(w[1]));
        assert!(
            (f64::from(al) / f64::from(l) - 1.2).abs() < 1e-6,
            "{l} {al}"
        );
    }
    // The planner's estimate before drawing is the plan's buffer.
    let estimated = estimate(&net);
    let size = |buffers: &[neurodyn::plan::BufferPlan]| {
        buffers
            .iter()
            .find(|b| b.name == "rule_params")
            .unwrap()
            .bytes
    };
    assert_eq!(size(&estimated.buffers), 20_000 * 2 * 4);
    assert_eq!(size(&estimated.buffers), size(&plan.buffers));
}

fn refusal(net: &Network) -> String {
    Plan::new(net).unwrap_err().to_string()
}

#[test]
fn bad_per_synapse_parameters_are_refused_with_the_field_named() {
    let base = || {
        let mut net = network(false);
        net.projections[0].plasticity_heterogeneous.clear();
        net
    };
    let mut unknown = base();
    unknown.projections[0]
        .plasticity_heterogeneous
        .insert("tau_rise".into(), Value::uniform(1.0, 2.0));
    let e = refusal(&unknown);
    assert!(
        e.contains("plasticity_heterogeneous.tau_rise") && e.contains("no numeric parameter"),
        "{e}"
    );

    let mut static_projection = base();
    static_projection.projections[0].plasticity = None;
    static_projection.projections[0]
        .plasticity_heterogeneous
        .insert("lambda".into(), Value::uniform(0.0, 0.1));
    let e = refusal(&static_projection);
    assert!(
        e.contains("plasticity_heterogeneous") && e.contains("static synapses"),
        "{e}"
    );

    let mut short = base();
    short.projections[0]
        .plasticity_heterogeneous
        .insert("lambda".into(), Value::array(vec![0.01; 3]));
    let e = refusal(&short);
    assert!(
        e.contains("plasticity_heterogeneous.lambda") && e.contains("has 3 values"),
        "{e}"
    );

    let mut invalid = base();
    invalid.projections[0]
        .plasticity_heterogeneous
        .insert("tau_plus".into(), Value::uniform(-5.0, 5.0));
    let e = refusal(&invalid);
    assert!(e.contains("plasticity.tau_plus") && e.contains("-5"), "{e}");

    let mut modulator = dopamine_network();
    modulator.projections[0]
        .plasticity_heterogeneous
        .insert("tau_n".into(), Value::uniform(100.0, 300.0));
    let e = refusal(&modulator);
    assert!(
        e.contains("plasticity_heterogeneous.tau_n") && e.contains("neuromodulator"),
        "{e}"
    );

    let mut random = dopamine_network();
    random.projections[0]
        .plasticity_heterogeneous
        .insert("a_minus".into(), Value::array(vec![0.1; 4]));
    let e = refusal(&random);
    assert!(
        e.contains("plasticity_heterogeneous.a_minus") && e.contains("known synapse order"),
        "{e}"
    );

    let mut swept = network(false);
    swept.instances = 2;
    swept.sweeps.push(neurodyn::model::Sweep::Plasticity {
        projection: 0,
        parameter: "alpha".into(),
        values: vec![1.0, 1.5],
    });
    let e = refusal(&swept);
    assert!(e.contains("per instance or per synapse, not both"), "{e}");
}

#[test]
fn model_files_give_per_synapse_rule_parameters() {
    let text = r#"
        [simulation]
        dt_ms = 0.1
        duration_ms = 10.0
        seed = 2
        [[populations]]
        name = "a"
        size = 20
        model = "iaf_psc_exp"
        [[populations]]
        name = "b"
        size = 10
        model = "iaf_psc_exp"
        [[projections]]
        pre = "a"
        post = "b"
        connectivity = { rule = "all_to_all" }
        weight = 10.0
        delay_ms = 1.0
        receptor = "excitatory"
        plasticity = { model = "stdp_synapse", w_max = 50.0 }
        plasticity_heterogeneous = { lambda = { distribution = "uniform", low = 0.005, high = 0.02 }, w_max = { distribution = "uniform", low = 40.0, high = 60.0 } }
    "#;
    let path =
        std::env::temp_dir().join(format!("neurodyn-rule-params-{}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let net = neurodyn::model::file::load(&path).unwrap().network;
    std::fs::remove_file(&path).unwrap();
    assert_eq!(net.projections[0].plasticity_heterogeneous.len(), 2);
    let plan = Plan::new(&net).unwrap();
    // λ: c.x, c.y; w_max: w_max, 1 / w_max.
    assert_eq!(plan.plastic.rule_param_words, 4);
}
