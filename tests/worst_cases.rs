//! The worst cases a simulation must survive without losing a spike, each checked
//! against the CPU reference (identical rasters) and against the count it must give:
//! every neuron spiking every step, a fan-out far beyond a workgroup, the longest
//! delay, a one-neuron population, projections without synapses, and delays that
//! are not a whole number of steps.

use neurodyn::model::MAX_DELAY_STEPS;
use neurodyn::{
    Backend, Connectivity, IafPscDelta, Network, NeuronModel, ParrotNeuron, Population, Projection,
    Receptor, Simulation, SpikeRecord, SpikeSourceArray, Stimulus,
};

fn parrot() -> NeuronModel {
    NeuronModel::ParrotNeuron(ParrotNeuron {})
}

/// Runs `net` on both backends; returns the GPU's records after requiring the CPU's
/// to be identical.
fn both(net: &Network, steps: u64) -> Vec<SpikeRecord> {
    let run = |backend| {
        let mut sim = Simulation::new(net, backend).unwrap();
        sim.run(steps).unwrap();
        sim.spike_records().to_vec()
    };
    let (gpu, cpu) = (run(Backend::Gpu), run(Backend::Cpu));
    assert_eq!(gpu, cpu, "GPU and CPU rasters differ");
    gpu
}

/// `n` parrots that spike in every step (Poisson input of 10^7 Hz: no step without
/// an event).
fn always_spiking(net: &mut Network, name: &str, n: u32) {
    net.add_population(Population::new(name, n, parrot()));
    net.add_stimulus(Stimulus::Poisson {
        target: name.into(),
        rate_hz: 1e7,
        weight: 1.0,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    net.record_spikes(name);
}

#[test]
fn every_neuron_spiking_every_step_loses_no_spike() {
    let mut net = Network::new(0.1, 1);
    always_spiking(&mut net, "A", 2000);
    // Every spike also propagates: all-to-all onto a second population of parrots,
    // which then also spike every step.
    net.add_population(Population::new("B", 30, parrot()));
    net.add_projection(Projection::new(
        "A",
        "B",
        Connectivity::AllToAll {
            allow_autapses: true,
        },
        0.001,
        0.1,
        Receptor::Excitatory,
    ));
    net.record_spikes("B");
    // 600 steps: more than one batch (the plan fits 2,030 recorded neurons spiking
    // every step into batches of 500 at most).
    let records = both(&net, 600);
    let by_name = |name: &str| records.iter().find(|r| r.population == name).unwrap();
    assert_eq!(by_name("A").len(), 2000 * 600);
    // B receives from step 0's spikes on, one step later.
    assert_eq!(by_name("B").len(), 30 * 599);
}

#[test]
fn a_fan_out_far_beyond_a_workgroup_reaches_every_target() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "one",
        1,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: vec![vec![0.1, 0.5, 0.9]],
        }),
    ));
    net.add_population(Population::new("many", 20_000, parrot()));
    for procedural in [false, true] {
        let projection = Projection::new(
            "one",
            "many",
            Connectivity::AllToAll {
                allow_autapses: true,
            },
            1.0,
            0.2,
            Receptor::Excitatory,
        );
        net.projections = vec![if procedural {
            projection.procedural()
        } else {
            projection
        }];
        net.recorders.clear();
        net.record_spikes("many");
        let records = both(&net, 20);
        // 20,000 targets (313 workgroups' worth of invocations) answer each of the 3
        // spikes, 2 steps later.
        let many = records.iter().find(|r| r.population == "many").unwrap();
        assert_eq!(many.len(), 3 * 20_000, "procedural: {procedural}");
    }
}

#[test]
fn the_longest_delay_and_delays_between_steps_arrive_when_they_should() {
    let mut net = Network::new(0.1, 1);
    // A one-neuron population spiking once.
    net.add_population(Population::new(
        "source",
        1,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: vec![vec![1.0]],
        }),
    ));
    let longest = f64::from(MAX_DELAY_STEPS) * 0.1;
    for (target, delay_ms) in [("far", longest), ("between", 0.25), ("half", 0.35)] {
        net.add_population(Population::new(target, 1, parrot()));
        net.add_projection(Projection::new(
            "source",
            target,
            Connectivity::AllToAll {
                allow_autapses: true,
            },
            1.0,
            delay_ms,
            Receptor::Excitatory,
        ));
        net.record_spikes(target);
    }
    net.record_spikes("source");
    let records = both(&net, u64::from(MAX_DELAY_STEPS) + 20);
    let step_of = |r: &SpikeRecord| {
        assert_eq!(r.len(), 1, "{} spikes {} times", r.population, r.len());
        r.steps[0]
    };
    let fired = step_of(&records[0]);
    let by_name = |name: &str| records.iter().find(|r| r.population == name).unwrap();
    // Delays round to the nearest step, halves up: 0.25 ms -> 3 steps, 0.35 -> 4.
    assert_eq!(step_of(by_name("far")), fired + u64::from(MAX_DELAY_STEPS));
    assert_eq!(step_of(by_name("between")), fired + 3);
    assert_eq!(step_of(by_name("half")), fired + 4);
}

#[test]
fn projections_without_synapses_run_and_deliver_nothing() {
    let mut net = Network::new(0.1, 1);
    always_spiking(&mut net, "A", 50);
    net.add_population(Population::new(
        "B",
        40,
        NeuronModel::IafPscDelta(IafPscDelta::default()),
    ));
    net.record_spikes("B");
    for (rule, procedural) in [
        (
            Connectivity::FixedProbability {
                p: 0.0,
                allow_autapses: true,
            },
            false,
        ),
        (
            Connectivity::FixedProbability {
                p: 0.0,
                allow_autapses: true,
            },
            true,
        ),
        (
            Connectivity::FixedTotalNumber {
                n: 0,
                allow_autapses: true,
                allow_multapses: true,
            },
            true,
        ),
        (Connectivity::FromList { pairs: vec![] }, false),
    ] {
        let mut projection =
            Projection::new("A", "B", rule.clone(), 100.0, 1.0, Receptor::Excitatory);
        projection.procedural = procedural;
        net.projections = vec![projection];
        let records = both(&net, 200);
        let by_name = |name: &str| records.iter().find(|r| r.population == name).unwrap();
        assert_eq!(by_name("A").len(), 50 * 200);
        assert!(by_name("B").is_empty(), "{rule:?} delivered input");
    }
}
