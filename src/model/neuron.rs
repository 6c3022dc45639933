//! Neuron models: parameters in PyNN's units, names after NEST's models.

use serde::{Deserialize, Serialize};

/// The dynamics of a population's neurons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum NeuronModel {
    /// NEST `iaf_psc_exp`, PyNN `IF_curr_exp`.
    IafPscExp(IafPscExp),
}

impl NeuronModel {
    /// The NEST name of the model.
    pub fn name(&self) -> &'static str {
        match self {
            NeuronModel::IafPscExp(_) => "iaf_psc_exp",
        }
    }
}

/// Leaky integrate-and-fire neuron with exponentially decaying synaptic currents
/// (NEST `iaf_psc_exp`, PyNN `IF_curr_exp`).
///
/// Equations, with `V` the membrane potential (mV), `I_E`, `I_I` the excitatory and
/// inhibitory synaptic currents (nA):
///
/// ```text
/// cm dV/dt    = -cm/tau_m (V - v_rest) + I_E + I_I + i_offset + I_stim
/// dI_E/dt     = -I_E / tau_syn_E          (a spike adds its weight, nA, to I_E)
/// dI_I/dt     = -I_I / tau_syn_I          (weights onto I_I are negative)
/// V >= v_thresh  =>  spike, V <- v_reset, V clamped for tau_refrac
/// ```
///
/// Units (PyNN): `cm` nF, times ms, potentials mV, currents nA.
///
/// Integration: exact for the linear system over one step `h` (Rotter & Diesmann
/// 1999), with propagators computed on the host in f64 and rounded once to f32:
/// `V' = P22 V + P21E I_E + P21I I_I + P20 (i_offset + I_stim)` (V relative to
/// v_rest), then `I_X' = P11X I_X + input_X`. As in NEST, synaptic input arriving in a
/// step enters the currents at the end of that step and the membrane from the next
/// step on; during the refractory period V stays at v_reset while the currents decay;
/// the threshold is tested at the end of each step. The refractory period is
/// `round(tau_refrac / h)` steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IafPscExp {
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
    /// Refractory period (ms).
    #[serde(default = "defaults::tau_refrac")]
    pub tau_refrac: f64,
    /// Resting potential (mV).
    #[serde(default = "defaults::v_rest")]
    pub v_rest: f64,
    /// Reset potential after a spike (mV).
    #[serde(default = "defaults::v_rest")]
    pub v_reset: f64,
    /// Spike threshold (mV).
    #[serde(default = "defaults::v_thresh")]
    pub v_thresh: f64,
    /// Constant injected current (nA).
    #[serde(default)]
    pub i_offset: f64,
}

mod defaults {
    // PyNN IF_curr_exp defaults.
    pub fn cm() -> f64 {
        1.0
    }
    pub fn tau_m() -> f64 {
        20.0
    }
    pub fn tau_syn() -> f64 {
        5.0
    }
    pub fn tau_refrac() -> f64 {
        0.1
    }
    pub fn v_rest() -> f64 {
        -65.0
    }
    pub fn v_thresh() -> f64 {
        -50.0
    }
}

impl Default for IafPscExp {
    /// PyNN's `IF_curr_exp` defaults (v_reset = v_rest = −65 mV).
    fn default() -> Self {
        Self {
            cm: defaults::cm(),
            tau_m: defaults::tau_m(),
            tau_syn_e: defaults::tau_syn(),
            tau_syn_i: defaults::tau_syn(),
            tau_refrac: defaults::tau_refrac(),
            v_rest: defaults::v_rest(),
            v_reset: defaults::v_rest(),
            v_thresh: defaults::v_thresh(),
            i_offset: 0.0,
        }
    }
}

impl IafPscExp {
    /// The current (nA) that a synaptic weight must carry so that a membrane with these
    /// parameters integrates it like Brian's `v += w` form in which the synaptic
    /// variable is written in mV (`tau_m dV/dt = ... + g`, as in the CUBA benchmark):
    /// `I = g · cm / tau_m`.
    pub fn current_for_voltage_drive(&self, mv: f64) -> f64 {
        mv * self.cm / self.tau_m
    }
}
