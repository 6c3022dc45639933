//! Faults found on the device stop the run with an error naming population, neuron,
//! variable, step and value; the run's outputs up to the failure stay valid, and its
//! summary says it is incomplete.

use std::collections::BTreeMap;
use std::process::Command;

use neurodyn::model::{CustomNeuron, Sweep};
use neurodyn::{Backend, Error, Network, NeuronModel, Population, Simulation};

/// A custom model whose `v` doubles every step once neuron `k` ≥ 3 of its population
/// has started (after `3 · k` steps): it overflows to infinity after about 128 more.
fn diverging() -> CustomNeuron {
    CustomNeuron {
        name: "diverging".into(),
        parameters: BTreeMap::from([("growth".to_string(), 2.0)]),
        state: BTreeMap::from([("v".to_string(), 1.0), ("t".to_string(), 0.0)]),
        update: "t = t + 1.0;
if (t > 3.0 * f32(neuron) && neuron >= 3u) {
    v = v * growth;
}"
        .into(),
        threshold: "false".into(),
        reset: "".into(),
        refractory_ms: 0.0,
        receptors: vec!["E".into()],
    }
}

#[test]
fn a_state_variable_that_overflows_is_reported_by_population_neuron_variable_and_step() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "quiet",
        50,
        NeuronModel::Custom(CustomNeuron {
            name: "counting".into(),
            update: "t = t + 1.0;".into(),
            ..diverging()
        }),
    ));
    net.add_population(Population::new("D", 20, NeuronModel::Custom(diverging())));
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    sim.run(100).unwrap();
    let error = sim.run(400).unwrap_err();
    let Error::NonFinite {
        step,
        population,
        neuron,
        ref detail,
        ..
    } = error
    else {
        panic!("{error}");
    };
    // Neuron 3 starts doubling after step 9 (t > 9) and 2^128 overflows f32.
    assert_eq!((population.as_str(), neuron), ("D", 3));
    assert!((130..=140).contains(&step), "step {step}");
    assert_eq!(detail, "variable `v` = inf");
    // The simulation refuses to go on.
    assert!(matches!(sim.run(1), Err(Error::Stopped(_))));
}

#[test]
fn the_steps_before_a_fault_in_its_batch_stay_in_the_records() {
    // A firing population beside one that overflows at a step inside a batch: the
    // records reach exactly that step, and equal a healthy run's up to it.
    let network = |growth: f64| {
        let mut net = Network::new(0.1, 1);
        net.add_population(Population::new(
            "P",
            10,
            NeuronModel::IafPscExp(neurodyn::IafPscExp {
                i_offset: 5.0,
                ..Default::default()
            }),
        ));
        let mut diverging = diverging();
        diverging.parameters.insert("growth".into(), growth);
        net.add_population(Population::new("D", 20, NeuronModel::Custom(diverging)));
        net.record_spikes("P");
        net.record_state("D", "v", vec![3, 4], 1);
        net
    };
    let mut failing = Simulation::new(&network(2.0), Backend::Gpu).unwrap();
    let batch = u64::from(failing.plan().batch_steps);
    let Err(Error::NonFinite { step, .. }) = failing.run(1000) else {
        panic!("expected a non-finite state");
    };
    let step = u64::from(step);
    assert!(step % batch != 0, "step {step} starts a batch of {batch}");
    assert_eq!(failing.recorded_until(), step);
    let mut healthy = Simulation::new(&network(1.0), Backend::Gpu).unwrap();
    healthy.run(step).unwrap();
    let spikes = failing.spikes("P").unwrap();
    assert!(spikes.len() > 10, "{} spikes", spikes.len());
    assert_eq!(spikes, healthy.spikes("P").unwrap());
    let samples = failing.state_record("D", "v").unwrap();
    assert_eq!(samples.steps.len() as u64, step);
    // The last sample before the fault is finite and huge (2^127 or so).
    let last = samples.values[samples.values.len() - 2];
    assert!(last.is_finite() && last > 1e37, "{last}");
}

#[test]
fn a_failed_run_leaves_valid_outputs_and_an_incomplete_summary() {
    let dir = std::env::temp_dir().join(format!("neurodyn-failure-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("diverging.toml");
    // A LIF population that fires, and a custom population that overflows after
    // about 1.3 s at dt = 1 ms (3 · 300 + 128 steps), in a 3 s run of 100-step
    // stretches.
    std::fs::write(
        &model,
        r#"
name = "diverging"
[simulation]
dt_ms = 1.0
duration_ms = 3000.0
[[populations]]
name = "P"
size = 10
model = "iaf_psc_exp"
params = { i_offset = 1.0, tau_refrac = 2.0 }
[[populations]]
name = "D"
size = 301
model = "custom"
params = { name = "diverging", parameters = { growth = 2.0 }, state = { v = 1.0, t = 0.0 }, update = "t = t + 1.0; if (t > 3.0 * f32(neuron) && neuron >= 300u) { v = v * growth; }", threshold = "false", reset = "", refractory_ms = 0.0 }
[[projections]]
pre = "P"
post = "P"
connectivity = { rule = "all_to_all" }
weight = 0.01
delay_ms = 1.0
receptor = "excitatory"
plasticity = { model = "stdp_synapse", w_max = 0.1 }
[[recorders]]
record = "spikes"
population = "P"
[[recorders]]
record = "state"
population = "D"
variable = "v"
neurons = [0, 300]
every_steps = 10
"#,
    )
    .unwrap();
    let out = dir.join("out");
    // A previous run's weights in the folder must not stand beside this run's outputs.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("weights_0.npy"), "an earlier run's").unwrap();
    std::fs::write(out.join("synapses_0.npy"), "an earlier run's").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
        .arg("run")
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .arg("--no-plot")
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("population `D`, neuron 300, variable `v` = inf"),
        "{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["complete"], false);
    let last = summary["last_step"].as_u64().unwrap();
    assert!((1000..1100).contains(&last), "last step {last}");
    assert!(summary["error"]
        .as_str()
        .unwrap()
        .contains("NaN or infinite"));
    // The spikes before the failing stretch are there, under their final names.
    let bytes = std::fs::read(out.join("spikes_P.npy")).unwrap();
    let spikes = npyz::NpyFile::new(&bytes[..]).unwrap();
    let count = spikes.shape()[0];
    assert!(count > 100, "{count} spikes");
    assert_eq!(summary["populations"]["P"]["spikes"], count);
    assert!(out.join("state_D_v.npy").exists());
    assert!(!out.join("spikes_P.npy.partial").exists());
    // The device ran a batch past `last_step`: its weights are not those of the
    // outputs, so none are written (and the earlier run's are gone).
    assert!(!out.join("weights_0.npy").exists());
    assert!(!out.join("synapses_0.npy").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_lost_device_is_an_error_not_a_panic_and_the_records_so_far_stay() {
    let mut net = neurodyn::Network::new(0.1, 3);
    net.add_population(neurodyn::Population::new(
        "N",
        100,
        neurodyn::NeuronModel::IafPscExp(neurodyn::IafPscExp {
            i_offset: 1.0,
            ..Default::default()
        }),
    ));
    net.record_spikes("N");
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    sim.run(2000).unwrap();
    let before = sim.spikes("N").unwrap().len();
    assert!(before > 0);
    let (device, _) = sim.wgpu().expect("a GPU simulation");
    device.destroy();
    let e = sim.run(2000).unwrap_err().to_string();
    assert!(e.contains("device lost (Destroyed)"), "{e}");
    assert_eq!(
        sim.spikes("N").unwrap().len(),
        before,
        "the records so far stay"
    );
    assert!(sim.run(10).is_err(), "a lost device stays lost");
}

#[test]
fn an_overflow_in_a_later_instance_names_that_instance_and_reads_its_value() {
    // Instance 0 does not grow (growth 1), instance 1 doubles: the error names
    // instance 1, and the value read back is instance 1's, not instance 0's.
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("D", 20, NeuronModel::Custom(diverging())));
    net.instances = 2;
    net.sweeps.push(Sweep::Neuron {
        population: "D".into(),
        parameter: "growth".into(),
        values: vec![1.0, 2.0],
    });
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    let error = sim.run(500).unwrap_err();
    let message = error.to_string();
    let Error::NonFinite {
        population,
        neuron,
        instance,
        ref detail,
        ..
    } = error
    else {
        panic!("{error}");
    };
    assert_eq!((population.as_str(), neuron, instance), ("D", 3, 1));
    assert_eq!(detail, "variable `v` = inf");
    assert!(
        message.contains("neuron 3 of instance 1, variable `v`"),
        "{message}"
    );
}

/// A potential that overflows to +inf crosses any threshold, +inf included (the
/// passive membrane's): it used to spike and be reset, hiding the overflow. Now it is
/// kept and reported, on both backends, for an integrate-and-fire and a passive cell.
#[test]
fn a_potential_at_infinity_is_reported_not_reset_by_a_spike() {
    for model in ["iaf_psc_exp", "passive_psc_exp"] {
        let text = format!(
            "name = \"inf\"\n[simulation]\nduration_ms = 2.0\n[[populations]]\nname = \"P\"\n\
             size = 2\nmodel = \"{model}\"\nparams = {{ i_offset = 3.0e38 }}\n[[stimuli]]\n\
             kind = \"dc\"\ntarget = \"P\"\namplitude_na = 3.0e38\n"
        );
        let loaded =
            neurodyn::model::file::load_text(std::path::Path::new("inf.toml"), &text).unwrap();
        for backend in [Backend::Gpu, Backend::Cpu] {
            let mut sim = Simulation::new(&loaded.network, backend.clone()).unwrap();
            match sim.run(20) {
                Err(Error::NonFinite {
                    step, ref detail, ..
                }) => {
                    assert_eq!(step, 0, "{model} {backend:?}");
                    assert_eq!(detail, "variable `v` = inf", "{model} {backend:?}");
                }
                other => panic!("{model} {backend:?}: {other:?}"),
            }
        }
    }
}
