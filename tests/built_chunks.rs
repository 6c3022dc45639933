//! Building on the device with a small binding limit forced on it
//! (NEURODYN_MAX_STORAGE_BINDING): the built synapse arrays are split into chunks,
//! each written by its own build_fill dispatches and walked by its own propagate
//! dispatch, and the rows are counted in several batches. The rows, the raster and
//! the input ring are those of the unchunked build and of the CPU reference. (The
//! only test in this binary: it sets the environment variable.)

use neurodyn::gpu::MAX_BINDING_VAR;
use neurodyn::{
    Backend, Connectivity, IafPscExp, Network, NeuronModel, Population, Projection, Receptor,
    Simulation, Stimulus, Value,
};

#[test]
fn chunked_built_synapses_give_the_unchunked_raster() {
    // 40,000 neurons with about 200 synapses each: 8 million synapses, 32 MB per
    // array; a 4 MiB binding splits them into 8 chunks and the rows into 3 batches.
    let mut net = Network::new(0.1, 21);
    net.add_population(Population::new(
        "E",
        40_000,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.add_projection(
        Projection::new(
            "E",
            "E",
            Connectivity::FixedProbability {
                p: 0.005,
                allow_autapses: false,
            },
            Value::uniform(0.0, 0.05),
            Value::uniform(0.5, 2.0),
            Receptor::Excitatory,
        )
        .built_on_device(),
    );
    net.add_stimulus(Stimulus::Poisson {
        target: "E".into(),
        rate_hz: 12_000.0,
        weight: 0.09,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    // Recording all of E would need a spike buffer beyond the binding: a few hundred
    // neurons that E drives through the same kind of projection are recorded.
    net.add_population(Population::new(
        "R",
        500,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.add_projection(
        Projection::new(
            "E",
            "R",
            Connectivity::FixedProbability {
                p: 0.01,
                allow_autapses: false,
            },
            0.05,
            1.0,
            Receptor::Excitatory,
        )
        .built_on_device(),
    );
    net.record_spikes("R");
    let run = |backend| {
        let mut sim = Simulation::new(&net, backend).unwrap();
        let rows = sim.built_row_start().unwrap();
        sim.run(300).unwrap();
        (
            rows,
            sim.spikes("R").unwrap().clone(),
            sim.read_state("E", "v")
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>(),
            sim.read_input_ring().unwrap(),
        )
    };
    std::env::set_var(MAX_BINDING_VAR, (4u64 << 20).to_string());
    let chunked = run(Backend::Gpu);
    std::env::remove_var(MAX_BINDING_VAR);
    let whole = run(Backend::Gpu);
    let cpu = run(Backend::Cpu);
    let synapses = *chunked.0.last().unwrap();
    // A 4 MiB chunk holds 2^20 synapses.
    assert!(
        synapses > 7 * (1 << 20),
        "{synapses} synapses need 8 chunks"
    );
    assert!(chunked.1.len() > 100, "R fires {} spikes", chunked.1.len());
    assert_eq!(chunked.0, cpu.0, "chunked rows differ");
    assert_eq!(whole.0, cpu.0, "rows differ");
    assert_eq!(chunked.1, cpu.1, "chunked raster differs");
    assert_eq!(whole.1, cpu.1, "raster differs");
    assert_eq!(chunked.2, cpu.2, "chunked state differs");
    assert_eq!(whole.2, cpu.2, "state differs");
    assert_eq!(chunked.3, cpu.3, "chunked input ring differs");
    assert_eq!(whole.3, cpu.3, "input ring differs");
}
