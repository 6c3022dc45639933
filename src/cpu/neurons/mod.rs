//! The twins of `shaders/neurons/*.wgsl`: one model's step each, with the shader's
//! signature: the neuron's state, its refractory counter, its population, the
//! synaptic input of this step (in the model's units) and the DC input.

pub mod aeif_cond_exp;
mod conductance;
pub mod hh_cond_exp_traub;
pub mod iaf_cond_alpha;
pub mod iaf_cond_exp;
pub mod iaf_psc_alpha;
pub mod iaf_psc_delta;
pub mod iaf_psc_exp;
pub mod izhikevich;
pub mod parrot_neuron;
pub mod spike_source_array;
pub mod spike_source_stream;

use crate::plan::layout::{PopulationInfo, MAX_RECEPTORS};
use crate::plan::{NeuronKind, MAX_STATE};

/// What a model's step reads besides the neuron's own state.
pub struct StepInput<'a> {
    pub params: &'a [f32],
    pub p: &'a PopulationInfo,
    pub synaptic: [f32; MAX_RECEPTORS],
    pub current: f32,
    /// The neuron's index within its population.
    pub neuron: u32,
    /// The step being integrated.
    pub step: u32,
    /// The batch's streamed events and the neuron's row in them (the invocation's
    /// index in its kernel; `spike_source_stream` only).
    pub stream: &'a [u32],
    pub stream_row: u32,
}

/// Runs the step of `kind`; returns whether the neuron spiked.
pub fn neuron_step(
    kind: NeuronKind,
    s: &mut [f32; MAX_STATE],
    r: &mut u32,
    input: &StepInput<'_>,
) -> bool {
    match kind {
        NeuronKind::IafPscExp => iaf_psc_exp::neuron_step(s, r, input),
        NeuronKind::IafPscDelta => iaf_psc_delta::neuron_step(s, r, input),
        NeuronKind::Izhikevich => izhikevich::neuron_step(s, r, input),
        NeuronKind::IafCondExp => iaf_cond_exp::neuron_step(s, r, input),
        NeuronKind::IafPscAlpha => iaf_psc_alpha::neuron_step(s, r, input),
        NeuronKind::AeifCondExp => aeif_cond_exp::neuron_step(s, r, input),
        NeuronKind::HhCondExpTraub => hh_cond_exp_traub::neuron_step(s, r, input),
        NeuronKind::SpikeSourceArray => spike_source_array::neuron_step(s, r, input),
        NeuronKind::ParrotNeuron => parrot_neuron::neuron_step(s, r, input),
        NeuronKind::IafCondAlpha => iaf_cond_alpha::neuron_step(s, r, input),
        NeuronKind::SpikeSourceStream => spike_source_stream::neuron_step(s, r, input),
        NeuronKind::Custom(_) => unreachable!("the CPU engine refuses plans with custom models"),
    }
}
