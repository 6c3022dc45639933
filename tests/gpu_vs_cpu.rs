//! The GPU and the CPU reference produce identical spike rasters (every neuron, every
//! step), identical state bits and identical fixed-point input rings.

use neurodyn::{
    model::file, Backend, Connectivity, IafPscExp, Network, NeuronModel, Population, Projection,
    Receptor, Simulation, Stimulus, Value,
};

/// Runs `net` for `steps` on the GPU and on the CPU reference rounding as that GPU
/// does, and requires identical results.
fn run_both(net: &Network, steps: u64) -> (Simulation, Simulation) {
    let mut gpu = Simulation::new(net, Backend::Gpu).expect("GPU simulation");
    let mut cpu = Simulation::new(net, Backend::Cpu).expect("CPU simulation");
    gpu.run(steps).expect("GPU run");
    cpu.run(steps).expect("CPU run");
    for (g, c) in gpu.spike_records().iter().zip(cpu.spike_records()) {
        assert!(
            !g.is_empty(),
            "population {} is silent: the test would prove little",
            g.population
        );
        if g != c {
            let first = g
                .steps
                .iter()
                .zip(&g.neurons)
                .zip(c.steps.iter().zip(&c.neurons))
                .position(|(a, b)| a != b);
            panic!(
                "rasters of {} differ: GPU {} spikes, CPU {} spikes, first difference at spike {first:?}",
                g.population,
                g.len(),
                c.len()
            );
        }
    }
    for p in net.populations.iter().map(|p| p.name.clone()) {
        for var in ["v", "i_syn_E", "i_syn_I"] {
            let g = gpu.read_state(&p, var).unwrap();
            let c = cpu.read_state(&p, var).unwrap();
            let g: Vec<u32> = g.iter().map(|x| x.to_bits()).collect();
            let c: Vec<u32> = c.iter().map(|x| x.to_bits()).collect();
            assert_eq!(g, c, "state {p}.{var} differs");
        }
    }
    assert_eq!(
        gpu.read_input_ring().unwrap(),
        cpu.read_input_ring().unwrap(),
        "input rings differ"
    );
    (gpu, cpu)
}

#[test]
fn cuba_is_identical_on_gpu_and_cpu_and_fires_as_published() {
    let mut net = file::load(std::path::Path::new("models/cuba.toml"))
        .unwrap()
        .network;
    net.seed = 7;
    let plan = neurodyn::Plan::new(&net).unwrap();
    assert!(
        plan.baked_params(&plan.groups[0]).is_some(),
        "E and I share their parameters: compiled in"
    );
    let (gpu, _) = run_both(&net, 10_000);
    for name in ["E", "I"] {
        let record = gpu.spikes(name).unwrap();
        let rate = record.mean_rate_hz();
        let cv = record.cv_isi().expect("enough spikes for a CV");
        assert!((3.0..=9.0).contains(&rate), "{name}: rate {rate} Hz");
        assert!((0.3..=0.8).contains(&cv), "{name}: CV ISI {cv}");
    }
}

/// A recurrent network with per-synapse delays spread over 0.1–20 ms, driven by
/// independent Poisson input, several rules and both receptors.
fn delay_network(seed: u64) -> Network {
    delay_network_of(seed, 1)
}

/// Adds a recorded population `name` of `size` neurons of `cell`, starting at `v`,
/// driven by independent Poisson input (16 kHz of 0.0877 nA steps).
fn add_driven(net: &mut Network, name: &str, size: u32, cell: &IafPscExp, v: Value) {
    net.add_population(
        Population::new(name, size, NeuronModel::IafPscExp(cell.clone())).with_initial_v(v),
    );
    net.record_spikes(name);
    net.add_stimulus(Stimulus::Poisson {
        target: name.into(),
        rate_hz: 16_000.0,
        weight: 0.0877,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
}

/// `delay_network` with `scale` times the neurons, each neuron's inputs as many.
fn delay_network_of(seed: u64, scale: u32) -> Network {
    let mut net = Network::new(0.1, seed);
    let neuron = IafPscExp {
        cm: 0.25,
        tau_m: 10.0,
        tau_syn_e: 0.5,
        tau_syn_i: 2.0,
        tau_refrac: 2.0,
        v_rest: -65.0,
        v_reset: -65.0,
        v_thresh: -50.0,
        i_offset: 0.0,
    };
    for (name, size) in [("E", 400 * scale), ("I", 100 * scale)] {
        let v = Value::normal_clipped(-58.0, 5.0, -70.0, -50.5);
        add_driven(&mut net, name, size, &neuron, v);
    }
    let delays = Value::uniform(0.1, 20.0);
    let in_degree = |k| Connectivity::FixedInDegree {
        k,
        allow_autapses: false,
        allow_multapses: true,
    };
    net.add_projection(Projection::new(
        "E",
        "E",
        in_degree(40),
        Value::normal_clipped(0.0877, 0.0088, 0.0, 1.0),
        delays.clone(),
        Receptor::Excitatory,
    ));
    net.add_projection(Projection::new(
        "E",
        "I",
        Connectivity::FixedProbability {
            p: 0.1 / f64::from(scale),
            allow_autapses: true,
        },
        0.0877,
        delays.clone(),
        Receptor::Excitatory,
    ));
    net.add_projection(Projection::new(
        "I",
        "E",
        Connectivity::FixedTotalNumber {
            n: 4000 * u64::from(scale),
            allow_autapses: true,
            allow_multapses: true,
        },
        -0.35,
        delays.clone(),
        Receptor::Inhibitory,
    ));
    net.add_projection(Projection::new(
        "I",
        "I",
        in_degree(10),
        Value::uniform(-0.4, -0.3),
        delays,
        Receptor::Inhibitory,
    ));
    net.record_state("E", "v", vec![0, 17, 399], 10);
    net
}

#[test]
fn heterogeneous_delays_with_poisson_drive_are_identical_on_gpu_and_cpu() {
    let net = delay_network(3);
    assert!(
        poisson_thresholds_of(&net).is_some(),
        "one table, compared as constants"
    );
    let plan = neurodyn::Plan::new(&net).unwrap();
    assert!(
        plan.config.ring_depth >= 195,
        "delays reach 20 ms: ring of {}",
        plan.config.ring_depth
    );
    let (gpu, cpu) = run_both(&net, 10_000);
    let g = gpu.state_record("E", "v").unwrap();
    let c = cpu.state_record("E", "v").unwrap();
    assert_eq!(g.len(), 1000);
    assert_eq!(g, c, "probes differ");
}

/// Poisson drives of different rates: the update searches each stimulus's table of
/// thresholds (where every drive has one rate, as above, it compares with that table
/// as constants, src/gpu/features.rs); the counts, and so the rasters, are the CPU's.
#[test]
fn poisson_drives_of_different_rates_are_identical_on_gpu_and_cpu() {
    let mut net = delay_network(4);
    net.add_stimulus(Stimulus::Poisson {
        target: "I".into(),
        rate_hz: 3_000.0,
        weight: -0.05,
        receptor: Receptor::Inhibitory,
        start_ms: 0.0,
        stop_ms: None,
    });
    assert_eq!(poisson_thresholds_of(&net), None, "the search is not taken");
    run_both(&net, 3_000);
}

/// A group whose populations differ in their parameters reads them from the table,
/// and a group of more populations than `UNROLLED_POPULATIONS` loops over their
/// records (CUBA's two share theirs: compiled in, records read at constant indices,
/// `cuba_is_identical_on_gpu_and_cpu_and_fires_as_published`).
#[test]
fn populations_with_parameters_of_their_own_are_identical_on_gpu_and_cpu() {
    let mut net = delay_network(5);
    let NeuronModel::IafPscExp(cell) = &mut net.populations[1].neuron else {
        unreachable!("delay_network's I is iaf_psc_exp");
    };
    cell.tau_m = 8.0;
    let cell = cell.clone();
    for name in ["A", "B", "C"] {
        add_driven(&mut net, name, 50, &cell, Value::uniform(-65.0, -50.5));
    }
    let plan = neurodyn::Plan::new(&net).unwrap();
    assert_eq!(plan.groups.len(), 1);
    assert!(plan.groups[0].info.pop_count > neurodyn::gpu::UNROLLED_POPULATIONS);
    assert_eq!(plan.baked_params(&plan.groups[0]), None);
    run_both(&net, 2_000);
}

/// The Poisson thresholds the network's one neuron group compares as constants.
fn poisson_thresholds_of(net: &Network) -> Option<[u32; neurodyn::plan::layout::POISSON_TABLE]> {
    let plan = neurodyn::Plan::new(net).unwrap();
    assert_eq!(plan.groups.len(), 1);
    neurodyn::gpu::NeuronFeatures::of(&plan, &plan.groups[0]).poisson_thresholds
}

/// Rows whose adds reach beyond `READ_FIRST_REACH_BYTES` of the ring: on a CPU device
/// each lane's word is read before the add (`RingChunks::for_device`), and the sums
/// stay those of the reference.
#[test]
fn rows_reaching_far_into_the_ring_add_identically_on_gpu_and_cpu() {
    let net = delay_network_of(9, 24);
    let plan = neurodyn::Plan::new(&net).unwrap();
    assert!(
        plan.row_reach_bytes() > neurodyn::gpu::READ_FIRST_REACH_BYTES,
        "rows reach {} bytes",
        plan.row_reach_bytes()
    );
    run_both(&net, 1_000);
}

#[test]
fn the_same_seed_repeats_and_another_seed_differs() {
    let run = |seed| {
        let mut sim = Simulation::new(&delay_network(seed), Backend::Gpu).unwrap();
        sim.run(3000).unwrap();
        (
            sim.spikes("E").unwrap().clone(),
            sim.read_state("E", "v").unwrap(),
        )
    };
    let (a, va) = run(11);
    let (b, vb) = run(11);
    let (c, _) = run(12);
    assert_eq!(a, b, "same seed, different rasters");
    assert_eq!(
        va.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        vb.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    assert_ne!(a, c, "different seeds, same raster");
}

#[test]
fn batch_boundaries_do_not_change_the_result() {
    // Many short runs (each its own batch, each read back) equal one long run.
    let net = delay_network(5);
    let mut whole = Simulation::new(&net, Backend::Gpu).unwrap();
    whole.run(1500).unwrap();
    let mut pieces = Simulation::new(&net, Backend::Gpu).unwrap();
    for steps in [1, 7, 500, 499, 3, 490] {
        pieces.run(steps).unwrap();
    }
    assert_eq!(whole.spikes("E").unwrap(), pieces.spikes("E").unwrap());
    assert_eq!(
        whole.state_record("E", "v").unwrap(),
        pieces.state_record("E", "v").unwrap()
    );
}
