//! neurodyn: a GPU compute engine for large-scale spiking neural dynamics.
//!
//! Data flows one way: a [`Network`] (what the user means, in PyNN's units) is
//! validated and lowered into a [`Plan`] (propagators, connectivity rows, fixed-point
//! units, buffer sizes), which a [`Simulation`] runs on a GPU through wgpu (WGSL
//! shaders in `shaders/`) or on the CPU reference (`cpu`, the same arithmetic in
//! plain Rust), producing [`SpikeRecord`]s and [`StateRecord`]s.
//!
//! ```no_run
//! use neurodyn::{Backend, Connectivity, IafPscExp, Network, NeuronModel, Population,
//!                Projection, Receptor, Simulation, Stimulus};
//! let mut net = Network::new(0.1, 42);
//! net.add_population(Population::new("E", 100, NeuronModel::IafPscExp(IafPscExp::default())));
//! net.add_projection(Projection::new("E", "E",
//!     Connectivity::FixedProbability { p: 0.1, allow_autapses: false }, 0.05, 1.5,
//!     Receptor::Excitatory));
//! net.add_stimulus(Stimulus::Poisson { target: "E".into(), rate_hz: 8000.0, weight: 0.1,
//!     receptor: Receptor::Excitatory, start_ms: 0.0, stop_ms: None });
//! net.record_spikes("E");
//! let mut sim = Simulation::new(&net, Backend::Gpu)?;
//! sim.run_ms(1000.0)?;
//! println!("{:.2} Hz", sim.spikes("E")?.mean_rate_hz());
//! # Ok::<(), neurodyn::Error>(())
//! ```

pub mod bench;
pub mod checkpoint;
pub mod conditioning;
pub mod cpu;
mod engine;
mod error;
pub mod events;
pub mod gpu;
pub mod input;
pub mod lavapipe;
pub mod lsm;
pub mod model;
pub mod plan;
pub mod prediction;
pub mod profile;
pub mod record;
pub mod run;
mod simulation;
pub mod train;

pub use engine::{KernelKind, KernelProfile, KernelTime, KernelTiming};
pub use error::{Error, MemoryShortfall};
pub use model::{
    AeifCondExp, Astrocyte, Connectivity, GapJunctions, GradedSynapses, HhCondExpTraub,
    IafCondAlpha, IafCondExp, IafPscAlpha, IafPscDelta, IafPscExp, Izhikevich, ModelError, Network,
    NeuronModel, ParrotNeuron, PassivePscExp, Population, Projection, Receptor, Recorder,
    SpikeSourceArray, SpikeSourceStream, Stimulus, ValidationErrors, Value,
};
pub use plan::{NeuronKind, Plan, PlanError};
pub use record::{SpikeRecord, StateRecord};
pub use simulation::{Backend, HostTimes, ReadoutValues, Simulation, Window};

/// The README's examples compile (checked by `cargo test`).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
