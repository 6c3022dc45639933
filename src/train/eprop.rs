//! e-prop (Bellec et al. 2020): an online approximation of the gradient for
//! recurrent networks of LIF and adaptive LIF neurons. Each synapse keeps an
//! eligibility trace computed forward in time from its own pre- and postsynaptic
//! activity; a learning signal, the output error broadcast to every neuron through
//! feedback weights, turns it into a gradient at every step. Nothing runs backward
//! and the gradient needs nothing of the trial beyond the current step and the
//! spikes still in flight: its memory is five values per synapse and instance (the
//! trainer still records the trial's spike bits and readout potentials, as every
//! forward pass does, for the loss it reports). The step is `src/cpu/train_eprop.rs` (equations there) and
//! `shaders/train_eprop.wgsl`; the loss is `Loss::CrossEntropyPerStep`, whose error
//! at a step depends on that step's outputs only.

use serde::{Deserialize, Serialize};

use super::plan::{NeuronRole, TrainingPlan};
use crate::cpu::rng::HostStream;
use crate::cpu::train_backward::Gradients;
use crate::cpu::train_eprop::{train_eprop, EpropInputs};
use crate::cpu::train_forward::{train_forward, ForwardState, History};

/// How gradients are computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// Exact event-based gradients of weights and delays, by the adjoint run backward
    /// (LIF networks; any loss).
    EventProp,
    /// e-prop's online gradients of the weights (LIF and ALIF networks; the per-step
    /// cross-entropy on a readout layer).
    Eprop(Eprop),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Eprop {
    pub feedback: Feedback,
    /// The pseudo-derivative's height γ (Bellec et al.: 0.3).
    pub gamma: f32,
}

impl Default for Eprop {
    fn default() -> Self {
        Self {
            feedback: Feedback::Symmetric,
            gamma: 0.3,
        }
    }
}

/// The weights that carry the output error to each neuron.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Feedback {
    /// The current readout weights, transposed (symmetric e-prop).
    Symmetric,
    /// Fixed weights drawn once from a normal distribution of this standard
    /// deviation, keyed by the network's seed (random e-prop).
    Random { sd: f64 },
}

const STREAM_FEEDBACK: u32 = 0x4665_6564; // "Feed"

/// The feedback matrix (`[neuron][output]`): the readout weights onto layer
/// `output` for symmetric e-prop, drawn values for random e-prop (zero for neurons
/// that are not LIF or ALIF).
pub fn feedback_matrix(
    plan: &TrainingPlan,
    weights: &[f32],
    output: usize,
    feedback: Feedback,
    seed: u64,
) -> Vec<f32> {
    let out = plan.layers[output].size as usize;
    let mut matrix = vec![0.0f32; plan.neurons as usize * out];
    match feedback {
        Feedback::Symmetric => {
            for c in plan
                .connections
                .iter()
                .filter(|c| c.post_layer as usize == output)
            {
                let pre = plan.layers[c.pre_layer as usize];
                for i in 0..pre.size as usize {
                    for k in 0..out {
                        matrix[(pre.offset as usize + i) * out + k] +=
                            weights[c.synapse_offset as usize + i * out + k];
                    }
                }
            }
        }
        Feedback::Random { sd } => {
            for layer in &plan.layers {
                if layer.role != NeuronRole::Lif as u32 && layer.role != NeuronRole::Alif as u32 {
                    continue;
                }
                for j in layer.offset..layer.offset + layer.size {
                    let mut rng = HostStream::new(seed, STREAM_FEEDBACK, j);
                    for k in 0..out {
                        matrix[j as usize * out + k] = (sd * rng.next_normal()) as f32;
                    }
                }
            }
        }
    }
    matrix
}

/// A trial forward with e-prop's step after each forward step, on the CPU
/// reference; `history` holds the input spikes. Returns per-instance gradients.
pub fn forward_eprop_cpu(
    plan: &TrainingPlan,
    weights: &[f32],
    gamma: f32,
    x: &EpropInputs<'_>,
    history: &mut History,
) -> Gradients {
    let instances = history.instances;
    let mut state = ForwardState::new(plan, instances);
    let mut eligibility = vec![[0.0f32; 5]; (instances * plan.synapses) as usize];
    let mut gradients = Gradients::new(plan, instances);
    for n in 0..plan.steps {
        train_forward(plan, weights, x.delays, gamma, n, &mut state, history);
        let inputs = EpropInputs {
            psi: &state.psi,
            ..*x
        };
        train_eprop(plan, n, history, &inputs, &mut eligibility, &mut gradients);
    }
    gradients
}
