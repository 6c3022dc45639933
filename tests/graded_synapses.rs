//! Graded synapses and the passive neuron: the steady-state postsynaptic current
//! equals g·s∞(v_pre)·(e_rev − v_post) for several presynaptic potentials; a network
//! mixing graded synapses, gap junctions and spiking neurons is identical on GPU and
//! CPU; model files and edge lists declare them; bad ones are refused.

use neurodyn::model::file;
use neurodyn::{
    Backend, GradedSynapses, IafPscExp, Network, NeuronModel, PassivePscExp, Population, Receptor,
    Recorder, Simulation, Stimulus, Value,
};

const DT: f64 = 0.1;
const C_M: f64 = 0.5;
const TAU_M: f64 = 10.0;
const E_L: f64 = -60.0;

fn passive(v_rest: f64) -> NeuronModel {
    NeuronModel::PassivePscExp(PassivePscExp {
        cm: C_M,
        tau_m: TAU_M,
        v_rest,
        ..Default::default()
    })
}

fn synapses(pre: &str, post: &str, pairs: Vec<(u32, u32)>, g_us: Value) -> GradedSynapses {
    GradedSynapses {
        pre: pre.into(),
        post: post.into(),
        pairs,
        g_us,
        e_rev: 0.0,
        v_th: -35.0,
        delta: 5.0,
    }
}

/// Presynaptic potentials (mV) held at rest: below, at and above v_th.
const V_PRE: [f64; 6] = [-70.0, -45.0, -35.0, -30.0, -20.0, 10.0];

/// One passive presynaptic neuron per potential in `V_PRE` (at its rest, with no
/// input it stays there exactly), each driving one postsynaptic passive neuron.
fn ladder() -> Network {
    let mut net = Network::new(DT, 7);
    for (k, &v) in V_PRE.iter().enumerate() {
        let name = format!("P{k}");
        net.add_population(Population::new(&name, 1, passive(v)));
        net.add_graded_synapses(synapses(
            &name,
            "Q",
            vec![(0, k as u32)],
            Value::constant(0.02),
        ));
    }
    net.add_population(Population::new("Q", V_PRE.len() as u32, passive(E_L)));
    net.record_state("Q", "v", (0..V_PRE.len() as u32).collect(), 100);
    net
}

#[test]
fn the_steady_state_current_is_the_formula_for_each_presynaptic_potential() {
    let net = ladder();
    let run = |backend| {
        let mut sim = Simulation::new(&net, backend).unwrap();
        // 400 ms: more than 40 membrane time constants.
        sim.run(4000).unwrap();
        sim.state_record("Q", "v").unwrap().values.clone()
    };
    let gpu = run(Backend::Gpu);
    let n = V_PRE.len();
    let last = &gpu[gpu.len() - n..];
    let s = &net.graded_synapses[0];
    for (k, &v_pre) in V_PRE.iter().enumerate() {
        let v_post = f64::from(last[k]);
        // The current the membrane carries at rest-shifted equilibrium, C/τ (V − E_L),
        // against the synapse's formula at the recorded postsynaptic potential.
        let measured = C_M / TAU_M * (v_post - E_L);
        let formula = 0.02 * s.activation(v_pre) * (s.e_rev - v_post);
        // The recorded f32 potential near −60 mV has a resolution of 3.8e-6 mV: five
        // of those through C/τ, plus the sigmoid's few f32 ulp.
        let resolution = C_M / TAU_M * 5.0 * 3.8e-6;
        assert!(
            (measured - formula).abs() <= resolution + 1e-5 * formula.abs(),
            "v_pre {v_pre} mV: membrane current {measured} nA, formula {formula} nA"
        );
        // And V itself: the fixed point of the leak and the synapse.
        let g = 0.02 * s.activation(v_pre);
        let expected = (C_M / TAU_M * E_L + g * s.e_rev) / (C_M / TAU_M + g);
        assert!((v_post - expected).abs() < 1e-3, "{v_post} vs {expected}");
    }
    // Half open at v_th (k = 2) and monotone in v_pre.
    assert!((s.activation(-35.0) - 0.5).abs() < 1e-15);
    assert!(last.windows(2).all(|w| w[0] < w[1]), "{last:?}");
    assert!(f64::from(last[0]) - E_L < 0.1, "nearly closed at −70 mV");
    // The CPU reference, bit for bit, at every recorded point.
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&gpu), bits(&run(Backend::Cpu)));
}

/// Passive sensory cells S driven by Poisson input (their spiking synapses move
/// v_pre), graded synapses S → M (excitatory) and M → M (inhibitory, e_rev below
/// rest), gap junctions along M, and spiking cells F read M through graded synapses;
/// `instances` copies.
fn mixed(instances: u32) -> Network {
    let mut net = Network::new(DT, 11);
    net.instances = instances;
    net.add_population(Population::new("S", 8, passive(-65.0)));
    net.add_population(Population::new("M", 12, passive(-60.0)));
    net.add_population(
        Population::new("F", 6, NeuronModel::IafPscExp(IafPscExp::default()))
            .with_initial_v(Value::uniform(-65.0, -55.0)),
    );
    net.add_stimulus(Stimulus::Poisson {
        target: "S".into(),
        rate_hz: 4000.0,
        weight: 0.2,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    let fan: Vec<(u32, u32)> = (0..12).map(|j| (j % 8, j)).collect();
    let g: Vec<f64> = (0..12).map(|j| 0.01 + 0.001 * f64::from(j)).collect();
    net.add_graded_synapses(GradedSynapses {
        v_th: -55.0,
        ..synapses("S", "M", fan, Value::array(g))
    });
    let mut inhibition = synapses(
        "M",
        "M",
        vec![(0, 5), (3, 7), (9, 2)],
        Value::constant(0.03),
    );
    inhibition.e_rev = -75.0;
    inhibition.v_th = -50.0;
    net.add_graded_synapses(inhibition);
    let chain: Vec<(u32, u32)> = (0..11).map(|i| (i, i + 1)).collect();
    net.add_gap_junctions("M", "M", &chain, Value::constant(0.005));
    let read: Vec<(u32, u32)> = (0..6).map(|j| (2 * j, j)).collect();
    net.add_graded_synapses(synapses("M", "F", read, Value::constant(0.5)));
    net.record_spikes("F");
    for instance in 0..instances {
        net.recorders.push(Recorder::State {
            population: "M".into(),
            variable: "v".into(),
            neurons: (0..12).collect(),
            every_steps: 10,
            instance,
        });
    }
    net
}

/// Per instance: F's spikes and the bits of M's recorded potentials.
type Outcome = Vec<(Vec<(u64, u32)>, Vec<u32>)>;

fn outcome(net: &Network, backend: Backend) -> Outcome {
    let mut sim = Simulation::new(net, backend).unwrap();
    sim.run(3000).unwrap();
    (0..net.instances)
        .map(|b| {
            (
                sim.instance_spikes("F", b).unwrap().pairs(),
                sim.instance_state_record("M", "v", b)
                    .unwrap()
                    .values
                    .iter()
                    .map(|v| v.to_bits())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn graded_synapses_gap_junctions_and_spikes_run_identically_on_gpu_and_cpu() {
    let net = mixed(1);
    let gpu = outcome(&net, Backend::Gpu);
    let (spikes, v) = &gpu[0];
    let mean_m = v.iter().map(|&b| f64::from(f32::from_bits(b))).sum::<f64>() / v.len() as f64;
    assert!(
        mean_m > -59.0,
        "S depolarises M through graded synapses: {mean_m} mV"
    );
    assert!(!spikes.is_empty(), "F fires from M's graded drive");
    assert_eq!(gpu, outcome(&net, Backend::Cpu));
}

#[test]
fn every_instance_of_an_ensemble_couples_its_own_neurons() {
    // Three instances, each with its own Poisson drive: each is identical on GPU and
    // CPU, instance 0 is the single network, and the instances differ.
    let net = mixed(3);
    let gpu = outcome(&net, Backend::Gpu);
    assert_eq!(gpu, outcome(&net, Backend::Cpu));
    assert_eq!(gpu[0], outcome(&mixed(1), Backend::Gpu)[0]);
    assert_ne!(gpu[0].1, gpu[1].1);
    assert_ne!(gpu[1].1, gpu[2].1);
}

#[test]
fn model_files_and_edge_lists_declare_graded_synapses() {
    let dir = std::env::temp_dir().join(format!("neurodyn-graded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("edges.csv"),
        "pre,post,weight,receptor\n\
         A:0,A:1,2,Send\n\
         A:1,A:2,3,Send\n\
         A:0,A:2,1,GapJunction\n",
    )
    .unwrap();
    let path = dir.join("graded.toml");
    std::fs::write(
        &path,
        r#"
[simulation]
duration_ms = 10.0

[[populations]]
name = "A"
size = 3
model = "passive_psc_exp"
params = { cm = 0.5, tau_m = 10.0, v_rest = -60.0 }

[[graded_synapses]]
pre = "A"
post = "A"
pairs = [[2, 0]]
g_us = 0.1
e_rev = -80.0
v_th = -40.0
delta = 4.0

[[edge_lists]]
file = "edges.csv"
receptors = { Send = "graded", GapJunction = "electrical" }
weight_scale = { graded = 0.01, electrical = 0.001 }
graded = { e_rev = 0.0, v_th = -45.0, delta = 3.0 }
"#,
    )
    .unwrap();
    let model = file::load(&path).unwrap();
    let graded = &model.network.graded_synapses;
    assert_eq!(graded.len(), 2);
    assert_eq!(
        (graded[0].pairs.clone(), graded[0].e_rev, graded[0].delta),
        (vec![(2, 0)], -80.0, 4.0)
    );
    assert_eq!(graded[1].pairs, vec![(0, 1), (1, 2)]);
    assert_eq!(graded[1].g_us, Value::array(vec![0.02, 0.03]));
    assert_eq!(
        (graded[1].e_rev, graded[1].v_th, graded[1].delta),
        (0.0, -45.0, 3.0)
    );
    assert_eq!(model.network.gap_junctions[0].pairs, vec![(0, 2)]);
    let plan = neurodyn::Plan::new(&model.network).unwrap();
    // Neuron 0: junction to 2, graded from 2; 1: graded from 0; 2: junction to 0,
    // graded from 1.
    assert_eq!(plan.gap.start, vec![0, 1, 2, 2, 3, 4, 5]);
    assert_eq!(plan.gap.partner, vec![2, 2, 0, 0, 1]);
    assert_eq!(plan.gap.coupling[1], [0.1, -80.0, -40.0, 0.25]);

    // Kinetics by presynaptic population override the list's.
    let from = path.with_file_name("from.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &from,
        text.replace(
            "graded = { e_rev = 0.0,",
            "graded_from = { A = { e_rev = -70.0, v_th = -45.0, delta = 3.0 } }\ngraded = { e_rev = 0.0,",
        ),
    )
    .unwrap();
    assert_eq!(
        file::load(&from).unwrap().network.graded_synapses[1].e_rev,
        -70.0
    );
    let unknown = text.replace(
        "graded = { e_rev = 0.0,",
        "graded_from = { Z = { e_rev = 0.0, v_th = 0.0, delta = 1.0 } }\ngraded = { e_rev = 0.0,",
    );
    std::fs::write(&from, unknown).unwrap();
    let e = file::load(&from).expect_err("refused").to_string();
    assert!(e.contains("`graded_from.Z` names no population"), "{e}");

    // Graded edges without kinetics are refused at their line and column.
    let list = path.with_file_name("bare.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &list,
        text.replace("graded = { e_rev = 0.0, v_th = -45.0, delta = 3.0 }\n", ""),
    )
    .unwrap();
    let errors = file::load(&list).expect_err("refused").to_string();
    assert!(
        errors.contains("edges.csv:2:4") && errors.contains("kinetics"),
        "{errors}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_graded_synapses_are_refused() {
    let mut net = Network::new(DT, 1);
    net.add_population(Population::new("A", 2, passive(E_L)));
    net.add_population(Population::new(
        "P",
        2,
        NeuronModel::ParrotNeuron(Default::default()),
    ));
    net.add_graded_synapses(GradedSynapses {
        delta: 0.0,
        ..synapses("A", "A", vec![(0, 1)], Value::constant(0.1))
    });
    net.add_graded_synapses(synapses("P", "A", vec![(0, 0)], Value::constant(0.1)));
    net.add_graded_synapses(synapses("A", "B", vec![(0, 0)], Value::constant(0.1)));
    net.add_graded_synapses(synapses("A", "A", vec![(0, 2)], Value::constant(-1.0)));
    net.add_graded_synapses(GradedSynapses {
        e_rev: f64::NAN,
        ..synapses("A", "A", vec![(0, 1)], Value::normal(0.1, 0.01))
    });
    // A slope whose inverse overflows f32 (the sigmoid would be NaN at v_th), and an
    // array's bad conductance named by its index.
    net.add_graded_synapses(GradedSynapses {
        delta: 1e-40,
        ..synapses(
            "A",
            "A",
            vec![(0, 1), (1, 0)],
            Value::array(vec![0.1, -0.1]),
        )
    });
    let e = match Simulation::new(&net, Backend::Cpu) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    for needle in [
        "graded_synapses[0].delta",
        "graded_synapses[1].pre",
        "graded_synapses[2].post",
        "graded_synapses[3].pairs",
        "graded_synapses[3].g_us",
        "graded_synapses[4].g_us",
        "graded_synapses[4].e_rev",
        "`graded_synapses[5].delta` = 1e-40: must be at least 2.9e-39 mV",
        "`graded_synapses[5].g_us[1]` = -0.1: cannot be negative",
    ] {
        assert!(e.contains(needle), "{needle}\n{e}");
    }
    // The passive model's own parameters.
    let mut net = Network::new(DT, 1);
    net.add_population(Population::new(
        "A",
        1,
        NeuronModel::PassivePscExp(PassivePscExp {
            tau_m: -1.0,
            ..Default::default()
        }),
    ));
    let e = Simulation::new(&net, Backend::Cpu)
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("populations[A].tau_m"), "{e}");
}
