//! Synapse arrays and input rings larger than one storage binding are split into
//! chunks, each bound separately (the synapse chunks also dispatched separately). A
//! small binding limit forced on the device (NEURODYN_MAX_STORAGE_BINDING) splits a
//! network's synapses and its ring into several chunks; its raster, state and input
//! ring are those of the unchunked run and of the CPU reference, also across a
//! checkpoint. (The only test in this binary: it sets the environment variable.)

use std::path::Path;

use neurodyn::gpu::MAX_BINDING_VAR;
use neurodyn::{model::file, Backend, Connectivity, Error, Receptor, Simulation, Stimulus};

#[test]
fn chunked_synapse_arrays_give_the_unchunked_raster() {
    // CUBA with p = 0.1 (1.6 million synapses, 6.4 MB per synapse array) and weights
    // a fifth as large, its I → E synapses 20 ms late (a ring of 201 slots × 2
    // receptors × 4000 neurons, 6.4 MB); only I recorded, so the other buffers fit a
    // 2 MiB binding.
    let mut network = file::load(Path::new("models/cuba.toml")).unwrap().network;
    for projection in &mut network.projections {
        projection.connectivity = Connectivity::FixedProbability {
            p: 0.1,
            allow_autapses: false,
        };
        let (w, _) = projection.weight.range();
        projection.weight = (w / 5.0).into();
    }
    network.projections[2].delay_ms = 20.0.into();
    // Poisson drive keeps I firing to the end, so the ring holds pending input then.
    network.add_stimulus(Stimulus::Poisson {
        target: "I".into(),
        rate_hz: 2000.0,
        weight: 0.05,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    network.recorders.clear();
    network.record_spikes("I");

    let run = |backend| {
        let mut sim = Simulation::new(&network, backend).unwrap();
        sim.run(2000).unwrap();
        let raster = sim.spikes("I").unwrap().clone();
        let v: Vec<u32> = sim
            .read_state("E", "v")
            .unwrap()
            .iter()
            .map(|x| x.to_bits())
            .collect();
        (
            raster,
            v,
            sim.read_input_ring().unwrap(),
            sim.plan().synapses.len(),
            sim.plan().ring_len(),
        )
    };
    std::env::set_var(MAX_BINDING_VAR, (2u64 << 20).to_string());
    let chunked = run(Backend::Gpu);
    // A checkpoint of the chunked ring, restored into a new simulation, continues
    // as the uninterrupted run.
    let path = std::env::temp_dir().join(format!("neurodyn-chunks-{}.ndck", std::process::id()));
    let mut first = Simulation::new(&network, Backend::Gpu).unwrap();
    first.run(1000).unwrap();
    first.checkpoint(&path).unwrap();
    let mut resumed = Simulation::restore(&network, Backend::Gpu, &path).unwrap();
    resumed.run(1000).unwrap();
    assert_eq!(
        resumed.read_input_ring().unwrap(),
        chunked.2,
        "resumed ring differs"
    );
    std::fs::remove_file(&path).unwrap();
    // Only the synapse arrays are chunked: recording E as well needs a spike buffer
    // beyond the binding, refused by name before allocation.
    let mut recording_all = network.clone();
    recording_all.record_spikes("E");
    match Simulation::new(&recording_all, Backend::Gpu) {
        Err(Error::TooLarge { buffer, .. }) => assert_eq!(buffer, "spikes"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a spike buffer beyond the binding limit was accepted"),
    }
    std::env::remove_var(MAX_BINDING_VAR);
    let whole = run(Backend::Gpu);
    let cpu = run(Backend::Cpu);

    // Four chunks of 2 MiB cover the 6.4 MB arrays, and the ring.
    assert!(chunked.3 * 4 > 3 * (2 << 20), "{} synapses", chunked.3);
    assert!(chunked.4 * 4 > 3 * (2 << 20), "{} ring words", chunked.4);
    assert!(chunked.0.len() > 100, "I fires {} spikes", chunked.0.len());
    assert!(
        whole.2.iter().any(|&w| w != 0),
        "the ring holds pending input"
    );
    assert_eq!(chunked.0, whole.0, "chunked raster differs");
    assert_eq!(chunked.1, whole.1, "chunked state differs");
    assert_eq!(chunked.2, whole.2, "chunked input ring differs");
    assert_eq!(whole.0, cpu.0, "GPU and CPU rasters differ");
}
