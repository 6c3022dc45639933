//! Synaptic plasticity rules of a projection, with NEST's model and parameter names
//! (times in ms; weights and `w_max` in the projection's weight unit).
//!
//! Timing follows NEST: a synapse's whole transmission delay `d` is dendritic for
//! plasticity. A presynaptic spike at step `t` acts on the synapse at `t` (and is
//! delivered, with the weight it leaves, `d` steps later); a postsynaptic spike at
//! `t` acts on the synapse at `t + d`. Events at the synapse are applied in time
//! order; at equal times the postsynaptic one (facilitation) comes first, and each
//! event sees the other side's trace from the spikes strictly before it, exactly as
//! `stdp_synapse` pairs a presynaptic spike with the postsynaptic history in
//! `(t_last − d, t − d]` and depresses by `K⁻(t − d)`. Traces decay exactly: each
//! synapse keeps, per side, the step of the last event and the trace just before it,
//! and evaluates `K(t) = K_after · exp(−(t − t_last)/τ)` on access.

use serde::{Deserialize, Serialize};

use super::CustomRule;

/// How a plastic projection's synapses change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum Plasticity {
    /// NEST `stdp_synapse` (Gütig et al. 2003 weight dependence, Rubin et al. 2001
    /// when `mu_plus = mu_minus = 1`, additive when both are 0). With `ŵ = w / w_max`,
    /// a postsynaptic spike facilitates `ŵ ← min(ŵ + λ (1 − ŵ)^μ₊ K₊, 1)` and a
    /// presynaptic spike depresses `ŵ ← max(ŵ − α λ ŵ^μ₋ K₋, 0)`, where `K₊` (τ₊) and
    /// `K₋` (τ₋) are the pre- and postsynaptic traces, each incremented by 1 per spike
    /// (`pairing = "all_to_all"`) or reset to 1 (`"nearest"`: NEST
    /// `stdp_nn_symm_synapse`, each spike paired with the nearest preceding one of the
    /// other side; a postsynaptic spike before the synapse's first presynaptic one is
    /// paired with none, where NEST 3.10 pairs it with a presynaptic spike at t = 0,
    /// its initial `t_lastspike`). In NEST `tau_minus` is a parameter of the
    /// postsynaptic neuron. Checked against NEST 3.10 (2026-12-07): final weights
    /// within 2e-6 for pairs, bursts, coincident spikes and Poisson trains, delays
    /// 0.1–7.9 ms.
    StdpSynapse {
        #[serde(default = "twenty")]
        tau_plus: f64,
        #[serde(default = "twenty")]
        tau_minus: f64,
        #[serde(default = "default_lambda")]
        lambda: f64,
        #[serde(default = "one")]
        alpha: f64,
        #[serde(default = "one")]
        mu_plus: f64,
        #[serde(default = "one")]
        mu_minus: f64,
        /// Upper weight bound; the lower bound is 0. Weights have the sign of `w_max`.
        #[serde(default = "hundred")]
        w_max: f64,
        #[serde(default)]
        pairing: Pairing,
    },
    /// NEST `stdp_triplet_synapse`: the minimal all-to-all triplet model of Pfister &
    /// Gerstner (2006). A postsynaptic spike facilitates
    /// `|w| ← min(|w| + r₁ (A₂₊ + A₃₊ o₂), |w_max|)`, a presynaptic spike depresses
    /// `|w| ← max(|w| − o₁ (A₂₋ + A₃₋ r₂), 0)`, with presynaptic traces r₁ (τ₊), r₂ (τ_x)
    /// and postsynaptic traces o₁ (τ₋), o₂ (τ_y), each taken just before the spike
    /// that reads it. Defaults: the visual-cortex all-to-all fit of the paper.
    StdpTripletSynapse {
        #[serde(default = "triplet_tau_plus")]
        tau_plus: f64,
        /// τ_x (ms).
        #[serde(default = "triplet_tau_x")]
        tau_plus_triplet: f64,
        #[serde(default = "triplet_tau_minus")]
        tau_minus: f64,
        /// τ_y (ms).
        #[serde(default = "triplet_tau_y")]
        tau_minus_triplet: f64,
        /// A₂₊.
        #[serde(default = "triplet_a2_plus")]
        a_plus: f64,
        /// A₂₋.
        #[serde(default = "triplet_a2_minus")]
        a_minus: f64,
        /// A₃₊.
        #[serde(default = "triplet_a3_plus")]
        a_plus_triplet: f64,
        /// A₃₋.
        #[serde(default = "triplet_a3_minus")]
        a_minus_triplet: f64,
        #[serde(default = "hundred")]
        w_max: f64,
    },
    /// NEST `stdp_dopamine_synapse` (Izhikevich 2007; Potjans et al. 2010): a
    /// three-factor rule. Spike pairs change an eligibility trace c instead of the
    /// weight — a postsynaptic spike adds `a_plus · K₊`, a presynaptic one subtracts
    /// `a_minus · K₋` (traces with τ₊, τ₋, paired as `pairing` says) — which decays
    /// with τ_c, and the weight follows `dw/dt = c (n − b)` within `[w_min, w_max]`,
    /// where n is the neuromodulator (dopamine). Event-driven, as in NEST: a synapse
    /// integrates the weight change exactly (c and n decay exponentially) whenever a
    /// spike touches it and at least every 250 steps, the bounds holding at every
    /// moment (applied at each update and where n − b changes sign between two, the
    /// only place w can turn); n is kept as a history of the steps where its law alone does not give
    /// it (src/cpu/modulator.rs). With `modulator = "trace"` (NEST's form) n
    /// decays with τ_n and jumps by 1/τ_n per spike of the `volume_transmitter`
    /// population (in the step of the spike; NEST's volume transmitter delivers at
    /// its next communication step) and by what the host adds
    /// (`Simulation::add_modulator`: a reward). With `modulator = "level"` n is a level
    /// the host sets between runs (`Simulation::set_modulator`) and the device holds:
    /// the closed-loop form, which carries an error signal as well as a reward.
    StdpDopamineSynapse {
        #[serde(default = "twenty")]
        tau_plus: f64,
        #[serde(default = "twenty")]
        tau_minus: f64,
        #[serde(default = "one")]
        a_plus: f64,
        #[serde(default = "dopamine_a_minus")]
        a_minus: f64,
        /// Eligibility time constant (ms).
        #[serde(default = "dopamine_tau_c")]
        tau_c: f64,
        /// Modulator time constant (ms).
        #[serde(default = "dopamine_tau_n")]
        tau_n: f64,
        /// Modulator baseline: no weight change at n = b.
        #[serde(default)]
        b: f64,
        #[serde(default)]
        w_min: f64,
        #[serde(default = "dopamine_w_max")]
        w_max: f64,
        #[serde(default)]
        pairing: Pairing,
        #[serde(default)]
        modulator: Modulator,
        /// The population whose spikes drive a `trace` modulator (absent: only the
        /// host drives it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        volume_transmitter: Option<String>,
    },
    /// A generic Hebbian rule on traces (no NEST counterpart): with x and y the
    /// presynaptic and postsynaptic traces (each spike adds 1; τ_pre, τ_post),
    /// `dw/dt = eta (x y − alpha y² w) − gamma w` within `[w_min, w_max]`: plain
    /// Hebbian growth, Oja's normalisation (`alpha`) and passive decay (`gamma`),
    /// integrated by forward Euler once per step with the traces as they stand after
    /// the step's spikes. `eta` and `gamma` in 1/ms.
    HebbianSynapse {
        eta: f64,
        #[serde(default = "twenty")]
        tau_pre: f64,
        #[serde(default = "twenty")]
        tau_post: f64,
        #[serde(default)]
        alpha: f64,
        #[serde(default)]
        gamma: f64,
        #[serde(default)]
        w_min: f64,
        #[serde(default = "hundred")]
        w_max: f64,
    },
    /// Error-modulated learning, the delta rule of readouts (e-prop's rule for output
    /// weights, Bellec et al. 2020; a third factor as in Frémaux & Gerstner 2016):
    /// `dw/dt = eta · E_k · x_j` within `[w_min, w_max]`, where `x_j` is the
    /// presynaptic trace (each spike adds 1; `tau_pre`) and `E_k` the error of the
    /// postsynaptic neuron k, which the host sets (`Simulation::set_error`, e.g. target
    /// minus output rate each window) and the device holds. Forward Euler once per
    /// step with the trace after the step's spikes; `eta` in 1/ms per unit of error. A
    /// zero error changes nothing, so errors gate readouts; a per-synapse `eta`
    /// (`plasticity_heterogeneous`, 0 where masked) gates synapses.
    ErrorModulatedSynapse {
        eta: f64,
        #[serde(default = "twenty")]
        tau_pre: f64,
        #[serde(default)]
        w_min: f64,
        #[serde(default = "hundred")]
        w_max: f64,
    },
    /// Homeostatic synaptic scaling (van Rossum, Bi & Turrigiano 2000): every weight
    /// onto a neuron is scaled toward the neuron's target rate,
    /// `dw/dt = w (1 − r / target_rate_hz) / tau_scaling`, where r is the
    /// postsynaptic rate estimated by a spike trace with time constant `tau_rate`
    /// (r = trace / tau_rate), within `[w_min, w_max]`; forward Euler once per step.
    SynapticScaling {
        target_rate_hz: f64,
        #[serde(default = "default_tau_rate")]
        tau_rate: f64,
        #[serde(default = "default_tau_scaling")]
        tau_scaling: f64,
        #[serde(default)]
        w_min: f64,
        #[serde(default = "hundred")]
        w_max: f64,
    },
    /// A rule written in WGSL (`CustomRule`); GPU backend only.
    Custom(CustomRule),
    /// NEST `tsodyks2_synapse`: Tsodyks–Markram short-term depression and
    /// facilitation. Each presynaptic spike, `h` ms after the previous one, first
    /// updates `x ← 1 + (x − x u − 1) e^(−h/τ_rec)` and `u ← U + u (1 − U) e^(−h/τ_fac)`,
    /// then transmits `u · x · w`. The first spike sees `u = U`, `x = 1`; NEST 3.10's
    /// first spike sees its state `u`, which defaults to 0.5 whatever `U` is: set
    /// `u = U` there to compare (then the amplitudes agree within 4e-6, 2026-12-07).
    Tsodyks2Synapse {
        /// Utilisation increment U (NEST `U`).
        #[serde(rename = "U", alias = "u_se", default = "half")]
        u_se: f64,
        /// Recovery time constant of the resources x (ms).
        #[serde(default = "default_tau_rec")]
        tau_rec: f64,
        /// Facilitation time constant of u (ms); 0: no facilitation.
        #[serde(default)]
        tau_fac: f64,
    },
}

/// What drives a three-factor rule's neuromodulator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modulator {
    /// A trace decaying with τ_n, driven by a population's spikes and host additions.
    #[default]
    Trace,
    /// A level the host sets and the device holds.
    Level,
}

/// Which spikes a pair-based rule pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pairing {
    /// Every presynaptic spike with every postsynaptic one (traces add up).
    #[default]
    AllToAll,
    /// Each spike with the nearest preceding spike of the other side (traces reset to 1).
    Nearest,
}

impl Plasticity {
    /// This rule with its numeric parameter `name` set to `value` (a custom rule's
    /// declared parameters, or its bounds and time constants).
    pub fn with_parameter(&self, name: &str, value: f64) -> Result<Plasticity, String> {
        let mut rule = self.clone();
        rule.set_parameter(name, value)?;
        Ok(rule)
    }

    /// Sets the numeric parameter `name` (see `with_parameter`) in place: cheap
    /// enough to give every synapse its own values.
    pub fn set_parameter(&mut self, name: &str, value: f64) -> Result<(), String> {
        let model = self.name();
        if let Plasticity::Custom(custom) = self {
            if let Some(slot) = custom.parameters.get_mut(name) {
                *slot = value;
                return Ok(());
            }
        }
        let mut fields = self.fields_mut();
        if let Some((_, slot)) = fields.iter_mut().find(|(n, _)| *n == name) {
            **slot = value;
            return Ok(());
        }
        let mut known: Vec<String> = fields.iter().map(|(n, _)| n.to_string()).collect();
        drop(fields);
        if let Plasticity::Custom(custom) = self {
            known.extend(custom.parameters.keys().cloned());
        }
        Err(format!(
            "`{model}` has no numeric parameter `{name}` (its parameters: {})",
            known.join(", ")
        ))
    }

    /// NEST's name of the synapse model.
    pub fn name(&self) -> &'static str {
        match self {
            Plasticity::StdpSynapse {
                pairing: Pairing::AllToAll,
                ..
            } => "stdp_synapse",
            Plasticity::StdpSynapse {
                pairing: Pairing::Nearest,
                ..
            } => "stdp_nn_symm_synapse",
            Plasticity::StdpTripletSynapse { .. } => "stdp_triplet_synapse",
            Plasticity::StdpDopamineSynapse { .. } => "stdp_dopamine_synapse",
            Plasticity::HebbianSynapse { .. } => "hebbian_synapse",
            Plasticity::ErrorModulatedSynapse { .. } => "error_modulated_synapse",
            Plasticity::SynapticScaling { .. } => "synaptic_scaling",
            Plasticity::Tsodyks2Synapse { .. } => "tsodyks2_synapse",
            Plasticity::Custom(_) => "custom",
        }
    }

    /// The range a weight stays in, or `None` where the weight does not change
    /// (short-term plasticity only scales it down). STDP rules bound weights between
    /// 0 and `w_max`, whose sign they share.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match *self {
            Plasticity::StdpSynapse { w_max, .. }
            | Plasticity::StdpTripletSynapse { w_max, .. } => Some(if w_max >= 0.0 {
                (0.0, w_max)
            } else {
                (w_max, 0.0)
            }),
            Plasticity::StdpDopamineSynapse { w_min, w_max, .. }
            | Plasticity::HebbianSynapse { w_min, w_max, .. }
            | Plasticity::ErrorModulatedSynapse { w_min, w_max, .. }
            | Plasticity::SynapticScaling { w_min, w_max, .. } => Some((w_min, w_max)),
            Plasticity::Custom(ref rule) => Some((rule.w_min, rule.w_max)),
            Plasticity::Tsodyks2Synapse { .. } => None,
        }
    }

    /// The largest |weight| a synapse can reach (for the fixed-point range), or `None`
    /// where the weight does not change.
    pub fn largest_weight(&self) -> Option<f64> {
        self.bounds().map(|(low, high)| low.abs().max(high.abs()))
    }

    /// Whether postsynaptic spikes change the synapse (so the plan builds the
    /// transposed index for it).
    pub fn has_post_events(&self) -> bool {
        // (A custom rule's `y` trace needs the postsynaptic events even without
        // `on_post`.)
        !matches!(
            self,
            Plasticity::Tsodyks2Synapse { .. } | Plasticity::ErrorModulatedSynapse { .. }
        )
    }

    /// `(name, value)` of every parameter, for validation.
    pub fn parameters(&self) -> Vec<(&'static str, f64)> {
        self.clone()
            .fields_mut()
            .into_iter()
            .map(|(name, value)| (name, *value))
            .collect()
    }

    /// Every numeric field of the rule by its model-file name (a custom rule's
    /// declared parameters aside).
    fn fields_mut(&mut self) -> Vec<(&'static str, &mut f64)> {
        match self {
            Plasticity::StdpSynapse {
                tau_plus,
                tau_minus,
                lambda,
                alpha,
                mu_plus,
                mu_minus,
                w_max,
                ..
            } => vec![
                ("tau_plus", tau_plus),
                ("tau_minus", tau_minus),
                ("lambda", lambda),
                ("alpha", alpha),
                ("mu_plus", mu_plus),
                ("mu_minus", mu_minus),
                ("w_max", w_max),
            ],
            Plasticity::StdpTripletSynapse {
                tau_plus,
                tau_plus_triplet,
                tau_minus,
                tau_minus_triplet,
                a_plus,
                a_minus,
                a_plus_triplet,
                a_minus_triplet,
                w_max,
            } => vec![
                ("tau_plus", tau_plus),
                ("tau_plus_triplet", tau_plus_triplet),
                ("tau_minus", tau_minus),
                ("tau_minus_triplet", tau_minus_triplet),
                ("a_plus", a_plus),
                ("a_minus", a_minus),
                ("a_plus_triplet", a_plus_triplet),
                ("a_minus_triplet", a_minus_triplet),
                ("w_max", w_max),
            ],
            Plasticity::StdpDopamineSynapse {
                tau_plus,
                tau_minus,
                a_plus,
                a_minus,
                tau_c,
                tau_n,
                b,
                w_min,
                w_max,
                ..
            } => vec![
                ("tau_plus", tau_plus),
                ("tau_minus", tau_minus),
                ("a_plus", a_plus),
                ("a_minus", a_minus),
                ("tau_c", tau_c),
                ("tau_n", tau_n),
                ("b", b),
                ("w_min", w_min),
                ("w_max", w_max),
            ],
            Plasticity::HebbianSynapse {
                eta,
                tau_pre,
                tau_post,
                alpha,
                gamma,
                w_min,
                w_max,
            } => vec![
                ("eta", eta),
                ("tau_pre", tau_pre),
                ("tau_post", tau_post),
                ("alpha", alpha),
                ("gamma", gamma),
                ("w_min", w_min),
                ("w_max", w_max),
            ],
            Plasticity::ErrorModulatedSynapse {
                eta,
                tau_pre,
                w_min,
                w_max,
            } => vec![
                ("eta", eta),
                ("tau_pre", tau_pre),
                ("w_min", w_min),
                ("w_max", w_max),
            ],
            Plasticity::SynapticScaling {
                target_rate_hz,
                tau_rate,
                tau_scaling,
                w_min,
                w_max,
            } => vec![
                ("target_rate_hz", target_rate_hz),
                ("tau_rate", tau_rate),
                ("tau_scaling", tau_scaling),
                ("w_min", w_min),
                ("w_max", w_max),
            ],
            Plasticity::Tsodyks2Synapse {
                u_se,
                tau_rec,
                tau_fac,
            } => vec![("U", u_se), ("tau_rec", tau_rec), ("tau_fac", tau_fac)],
            Plasticity::Custom(rule) => vec![
                ("tau_pre", &mut rule.tau_pre),
                ("tau_post", &mut rule.tau_post),
                ("w_min", &mut rule.w_min),
                ("w_max", &mut rule.w_max),
            ],
        }
    }
}

fn twenty() -> f64 {
    20.0
}
fn hundred() -> f64 {
    100.0
}
fn one() -> f64 {
    1.0
}
fn half() -> f64 {
    0.5
}
fn default_lambda() -> f64 {
    0.01
}
fn default_tau_rec() -> f64 {
    800.0
}
fn default_tau_rate() -> f64 {
    1000.0
}
fn default_tau_scaling() -> f64 {
    10_000.0
}
fn dopamine_a_minus() -> f64 {
    1.5
}
fn dopamine_tau_c() -> f64 {
    1000.0
}
fn dopamine_tau_n() -> f64 {
    200.0
}
fn dopamine_w_max() -> f64 {
    200.0
}
fn triplet_tau_plus() -> f64 {
    16.8
}
fn triplet_tau_x() -> f64 {
    101.0
}
fn triplet_tau_minus() -> f64 {
    33.7
}
fn triplet_tau_y() -> f64 {
    125.0
}
fn triplet_a2_plus() -> f64 {
    5e-10
}
fn triplet_a2_minus() -> f64 {
    7e-3
}
fn triplet_a3_plus() -> f64 {
    6.2e-3
}
fn triplet_a3_minus() -> f64 {
    2.3e-4
}
