//! Projections built on the device: their rows are drawn once by the build kernels
//! (build_count, build_fill) from the procedural generator and stored. The stored
//! rows are exactly the rows procedural propagation regenerates: the same rasters,
//! state and fixed-point input as the procedural network, on the GPU and on the CPU
//! reference, in networks mixing them with host-drawn projections and in ensembles
//! whose instances draw their own rows. The host draws none of their synapses (only
//! the fixed-total-number row lengths). A fixed probability of 0 builds nothing.

mod common;

use neurodyn::{Backend, Connectivity, Error, Network, Projection, Simulation};

/// The shared E/I network with a host-drawn fixed in-degree E → I projection.
fn network(seed: u64, mark: fn(Projection) -> Projection) -> Network {
    common::e_i_network(
        seed,
        Connectivity::FixedInDegree {
            k: 80,
            allow_autapses: false,
            allow_multapses: false,
        },
        mark,
    )
}

/// Rasters of every instance, state bits of E and the input ring after `steps`.
type Outcome = (Vec<Vec<neurodyn::SpikeRecord>>, Vec<u32>, Vec<i32>);

fn run(net: &Network, backend: Backend, steps: u64) -> Outcome {
    let mut sim = Simulation::new(net, backend).unwrap();
    sim.run(steps).unwrap();
    let rasters = (0..net.instances)
        .map(|b| {
            ["E", "I"]
                .iter()
                .map(|p| sim.instance_spikes(p, b).unwrap().clone())
                .collect()
        })
        .collect();
    let v = sim
        .read_state("E", "v")
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect();
    (rasters, v, sim.read_input_ring().unwrap())
}

#[test]
fn built_rows_are_the_procedural_rows_on_gpu_and_cpu() {
    let built = network(11, Projection::built_on_device);
    let procedural = network(11, Projection::procedural);
    let plan = neurodyn::plan::Plan::new(&built).unwrap();
    assert_eq!(plan.built.rows, 1000);
    assert!(!plan.regenerates_rows(), "nothing left to regenerate");
    assert_eq!(plan.synapses.len(), 200 * 80, "the host drew only E -> I");
    let reference = run(&procedural, Backend::Cpu, 2000);
    for e in &reference.0[0] {
        assert!(
            e.len() > 100,
            "{} fires too little: {}",
            e.population,
            e.len()
        );
    }
    for (name, net, backend) in [
        ("built, GPU", &built, Backend::Gpu),
        ("built, CPU", &built, Backend::Cpu),
        ("procedural, GPU", &procedural, Backend::Gpu),
    ] {
        let got = run(net, backend, 2000);
        assert_eq!(got.0, reference.0, "{name}: rasters differ");
        assert_eq!(got.1, reference.1, "{name}: E's v differs");
        assert_eq!(got.2, reference.2, "{name}: input ring differs");
    }
}

#[test]
fn built_rows_have_the_rules_synapse_counts() {
    // All-to-all without autapses and a fixed total number: exact counts; fixed
    // probability: within 5 standard deviations of n_pre · n_post · p.
    let net = network(3, Projection::built_on_device);
    let mut counts = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        let rows = sim.built_row_start().unwrap();
        assert_eq!(rows.len(), 1001);
        let e_rows = u64::from(rows[800]);
        let i_rows = u64::from(rows[1000] - rows[800]);
        assert_eq!(i_rows, 30_000 + 200 * 199, "I's rows: I -> E and I -> I");
        let mean = 800.0 * 799.0 * 0.05;
        let sd = (mean * 0.95f64).sqrt();
        assert!(
            (e_rows as f64 - mean).abs() < 5.0 * sd,
            "E -> E has {e_rows} synapses, expected {mean} ± {sd}"
        );
        assert!(sim.host_times().build_s > 0.0);
        counts.push(rows);
    }
    assert_eq!(counts[0], counts[1], "GPU and CPU rows differ");
}

#[test]
fn ensemble_instances_build_their_own_rows() {
    let ensemble = |mark: fn(Projection) -> Projection| {
        let mut net = network(5, mark);
        net.instances = 3;
        for p in &mut net.projections {
            p.per_instance = true;
        }
        net
    };
    let built = ensemble(Projection::built_on_device);
    let reference = run(&ensemble(Projection::procedural), Backend::Cpu, 1000);
    assert_ne!(reference.0[0], reference.0[1], "instances share their rows");
    assert_eq!(run(&built, Backend::Gpu, 1000), reference);
    assert_eq!(run(&built, Backend::Cpu, 1000), reference);
}

#[test]
fn rules_that_cannot_be_built_are_refused_by_name() {
    let mut net = network(1, Projection::built_on_device);
    net.projections[1].built_on_device = true;
    net.projections[0].procedural = true;
    let message = match Simulation::new(&net, Backend::Cpu) {
        Err(Error::Model(e)) => e.to_string(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a fixed in-degree projection built on the device was accepted"),
    };
    assert!(
        message.contains("projections[1] (E -> I).built_on_device")
            && message.contains("fixed_in_degree"),
        "{message}"
    );
    assert!(
        message.contains("projections[0] (E -> E).built_on_device") && message.contains("not both"),
        "{message}"
    );
}

#[test]
fn empty_built_projections_build_nothing() {
    // Fixed probability 0: no synapse (not one drawn by a 0 · ∞ gap), and a fixed
    // total number of 0: rows, but no synapse in them; the network still runs alike
    // on both backends.
    let mut net = network(7, Projection::built_on_device);
    net.projections[0].connectivity = Connectivity::FixedProbability {
        p: 0.0,
        allow_autapses: false,
    };
    net.projections[2].connectivity = Connectivity::FixedTotalNumber {
        n: 0,
        allow_autapses: false,
        allow_multapses: true,
    };
    net.projections.remove(3);
    let mut outcomes = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        let rows = sim.built_row_start().unwrap();
        assert_eq!(rows.len(), 1001);
        assert_eq!(rows[1000], 0, "empty projections built synapses");
        sim.run(500).unwrap();
        outcomes.push(sim.spikes("E").unwrap().clone());
    }
    assert!(outcomes[0].len() > 100, "E fires {}", outcomes[0].len());
    assert_eq!(outcomes[0], outcomes[1]);
}
