//! Gap junctions: two coupled passive neurons relax as the analytic solution of the
//! coupled linear equations (f64 in the test), the coupling is symmetric bit for bit,
//! a spiking network with junctions is identical on GPU and CPU, and bad junctions
//! are refused.

use neurodyn::{
    Backend, IafPscExp, Izhikevich, Network, NeuronModel, PassivePscExp, Population, Receptor,
    Simulation, SpikeSourceArray, Stimulus, Value,
};

const DT: f64 = 0.1;
const TAU_M: f64 = 20.0;
const C_M: f64 = 1.0;
const G: f64 = 0.02;
const I_DC: f64 = 0.5;
const E_L: f64 = -65.0;

fn passive(i_offset: f64) -> NeuronModel {
    NeuronModel::PassivePscExp(PassivePscExp {
        tau_m: TAU_M,
        cm: C_M,
        v_rest: E_L,
        i_offset,
        ..Default::default()
    })
}

/// A (driven by `i_a`) and B (by `i_b`), one junction between them; v of both every
/// step for `steps` steps.
fn pair(i_a: f64, i_b: f64, steps: u64, backend: Backend) -> (Vec<f32>, Vec<f32>) {
    let mut net = Network::new(DT, 1);
    net.add_population(Population::new("A", 1, passive(i_a)));
    net.add_population(Population::new("B", 1, passive(i_b)));
    net.add_gap_junctions("A", "B", &[(0, 0)], Value::constant(G));
    net.record_state("A", "v", vec![0], 1);
    net.record_state("B", "v", vec![0], 1);
    let mut sim = Simulation::new(&net, backend).unwrap();
    sim.run(steps).unwrap();
    let v = |p: &str| sim.state_record(p, "v").unwrap().values.clone();
    (v("A"), v("B"))
}

#[test]
fn two_coupled_passive_neurons_follow_the_analytic_solution() {
    let steps = 2000;
    let (a, b) = pair(I_DC, 0.0, steps, Backend::Gpu);
    // Sum s = x_a + x_b and difference d = x_a − x_b of x = v − E_L decouple:
    // ds/dt = −s/τ + I/C, dd/dt = −(1/τ + 2g/C) d + I/C, both from 0.
    let k = 1.0 / TAU_M + 2.0 * G / C_M;
    let mut worst: f64 = 0.0;
    for n in 0..steps as usize {
        let t = (n + 1) as f64 * DT;
        let s = I_DC * TAU_M / C_M * (1.0 - (-t / TAU_M).exp());
        let d = I_DC / C_M / k * (1.0 - (-k * t).exp());
        let (va, vb) = (E_L + (s + d) / 2.0, E_L + (s - d) / 2.0);
        worst = worst
            .max((f64::from(a[n]) - va).abs())
            .max((f64::from(b[n]) - vb).abs());
    }
    // The coupling current is held over each step: an error of order dt·g/C of the
    // potential difference (here about 5 mV at the end).
    assert!(worst < 0.03, "largest deviation {worst} mV");
    let end = steps as usize - 1;
    assert!(
        f64::from(a[end] - b[end]) > 4.0,
        "the junction passes some current"
    );
    assert!(f64::from(b[end]) - E_L > 2.0, "B is pulled up by A");
    // The same on the CPU reference, bit for bit.
    assert_eq!(pair(I_DC, 0.0, steps, Backend::Cpu), (a, b));
}

#[test]
fn the_coupling_is_symmetric() {
    let (a, b) = pair(I_DC, 0.0, 1000, Backend::Gpu);
    let (a2, b2) = pair(0.0, I_DC, 1000, Backend::Gpu);
    assert_eq!(a, b2);
    assert_eq!(b, a2);
}

#[test]
fn a_spiking_network_with_gap_junctions_is_identical_on_gpu_and_cpu() {
    let mut net = Network::new(DT, 4);
    net.add_population(
        Population::new("E", 60, NeuronModel::IafPscExp(IafPscExp::default()))
            .with_initial_v(Value::uniform(-65.0, -52.0)),
    );
    net.add_population(Population::new(
        "F",
        20,
        NeuronModel::IafCondExp(Default::default()),
    ));
    net.add_stimulus(Stimulus::Poisson {
        target: "E".into(),
        rate_hz: 9000.0,
        weight: 0.1,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    let ring: Vec<(u32, u32)> = (0..60).map(|i| (i, (i + 1) % 60)).collect();
    net.add_gap_junctions("E", "E", &ring, Value::constant(0.05));
    // F has no other input.
    let cross: Vec<(u32, u32)> = (0..20).map(|j| (3 * j, j)).collect();
    net.add_gap_junctions(
        "E",
        "F",
        &cross,
        Value::array((0..20).map(|j| 0.01 + 0.002 * f64::from(j)).collect()),
    );
    net.record_spikes("E");
    net.record_spikes("F");
    net.record_state("F", "v", (0..20).collect(), 10);
    let run = |backend| {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(3000).unwrap();
        (
            sim.spikes("E").unwrap().pairs(),
            sim.spikes("F").unwrap().pairs(),
            sim.state_record("F", "v").unwrap().values.clone(),
        )
    };
    let gpu = run(Backend::Gpu);
    assert!(gpu.0.len() > 100, "E fires: {}", gpu.0.len());
    // F has no input but its junctions: they pull it up from rest toward E.
    let mean_f = gpu.2.iter().map(|&v| f64::from(v)).sum::<f64>() / gpu.2.len() as f64;
    assert!(mean_f > -64.0, "F's mean potential {mean_f} mV");
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let cpu = run(Backend::Cpu);
    assert_eq!((&gpu.0, &gpu.1), (&cpu.0, &cpu.1));
    assert_eq!(bits(&gpu.2), bits(&cpu.2));
}

#[test]
fn bad_gap_junctions_are_refused() {
    let refused = |net: &Network| match Simulation::new(net, Backend::Cpu) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    let mut net = Network::new(DT, 1);
    net.add_population(Population::new("A", 2, passive(0.0)));
    net.add_population(Population::new(
        "S",
        2,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: vec![vec![1.0]],
        }),
    ));
    net.add_population(Population::new(
        "Z",
        2,
        NeuronModel::Izhikevich(Izhikevich::default()),
    ));
    net.add_gap_junctions("A", "S", &[(0, 0)], Value::constant(0.1));
    net.add_gap_junctions("Z", "A", &[(0, 0)], Value::constant(0.1));
    net.add_gap_junctions("A", "A", &[(0, 2)], Value::constant(-0.1));
    net.add_gap_junctions("A", "A", &[(0, 1)], Value::array(vec![0.1, 0.2]));
    net.add_gap_junctions("A", "A", &[(0, 1)], Value::uniform(0.1, 0.2));
    let e = refused(&net);
    for needle in [
        "gap_junctions[0].b",
        "gap_junctions[1].a",
        "gap_junctions[2].pairs",
        "gap_junctions[2].g_us",
        "gap_junctions[3].g_us",
        "gap_junctions[4].g_us",
    ] {
        assert!(e.contains(needle), "{needle}\n{e}");
    }
    // A conductance beyond f32 would reach the device as infinity.
    let mut huge = Network::new(DT, 1);
    huge.add_population(Population::new("A", 2, passive(0.0)));
    huge.add_gap_junctions("A", "A", &[(0, 1)], Value::constant(1e300));
    let e = refused(&huge);
    assert!(e.contains("gap_junctions[0].g_us` = 1e300"), "{e}");
}

/// The coupling currents are held over a step (explicit), so a neuron whose couplings
/// sum to G on a capacity C is stable only while G·dt/C < 1: at 1 the difference of a
/// pair flips sign every step undamped, beyond it grows. Refused with the step that
/// would do; just below, the pair relaxes.
#[test]
fn couplings_too_strong_for_the_step_are_refused() {
    let net = |g: f64| {
        let mut net = Network::new(DT, 1);
        net.add_population(Population::new("A", 1, passive(1.0)));
        net.add_population(Population::new("B", 1, passive(0.0)));
        net.add_gap_junctions("A", "B", &[(0, 0)], Value::constant(g));
        net.record_state("A", "v", vec![0], 1);
        net.record_state("B", "v", vec![0], 1);
        net
    };
    let g_limit = C_M / DT;
    let e = match Simulation::new(&net(g_limit), Backend::Cpu) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("populations[A]") && e.contains("G·dt/C < 1") && e.contains("below 0.1 "),
        "{e}"
    );
    // A graded synapse counts as fully open; a neuron joined to itself carries no
    // current and does not count; each neuron is judged by its own capacity.
    let mut graded = Network::new(DT, 1);
    graded.add_population(Population::new("A", 2, passive(0.0)));
    graded.add_graded_synapses(neurodyn::model::GradedSynapses {
        pre: "A".into(),
        post: "A".into(),
        pairs: vec![(0, 1)],
        g_us: Value::constant(g_limit),
        e_rev: 0.0,
        v_th: -10.0,
        delta: 4.0,
    });
    assert!(Simulation::new(&graded, Backend::Cpu).is_err());
    let mut own = Network::new(DT, 1);
    let mut varied = Population::new("A", 3, passive(0.0));
    varied
        .heterogeneous
        .insert("cm".into(), Value::array(vec![1.0, 0.01, 1.0]));
    own.add_population(varied);
    own.add_gap_junctions("A", "A", &[(0, 2), (1, 1)], Value::constant(0.5 * g_limit));
    Simulation::new(&own, Backend::Cpu).expect("neuron 1's junction is to itself");
    // Just below: the step's oscillation decays, and the pair settles at the
    // steady difference I / (C/τm + 2g) of the coupled equations.
    let g = 0.9 * g_limit;
    let mut sim = Simulation::new(&net(g), Backend::Cpu).unwrap();
    sim.run(200).unwrap();
    let v = |p: &str| sim.state_record(p, "v").unwrap().values.clone();
    let (a, b) = (v("A"), v("B"));
    let last = a.len() - 1;
    let steady = 1.0 / (C_M / TAU_M + 2.0 * g);
    let difference = f64::from(a[last] - b[last]);
    assert!(
        (difference - steady).abs() < 1e-3,
        "{difference} vs {steady}"
    );
}

#[test]
fn model_files_declare_gap_junctions() {
    let dir = std::env::temp_dir().join(format!("neurodyn-gap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gap.toml");
    std::fs::write(
        &path,
        r#"
[simulation]
duration_ms = 10.0

[[populations]]
name = "A"
size = 3
model = "iaf_psc_exp"

[[gap_junctions]]
a = "A"
b = "A"
pairs = [[0, 1], [1, 2]]
g_us = { distribution = "array", values = [0.1, 0.2] }
"#,
    )
    .unwrap();
    let model = neurodyn::model::file::load(&path).unwrap();
    let g = &model.network.gap_junctions[0];
    assert_eq!(g.pairs, vec![(0, 1), (1, 2)]);
    assert_eq!(g.g_us, Value::array(vec![0.1, 0.2]));
    let plan = neurodyn::Plan::new(&model.network).unwrap();
    // Neuron 1 has both junctions, in list order; no neuron has graded synapses.
    assert_eq!(plan.gap.start, vec![0, 1, 1, 3, 3, 4, 4]);
    assert_eq!(plan.gap.partner, vec![1, 0, 2, 1]);
    std::fs::remove_dir_all(&dir).unwrap();
}
