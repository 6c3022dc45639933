//! The small shared tables — populations, model parameters, stimuli, procedural
//! projections, plasticity rules — read from storage buffers instead of uniform
//! buffers (NEURODYN_MAX_UNIFORM_TABLE=0 puts every one in storage): the raster, the
//! state, the input ring and the learned weights are those of the uniform-buffer
//! kernels and of the CPU reference. (The only test in this binary: it sets the
//! environment variable.)

mod common;

use neurodyn::gpu::MAX_UNIFORM_TABLE_VAR;
use neurodyn::model::{Pairing, Plasticity};
use neurodyn::{
    Backend, Connectivity, IafPscExp, NeuronModel, Projection, Receptor, Simulation, Stimulus,
};

#[test]
fn tables_in_storage_give_the_uniform_tables_results() {
    // Procedural E → E, I → E and I → I, a stored E → I, Poisson drive on both
    // populations, a DC step on I, and STDP on a stored E → E projection.
    let mut net = common::e_i_network(
        5,
        Connectivity::FixedInDegree {
            k: 40,
            allow_autapses: false,
            allow_multapses: false,
        },
        Projection::procedural,
    );
    // I's membrane faster than E's, so that the group's parameters are read from the
    // table (a block shared by all its neurons is compiled into the kernel instead).
    net.populations[1].neuron = NeuronModel::IafPscExp(IafPscExp {
        tau_m: 15.0,
        ..IafPscExp::default()
    });
    let plan = neurodyn::Plan::new(&net).unwrap();
    assert_eq!(plan.baked_params(&plan.groups[0]), None);
    net.add_stimulus(Stimulus::Dc {
        target: "I".into(),
        amplitude_na: 0.2,
        start_ms: 20.0,
        stop_ms: Some(60.0),
    });
    net.add_projection(
        Projection::new(
            "E",
            "E",
            Connectivity::FixedProbability {
                p: 0.02,
                allow_autapses: false,
            },
            0.04,
            1.5,
            Receptor::Excitatory,
        )
        .with_plasticity(Plasticity::StdpSynapse {
            tau_plus: 20.0,
            tau_minus: 20.0,
            lambda: 0.05,
            alpha: 1.1,
            mu_plus: 0.0,
            mu_minus: 0.0,
            w_max: 0.1,
            pairing: Pairing::AllToAll,
        }),
    );
    let plastic = 4;
    let run = |backend| {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run_ms(150.0).unwrap();
        (
            sim.spikes("E").unwrap().clone(),
            sim.spikes("I").unwrap().clone(),
            common::bits(&sim.read_state("E", "v").unwrap()),
            sim.read_input_ring().unwrap(),
            common::bits(&sim.weights(plastic).unwrap()),
        )
    };
    std::env::set_var(MAX_UNIFORM_TABLE_VAR, "0");
    let storage = run(Backend::Gpu);
    std::env::remove_var(MAX_UNIFORM_TABLE_VAR);
    let uniform = run(Backend::Gpu);
    let cpu = run(Backend::Cpu);
    assert!(cpu.0.len() > 100, "E fires {} spikes", cpu.0.len());
    let initial = 0.04f32.to_bits();
    assert!(
        cpu.4.iter().any(|&w| w != initial),
        "STDP changed no weight"
    );
    // Compared without printing: a raster's Debug form runs to megabytes.
    for (name, run) in [("storage", &storage), ("uniform", &uniform)] {
        assert!(run.0 == cpu.0, "{name}: E raster differs");
        assert!(run.1 == cpu.1, "{name}: I raster differs");
        assert!(run.2 == cpu.2, "{name}: state differs");
        assert!(run.3 == cpu.3, "{name}: input ring differs");
        assert!(run.4 == cpu.4, "{name}: weights differ");
    }
}
