//! Neuron models: parameters in PyNN's units, names after NEST's models.

use serde::{Deserialize, Serialize};

use super::{CustomNeuron, PassivePscExp};

/// The dynamics of a population's neurons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum NeuronModel {
    /// NEST `iaf_psc_exp`, PyNN `IF_curr_exp`.
    IafPscExp(IafPscExp),
    /// NEST `iaf_psc_delta`, PyNN `IF_curr_delta`.
    IafPscDelta(IafPscDelta),
    /// NEST `izhikevich`, PyNN `Izhikevich`.
    Izhikevich(Izhikevich),
    /// NEST `iaf_cond_exp`, PyNN `IF_cond_exp`.
    IafCondExp(IafCondExp),
    /// NEST `iaf_psc_alpha`, PyNN `IF_curr_alpha`.
    IafPscAlpha(IafPscAlpha),
    /// NEST `iaf_cond_alpha`, PyNN `IF_cond_alpha`.
    IafCondAlpha(IafCondAlpha),
    /// NEST `aeif_cond_exp`, PyNN `EIF_cond_exp_isfa_ista` (AdEx).
    AeifCondExp(AeifCondExp),
    /// NEST `hh_cond_exp_traub`, PyNN `HH_cond_exp`.
    HhCondExpTraub(HhCondExpTraub),
    /// NEST `spike_generator`, PyNN `SpikeSourceArray`.
    SpikeSourceArray(SpikeSourceArray),
    /// NEST `parrot_neuron`.
    ParrotNeuron(ParrotNeuron),
    /// Spikes pushed by the host while the simulation runs (an event stream).
    SpikeSourceStream(SpikeSourceStream),
    /// A passive, non-spiking membrane (graded circuits).
    PassivePscExp(PassivePscExp),
    /// A model written in WGSL by the user (GPU backend only).
    Custom(CustomNeuron),
}

/// NEST names of the models, in the order of `NeuronModel`'s variants.
pub const NEURON_MODEL_NAMES: [&str; 13] = [
    "iaf_psc_exp",
    "iaf_psc_delta",
    "izhikevich",
    "iaf_cond_exp",
    "iaf_psc_alpha",
    "aeif_cond_exp",
    "hh_cond_exp_traub",
    "spike_source_array",
    "parrot_neuron",
    "iaf_cond_alpha",
    "spike_source_stream",
    "passive_psc_exp",
    "custom",
];

impl NeuronModel {
    /// The NEST name of the model.
    pub fn name(&self) -> &'static str {
        match self {
            NeuronModel::IafPscExp(_) => NEURON_MODEL_NAMES[0],
            NeuronModel::IafPscDelta(_) => NEURON_MODEL_NAMES[1],
            NeuronModel::Izhikevich(_) => NEURON_MODEL_NAMES[2],
            NeuronModel::IafCondExp(_) => NEURON_MODEL_NAMES[3],
            NeuronModel::IafPscAlpha(_) => NEURON_MODEL_NAMES[4],
            NeuronModel::AeifCondExp(_) => NEURON_MODEL_NAMES[5],
            NeuronModel::HhCondExpTraub(_) => NEURON_MODEL_NAMES[6],
            NeuronModel::SpikeSourceArray(_) => NEURON_MODEL_NAMES[7],
            NeuronModel::ParrotNeuron(_) => NEURON_MODEL_NAMES[8],
            NeuronModel::IafCondAlpha(_) => NEURON_MODEL_NAMES[9],
            NeuronModel::SpikeSourceStream(_) => NEURON_MODEL_NAMES[10],
            NeuronModel::PassivePscExp(_) => NEURON_MODEL_NAMES[11],
            NeuronModel::Custom(_) => NEURON_MODEL_NAMES[12],
        }
    }

    /// This model with parameter `name` set to `value` (PyNN's names; a custom model's
    /// declared parameters).
    pub fn with_parameter(&self, name: &str, value: f64) -> Result<NeuronModel, String> {
        // JSON, which carries the value in, has no NaN or infinity.
        if !value.is_finite() {
            return Err(format!("`{name}` = {value}: must be a finite number"));
        }
        if let (NeuronModel::Custom(c), "refractory_ms") = (self, name) {
            let mut c = c.clone();
            c.refractory_ms = value;
            return Ok(NeuronModel::Custom(c));
        }
        let mut json = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let fields = if let NeuronModel::Custom(_) = self {
            json.get_mut("parameters")
        } else {
            Some(&mut json)
        };
        let slot = fields
            .and_then(|f| f.as_object_mut())
            .and_then(|f| f.get_mut(name))
            .ok_or_else(|| {
                let known = match self {
                    NeuronModel::Custom(c) => c.parameters.keys().cloned().collect(),
                    _ => NeuronModel::parameter_names(self.name())
                        .unwrap_or_default()
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>(),
                };
                format!(
                    "`{}` has no parameter `{name}` (its parameters: {})",
                    self.name(),
                    known.join(", ")
                )
            })?;
        if !slot.is_number() {
            // A switch or a list (`half_steps`, `spike_times_ms`) holds no number.
            let kind = match slot {
                serde_json::Value::Bool(_) => "a switch (true or false)",
                serde_json::Value::Array(_) => "a list",
                _ => "not a number",
            };
            return Err(format!(
                "`{name}` is {kind}: it cannot take one number per instance or neuron"
            ));
        }
        *slot = serde_json::json!(value);
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    /// The state variables a recorder may sample, in storage order.
    pub fn state_variables(&self) -> Vec<String> {
        let names: &[&str] = match self {
            NeuronModel::IafPscExp(_) | NeuronModel::PassivePscExp(_) => {
                &["v", "i_syn_E", "i_syn_I"]
            }
            NeuronModel::IafPscDelta(_) => &["v"],
            NeuronModel::Izhikevich(_) => &["v", "u"],
            NeuronModel::IafCondExp(_) => &["v", "g_E", "g_I"],
            NeuronModel::IafCondAlpha(_) => &["v", "g_E", "dg_E", "g_I", "dg_I"],
            NeuronModel::IafPscAlpha(_) => &["v", "i_syn_E", "di_syn_E", "i_syn_I", "di_syn_I"],
            NeuronModel::AeifCondExp(_) => &["v", "w", "g_E", "g_I"],
            NeuronModel::HhCondExpTraub(_) => &["v", "m", "h", "n", "g_E", "g_I"],
            NeuronModel::SpikeSourceArray(_) => &["next_spike"],
            NeuronModel::ParrotNeuron(_) | NeuronModel::SpikeSourceStream(_) => &[],
            NeuronModel::Custom(c) => return c.state.keys().cloned().collect(),
        };
        names.iter().map(|n| n.to_string()).collect()
    }

    /// Receptor ports: two (excitatory, inhibitory) for the built-in models, as many as
    /// a custom model declares.
    pub fn receptor_count(&self) -> usize {
        match self {
            NeuronModel::Custom(c) => c.receptors.len(),
            _ => 2,
        }
    }

    /// The parameter names of the model called `name` (as in model files).
    pub fn parameter_names(name: &str) -> Option<&'static [&'static str]> {
        match name {
            "iaf_psc_exp" | "iaf_psc_alpha" => Some(&[
                "cm",
                "tau_m",
                "tau_syn_E",
                "tau_syn_I",
                "tau_refrac",
                "v_rest",
                "v_reset",
                "v_thresh",
                "i_offset",
            ]),
            "passive_psc_exp" => Some(&[
                "cm",
                "tau_m",
                "tau_syn_E",
                "tau_syn_I",
                "v_rest",
                "i_offset",
            ]),
            "iaf_psc_delta" => Some(&[
                "cm",
                "tau_m",
                "tau_refrac",
                "v_rest",
                "v_reset",
                "v_thresh",
                "i_offset",
            ]),
            "izhikevich" => Some(&["a", "b", "c", "d", "v_thresh", "i_offset", "half_steps"]),
            "iaf_cond_exp" | "iaf_cond_alpha" => Some(&[
                "cm",
                "tau_m",
                "tau_syn_E",
                "tau_syn_I",
                "tau_refrac",
                "v_rest",
                "v_reset",
                "v_thresh",
                "i_offset",
                "e_rev_E",
                "e_rev_I",
            ]),
            "aeif_cond_exp" => Some(&[
                "cm",
                "tau_m",
                "tau_syn_E",
                "tau_syn_I",
                "tau_refrac",
                "v_rest",
                "v_reset",
                "v_thresh",
                "v_spike",
                "delta_T",
                "a",
                "b",
                "tau_w",
                "i_offset",
                "e_rev_E",
                "e_rev_I",
            ]),
            "hh_cond_exp_traub" => Some(&[
                "gbar_Na",
                "gbar_K",
                "g_leak",
                "cm",
                "v_offset",
                "e_rev_Na",
                "e_rev_K",
                "e_rev_leak",
                "e_rev_E",
                "e_rev_I",
                "tau_syn_E",
                "tau_syn_I",
                "tau_refrac",
                "i_offset",
            ]),
            "spike_source_array" => Some(&["spike_times_ms"]),
            "spike_source_stream" => Some(&["events", "events_npy"]),
            "parrot_neuron" => Some(&[]),
            "custom" => Some(&[
                "name",
                "parameters",
                "state",
                "update",
                "threshold",
                "reset",
                "refractory_ms",
                "receptors",
            ]),
            _ => None,
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
/// `tau_refrac / h` steps rounded up (as NEST: 2.05 ms at 0.1 ms is 21 steps).
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

pub(super) mod defaults {
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

/// Leaky integrate-and-fire neuron with delta-shaped synaptic input (NEST
/// `iaf_psc_delta`, PyNN `IF_curr_delta`): each incoming spike makes `V` jump by its
/// weight (mV), as in Brunel (2000).
///
/// ```text
/// cm dV/dt = -cm/tau_m (V - v_rest) + i_offset + I_stim      (nF, mV, ms, nA)
/// spike arriving with weight J:  V <- V + J                   (J in mV)
/// V >= v_thresh  =>  spike, V <- v_reset, held for tau_refrac
/// ```
///
/// Integration: exact (`V' = P33 V + P30 (i_offset + I_stim) + J`, propagators in f64
/// on the host). As in NEST, input arriving during the refractory period is discarded,
/// and the threshold is tested at the end of each step. The refractory period is
/// `tau_refrac / h` steps rounded up, as NEST's. Both receptor ports add to `V`;
/// excitatory weights are ≥ 0, inhibitory ≤ 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IafPscDelta {
    /// Membrane capacitance (nF): converts `i_offset` and DC input to voltage.
    #[serde(default = "defaults::cm")]
    pub cm: f64,
    /// Membrane time constant (ms).
    #[serde(default = "defaults::tau_m")]
    pub tau_m: f64,
    /// Refractory period (ms).
    #[serde(default = "defaults::tau_refrac")]
    pub tau_refrac: f64,
    /// Resting potential (mV).
    #[serde(default = "defaults::v_rest")]
    pub v_rest: f64,
    /// Reset potential (mV).
    #[serde(default = "defaults::v_rest")]
    pub v_reset: f64,
    /// Threshold (mV).
    #[serde(default = "defaults::v_thresh")]
    pub v_thresh: f64,
    /// Constant injected current (nA).
    #[serde(default)]
    pub i_offset: f64,
}

impl Default for IafPscDelta {
    /// PyNN's `IF_curr_delta` defaults.
    fn default() -> Self {
        Self {
            cm: defaults::cm(),
            tau_m: defaults::tau_m(),
            tau_refrac: defaults::tau_refrac(),
            v_rest: defaults::v_rest(),
            v_reset: defaults::v_rest(),
            v_thresh: defaults::v_thresh(),
            i_offset: 0.0,
        }
    }
}

/// Izhikevich (2003) neuron, in NEST's `izhikevich` form.
///
/// ```text
/// dv/dt = 0.04 v² + 5 v + 140 − u + i_offset + I_stim        (v in mV, t in ms)
/// du/dt = a (b v − u)
/// v >= v_thresh  =>  spike, v <- c, u <- u + d
/// spike arriving with weight J:  v <- v + J                    (J in mV)
/// ```
///
/// Currents are in the equation's units (mV/ms), as in the paper and NEST.
/// Integration: forward Euler with NEST's `consistent_integration` order — both
/// updates use the values at the start of the step:
/// `v' = v + h (0.04 v² + 5 v + 140 − u + I) + J`, `u' = u + h a (b v − u)`; the
/// threshold is tested on `v'`. With `half_steps` (Izhikevich 2006, the
/// polychronization network): `v½ = v + h/2 f(v, u)`, `v' = v½ + h/2 f(v½, u) + J`,
/// `u' = u + h a (b v' − u)` with v' before the input (NEST's `consistent_integration
/// = false` instead adds h/2 · J inside each half step). Initial state: `v = c`,
/// `u = b c` unless `v` is given (then `u = b v`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Izhikevich {
    /// Time scale of the recovery variable (1/ms).
    #[serde(default = "izhikevich_defaults::a")]
    pub a: f64,
    /// Sensitivity of the recovery variable to v.
    #[serde(default = "izhikevich_defaults::b")]
    pub b: f64,
    /// After-spike reset of v (mV).
    #[serde(default = "izhikevich_defaults::c")]
    pub c: f64,
    /// After-spike increment of u.
    #[serde(default = "izhikevich_defaults::d")]
    pub d: f64,
    /// Spike cut-off (mV).
    #[serde(default = "izhikevich_defaults::v_thresh")]
    pub v_thresh: f64,
    /// Constant input (mV/ms).
    #[serde(default)]
    pub i_offset: f64,
    /// Izhikevich (2006)'s scheme instead of NEST's: v takes two half steps, the second
    /// from the first's result, and u is updated from the new v.
    #[serde(default)]
    pub half_steps: bool,
}

mod izhikevich_defaults {
    // Regular spiking (Izhikevich 2003), NEST's defaults.
    pub fn a() -> f64 {
        0.02
    }
    pub fn b() -> f64 {
        0.2
    }
    pub fn c() -> f64 {
        -65.0
    }
    pub fn d() -> f64 {
        8.0
    }
    pub fn v_thresh() -> f64 {
        30.0
    }
}

impl Default for Izhikevich {
    /// Regular spiking.
    fn default() -> Self {
        Self {
            a: izhikevich_defaults::a(),
            b: izhikevich_defaults::b(),
            c: izhikevich_defaults::c(),
            d: izhikevich_defaults::d(),
            v_thresh: izhikevich_defaults::v_thresh(),
            i_offset: 0.0,
            half_steps: false,
        }
    }
}

/// Leaky integrate-and-fire neuron with exponentially decaying synaptic conductances
/// (NEST `iaf_cond_exp`, PyNN `IF_cond_exp`; the COBA benchmark's neuron).
///
/// ```text
/// cm dV/dt = cm/tau_m (v_rest − V) + g_E (e_rev_E − V) + g_I (e_rev_I − V) + i_offset + I_stim
/// dg_E/dt  = −g_E / tau_syn_E       dg_I/dt = −g_I / tau_syn_I
/// a spike adds its weight (µS, ≥ 0) to g_E or g_I
/// V >= v_thresh  =>  spike, V <- v_reset and held for tau_refrac
/// ```
///
/// Units (PyNN): `cm` nF, times ms, potentials mV, conductances µS, currents nA.
///
/// Integration: the conductances decay exactly (exp(−h/τ), and exp(−h/2τ) at the
/// half step, from the host in f64); V advances by the classical fourth-order
/// Runge–Kutta step with the conductances at the start, middle and end of the step.
/// (NEST integrates with adaptive RKF45. RK4 with the conductances sampled at three
/// points is accurate where the step resolves the synaptic time constants; with
/// tau_syn at or below h, or several strong inputs within a step, its error reaches
/// 0.1–0.5 mV, which can move a spike by a step: README, "Neuron `iaf_cond_exp`".) Where
/// G h / C ≥ 1/2 (G = g_L + g_E + g_I at mid-step), which RK4 does not resolve (and
/// past 2.78 would make unstable), V takes instead the exact solution with the
/// mid-step conductances held: V∞ + (V − V∞) e^(−G h/C), V∞ = (g_L v_rest + g_E
/// e_rev_E + g_I e_rev_I + I) / G (`det_exp`, `det_recip`: the same bits on every
/// device). As in NEST, input arriving in a step enters the conductances at the end
/// of the step, V stays at v_reset while refractory, and the threshold is tested at
/// the end of each step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IafCondExp {
    /// Membrane capacitance (nF).
    #[serde(default = "defaults::cm")]
    pub cm: f64,
    /// Membrane time constant (ms).
    #[serde(default = "defaults::tau_m")]
    pub tau_m: f64,
    /// Excitatory conductance decay time constant (ms).
    #[serde(default = "defaults::tau_syn", rename = "tau_syn_E")]
    pub tau_syn_e: f64,
    /// Inhibitory conductance decay time constant (ms).
    #[serde(default = "defaults::tau_syn", rename = "tau_syn_I")]
    pub tau_syn_i: f64,
    /// Refractory period (ms).
    #[serde(default = "defaults::tau_refrac")]
    pub tau_refrac: f64,
    /// Resting potential (mV).
    #[serde(default = "defaults::v_rest")]
    pub v_rest: f64,
    /// Reset potential (mV).
    #[serde(default = "defaults::v_rest")]
    pub v_reset: f64,
    /// Threshold (mV).
    #[serde(default = "defaults::v_thresh")]
    pub v_thresh: f64,
    /// Constant injected current (nA).
    #[serde(default)]
    pub i_offset: f64,
    /// Excitatory reversal potential (mV).
    #[serde(default, rename = "e_rev_E")]
    pub e_rev_e: f64,
    /// Inhibitory reversal potential (mV).
    #[serde(default = "cond_defaults::e_rev_i", rename = "e_rev_I")]
    pub e_rev_i: f64,
}

mod cond_defaults {
    pub fn e_rev_i() -> f64 {
        -70.0
    }
}

impl Default for IafCondExp {
    /// PyNN's `IF_cond_exp` defaults.
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
            e_rev_e: 0.0,
            e_rev_i: cond_defaults::e_rev_i(),
        }
    }
}

/// Leaky integrate-and-fire neuron with alpha-shaped synaptic currents (NEST
/// `iaf_psc_alpha`, PyNN `IF_curr_alpha`).
///
/// ```text
/// cm dV/dt = -cm/tau_m (V - v_rest) + I_E + I_I + i_offset + I_stim
/// I_X(t) = w (t / tau_syn_X) e^(1 − t/tau_syn_X) after a spike of weight w (nA):
///          the current peaks at w, tau_syn_X after the spike
/// V >= v_thresh  =>  spike, V <- v_reset, held for tau_refrac
/// ```
///
/// Integration: exact (Rotter & Diesmann 1999), as NEST: each current is the pair
/// (dI, I) with `dI' = −dI/τ`, `I' = dI − I/τ`; a spike adds `e/τ · w` to dI. The
/// membrane advances with `V' = P30 (i_offset + I_stim) + Σ (P31 dI + P32 I) + P33 V`,
/// then the currents with `I' = P21 dI + P22 I`, `dI' = P11 dI + e/τ · input`;
/// propagators in f64 on the host. Refractoriness and threshold as `iaf_psc_exp`.
/// Same parameters and units as `IafPscExp`, but PyNN's `IF_curr_alpha` defaults
/// τ_syn_E = τ_syn_I = 0.5 ms: a model file's `iaf_psc_alpha` takes them, and
/// `IafPscExp::alpha_defaults()` gives them (`IafPscAlpha::default()` is
/// `IafPscExp`'s, 5 ms: the type is shared).
pub type IafPscAlpha = IafPscExp;

impl IafPscExp {
    /// PyNN's `IF_curr_alpha` defaults: `IF_curr_exp`'s with τ_syn_E = τ_syn_I = 0.5 ms.
    pub fn alpha_defaults() -> Self {
        Self {
            tau_syn_e: 0.5,
            tau_syn_i: 0.5,
            ..Self::default()
        }
    }
}

/// Adaptive exponential integrate-and-fire neuron with conductance-based synapses
/// (Brette & Gerstner 2005; NEST `aeif_cond_exp`, PyNN `EIF_cond_exp_isfa_ista`).
///
/// ```text
/// cm dV/dt = g_L (v_rest − V) + g_L ΔT e^((V − v_thresh)/ΔT) + g_E (e_rev_E − V)
///            + g_I (e_rev_I − V) − w + i_offset + I_stim            (g_L = cm/tau_m)
/// tau_w dw/dt = a (V − v_rest) − w
/// V >= v_spike  =>  spike, V <- v_reset, w <- w + b, V held for tau_refrac
/// ```
///
/// Units (PyNN): `cm` nF, times ms, potentials mV, `a` nS, `b` and `w` nA,
/// conductances µS. As in NEST, V in the right-hand side is clamped at `v_spike`, and
/// while refractory V stays at `v_reset` and only w evolves.
///
/// Integration: conductances decay exactly; (V, w) take a classical RK4 step with the
/// conductances of the start, middle and end of the step (NEST: adaptive RKF45). A
/// step RK4 does not resolve — G h / C ≥ 1/2 (G = g_L + g_E + g_I at mid-step, as for
/// `IafCondExp`) or h / tau_w ≥ 2.5 (RK4 is unstable past 2.78) — takes exponential
/// Euler instead: V∞ + (V − V∞) e^(−G h / C) with the mid-step conductances, the
/// spike current and w held, V∞ = (g_L v_rest + g_E e_rev_E + g_I e_rev_I + spike
/// current − w + I) / G; and w∞ + (w − w∞) e^(−h / tau_w), w∞ = a (V − v_rest) with V
/// held. First order, but stable: RK4 made a 10 µS inhibitory conductance fire the
/// neuron and tau_w = 0.01 ms NaN. The exponential is `det_exp`
/// (`shaders/common/math.wgsl`), built from rounded operations so every device and
/// the CPU twin agree bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AeifCondExp {
    #[serde(default = "adex::cm")]
    pub cm: f64,
    #[serde(default = "adex::tau_m")]
    pub tau_m: f64,
    #[serde(default = "defaults::tau_syn", rename = "tau_syn_E")]
    pub tau_syn_e: f64,
    #[serde(default = "defaults::tau_syn", rename = "tau_syn_I")]
    pub tau_syn_i: f64,
    #[serde(default = "defaults::tau_refrac")]
    pub tau_refrac: f64,
    #[serde(default = "adex::v_rest")]
    pub v_rest: f64,
    #[serde(default = "adex::v_rest")]
    pub v_reset: f64,
    /// The exponential's threshold V_T (mV).
    #[serde(default = "adex::v_thresh")]
    pub v_thresh: f64,
    /// Where a spike is detected and V reset (mV).
    #[serde(default = "adex::v_spike")]
    pub v_spike: f64,
    /// Slope factor ΔT (mV).
    #[serde(default = "adex::delta_t", rename = "delta_T")]
    pub delta_t: f64,
    /// Subthreshold adaptation (nS).
    #[serde(default = "adex::a")]
    pub a: f64,
    /// Spike-triggered adaptation (nA).
    #[serde(default = "adex::b")]
    pub b: f64,
    /// Adaptation time constant (ms).
    #[serde(default = "adex::tau_w")]
    pub tau_w: f64,
    #[serde(default)]
    pub i_offset: f64,
    #[serde(default, rename = "e_rev_E")]
    pub e_rev_e: f64,
    #[serde(default = "adex::e_rev_i", rename = "e_rev_I")]
    pub e_rev_i: f64,
}

mod adex {
    // PyNN's EIF_cond_exp_isfa_ista defaults (Brette & Gerstner 2005).
    pub fn cm() -> f64 {
        0.281
    }
    pub fn tau_m() -> f64 {
        9.3667
    }
    pub fn v_rest() -> f64 {
        -70.6
    }
    pub fn v_thresh() -> f64 {
        -50.4
    }
    pub fn v_spike() -> f64 {
        -40.0
    }
    pub fn delta_t() -> f64 {
        2.0
    }
    pub fn a() -> f64 {
        4.0
    }
    pub fn b() -> f64 {
        0.0805
    }
    pub fn tau_w() -> f64 {
        144.0
    }
    pub fn e_rev_i() -> f64 {
        -80.0
    }
}

impl Default for AeifCondExp {
    /// PyNN's `EIF_cond_exp_isfa_ista` defaults.
    fn default() -> Self {
        Self {
            cm: adex::cm(),
            tau_m: adex::tau_m(),
            tau_syn_e: defaults::tau_syn(),
            tau_syn_i: defaults::tau_syn(),
            tau_refrac: defaults::tau_refrac(),
            v_rest: adex::v_rest(),
            v_reset: adex::v_rest(),
            v_thresh: adex::v_thresh(),
            v_spike: adex::v_spike(),
            delta_t: adex::delta_t(),
            a: adex::a(),
            b: adex::b(),
            tau_w: adex::tau_w(),
            i_offset: 0.0,
            e_rev_e: 0.0,
            e_rev_i: adex::e_rev_i(),
        }
    }
}

/// Hodgkin–Huxley neuron with Traub & Miles (1991) kinetics and exponential
/// conductance synapses (NEST `hh_cond_exp_traub`, PyNN `HH_cond_exp`; the COBAHH
/// benchmark's neuron).
///
/// ```text
/// cm dV/dt = −gbar_Na m³h (V − e_rev_Na) − gbar_K n⁴ (V − e_rev_K) − g_leak (V − e_rev_leak)
///            − g_E (V − e_rev_E) − g_I (V − e_rev_I) + i_offset + I_stim
/// dx/dt = α_x(V) (1 − x) − β_x(V) x   for x = m, h, n, with u = V − v_offset:
///   α_m = 0.32 (13 − u) / (e^((13 − u)/4) − 1)     β_m = 0.28 (u − 40) / (e^((u − 40)/5) − 1)
///   α_h = 0.128 e^((17 − u)/18)                     β_h = 4 / (1 + e^((40 − u)/5))
///   α_n = 0.032 (15 − u) / (e^((15 − u)/5) − 1)    β_n = 0.5 e^((10 − u)/40)
/// ```
///
/// Units (PyNN): conductances µS, `cm` nF, potentials mV, times ms, currents nA.
/// A spike is registered, as in NEST, at the peak of an action potential: when V is
/// at or above v_offset + 30 mV and falling; no reset; `tau_refrac` (NEST `t_ref`) is the
/// dead time before the next one can be registered.
///
/// Integration: conductances decay exactly; (V, m, h, n) take classical RK4 substeps of
/// at most 0.01 ms (NEST: adaptive RKF45). Exponentials and quotients are `det_exp` and
/// `det_recip`, identical on every device. Initial m, h, n are their steady states at
/// the initial V.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HhCondExpTraub {
    #[serde(default = "hh::gbar_na", rename = "gbar_Na")]
    pub gbar_na: f64,
    #[serde(default = "hh::gbar_k", rename = "gbar_K")]
    pub gbar_k: f64,
    #[serde(default = "hh::g_leak")]
    pub g_leak: f64,
    #[serde(default = "hh::cm")]
    pub cm: f64,
    /// V_T of the rate functions (mV).
    #[serde(default = "hh::v_offset")]
    pub v_offset: f64,
    #[serde(default = "hh::e_rev_na", rename = "e_rev_Na")]
    pub e_rev_na: f64,
    #[serde(default = "hh::e_rev_k", rename = "e_rev_K")]
    pub e_rev_k: f64,
    #[serde(default = "hh::e_rev_leak")]
    pub e_rev_leak: f64,
    #[serde(default, rename = "e_rev_E")]
    pub e_rev_e: f64,
    #[serde(default = "hh::e_rev_i", rename = "e_rev_I")]
    pub e_rev_i: f64,
    #[serde(default = "hh::tau_syn_e", rename = "tau_syn_E")]
    pub tau_syn_e: f64,
    #[serde(default = "hh::tau_syn_i", rename = "tau_syn_I")]
    pub tau_syn_i: f64,
    /// Dead time of spike detection (ms).
    #[serde(default = "hh::tau_refrac")]
    pub tau_refrac: f64,
    #[serde(default)]
    pub i_offset: f64,
}

mod hh {
    // PyNN's HH_cond_exp defaults; NEST's t_ref.
    pub fn gbar_na() -> f64 {
        20.0
    }
    pub fn gbar_k() -> f64 {
        6.0
    }
    pub fn g_leak() -> f64 {
        0.01
    }
    pub fn cm() -> f64 {
        0.2
    }
    pub fn v_offset() -> f64 {
        -63.0
    }
    pub fn e_rev_na() -> f64 {
        50.0
    }
    pub fn e_rev_k() -> f64 {
        -90.0
    }
    pub fn e_rev_leak() -> f64 {
        -65.0
    }
    pub fn e_rev_i() -> f64 {
        -80.0
    }
    pub fn tau_syn_e() -> f64 {
        0.2
    }
    pub fn tau_syn_i() -> f64 {
        2.0
    }
    pub fn tau_refrac() -> f64 {
        2.0
    }
}

impl Default for HhCondExpTraub {
    /// PyNN's `HH_cond_exp` defaults.
    fn default() -> Self {
        Self {
            gbar_na: hh::gbar_na(),
            gbar_k: hh::gbar_k(),
            g_leak: hh::g_leak(),
            cm: hh::cm(),
            v_offset: hh::v_offset(),
            e_rev_na: hh::e_rev_na(),
            e_rev_k: hh::e_rev_k(),
            e_rev_leak: hh::e_rev_leak(),
            e_rev_e: 0.0,
            e_rev_i: hh::e_rev_i(),
            tau_syn_e: hh::tau_syn_e(),
            tau_syn_i: hh::tau_syn_i(),
            tau_refrac: hh::tau_refrac(),
            i_offset: 0.0,
        }
    }
}

impl HhCondExpTraub {
    /// The steady-state (m, h, n) at membrane potential `v` (f64).
    pub fn gating_at_rest(&self, v: f64) -> (f64, f64, f64) {
        let u = v - self.v_offset;
        let x_over_expm1 = |x: f64, k: f64| {
            if x.abs() < 1e-9 {
                k
            } else {
                x / (x / k).exp_m1()
            }
        };
        let alpha_m = 0.32 * x_over_expm1(13.0 - u, 4.0);
        let beta_m = 0.28 * x_over_expm1(u - 40.0, 5.0);
        let alpha_h = 0.128 * ((17.0 - u) / 18.0).exp();
        let beta_h = 4.0 / (1.0 + ((40.0 - u) / 5.0).exp());
        let alpha_n = 0.032 * x_over_expm1(15.0 - u, 5.0);
        let beta_n = 0.5 * ((10.0 - u) / 40.0).exp();
        (
            alpha_m / (alpha_m + beta_m),
            alpha_h / (alpha_h + beta_h),
            alpha_n / (alpha_n + beta_n),
        )
    }
}

/// The step in which a spike source emits a spike at `t` ms with steps of `h` ms: the
/// step that ends at t rounded to the grid (spikes are stamped at the end of their
/// step), at least step 0.
pub fn spike_step(t: f64, h: f64) -> u64 {
    ((t / h + 0.5 + 1e-9).floor() - 1.0).max(0.0) as u64
}

/// Neurons that emit spikes at given times (NEST `spike_generator`, PyNN
/// `SpikeSourceArray`).
///
/// `spike_times_ms` holds one list for every neuron, or a single list that all neurons
/// share. A spike at time t appears in the record at t rounded to the step grid
/// (stamped, like every spike, at the end of its step, so t must be at least half a
/// step, which rounds to the first step's end); two times in the same step give one
/// spike. The lists are kept on the device
/// (two 16-bit halves of each step number as exact f32); state `next_spike` is each
/// neuron's position in its list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeSourceArray {
    pub spike_times_ms: Vec<Vec<f64>>,
}

/// Neurons that spike when the host says: events (time, neuron) pushed while the
/// simulation runs (`Simulation::push_events`), e.g. an event camera's or a cochlea
/// model's stream, plus `events` queued at the start (in model files also read from
/// `events_npy`, a `.npy` array of shape (n, 2): time in ms, neuron). An event at t
/// is a spike in the step that ends at t (as `SpikeSourceArray`); several in one step
/// make one spike. Only the events of the batch being run are on the device (a table
/// per batch, written before the batch is submitted, so the device never waits for
/// the host); the batch is shortened where its events would not fit. In an ensemble
/// every instance starts with `events` and takes its own pushes. No state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeSourceStream {
    /// (time in ms, neuron) of the events queued at the start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<(f64, u32)>,
}

/// Repeats its input (NEST `parrot_neuron`): a step in which any spike arrives (on
/// either receptor) makes one spike. As NEST's, it ignores weights: every synapse and
/// Poisson stimulus onto a parrot delivers one event, whatever its weight (0
/// included; `plan::parrot`), and a plastic projection onto it is refused. Unlike
/// NEST's, several spikes arriving in one step make one spike, not one of
/// multiplicity n (a neuron spikes at most once a step). With a Poisson stimulus it
/// is a Poisson spike source (PyNN `SpikeSourcePoisson`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParrotNeuron {}

/// Leaky integrate-and-fire neuron with alpha-shaped synaptic conductances (NEST
/// `iaf_cond_alpha`, PyNN `IF_cond_alpha`): as `IafCondExp`, but a spike of weight w
/// (µS) makes its conductance `w (t/τ) e^(1 − t/τ)`, peaking at w, τ after the spike.
///
/// Integration: each conductance is the pair (g, dg) with `dg' = −dg/τ`,
/// `g' = dg − g/τ`, propagated exactly (`g(s) = e^(−s/τ) (g + s dg)`, evaluated at the
/// middle and end of the step); V takes the same step as `iaf_cond_exp` (RK4, or the
/// exact step with mid-step conductances held where G h/C ≥ 1/2); a spike
/// adds `e/τ · w` to dg. Same parameters and units as `IafCondExp`, but PyNN's
/// `IF_cond_alpha` defaults τ_syn_E = 0.3 ms, τ_syn_I = 0.5 ms: a model file's
/// `iaf_cond_alpha` takes them, and `IafCondExp::alpha_defaults()` gives them
/// (`IafCondAlpha::default()` is `IafCondExp`'s, 5 ms: the type is shared).
pub type IafCondAlpha = IafCondExp;

impl IafCondExp {
    /// PyNN's `IF_cond_alpha` defaults: `IF_cond_exp`'s with τ_syn_E = 0.3 ms and
    /// τ_syn_I = 0.5 ms.
    pub fn alpha_defaults() -> Self {
        Self {
            tau_syn_e: 0.3,
            tau_syn_i: 0.5,
            ..Self::default()
        }
    }
}

impl NeuronModel {
    /// The membrane capacity (nF) of the models with one, those that gap junctions
    /// and graded synapses may couple.
    pub fn capacitance_nf(&self) -> Option<f64> {
        match self {
            NeuronModel::IafPscExp(m) | NeuronModel::IafPscAlpha(m) => Some(m.cm),
            NeuronModel::IafCondExp(m) | NeuronModel::IafCondAlpha(m) => Some(m.cm),
            NeuronModel::IafPscDelta(m) => Some(m.cm),
            NeuronModel::AeifCondExp(m) => Some(m.cm),
            NeuronModel::HhCondExpTraub(m) => Some(m.cm),
            NeuronModel::PassivePscExp(m) => Some(m.cm),
            _ => None,
        }
    }

    /// The synaptic time constants (τ_syn_E, τ_syn_I, ms) PyNN gives the model
    /// `name` where they differ from those of the type it shares: the alpha models'.
    pub(crate) fn shared_type_synapse_defaults(name: &str) -> Option<(f64, f64)> {
        let (e, i) = match name {
            "iaf_psc_alpha" => {
                let m = IafPscExp::alpha_defaults();
                (m.tau_syn_e, m.tau_syn_i)
            }
            "iaf_cond_alpha" => {
                let m = IafCondExp::alpha_defaults();
                (m.tau_syn_e, m.tau_syn_i)
            }
            _ => return None,
        };
        Some((e, i))
    }
}
