//! Procedural connectivity: rows regenerated from the counter RNG at each spike give
//! the same rasters, state and input on the GPU as on the CPU reference, in networks
//! mixing procedural and stored projections, and the regenerated connectivity has the
//! statistics of its rule.

mod common;

use neurodyn::{
    Backend, Connectivity, Network, NeuronModel, ParrotNeuron, Population, Projection, Receptor,
    Simulation, SpikeSourceArray, Value,
};

/// E and I driven by Poisson input, with every procedural rule and a stored projection.
fn mixed_network(seed: u64) -> Network {
    common::e_i_network(
        seed,
        Connectivity::FixedProbability {
            p: 0.1,
            allow_autapses: false,
        },
        Projection::procedural,
    )
}

#[test]
fn procedural_and_stored_projections_run_identically_on_gpu_and_cpu() {
    let net = mixed_network(11);
    let mut gpu = Simulation::new(&net, Backend::Gpu).unwrap();
    let mut cpu = Simulation::new(&net, Backend::Cpu).unwrap();
    assert_eq!(gpu.plan().procedural.len(), 3);
    assert!(!gpu.plan().synapses.is_empty());
    gpu.run(3000).unwrap();
    cpu.run(3000).unwrap();
    for (g, c) in gpu.spike_records().iter().zip(cpu.spike_records()) {
        assert!(
            g.len() > 100,
            "{} fires too little: {}",
            g.population,
            g.len()
        );
        assert_eq!(g, c, "rasters of {} differ", g.population);
    }
    for p in ["E", "I"] {
        for var in ["v", "i_syn_E", "i_syn_I"] {
            let bits = |s: &mut Simulation| -> Vec<u32> {
                s.read_state(p, var)
                    .unwrap()
                    .iter()
                    .map(|x| x.to_bits())
                    .collect()
            };
            assert_eq!(bits(&mut gpu), bits(&mut cpu), "state {p}.{var} differs");
        }
    }
    assert_eq!(
        gpu.read_input_ring().unwrap(),
        cpu.read_input_ring().unwrap()
    );
    // Another seed draws other synapses.
    let mut other = Simulation::new(&mixed_network(12), Backend::Gpu).unwrap();
    other.run(3000).unwrap();
    assert_ne!(other.spikes("E").unwrap(), gpu.spikes("E").unwrap());
}

/// `n_pre` sources that all spike at 0.1 ms, projecting onto `n_post` parrots with
/// weight 1 nA and a delay of 2 steps; two steps later the input is still in the ring
/// (in one slot): each target's in-degree times the fixed-point weight. Returns the in-degrees, checked
/// equal on the GPU and the CPU reference.
fn in_degrees(n_pre: u32, n_post: u32, rule: Connectivity) -> Vec<u32> {
    in_degrees_beside(n_pre, n_post, rule, &[])
}

/// As `in_degrees`, with the unconnected `others` first in the network.
fn in_degrees_beside(
    n_pre: u32,
    n_post: u32,
    rule: Connectivity,
    others: &[Population],
) -> Vec<u32> {
    let mut net = Network::new(0.1, 5);
    for other in others {
        net.add_population(other.clone());
    }
    net.add_population(Population::new(
        "pre",
        n_pre,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: vec![vec![0.1]; n_pre as usize],
        }),
    ));
    net.add_population(Population::new(
        "post",
        n_post,
        NeuronModel::ParrotNeuron(ParrotNeuron {}),
    ));
    net.add_projection(
        Projection::new("pre", "post", rule, 1.0, 0.2, Receptor::Excitatory).procedural(),
    );
    let mut rings = [Backend::Gpu, Backend::Cpu].map(|backend| {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(2).unwrap();
        let plan = sim.plan().clone();
        (sim.read_input_ring().unwrap(), plan)
    });
    let (cpu, _) = rings[1].clone();
    let (gpu, plan) = &mut rings[0];
    assert_eq!(*gpu, cpu, "GPU and CPU regenerate different synapses");
    let c = plan.config;
    let post = plan.populations.iter().find(|p| p.name == "post").unwrap();
    let unit = 1i64 << post.input_scale_log2[0];
    let slot = (c.n_receptors * c.n_neurons) as usize;
    (0..n_post)
        .map(|j| {
            // Excitatory receptor, summed over the slots.
            let value: i64 = (0..c.ring_depth as usize)
                .map(|s| i64::from(gpu[s * slot + (post.first + j) as usize]))
                .sum();
            assert_eq!(value % unit, 0, "a weight of 1 nA adds whole units");
            (value / unit) as u32
        })
        .collect()
}

#[test]
fn procedural_fixed_probability_in_degrees_are_binomial() {
    let (n, p) = (10_000u32, 0.01);
    let degrees = in_degrees(
        n,
        n,
        Connectivity::FixedProbability {
            p,
            allow_autapses: true,
        },
    );
    let count = degrees.len() as f64;
    let mean = degrees.iter().map(|&k| f64::from(k)).sum::<f64>() / count;
    let var = degrees
        .iter()
        .map(|&k| (f64::from(k) - mean).powi(2))
        .sum::<f64>()
        / (count - 1.0);
    let (mu, sigma2) = (f64::from(n) * p, f64::from(n) * p * (1.0 - p));
    let se_mean = (sigma2 / count).sqrt();
    // The sample variance of a near-normal variable has SE σ² √(2 / (n − 1)).
    let se_var = sigma2 * (2.0 / (count - 1.0)).sqrt();
    assert!(
        (mean - mu).abs() < 3.0 * se_mean,
        "mean in-degree {mean}, binomial {mu} ± {se_mean}"
    );
    assert!(
        (var - sigma2).abs() < 3.0 * se_var,
        "in-degree variance {var}, binomial {sigma2} ± {se_var}"
    );
}

/// A row is keyed by the neuron's index in its population: unconnected populations
/// that come before it in the network's layout change no synapse (every row was
/// redrawn when one was added).
#[test]
fn procedural_rows_do_not_depend_on_other_populations() {
    let rule = || Connectivity::FixedProbability {
        p: 0.1,
        allow_autapses: true,
    };
    let others = [
        Population::new("a", 7, NeuronModel::IafPscExp(Default::default())),
        Population::new("b", 5, NeuronModel::IafPscDelta(Default::default())),
        Population::new("c", 3, NeuronModel::ParrotNeuron(ParrotNeuron {})),
    ];
    assert_eq!(
        in_degrees(200, 300, rule()),
        in_degrees_beside(200, 300, rule(), &others)
    );
}

#[test]
fn procedural_fixed_total_number_and_all_to_all_make_exactly_their_synapses() {
    let total = in_degrees(
        500,
        300,
        Connectivity::FixedTotalNumber {
            n: 40_000,
            allow_autapses: true,
            allow_multapses: true,
        },
    );
    assert_eq!(total.iter().map(|&k| u64::from(k)).sum::<u64>(), 40_000);
    // Uniform targets: in-degrees spread as a binomial of mean 133, not piled up.
    assert!(total.iter().all(|&k| (60..220).contains(&k)), "{total:?}");
    let all = in_degrees(
        70,
        90,
        Connectivity::AllToAll {
            allow_autapses: true,
        },
    );
    assert_eq!(all, vec![70; 90]);
}

#[test]
fn procedural_projections_store_no_synapses_and_plan_memory_says_so() {
    let stored = {
        let mut net = mixed_network(3);
        for p in &mut net.projections {
            p.procedural = false;
        }
        neurodyn::Plan::new(&net).unwrap()
    };
    let procedural = neurodyn::Plan::new(&mixed_network(3)).unwrap();
    // Only E -> I is stored in the mixed network.
    assert!(procedural.synapses.len() * 5 < stored.synapses.len());
    assert!(procedural.memory_bytes() < stored.memory_bytes());
    // Counted synapses agree: exact for all-to-all and fixed total, expected for
    // fixed probability (within 2% of the drawn count here).
    let ratio = procedural.synapse_count() / stored.synapse_count();
    assert!((ratio - 1.0).abs() < 0.02, "{ratio}");
}

#[test]
fn rules_that_cannot_be_regenerated_are_refused_with_the_reason() {
    let mut net = mixed_network(1);
    net.projections[1] = Projection::new(
        "E",
        "I",
        Connectivity::FixedInDegree {
            k: 10,
            allow_autapses: false,
            allow_multapses: false,
        },
        0.05,
        1.0,
        Receptor::Excitatory,
    )
    .procedural();
    let error = neurodyn::Plan::new(&net).unwrap_err().to_string();
    assert!(
        error.contains("projections[1] (E -> I).procedural") && error.contains("fixed_probability"),
        "{error}"
    );
}

#[test]
fn lognormal_weights_are_drawn_alike_stored_and_procedural() {
    // Stored: the logarithms of the drawn weights have the normal's mean and SD.
    let (mu, sigma) = (-3.0, 0.5);
    let projection = Projection::new(
        "E",
        "E",
        Connectivity::FixedTotalNumber {
            n: 40_000,
            allow_autapses: true,
            allow_multapses: true,
        },
        Value::lognormal(mu, sigma),
        Value::lognormal(0.0, 0.3),
        Receptor::Excitatory,
    );
    let drawn = neurodyn::plan::draw_projection(&projection, 0, 800, 800, true, 4, 0.1);
    let logs: Vec<f64> = drawn.weight.iter().map(|w| w.ln()).collect();
    let mean = logs.iter().sum::<f64>() / logs.len() as f64;
    let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / logs.len() as f64).sqrt();
    let se = sigma / (logs.len() as f64).sqrt();
    assert!((mean - mu).abs() < 3.0 * se, "mean of ln w {mean}");
    assert!((sd - sigma).abs() < 0.01, "sd of ln w {sd}");

    // Procedural: the same distribution regenerated identically on GPU and CPU.
    let mut net = mixed_network(21);
    net.projections[0].weight = Value::lognormal(-3.2, 0.6);
    net.projections[0].delay_ms = Value::lognormal(0.3, 0.4);
    let run = |backend| {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(1500).unwrap();
        (sim.spike_records().to_vec(), sim.read_input_ring().unwrap())
    };
    let (gpu, cpu) = (run(Backend::Gpu), run(Backend::Cpu));
    assert!(gpu.0.iter().all(|r| r.len() > 50));
    assert_eq!(gpu, cpu);
}
