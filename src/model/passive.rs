//! The non-spiking neuron: a passive membrane for graded (analogue) circuits.

use serde::{Deserialize, Serialize};

use super::neuron::defaults;
use super::IafPscExp;

/// A passive, non-spiking membrane with exponentially decaying synaptic currents
/// (`passive_psc_exp`): the neurons of graded circuits such as C. elegans', which
/// signal by their potential through graded synapses and gap junctions rather than by
/// spikes.
///
/// Equations, with `V` the membrane potential (mV), `I_E`, `I_I` the synaptic currents
/// (nA) that spiking inputs drive, and `I_couple` the gap-junction and graded-synapse
/// current (nA, see `GapJunctions` and `GradedSynapses`):
///
/// ```text
/// cm dV/dt = -cm/tau_m (V - v_rest) + I_E + I_I + i_offset + I_stim + I_couple
/// dI_E/dt  = -I_E / tau_syn_E          (a spike adds its weight, nA, to I_E)
/// dI_I/dt  = -I_I / tau_syn_I
/// ```
///
/// There is no threshold: the membrane never spikes. Units (PyNN): `cm` nF, times ms,
/// potentials mV, currents nA.
///
/// Integration: the exact propagators of `iaf_psc_exp` (Rotter & Diesmann 1999,
/// computed on the host in f64), which this model shares — it runs as an
/// `iaf_psc_exp` whose threshold is +∞ and which has no refractory period, so its
/// kernel and CPU twin are that model's. Input currents (stimuli, coupling) are held
/// constant over each step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassivePscExp {
    /// Membrane capacitance (nF).
    #[serde(default = "defaults::cm")]
    pub cm: f64,
    /// Membrane time constant (ms).
    #[serde(default = "defaults::tau_m")]
    pub tau_m: f64,
    /// Decay time constant of the excitatory synaptic current (ms).
    #[serde(default = "defaults::tau_syn", rename = "tau_syn_E")]
    pub tau_syn_e: f64,
    /// Decay time constant of the inhibitory synaptic current (ms).
    #[serde(default = "defaults::tau_syn", rename = "tau_syn_I")]
    pub tau_syn_i: f64,
    /// Resting potential (mV).
    #[serde(default = "defaults::v_rest")]
    pub v_rest: f64,
    /// Constant injected current (nA).
    #[serde(default)]
    pub i_offset: f64,
}

impl Default for PassivePscExp {
    fn default() -> Self {
        Self {
            cm: defaults::cm(),
            tau_m: defaults::tau_m(),
            tau_syn_e: defaults::tau_syn(),
            tau_syn_i: defaults::tau_syn(),
            v_rest: defaults::v_rest(),
            i_offset: 0.0,
        }
    }
}

impl PassivePscExp {
    /// The `iaf_psc_exp` that runs it: the same membrane with an unreachable threshold
    /// and no refractory period.
    pub fn as_iaf_psc_exp(&self) -> IafPscExp {
        IafPscExp {
            cm: self.cm,
            tau_m: self.tau_m,
            tau_syn_e: self.tau_syn_e,
            tau_syn_i: self.tau_syn_i,
            tau_refrac: 0.0,
            v_rest: self.v_rest,
            v_reset: self.v_rest,
            v_thresh: f64::INFINITY,
            i_offset: self.i_offset,
        }
    }
}
