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

/// A deterministic network (constant initial state, drive from i_offset, fixed
/// connectivity shared by the instances): instance b of a sweep must equal the
/// single network with the swept value.
fn driven(i_offset: f64) -> Network {
    use neurodyn::{Connectivity, IafPscExp, NeuronModel, Population, Projection};
    let mut net = Network::new(0.1, 9);
    let lif = IafPscExp {
        i_offset,
        tau_refrac: 2.0,
        ..Default::default()
    };
    net.add_population(Population::new("E", 200, NeuronModel::IafPscExp(lif)));
    net.add_projection(Projection::new(
        "E",
        "E",
        Connectivity::FixedProbability {
            p: 0.1,
            allow_autapses: false,
        },
        -0.05,
        1.5,
        Receptor::Inhibitory,
    ));
    net.record_spikes("E");
    net
}

#[test]
fn a_neuron_parameter_sweep_gives_each_instance_its_value() {
    use neurodyn::model::Sweep;
    let values = vec![0.8, 1.0, 1.4];
    // The network's own value is none of the swept ones: instance 0 takes values[0].
    let mut ensemble = driven(0.5);
    ensemble.instances = 3;
    ensemble.sweeps = vec![Sweep::Neuron {
        population: "E".into(),
        parameter: "i_offset".into(),
        values: values.clone(),
    }];
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&ensemble, backend.clone()).unwrap();
        sim.run(2000).unwrap();
        let mut counts = Vec::new();
        for (b, &value) in values.iter().enumerate() {
            let mut single = Simulation::new(&driven(value), backend.clone()).unwrap();
            single.run(2000).unwrap();
            let expected = single.spikes("E").unwrap();
            let got = sim.instance_spikes("E", b as u32).unwrap();
            assert_eq!(got.steps, expected.steps, "instance {b}");
            assert_eq!(got.neurons, expected.neurons, "instance {b}");
            counts.push(got.len());
        }
        assert!(counts[0] < counts[1] && counts[1] < counts[2], "{counts:?}");
    }
}

#[test]
fn a_poisson_rate_sweep_drives_each_instance_at_its_rate() {
    use neurodyn::model::Sweep;
    let mut ensemble = network(4);
    let stimulus = ensemble.stimuli.len() - 1;
    let rates = vec![500.0, 2000.0, 4000.0, 8000.0];
    ensemble.sweeps = vec![Sweep::PoissonRate {
        stimulus,
        values: rates.clone(),
    }];
    let mut sim = Simulation::new(&ensemble, Backend::Gpu).unwrap();
    sim.run(600).unwrap();
    let counts: Vec<usize> = (0..4).map(|b| raster(&sim, b).len()).collect();
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
    // Instance 0 is the single network at the first rate.
    let single = run(1, Backend::Gpu);
    assert_eq!(raster(&sim, 0), raster(&single, 0));
}

#[test]
fn sweeps_that_do_not_fit_are_refused_naming_the_field() {
    use neurodyn::model::Sweep;
    let mut ensemble = driven(1.0);
    ensemble.instances = 2;
    let refuse = |sweep: Sweep| {
        let mut net = ensemble.clone();
        net.sweeps = vec![sweep];
        neurodyn::Plan::new(&net).unwrap_err().to_string()
    };
    let message = refuse(Sweep::Neuron {
        population: "E".into(),
        parameter: "i_offset".into(),
        values: vec![1.0],
    });
    assert!(
        message.contains("sweeps[0].values") && message.contains("1 values for 2 instances"),
        "{message}"
    );
    let message = refuse(Sweep::Neuron {
        population: "E".into(),
        parameter: "tau_mem".into(),
        values: vec![1.0, 2.0],
    });
    assert!(
        message.contains("no parameter `tau_mem`") && message.contains("tau_m"),
        "{message}"
    );
    let message = refuse(Sweep::Neuron {
        population: "E".into(),
        parameter: "tau_m".into(),
        values: vec![20.0, -1.0],
    });
    assert!(
        message.contains("instance 1") && message.contains("tau_m"),
        "{message}"
    );
    let message = refuse(Sweep::Neuron {
        population: "E".into(),
        parameter: "tau_refrac".into(),
        values: vec![1.0, -2.0],
    });
    assert!(message.contains("tau_refrac"), "{message}");
    let mut twice = ensemble.clone();
    let sweep = Sweep::Neuron {
        population: "E".into(),
        parameter: "i_offset".into(),
        values: vec![1.0, 2.0],
    };
    twice.sweeps = vec![sweep.clone(), sweep];
    let message = neurodyn::Plan::new(&twice).unwrap_err().to_string();
    assert!(
        message.contains("sweeps[1]") && message.contains("already swept"),
        "{message}"
    );
}

/// Runs `ensemble` and each of its instances alone (`Plan::instance_network`, the
/// ensemble's units) for `steps` on `backend`; every instance's raster must equal its
/// run alone. Returns the ensemble's simulation and the ones alone, for more checks.
fn each_instance_alone(
    ensemble: &Network,
    steps: u64,
    backend: &Backend,
) -> (Simulation, Vec<Simulation>) {
    let mut sim = Simulation::new(ensemble, backend.clone()).unwrap();
    sim.run(steps).unwrap();
    let alone = (0..ensemble.instances)
        .map(|b| {
            let network = neurodyn::Plan::instance_network(ensemble, b).unwrap();
            let mut alone = Simulation::new(&network, backend.clone()).unwrap();
            alone.run(steps).unwrap();
            let got = sim.instance_spikes("E", b).unwrap();
            let expected = alone.spikes("E").unwrap();
            assert_eq!(got.steps, expected.steps, "instance {b} ({backend:?})");
            assert_eq!(got.neurons, expected.neurons, "instance {b} ({backend:?})");
            alone
        })
        .collect();
    (sim, alone)
}

#[test]
fn refractory_period_and_resting_potential_can_be_swept() {
    // Each instance of a tau_refrac × v_rest sweep is its own network run alone, spike
    // for spike, with its potential reported from its own rest.
    use neurodyn::model::Sweep;
    let mut ensemble = driven(1.2);
    ensemble.instances = 3;
    ensemble.sweeps = vec![
        Sweep::Neuron {
            population: "E".into(),
            parameter: "tau_refrac".into(),
            values: vec![1.0, 2.5, 6.0],
        },
        Sweep::Neuron {
            population: "E".into(),
            parameter: "v_rest".into(),
            values: vec![-65.0, -62.0, -67.0],
        },
    ];
    for backend in [Backend::Gpu, Backend::Cpu] {
        let (mut sim, mut alone) = each_instance_alone(&ensemble, 2000, &backend);
        let mut counts = Vec::new();
        for (b, alone) in (0u32..).zip(alone.iter_mut()) {
            assert_eq!(
                sim.read_instance_state("E", "v", b).unwrap(),
                alone.read_state("E", "v").unwrap(),
                "instance {b}"
            );
            counts.push(alone.spikes("E").unwrap().len());
        }
        assert!(
            counts[0] != counts[1] && counts[1] != counts[2],
            "{counts:?}"
        );
    }
}

/// A refractory period swept on the second of two populations of one model: that
/// population's block has one more word than the first's, read at run time, so the
/// group's parameters stay in the table (`Plan::baked_params`), and the GPU's spikes
/// are the CPU reference's.
#[test]
fn a_refractory_period_swept_on_a_second_population_matches_the_cpu() {
    use neurodyn::model::Sweep;
    use neurodyn::{IafPscExp, NeuronModel, Population};
    let mut ensemble = driven(1.2);
    let lif = IafPscExp {
        i_offset: 1.2,
        tau_refrac: 2.0,
        ..Default::default()
    };
    ensemble.add_population(Population::new("F", 100, NeuronModel::IafPscExp(lif)));
    ensemble.record_spikes("F");
    ensemble.instances = 2;
    ensemble.sweeps = vec![Sweep::Neuron {
        population: "F".into(),
        parameter: "tau_refrac".into(),
        values: vec![1.0, 6.0],
    }];
    let plan = neurodyn::Plan::new(&ensemble).unwrap();
    assert_eq!(plan.baked_params(&plan.groups[0]), None);
    let spikes = |backend| {
        let mut sim = Simulation::new(&ensemble, backend).unwrap();
        sim.run(2000).unwrap();
        (0..2)
            .map(|b| {
                let record = sim.instance_spikes("F", b).unwrap();
                (record.steps.clone(), record.neurons.clone())
            })
            .collect::<Vec<_>>()
    };
    let gpu = spikes(Backend::Gpu);
    assert_eq!(gpu, spikes(Backend::Cpu));
    assert!(
        gpu[0].0.len() > gpu[1].0.len(),
        "a longer refractory period fires less"
    );
}

#[test]
fn a_model_file_declares_instances_and_sweeps() {
    // Brunel's η swept over four instances (the external rate of E, stimuli[0]), from
    // the model file; at order 100 (500 neurons).
    let text = std::fs::read_to_string("models/brunel.toml")
        .unwrap()
        .replace("seed = 1", "seed = 1\ninstances = 4")
        + r#"
[[sweeps]]
sweep = "poisson_rate"
stimulus = 0
values = [10000.0, 15000.0, 20000.0, 25000.0]
"#;
    let dir = std::env::temp_dir().join(format!("neurodyn-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("brunel_sweep.toml");
    std::fs::write(&path, text).unwrap();
    let mut network = file::load(&path).unwrap().network;
    assert_eq!((network.instances, network.sweeps.len()), (4, 1));
    let (g, _) = neurodyn::model::brunel::regime("C").unwrap();
    // Resize without touching the swept rates (configure would reset them).
    for p in &mut network.populations {
        p.size = if p.name == "E" { 400 } else { 100 };
    }
    for projection in &mut network.projections {
        if let neurodyn::Connectivity::FixedInDegree { k, .. } = &mut projection.connectivity {
            *k = (*k).min(if projection.pre == "E" { 400 } else { 100 }) / 10;
        }
        if projection.pre == "I" {
            projection.weight = (-g * 0.1).into();
        }
    }
    let mut sim = Simulation::new(&network, Backend::Gpu).unwrap();
    sim.run(1000).unwrap();
    let counts: Vec<usize> = (0..4).map(|b| raster(&sim, b).len()).collect();
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn state_probes_sample_the_instance_they_name() {
    use neurodyn::Recorder;
    let mut net = network(3);
    net.recorders
        .retain(|r| matches!(r, Recorder::Spikes { .. }));
    for instance in [0, 2] {
        net.recorders.push(Recorder::State {
            population: "E".into(),
            variable: "v".into(),
            neurons: vec![0, 7, 99],
            every_steps: 1,
            instance,
        });
    }
    let mut sim = Simulation::new(&net, Backend::Gpu).unwrap();
    sim.run(600).unwrap();
    for instance in [0u32, 2] {
        let record = sim
            .instance_state_record("E", "v", instance)
            .unwrap()
            .clone();
        assert_eq!(record.len(), 600);
        let last = &record.values[record.values.len() - 3..];
        let now = sim.read_instance_state("E", "v", instance).unwrap();
        assert_eq!(last, [now[0], now[7], now[99]], "instance {instance}");
    }
    assert_ne!(
        sim.instance_state_record("E", "v", 0).unwrap().values,
        sim.instance_state_record("E", "v", 2).unwrap().values
    );
    net.recorders.push(Recorder::State {
        population: "E".into(),
        variable: "v".into(),
        neurons: vec![0],
        every_steps: 1,
        instance: 3,
    });
    let e = neurodyn::Plan::new(&net).unwrap_err().to_string();
    assert!(e.contains("instance 3 does not exist"), "{e}");
}

/// An STDP rule that never changes a weight (λ = 0): plastic state without learning.
fn still_stdp(w_max: f64) -> neurodyn::model::Plasticity {
    neurodyn::model::Plasticity::StdpSynapse {
        tau_plus: 20.0,
        tau_minus: 20.0,
        lambda: 0.0,
        alpha: 1.0,
        mu_plus: 0.0,
        mu_minus: 0.0,
        w_max,
        pairing: neurodyn::model::Pairing::AllToAll,
    }
}

#[test]
fn a_weight_sweep_gives_each_instance_its_weight() {
    // CUBA's I → E weight (projection 2) at four strengths: each instance's synapses
    // carry its value, stronger inhibition silences E further, GPU equals CPU.
    let values = vec![-0.1, -0.3, -0.6, -1.2];
    let mut net = network(4);
    net.sweeps.push(neurodyn::model::Sweep::Weight {
        projection: 2,
        values: values.clone(),
    });
    // Alone, the swept projection keeps only its weights (one word per synapse and
    // instance); beside a plastic projection, every synapse keeps the full state.
    let mut beside_stdp = net.clone();
    beside_stdp.projections[0].plasticity = Some(still_stdp(1.0));
    for (net, words) in [(&net, 1), (&beside_stdp, 8)] {
        let mut records = Vec::new();
        for backend in [Backend::Gpu, Backend::Cpu] {
            let mut sim = Simulation::new(net, backend).unwrap();
            assert_eq!(sim.plan().config.synapse_words, words);
            sim.run(2000).unwrap();
            for (b, &value) in values.iter().enumerate() {
                let weights = sim.instance_weights(2, b as u32).unwrap();
                assert!(weights.iter().all(|&w| w == value as f32), "instance {b}");
            }
            let counts: Vec<usize> = (0..4).map(|b| raster(&sim, b).len()).collect();
            assert!(counts.windows(2).all(|w| w[0] > w[1]), "{counts:?}");
            records.push((0..4).map(|b| raster(&sim, b)).collect::<Vec<_>>());
        }
        assert_eq!(records[0], records[1], "GPU and CPU differ ({words} words)");
    }

    // Only static stored projections can be swept this way.
    let mut plastic = net.clone();
    plastic.projections[2].procedural = true;
    let e = neurodyn::Plan::new(&plastic).unwrap_err().to_string();
    assert!(e.contains("static stored projection"), "{e}");
}

/// `driven`'s network with its connectivity drawn per instance: procedural (fixed
/// probability, and fixed total number whose row lengths are drawn per instance) or
/// stored (fixed in-degree, beside a shared stored projection copied into every
/// instance's rows).
fn per_instance(instances: u32, stored: bool) -> Network {
    use neurodyn::Connectivity;
    let mut net = driven(1.2);
    let mut second = net.projections[0].clone();
    second.receptor = Receptor::Excitatory;
    second.weight = 0.04.into();
    if stored {
        net.projections[0].connectivity = Connectivity::FixedInDegree {
            k: 20,
            allow_autapses: false,
            allow_multapses: false,
        };
    } else {
        net.projections[0].procedural = true;
        second.procedural = true;
        second.per_instance = true;
        second.connectivity = Connectivity::FixedTotalNumber {
            n: 3000,
            allow_autapses: true,
            allow_multapses: true,
        };
    }
    net.projections[0].per_instance = true;
    net.add_projection(second);
    net.instances = instances;
    net
}

#[test]
fn connectivity_drawn_per_instance_differs_between_instances_only() {
    for stored in [false, true] {
        let mut records = Vec::new();
        for backend in [Backend::Gpu, Backend::Cpu] {
            let run = |instances| {
                let network = per_instance(instances, stored);
                let mut sim = Simulation::new(&network, backend.clone()).unwrap();
                sim.run(1500).unwrap();
                sim
            };
            let (three, two, single) = (run(3), run(2), run(1));
            // Instance 0 draws the single network's synapses; instance 1 its own, the
            // same whatever the ensemble's size.
            assert_eq!(
                raster(&three, 0).steps,
                raster(&single, 0).steps,
                "stored {stored}"
            );
            assert_eq!(raster(&three, 0).neurons, raster(&single, 0).neurons);
            assert_eq!(raster(&three, 1), raster(&two, 1), "stored {stored}");
            // The drive is the same deterministic current in every instance: only
            // their wiring makes them differ.
            assert_ne!(raster(&three, 1).neurons, raster(&three, 0).neurons);
            assert_ne!(raster(&three, 2).neurons, raster(&three, 1).neurons);
            records.push((0..3).map(|b| raster(&three, b)).collect::<Vec<_>>());
            if stored {
                // Three sets of rows: the memory estimate counts them.
                let plan = three.plan();
                assert_eq!(plan.config.stored_per_instance, 1);
                assert_eq!(
                    plan.synapses.len(),
                    3 * (200 * 20 + single.plan().synapses.len() - 200 * 20)
                );
                // Synapses of one instance, as with shared rows (it was the three
                // sets' total: `bench` and `validate` then showed twice the degree).
                // Each instance's in-degree is fixed: its count is the single one's.
                assert_eq!(plan.synapse_count(), single.plan().synapse_count());
                let estimate = neurodyn::plan::memory::estimate(&per_instance(3, true));
                let row_start = |r: &neurodyn::plan::memory::MemoryReport| {
                    r.buffers
                        .iter()
                        .find(|b| b.name == "row_start")
                        .unwrap()
                        .bytes
                };
                let exact = neurodyn::plan::memory::MemoryReport {
                    buffers: plan.buffers.clone(),
                    exact: true,
                };
                assert_eq!(row_start(&estimate), row_start(&exact));
            }
        }
        assert_eq!(
            records[0], records[1],
            "GPU and CPU differ (stored {stored})"
        );

        // Shared wiring: every instance fires alike.
        let mut shared = per_instance(3, stored);
        for p in &mut shared.projections {
            p.per_instance = false;
        }
        let mut sim = Simulation::new(&shared, Backend::Gpu).unwrap();
        sim.run(1500).unwrap();
        assert_eq!(raster(&sim, 2).neurons, raster(&sim, 0).neurons);
    }

    // Plastic synapses are shared: drawing them per instance is refused by name.
    let mut plastic = per_instance(2, true);
    plastic.projections[0].plasticity = Some(still_stdp(-1.0));
    let e = plastic.validate().unwrap_err().to_string();
    assert!(e.contains("projections[0] (E -> E).per_instance"), "{e}");
}

/// CUBA with every kind of per-instance randomness (initial potentials, Poisson
/// input, `tau_m` drawn per neuron, a procedural projection drawn per instance) and
/// an `i_offset` sweep: each instance is a different network.
fn study(instances: u32) -> Network {
    use neurodyn::model::Sweep;
    let mut net = network(instances);
    for p in &mut net.populations {
        p.heterogeneous.insert(
            "tau_m".into(),
            neurodyn::Value::Normal {
                mean: 20.0,
                sd: 2.0,
                low: 15.0,
                high: 25.0,
            },
        );
    }
    let mut extra = net.projections[0].clone();
    extra.connectivity = neurodyn::Connectivity::FixedProbability {
        p: 0.01,
        allow_autapses: false,
    };
    extra.procedural = true;
    extra.per_instance = true;
    net.add_projection(extra);
    net.sweeps.push(Sweep::Neuron {
        population: "I".into(),
        parameter: "i_offset".into(),
        values: (0..instances).map(|k| 0.05 * f64::from(k % 4)).collect(),
    });
    net
}

#[test]
fn instance_k_of_an_ensemble_is_its_network_run_alone() {
    // `Network::instance(k)` (instance k's parameters, and its random streams through
    // `first_instance`) run alone gives instance k's raster and state bit for bit.
    for instances in [1, 3, 16] {
        let ensemble = study(instances);
        for backend in [Backend::Gpu, Backend::Cpu] {
            let mut sim = Simulation::new(&ensemble, backend.clone()).unwrap();
            sim.run(400).unwrap();
            let mut picks = vec![0, instances / 2, instances - 1];
            picks.dedup();
            for k in picks {
                let alone_network = neurodyn::Plan::instance_network(&ensemble, k).unwrap();
                assert_eq!(alone_network.first_instance, k);
                let mut alone = Simulation::new(&alone_network, backend.clone()).unwrap();
                alone.run(400).unwrap();
                for population in ["E", "I"] {
                    let got = sim.instance_spikes(population, k).unwrap();
                    let expected = alone.spikes(population).unwrap();
                    // Compared without printing thousands of spikes on failure.
                    let first_difference = (0..got.len().max(expected.len())).find(|&s| {
                        got.steps.get(s) != expected.steps.get(s)
                            || got.neurons.get(s) != expected.neurons.get(s)
                    });
                    assert_eq!(
                        first_difference,
                        None,
                        "B = {instances}, instance {k}, {population}: {} spikes against {} alone, \
                         first difference at spike {first_difference:?} (step {:?})",
                        got.len(),
                        expected.len(),
                        first_difference.and_then(|s| got.steps.get(s)),
                    );
                    assert_eq!(
                        sim.read_instance_state(population, "v", k).unwrap(),
                        alone.read_state(population, "v").unwrap(),
                        "B = {instances}, instance {k}"
                    );
                }
                assert!(
                    alone.spikes("E").unwrap().len() > 100,
                    "instance {k} is silent"
                );
            }
        }
    }
}

#[test]
fn a_learning_rate_sweep_gives_each_instance_its_rule() {
    // STDP's λ over three instances: λ = 0 leaves every weight as drawn, the others
    // learn, more with the larger rate, and each instance is its network run alone.
    use neurodyn::model::Sweep;
    let mut ensemble = driven(1.2);
    ensemble.projections[0].receptor = Receptor::Excitatory;
    ensemble.projections[0].weight = 0.05.into();
    // A rule that learns at λ = 0.01, which the sweep below replaces in every
    // instance, instance 0 included.
    let mut rule = still_stdp(0.2);
    if let neurodyn::model::Plasticity::StdpSynapse { lambda, .. } = &mut rule {
        *lambda = 0.01;
    }
    ensemble.projections[0].plasticity = Some(rule);
    ensemble.add_stimulus(Stimulus::Poisson {
        target: "E".into(),
        rate_hz: 800.0,
        weight: 0.3,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    ensemble.instances = 3;
    let rates = [0.0, 0.005, 0.02];
    ensemble.sweeps = vec![Sweep::Plasticity {
        projection: 0,
        parameter: "lambda".into(),
        values: rates.to_vec(),
    }];
    let plan = neurodyn::Plan::new(&ensemble).unwrap();
    assert_eq!(plan.config.rules_per_instance, 1);
    // One rule per instance in the table; the estimate counts them.
    let bytes = |buffers: &[neurodyn::plan::BufferPlan], name: &str| {
        buffers.iter().find(|b| b.name == name).unwrap().bytes
    };
    let estimate = neurodyn::plan::memory::estimate(&ensemble).buffers;
    for name in ["plastic_rules", "modulators"] {
        assert_eq!(bytes(&estimate, name), bytes(&plan.buffers, name), "{name}");
    }
    for backend in [Backend::Gpu, Backend::Cpu] {
        let drawn = Simulation::new(&ensemble, backend.clone())
            .unwrap()
            .instance_weights(0, 0)
            .unwrap();
        let (mut sim, mut alone) = each_instance_alone(&ensemble, 1500, &backend);
        let mut change = Vec::new();
        for (b, alone) in (0u32..).zip(alone.iter_mut()) {
            let weights = sim.instance_weights(0, b).unwrap();
            assert_eq!(
                weights,
                alone.weights(0).unwrap(),
                "instance {b} ({backend:?})"
            );
            change.push(
                weights
                    .iter()
                    .zip(&drawn)
                    .map(|(w, d)| f64::from((w - d).abs()))
                    .sum::<f64>(),
            );
        }
        assert_eq!(change[0], 0.0, "λ = 0 changes nothing");
        assert!(change[1] > 0.0 && change[2] > change[1], "{change:?}");
    }
}

#[test]
fn a_delay_sweep_gives_each_instance_its_delay() {
    // The inhibitory delay of `driven` over three instances: the same synapses with
    // each instance's delay, each instance its network run alone.
    use neurodyn::model::Sweep;
    let mut ensemble = driven(1.2);
    ensemble.instances = 3;
    ensemble.sweeps = vec![Sweep::Delay {
        projection: 0,
        values: vec![1.0, 2.5, 7.0],
    }];
    let plan = neurodyn::Plan::new(&ensemble).unwrap();
    assert_eq!(plan.config.stored_per_instance, 1);
    let single = neurodyn::Plan::new(&ensemble.instance(0).unwrap()).unwrap();
    assert_eq!(plan.synapses.len(), 3 * single.synapses.len());
    // The ring holds the longest swept delay, and the estimate says so.
    let ring = |buffers: &[neurodyn::plan::BufferPlan]| {
        buffers.iter().find(|b| b.name == "ring").unwrap().bytes
    };
    let estimate = neurodyn::plan::memory::estimate(&ensemble);
    assert_eq!(ring(&estimate.buffers), ring(&plan.buffers));
    assert_eq!(plan.config.ring_depth, 71);
    for backend in [Backend::Gpu, Backend::Cpu] {
        let (sim, _) = each_instance_alone(&ensemble, 1500, &backend);
        assert_ne!(
            sim.instance_spikes("E", 0).unwrap().neurons,
            sim.instance_spikes("E", 2).unwrap().neurons
        );
    }
    // Only static stored projections: a procedural one is refused by name.
    let mut procedural = ensemble.clone();
    procedural.projections[0].procedural = true;
    let e = neurodyn::Plan::new(&procedural).unwrap_err().to_string();
    assert!(
        e.contains("delay sweep needs a static stored projection"),
        "{e}"
    );
}

#[test]
fn an_instance_runs_alone_with_the_ensembles_units() {
    // A Poisson-rate sweep whose fastest rate sizes the fixed-point unit: instance 0
    // alone would choose a finer one. `Plan::instance_network` keeps the ensemble's,
    // and each instance then runs alone bit for bit, spikes and sampled state.
    use neurodyn::model::Sweep;
    use neurodyn::{Plan, Recorder};
    let mut ensemble = driven(0.8);
    ensemble.add_stimulus(Stimulus::Poisson {
        target: "E".into(),
        rate_hz: 1000.0,
        weight: 0.1,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    ensemble.instances = 2;
    ensemble.sweeps = vec![Sweep::PoissonRate {
        stimulus: 0,
        values: vec![1000.0, 200_000.0],
    }];
    // Instance 1's potentials are sampled; alone, it samples its only instance.
    ensemble.recorders.push(Recorder::State {
        population: "E".into(),
        variable: "v".into(),
        neurons: vec![0, 7, 100],
        every_steps: 10,
        instance: 1,
    });
    let unit = |net: &Network| Plan::new(net).unwrap().populations[0].input_scale_log2[0];
    let alone_units = unit(&ensemble.instance(0).unwrap());
    assert!(
        unit(&ensemble) < alone_units,
        "the sweep must coarsen the unit"
    );
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&ensemble, backend.clone()).unwrap();
        sim.run(1500).unwrap();
        for b in 0..2 {
            let network = Plan::instance_network(&ensemble, b).unwrap();
            assert_eq!(unit(&network), unit(&ensemble));
            let mut alone = Simulation::new(&network, backend.clone()).unwrap();
            alone.run(1500).unwrap();
            let got = sim.instance_spikes("E", b).unwrap();
            assert_eq!(got.steps, alone.spikes("E").unwrap().steps, "instance {b}");
            assert_eq!(
                got.neurons,
                alone.spikes("E").unwrap().neurons,
                "instance {b}"
            );
            if b == 1 {
                assert_eq!(
                    sim.instance_state_record("E", "v", 1).unwrap().values,
                    alone.instance_state_record("E", "v", 0).unwrap().values
                );
            }
        }
    }
    assert!(Plan::instance_network(&ensemble, 2).is_err());
    // A unit finer than the inputs allow is refused by name.
    let mut fine = ensemble.instance(0).unwrap();
    fine.populations[0].input_scale_log2 = Some(vec![alone_units + 3, 0]);
    let e = Plan::new(&fine).unwrap_err().to_string();
    assert!(
        e.contains("input_scale_log2[0]") && e.contains("overflow"),
        "{e}"
    );
}
