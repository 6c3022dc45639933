//! Graded (non-spiking) chemical synapses: transmission that depends continuously on
//! the presynaptic potential, as in the C. elegans nervous system, whose neurons
//! mostly do not spike.

use serde::{Deserialize, Serialize};

use super::Value;

/// Graded chemical synapses from neurons of `pre` onto neurons of `post`: each pair
/// (i of `pre`, j of `post`) injects into j, every step, the current
///
/// ```text
/// I_j = g · s∞(v_i) · (e_rev − v_j),    s∞(v) = 1 / (1 + e^(−(v − v_th) / delta))
/// ```
///
/// (g in µS, potentials in mV, I in nA): the synapse opens along a sigmoid of the
/// presynaptic potential, half open at `v_th`, with slope `1/(4 delta)` per mV there
/// (Wicks, Roehrig & Rankin 1996's graded synapse, with instantaneous activation). As
/// for gap junctions, the current is computed from the potentials at the start of the
/// step and held over it (the models' exact propagators take it as a constant input),
/// each neuron summing its own synapses in a fixed order with the device's
/// deterministic exponential, so it is the same on every device and on the CPU
/// reference. `e_rev` above the resting potential excites, below it inhibits. For the
/// models gap junctions couple (a membrane potential in mV, an input current in nA),
/// typically `passive_psc_exp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradedSynapses {
    pub pre: String,
    pub post: String,
    /// (neuron of `pre`, neuron of `post`) per synapse.
    pub pairs: Vec<(u32, u32)>,
    /// Maximal conductance of each synapse (µS): a constant or an array in pair order.
    pub g_us: Value,
    /// Reversal potential (mV).
    pub e_rev: f64,
    /// Presynaptic potential of half activation (mV).
    pub v_th: f64,
    /// Width of the activation sigmoid (mV), > 0.
    pub delta: f64,
}

impl GradedSynapses {
    /// The activation s∞(v) of a synapse at presynaptic potential `v` (mV), in f64.
    pub fn activation(&self, v: f64) -> f64 {
        1.0 / (1.0 + (-(v - self.v_th) / self.delta).exp())
    }
}
