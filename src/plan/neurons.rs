//! Neuron models lowered for the device: which kernel runs them, the parameter block
//! it reads (f32, in the order the model's shader and CPU twin name them), and the
//! initial state of a neuron.

use super::propagator::{AlphaPropagators, IafPscExpPropagators};
use crate::model::{spike_step, NeuronModel};

/// A neuron kernel: `shaders/neurons/<name>.wgsl` with its twin
/// `src/cpu/neurons/<name>.rs`, or the code generated for the plan's `i`-th custom
/// model (`gpu::custom`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NeuronKind {
    IafPscExp,
    IafPscDelta,
    Izhikevich,
    IafCondExp,
    IafPscAlpha,
    AeifCondExp,
    HhCondExpTraub,
    SpikeSourceArray,
    ParrotNeuron,
    IafCondAlpha,
    SpikeSourceStream,
    Custom(u32),
}

impl NeuronKind {
    /// The models with a shader file and a CPU twin.
    pub const BUILT_IN: [NeuronKind; 11] = [
        NeuronKind::IafPscExp,
        NeuronKind::IafPscDelta,
        NeuronKind::Izhikevich,
        NeuronKind::IafCondExp,
        NeuronKind::IafPscAlpha,
        NeuronKind::AeifCondExp,
        NeuronKind::HhCondExpTraub,
        NeuronKind::SpikeSourceArray,
        NeuronKind::ParrotNeuron,
        NeuronKind::IafCondAlpha,
        NeuronKind::SpikeSourceStream,
    ];

    /// The kind of a built-in model (`None` for a custom one).
    pub fn built_in(model: &NeuronModel) -> Option<Self> {
        match model {
            NeuronModel::IafPscExp(_) | NeuronModel::PassivePscExp(_) => {
                Some(NeuronKind::IafPscExp)
            }
            NeuronModel::IafPscDelta(_) => Some(NeuronKind::IafPscDelta),
            NeuronModel::Izhikevich(_) => Some(NeuronKind::Izhikevich),
            NeuronModel::IafCondExp(_) => Some(NeuronKind::IafCondExp),
            NeuronModel::IafPscAlpha(_) => Some(NeuronKind::IafPscAlpha),
            NeuronModel::AeifCondExp(_) => Some(NeuronKind::AeifCondExp),
            NeuronModel::HhCondExpTraub(_) => Some(NeuronKind::HhCondExpTraub),
            NeuronModel::SpikeSourceArray(_) => Some(NeuronKind::SpikeSourceArray),
            NeuronModel::ParrotNeuron(_) => Some(NeuronKind::ParrotNeuron),
            NeuronModel::IafCondAlpha(_) => Some(NeuronKind::IafCondAlpha),
            NeuronModel::SpikeSourceStream(_) => Some(NeuronKind::SpikeSourceStream),
            NeuronModel::Custom(_) => None,
        }
    }

    /// The NEST name, also the name of the shader and twin files.
    pub fn name(self) -> &'static str {
        match self {
            NeuronKind::IafPscExp => "iaf_psc_exp",
            NeuronKind::IafPscDelta => "iaf_psc_delta",
            NeuronKind::Izhikevich => "izhikevich",
            NeuronKind::IafCondExp => "iaf_cond_exp",
            NeuronKind::IafPscAlpha => "iaf_psc_alpha",
            NeuronKind::AeifCondExp => "aeif_cond_exp",
            NeuronKind::HhCondExpTraub => "hh_cond_exp_traub",
            NeuronKind::SpikeSourceArray => "spike_source_array",
            NeuronKind::ParrotNeuron => "parrot_neuron",
            NeuronKind::IafCondAlpha => "iaf_cond_alpha",
            NeuronKind::SpikeSourceStream => "spike_source_stream",
            NeuronKind::Custom(_) => "custom",
        }
    }

    /// State variables per neuron of a built-in model (its shader's `STATE_COUNT`).
    pub fn built_in_state_count(self) -> Option<u32> {
        match self {
            NeuronKind::IafPscExp => Some(3),
            NeuronKind::IafPscDelta => Some(1),
            NeuronKind::Izhikevich => Some(2),
            NeuronKind::IafCondExp => Some(3),
            NeuronKind::IafPscAlpha => Some(5),
            NeuronKind::AeifCondExp => Some(4),
            NeuronKind::HhCondExpTraub => Some(6),
            NeuronKind::SpikeSourceArray => Some(1),
            NeuronKind::ParrotNeuron => Some(0),
            NeuronKind::IafCondAlpha => Some(5),
            NeuronKind::SpikeSourceStream => Some(0),
            NeuronKind::Custom(_) => None,
        }
    }
}

/// The longest RK4 substep of `hh_cond_exp_traub` (ms).
pub const HH_MAX_SUBSTEP_MS: f64 = 0.01;

/// The most state variables a model may have (the size of the kernels' local array).
pub const MAX_STATE: usize = crate::model::MAX_STATE_VARIABLES;

/// A model's device form.
#[derive(Debug, Clone, PartialEq)]
pub struct LoweredNeuron {
    pub kind: NeuronKind,
    pub state_count: u32,
    /// The parameter block.
    pub params: Vec<f32>,
    /// Steps a neuron stays refractory after a spike.
    pub refractory_steps: u32,
    /// Stored `v` is the membrane potential minus this (mV): the integrate-and-fire
    /// models keep `v` relative to rest, as NEST does.
    pub v_offset: f64,
}

/// e^(−t/τ): how much of an exponentially decaying quantity is left after `t`.
fn decay(tau: f64, t: f64) -> f64 {
    (-t / tau).exp()
}

/// The steps a neuron stays refractory for a refractory period of `ms` with steps of
/// `h` ms: the period rounded up to whole steps, as NEST does (`Time::get_steps`), so
/// that a neuron is never released before its period has passed (Brian2's
/// `t - lastspike < refractory` gives the same count). The tolerance of 10^-6 steps
/// keeps a period written in decimal that is a whole number of steps (2.0 / 0.1 =
/// 20.000000000000004) at that number. NEST first rounds the period to its tic (1 µs
/// by default), so a period with a part below 1 µs (2.0004 ms: NEST 20 steps, here
/// 21) counts differently; on the tic grid the counts agree.
pub fn refractory_steps(ms: f64, h: f64) -> u32 {
    ((ms / h) - 1e-6).ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// A lowered parameter as the device's f32: one that overflows f32 from a finite
/// value becomes NaN, so that the plan refuses it (`PlanError::NonFiniteParameters`);
/// an infinite one stays (a passive neuron's threshold is +∞).
fn narrow(x: f64) -> f32 {
    let y = x as f32;
    if x.is_finite() && !y.is_finite() {
        f32::NAN
    } else {
        y
    }
}

/// Lowers `model`, run by kernel `kind`, for steps of `h` ms.
pub fn lower(model: &NeuronModel, kind: NeuronKind, h: f64) -> LoweredNeuron {
    let state_count = model.state_variables().len() as u32;
    match model {
        NeuronModel::PassivePscExp(m) => {
            lower(&NeuronModel::IafPscExp(m.as_iaf_psc_exp()), kind, h)
        }
        NeuronModel::IafPscExp(m) => {
            let p = IafPscExpPropagators::new(m, h);
            LoweredNeuron {
                kind,
                state_count,
                // p22, p11_ex, p11_in, p21_ex, p21_in, p20, i_offset, theta, v_reset
                params: [
                    p.p22,
                    p.p11_ex,
                    p.p11_in,
                    p.p21_ex,
                    p.p21_in,
                    p.p20,
                    m.i_offset,
                    m.v_thresh - m.v_rest,
                    m.v_reset - m.v_rest,
                ]
                .map(narrow)
                .to_vec(),
                refractory_steps: refractory_steps(m.tau_refrac, h),
                v_offset: m.v_rest,
            }
        }
        NeuronModel::IafPscDelta(m) => {
            let p33 = (-h / m.tau_m).exp();
            let p30 = -m.tau_m / m.cm * (-h / m.tau_m).exp_m1();
            LoweredNeuron {
                kind,
                state_count,
                // p33, p30, i_offset, theta, v_reset
                params: [
                    p33,
                    p30,
                    m.i_offset,
                    m.v_thresh - m.v_rest,
                    m.v_reset - m.v_rest,
                ]
                .map(narrow)
                .to_vec(),
                refractory_steps: refractory_steps(m.tau_refrac, h),
                v_offset: m.v_rest,
            }
        }
        NeuronModel::Izhikevich(m) => LoweredNeuron {
            kind,
            state_count,
            // a, b, c, d, v_thresh, i_offset, h, half_steps (0 or 1)
            params: [
                m.a,
                m.b,
                m.c,
                m.d,
                m.v_thresh,
                m.i_offset,
                h,
                f64::from(u8::from(m.half_steps)),
            ]
            .map(narrow)
            .to_vec(),
            refractory_steps: 0,
            v_offset: 0.0,
        },
        NeuronModel::IafPscAlpha(m) => {
            let ex = AlphaPropagators::new(m.tau_syn_e, m.tau_m, m.cm, h);
            let inh = AlphaPropagators::new(m.tau_syn_i, m.tau_m, m.cm, h);
            let p33 = (-h / m.tau_m).exp();
            let p30 = -m.tau_m / m.cm * (-h / m.tau_m).exp_m1();
            LoweredNeuron {
                kind,
                state_count,
                // p33, p30, then per receptor p11, p21, p31, p32, psc_unit, then
                // i_offset, theta, v_reset
                params: [
                    p33,
                    p30,
                    ex.p11,
                    ex.p21,
                    ex.p31,
                    ex.p32,
                    ex.psc_unit,
                    inh.p11,
                    inh.p21,
                    inh.p31,
                    inh.p32,
                    inh.psc_unit,
                    m.i_offset,
                    m.v_thresh - m.v_rest,
                    m.v_reset - m.v_rest,
                ]
                .map(narrow)
                .to_vec(),
                refractory_steps: refractory_steps(m.tau_refrac, h),
                v_offset: m.v_rest,
            }
        }
        NeuronModel::AeifCondExp(m) => {
            let g_l = m.cm / m.tau_m;
            LoweredNeuron {
                kind,
                state_count,
                // g_leak, v_rest, e_rev_E, e_rev_I, i_offset, 1/cm, decays of g_E and g_I
                // (half step, step), h, v_spike, v_reset, g_leak ΔT, 1/ΔT, v_thresh,
                // a (µS), 1/tau_w, b
                params: [
                    g_l,
                    m.v_rest,
                    m.e_rev_e,
                    m.e_rev_i,
                    m.i_offset,
                    1.0 / m.cm,
                    decay(m.tau_syn_e, h / 2.0),
                    decay(m.tau_syn_e, h),
                    decay(m.tau_syn_i, h / 2.0),
                    decay(m.tau_syn_i, h),
                    h,
                    // ΔT = 0 (NEST): no spike current (g_L ΔT = 0 times e^0), and
                    // the spike at v_thresh.
                    if m.delta_t > 0.0 {
                        m.v_spike
                    } else {
                        m.v_thresh
                    },
                    m.v_reset,
                    g_l * m.delta_t,
                    if m.delta_t > 0.0 {
                        1.0 / m.delta_t
                    } else {
                        0.0
                    },
                    m.v_thresh,
                    m.a / 1000.0,
                    1.0 / m.tau_w,
                    m.b,
                ]
                .map(narrow)
                .to_vec(),
                refractory_steps: refractory_steps(m.tau_refrac, h),
                v_offset: 0.0,
            }
        }
        NeuronModel::HhCondExpTraub(m) => {
            // Substeps of at most 0.01 ms.
            let substeps = (h / HH_MAX_SUBSTEP_MS - 1e-9).ceil().max(1.0);
            let dt = h / substeps;
            LoweredNeuron {
                kind,
                state_count,
                // g_Na, g_K, g_L, E_Na, E_K, E_L, V_T, e_rev_E, e_rev_I, 1/cm, i_offset,
                // substep, substeps, decays of g_E and g_I (half substep, substep)
                params: [
                    m.gbar_na,
                    m.gbar_k,
                    m.g_leak,
                    m.e_rev_na,
                    m.e_rev_k,
                    m.e_rev_leak,
                    m.v_offset,
                    m.e_rev_e,
                    m.e_rev_i,
                    1.0 / m.cm,
                    m.i_offset,
                    dt,
                    substeps,
                    decay(m.tau_syn_e, dt / 2.0),
                    decay(m.tau_syn_e, dt),
                    decay(m.tau_syn_i, dt / 2.0),
                    decay(m.tau_syn_i, dt),
                ]
                .map(narrow)
                .to_vec(),
                refractory_steps: refractory_steps(m.tau_refrac, h),
                v_offset: 0.0,
            }
        }
        NeuronModel::SpikeSourceArray(a) => {
            // lists, starts, then (step / 65536, step % 65536) per spike; a spike at t
            // is emitted in the step that ends at t (rounded to the grid).
            let mut params = vec![a.spike_times_ms.len() as f64, 0.0];
            let mut halves = Vec::new();
            for list in &a.spike_times_ms {
                for &t in list {
                    let step = spike_step(t, h) as u32;
                    halves.extend([f64::from(step >> 16), f64::from(step & 0xFFFF)]);
                }
                params.push((halves.len() / 2) as f64);
            }
            params.extend(halves);
            LoweredNeuron {
                kind,
                state_count,
                params: params.into_iter().map(narrow).collect(),
                refractory_steps: 0,
                v_offset: 0.0,
            }
        }
        NeuronModel::ParrotNeuron(_) | NeuronModel::SpikeSourceStream(_) => LoweredNeuron {
            kind,
            state_count,
            params: Vec::new(),
            refractory_steps: 0,
            v_offset: 0.0,
        },
        NeuronModel::IafCondExp(m) | NeuronModel::IafCondAlpha(m) => {
            // g_leak, v_rest, e_rev_E, e_rev_I, i_offset, 1/cm, half-step and step
            // decays of g_E and g_I, h, v_thresh, v_reset
            let mut params = vec![
                m.cm / m.tau_m,
                m.v_rest,
                m.e_rev_e,
                m.e_rev_i,
                m.i_offset,
                1.0 / m.cm,
                decay(m.tau_syn_e, h / 2.0),
                decay(m.tau_syn_e, h),
                decay(m.tau_syn_i, h / 2.0),
                decay(m.tau_syn_i, h),
                h,
                m.v_thresh,
                m.v_reset,
            ];
            if let NeuronModel::IafCondAlpha(_) = model {
                // A spike adds e/τ · w to dg, so that g peaks at w.
                params.extend([
                    std::f64::consts::E / m.tau_syn_e,
                    std::f64::consts::E / m.tau_syn_i,
                ]);
            }
            LoweredNeuron {
                kind,
                state_count,
                params: params.into_iter().map(narrow).collect(),
                refractory_steps: refractory_steps(m.tau_refrac, h),
                v_offset: 0.0,
            }
        }
        NeuronModel::Custom(c) => LoweredNeuron {
            kind,
            state_count,
            // dt, then the parameters in name order (as `gpu::custom` reads them)
            params: std::iter::once(h)
                .chain(c.parameters.values().copied())
                .map(narrow)
                .collect(),
            refractory_steps: refractory_steps(c.refractory_ms, h),
            v_offset: 0.0,
        },
    }
}

/// The state of a neuron of `model` whose membrane potential is `v` (mV), or which
/// starts at the model's rest when `v` is `None`; in storage order and units.
pub fn initial_state(model: &NeuronModel, v: Option<f64>) -> Vec<f32> {
    match model {
        NeuronModel::IafPscExp(m) => vec![v.map_or(0.0, |v| (v - m.v_rest) as f32), 0.0, 0.0],
        NeuronModel::PassivePscExp(m) => {
            initial_state(&NeuronModel::IafPscExp(m.as_iaf_psc_exp()), v)
        }
        NeuronModel::IafPscDelta(m) => vec![v.map_or(0.0, |v| (v - m.v_rest) as f32)],
        NeuronModel::Izhikevich(m) => {
            let v = v.unwrap_or(m.c);
            vec![v as f32, (m.b * v) as f32]
        }
        NeuronModel::IafCondExp(m) => vec![v.unwrap_or(m.v_rest) as f32, 0.0, 0.0],
        NeuronModel::IafCondAlpha(m) => vec![v.unwrap_or(m.v_rest) as f32, 0.0, 0.0, 0.0, 0.0],
        NeuronModel::AeifCondExp(m) => vec![v.unwrap_or(m.v_rest) as f32, 0.0, 0.0, 0.0],
        NeuronModel::SpikeSourceArray(_) => vec![0.0],
        NeuronModel::ParrotNeuron(_) | NeuronModel::SpikeSourceStream(_) => Vec::new(),
        NeuronModel::HhCondExpTraub(m) => {
            let v = v.unwrap_or(m.e_rev_leak);
            let (gm, gh, gn) = m.gating_at_rest(v);
            [v, gm, gh, gn, 0.0, 0.0].map(|x| x as f32).to_vec()
        }
        NeuronModel::IafPscAlpha(m) => {
            vec![v.map_or(0.0, |v| (v - m.v_rest) as f32), 0.0, 0.0, 0.0, 0.0]
        }
        NeuronModel::Custom(c) => c
            .state
            .iter()
            .map(|(name, &value)| match v {
                Some(v) if name == "v" => v as f32,
                _ => value as f32,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::refractory_steps;

    #[test]
    fn refractory_periods_round_up_to_whole_steps_as_nest_does() {
        // (period ms, step ms, steps): NEST's counts (`Time::get_steps` rounds up);
        // decimal periods of whole steps stay whole.
        let cases = [
            (0.0, 0.1, 0),
            (0.05, 0.1, 1),
            (0.1, 0.1, 1),
            (0.3, 0.1, 3),
            (1.91, 0.1, 20),
            (1.96, 0.1, 20),
            (2.0, 0.1, 20),
            (2.01, 0.1, 21),
            (2.05, 0.1, 21),
            (2.0, 0.25, 8),
            (2.1, 0.25, 9),
            (5.0, 0.01, 500),
        ];
        for (ms, h, steps) in cases {
            assert_eq!(refractory_steps(ms, h), steps, "{ms} ms at {h} ms steps");
        }
    }
}
