//! The model as the user means it: populations, projections, stimuli and recorders
//! in PyNN's units with NEST's model names. Pure data (serde), validated with errors
//! that name the field. Nothing here may depend on `plan`, `gpu` or `cpu`.

mod astrocyte;
pub mod brunel;
mod custom;
mod custom_rule;
pub mod edge_list;
pub(crate) mod events_file;
pub mod file;
mod graded;
pub mod izhikevich2007;
pub mod microcircuit;
mod network;
mod neuron;
mod passive;
mod plasticity;
#[cfg(feature = "sonata")]
pub mod sonata;
mod sweep_grid;
mod validate;
mod value;

pub use astrocyte::{Astrocyte, AstrocyteInput};
pub use custom::{
    is_reserved, CustomNeuron, ENGINE_NAMES, MAX_RECEPTOR_PORTS, MAX_STATE_VARIABLES, SNIPPET_NAMES,
};
pub use custom_rule::{
    CustomRule, MAX_RULE_PARAMETERS, MAX_RULE_VARIABLES, RULE_INTERNAL_NAMES, RULE_RESERVED_NAMES,
};
pub use graded::GradedSynapses;
pub use network::{
    Connectivity, GapJunctions, IntrinsicPlasticity, Network, Population, Projection, Readout,
    Receptor, Recorder, Stimulus, Sweep,
};
pub use neuron::{
    spike_step, AeifCondExp, HhCondExpTraub, IafCondAlpha, IafCondExp, IafPscAlpha, IafPscDelta,
    IafPscExp, Izhikevich, NeuronModel, ParrotNeuron, SpikeSourceArray, SpikeSourceStream,
    NEURON_MODEL_NAMES,
};
pub use passive::PassivePscExp;
pub use plasticity::{Modulator, Pairing, Plasticity};
pub use sweep_grid::{GridError, GridPoint, SweepAxis, SweepGrid};
pub(crate) use validate::shown;
pub use validate::{
    delay_to_steps, run_steps, ModelError, ValidationErrors, MAX_DELAY_STEPS, MAX_INSTANCES,
    MAX_RUN_STEPS,
};
pub use value::{as_written, Value, NORMAL_TAIL_SD};
