//! Several steps per neuron-update dispatch (`plan::window`): a network whose
//! shortest delay is several steps integrates that many steps per dispatch, and its
//! rasters, state and input ring are those of one step per dispatch, on the GPU and in
//! the CPU reference, across windows cut short by batch ends and by the caller.

mod common;

use neurodyn::model::{IafPscDelta, IafPscExp, NeuronModel, Population, Value};
use neurodyn::plan::Plan;
use neurodyn::{Backend, Connectivity, Network, Projection, Receptor, Simulation, Stimulus};

/// E (iaf_psc_exp) and I (iaf_psc_delta) in two instances, Poisson-driven, a DC step
/// on I; stored, procedural and device-built projections whose shortest delay is
/// 0.6 ms (6 steps).
fn network() -> Network {
    let mut net = Network::new(0.1, 11);
    net.add_population(Population::new(
        "E",
        800,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.add_population(Population::new(
        "I",
        200,
        NeuronModel::IafPscDelta(IafPscDelta::default()),
    ));
    net.add_projection(Projection::new(
        "E",
        "E",
        Connectivity::FixedProbability {
            p: 0.05,
            allow_autapses: false,
        },
        Value::normal_clipped(0.05, 0.02, 0.0, f64::INFINITY),
        Value::uniform(0.8, 3.0),
        Receptor::Excitatory,
    ));
    net.add_projection(
        Projection::new(
            "E",
            "I",
            Connectivity::FixedProbability {
                p: 0.05,
                allow_autapses: false,
            },
            0.3,
            1.2,
            Receptor::Excitatory,
        )
        .procedural(),
    );
    net.add_projection(
        Projection::new(
            "I",
            "E",
            Connectivity::FixedTotalNumber {
                n: 30_000,
                allow_autapses: false,
                allow_multapses: true,
            },
            Value::uniform(-0.3, -0.1),
            Value::normal_clipped(1.5, 0.5, 0.6, f64::INFINITY),
            Receptor::Inhibitory,
        )
        .built_on_device(),
    );
    net.add_projection(Projection::new(
        "I",
        "I",
        Connectivity::AllToAll {
            allow_autapses: false,
        },
        -0.5,
        0.8,
        Receptor::Inhibitory,
    ));
    for (target, rate_hz, weight) in [("E", 12_000.0, 0.09), ("I", 10_000.0, 0.4)] {
        net.add_stimulus(Stimulus::Poisson {
            target: target.to_string(),
            rate_hz,
            weight,
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        });
        net.record_spikes(target);
    }
    net.add_stimulus(Stimulus::Dc {
        target: "I".into(),
        amplitude_na: 0.5,
        start_ms: 20.35,
        stop_ms: Some(60.05),
    });
    net.instances = 2;
    net
}

type Raster = (Vec<u64>, Vec<u32>);
type Outcome = (Vec<Raster>, Vec<u32>, Vec<u32>, Vec<i32>);

/// The rasters of E and I in both instances (steps, neurons).
fn rasters(sim: &Simulation) -> Vec<Raster> {
    let mut out = Vec::new();
    for population in ["E", "I"] {
        for instance in 0..2 {
            let r = sim.instance_spikes(population, instance).unwrap();
            out.push((r.steps.clone(), r.neurons.clone()));
        }
    }
    out
}

/// Rasters of both populations and instances, E's and I's membrane potentials and
/// the input ring, after runs of 37 steps, one step, and up to 1,234 steps (across a
/// batch end).
fn run(window: Option<u32>, backend: Backend) -> Outcome {
    let mut plan = Plan::new(&network()).unwrap();
    assert_eq!(plan.config.window_steps, 6, "the shortest delay is 6 steps");
    if let Some(w) = window {
        plan.config.window_steps = w;
    }
    assert!(plan.batch_steps < 1_234, "the run crosses a batch end");
    let mut sim = Simulation::from_plan(plan, backend).unwrap();
    sim.run(37).unwrap();
    sim.run(1).unwrap();
    sim.run(1_234 - 38).unwrap();
    (
        rasters(&sim),
        common::bits(&sim.read_state("E", "v").unwrap()),
        common::bits(&sim.read_state("I", "v").unwrap()),
        sim.read_input_ring().unwrap(),
    )
}

#[test]
fn a_window_of_steps_gives_the_results_of_one_step_per_dispatch() {
    let reference = run(Some(1), Backend::Cpu);
    let spikes: usize = reference.0.iter().map(|r| r.0.len()).sum();
    assert!(spikes > 2_000, "the network fires {spikes} spikes");
    // Both instances and both populations fire, and the instances differ.
    assert!(reference.0.iter().all(|r| r.0.len() > 100));
    assert!(reference.0[0] != reference.0[1]);
    // Compared without printing: a raster's Debug form runs to megabytes.
    for (name, window, backend) in [
        ("CPU, window", None, Backend::Cpu),
        ("GPU, window", None, Backend::Gpu),
        ("GPU, one step", Some(1), Backend::Gpu),
        ("GPU, window of 4", Some(4), Backend::Gpu),
    ] {
        let got = run(window, backend);
        for (k, (a, b)) in got.0.iter().zip(&reference.0).enumerate() {
            assert!(a == b, "{name}: raster {k} differs");
        }
        assert!(got.1 == reference.1, "{name}: E's state differs");
        assert!(got.2 == reference.2, "{name}: I's state differs");
        assert!(got.3 == reference.3, "{name}: input ring differs");
    }
}

#[test]
fn stages_that_run_every_step_and_long_loops_keep_one_step_per_dispatch() {
    let plan = Plan::new(&network()).unwrap();
    assert_eq!(plan.config.window_steps, 6);
    // A probe samples the state between steps.
    let mut probed = network();
    probed.record_state("E", "v", vec![0, 1], 1);
    assert_eq!(Plan::new(&probed).unwrap().config.window_steps, 1);
    // Poisson input of 2·10^7 Hz: a step's loops (500 chunks, up to 11,500
    // iterations) leave no room for a second within the quarter of lavapipe's
    // per-invocation loop limit that a window may take; 10^7 Hz leaves room for two.
    let mut intense = network();
    if let Stimulus::Poisson { rate_hz, .. } = &mut intense.stimuli[0] {
        *rate_hz = 2e7;
    }
    assert_eq!(Plan::new(&intense).unwrap().config.window_steps, 1);
    if let Stimulus::Poisson { rate_hz, .. } = &mut intense.stimuli[0] {
        *rate_hz = 1e7;
    }
    assert_eq!(Plan::new(&intense).unwrap().config.window_steps, 2);
    // A delay of one step.
    let mut fast = network();
    fast.projections[3].delay_ms = Value::constant(0.1);
    assert_eq!(Plan::new(&fast).unwrap().config.window_steps, 1);
}

#[test]
fn windows_survive_checkpoints_and_repeated_short_calls() {
    let net = network();
    let mut straight = Simulation::new(&net, Backend::Gpu).unwrap();
    straight.run(600).unwrap();
    let whole = rasters(&straight);
    // Twenty calls of 5 steps (one batch length, written once), a checkpoint, and the
    // rest in a restored simulation, whose counters come from the file.
    let path = std::env::temp_dir().join(format!("neurodyn-window-{}.ndck", std::process::id()));
    let mut first = Simulation::new(&net, Backend::Gpu).unwrap();
    for _ in 0..20 {
        first.run(5).unwrap();
    }
    first.run(200).unwrap();
    first.checkpoint(&path).unwrap();
    let mut second = Simulation::restore(&net, Backend::Gpu, &path).unwrap();
    std::fs::remove_file(&path).ok();
    second.run(300).unwrap();
    // The restored simulation records from the checkpoint on.
    for (k, (early, (late, all))) in rasters(&first)
        .iter()
        .zip(rasters(&second).iter().zip(&whole))
        .enumerate()
    {
        let steps: Vec<u64> = early.0.iter().chain(&late.0).copied().collect();
        let neurons: Vec<u32> = early.1.iter().chain(&late.1).copied().collect();
        assert!(steps == all.0 && neurons == all.1, "raster {k} differs");
    }
}
