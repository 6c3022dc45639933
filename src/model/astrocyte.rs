//! Astrocyte units: slow variables that integrate the spikes of populations and scale
//! the spike-timing-dependent plasticity of the projections that name them, after the
//! neuron–astrocyte liquid state machine (Ivanov & Michmizos 2021, NeurIPS), in which
//! such global glial feedback on STDP organises a reservoir near a critical
//! branching ratio.

use serde::{Deserialize, Serialize};

/// An astrocyte unit. Its state A (dimensionless) relaxes to `bias` with time
/// constant `tau_ms` and jumps by `weight` at every spike of each input population:
///
/// `τ_A dA/dt = bias − A + τ_A Σ_inputs weight · Σ_spikes δ(t − t_k)`,
///
/// integrated exactly per step on the device: `A ← bias + (A − bias)·e^(−dt/τ_A) +
/// Σ_inputs weight · n`, with n the input's spikes in the step, so the value in
/// force during step t counts the spikes of steps before t. It starts at `bias`.
///
/// Every `stdp_synapse` (and `stdp_triplet_synapse`) of a projection naming the
/// astrocyte (`Projection::astrocyte`) has its potentiation scaled by
/// `max(1 + A, 0)` and its depression by `max(1 − A, 0)`: a positive A favours
/// potentiation, a negative one depression. With excitatory input of the reservoir's
/// drive and inhibitory input of the reservoir itself, A falls when the reservoir
/// amplifies its drive more than `Σ w_in N_in / Σ |w_res| N_res` times, which pulls the
/// recurrent weights, and so the branching ratio, back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Astrocyte {
    pub name: String,
    /// Time constant of A (ms).
    pub tau_ms: f64,
    /// The level A relaxes to (and starts at).
    #[serde(default)]
    pub bias: f64,
    /// The populations whose spikes A integrates.
    pub inputs: Vec<AstrocyteInput>,
}

/// One population an astrocyte listens to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AstrocyteInput {
    pub population: String,
    /// The jump of A per spike of the population (negative: the spikes lower A).
    pub weight: f64,
}

impl Astrocyte {
    /// An astrocyte with time constant `tau_ms` resting at `bias`, listening to no
    /// population yet.
    pub fn new(name: &str, tau_ms: f64, bias: f64) -> Self {
        Self {
            name: name.to_string(),
            tau_ms,
            bias,
            inputs: Vec::new(),
        }
    }

    /// The same astrocyte also integrating the spikes of `population`, `weight` each.
    pub fn with_input(mut self, population: &str, weight: f64) -> Self {
        self.inputs.push(AstrocyteInput {
            population: population.to_string(),
            weight,
        });
        self
    }

    /// The potentiation and depression factors of STDP at astrocyte level `a`.
    pub fn stdp_gains(a: f64) -> (f64, f64) {
        ((1.0 + a).max(0.0), (1.0 - a).max(0.0))
    }
}
