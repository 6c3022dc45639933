//! Ensembles: B instances of one network in the same dispatches. Instance 0 is the
//! single network; instance b does not depend on how many instances run; instances
//! differ from each other and never interact; the GPU and the CPU reference agree.

use std::path::Path;

use neurodyn::model::file;
use neurodyn::{Backend, Network, Receptor, Simulation, SpikeRecord, Stimulus};

/// CUBA (random initial potentials) with Poisson drive on E, 600 steps.
fn network(instances: u32) -> Network {
    let mut network = file::load(Path::new("models/cuba.toml")).unwrap().network;
    network.add_stimulus(Stimulus::Poisson {
        target: "E".into(),
        rate_hz: 500.0,
        weight: 0.2,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    network.instances = instances;
    network
}

fn run(instances: u32, backend: Backend) -> Simulation {
    let mut sim = Simulation::new(&network(instances), backend).unwrap();
    sim.run(600).unwrap();
    sim
}

fn raster(sim: &Simulation, instance: u32) -> SpikeRecord {
    sim.instance_spikes("E", instance).unwrap().clone()
}

#[test]
fn instance_zero_is_the_single_network_and_instances_do_not_depend_on_the_ensemble() {
    let single = run(1, Backend::Gpu);
    let three = run(3, Backend::Gpu);
    let two = run(2, Backend::Gpu);
    assert!(single.spikes("E").unwrap().len() > 100);
    assert_eq!(raster(&three, 0), raster(&single, 0));
    assert_eq!(raster(&three, 1), raster(&two, 1));
    // Each instance has its own initial state and input: their rasters differ.
    assert_ne!(raster(&three, 1), raster(&three, 0));
    assert_ne!(raster(&three, 2), raster(&three, 1));
    assert_eq!(three.spike_records().len(), 3 * 2);
    assert_eq!(raster(&three, 2).instance, 2);
    let mut three = three;
    let v0 = three.read_instance_state("E", "v", 0).unwrap();
    let v2 = three.read_instance_state("E", "v", 2).unwrap();
    assert_eq!(v0.len(), 3200);
    assert_ne!(v0, v2);
    assert!(three.instance_spikes("E", 3).is_err());
}

#[test]
fn an_ensemble_runs_identically_on_gpu_and_cpu() {
    let gpu = run(3, Backend::Gpu);
    let cpu = run(3, Backend::Cpu);
    assert_eq!(gpu.spike_records(), cpu.spike_records());
}
