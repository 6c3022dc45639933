//! Neuron models lowered for the device: which kernel runs them, the parameter block
//! it reads (f32, in the order the model's shader and CPU twin name them), and the
//! initial state of a neuron.

use super::propagator::IafPscExpPropagators;
use crate::model::NeuronModel;

/// A neuron kernel: `shaders/neurons/<name>.wgsl` with its twin `src/cpu/neurons/<name>.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NeuronKind {
    IafPscExp,
    IafPscDelta,
    Izhikevich,
}

impl NeuronKind {
    pub const ALL: [NeuronKind; 3] = [
        NeuronKind::IafPscExp,
        NeuronKind::IafPscDelta,
        NeuronKind::Izhikevich,
    ];

    pub fn of(model: &NeuronModel) -> Self {
        match model {
            NeuronModel::IafPscExp(_) => NeuronKind::IafPscExp,
            NeuronModel::IafPscDelta(_) => NeuronKind::IafPscDelta,
            NeuronModel::Izhikevich(_) => NeuronKind::Izhikevich,
        }
    }

    /// The NEST name, also the name of the shader and twin files.
    pub fn name(self) -> &'static str {
        match self {
            NeuronKind::IafPscExp => "iaf_psc_exp",
            NeuronKind::IafPscDelta => "iaf_psc_delta",
            NeuronKind::Izhikevich => "izhikevich",
        }
    }

    /// State variables per neuron (the shader's `STATE_COUNT`).
    pub fn state_count(self) -> u32 {
        match self {
            NeuronKind::IafPscExp => 3,
            NeuronKind::IafPscDelta => 1,
            NeuronKind::Izhikevich => 2,
        }
    }
}

/// The most state variables a model may have (the size of the kernels' local array).
pub const MAX_STATE: usize = 8;

/// A model's device form.
#[derive(Debug, Clone, PartialEq)]
pub struct LoweredNeuron {
    pub kind: NeuronKind,
    /// The parameter block.
    pub params: Vec<f32>,
    /// Steps a neuron stays refractory after a spike.
    pub refractory_steps: u32,
    /// Stored `v` is the membrane potential minus this (mV): the integrate-and-fire
    /// models keep `v` relative to rest, as NEST does.
    pub v_offset: f64,
}

/// Lowers `model` for steps of `h` ms.
pub fn lower(model: &NeuronModel, h: f64) -> LoweredNeuron {
    let kind = NeuronKind::of(model);
    match model {
        NeuronModel::IafPscExp(m) => {
            let p = IafPscExpPropagators::new(m, h);
            LoweredNeuron {
                kind,
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
                .map(|x| x as f32)
                .to_vec(),
                refractory_steps: (m.tau_refrac / h).round() as u32,
                v_offset: m.v_rest,
            }
        }
        NeuronModel::IafPscDelta(m) => {
            let p33 = (-h / m.tau_m).exp();
            let p30 = -m.tau_m / m.cm * (-h / m.tau_m).exp_m1();
            LoweredNeuron {
                kind,
                // p33, p30, i_offset, theta, v_reset
                params: [
                    p33,
                    p30,
                    m.i_offset,
                    m.v_thresh - m.v_rest,
                    m.v_reset - m.v_rest,
                ]
                .map(|x| x as f32)
                .to_vec(),
                refractory_steps: (m.tau_refrac / h).round() as u32,
                v_offset: m.v_rest,
            }
        }
        NeuronModel::Izhikevich(m) => LoweredNeuron {
            kind,
            // a, b, c, d, v_thresh, i_offset, h
            params: [m.a, m.b, m.c, m.d, m.v_thresh, m.i_offset, h]
                .map(|x| x as f32)
                .to_vec(),
            refractory_steps: 0,
            v_offset: 0.0,
        },
    }
}

/// The state of a neuron of `model` whose membrane potential is `v` (mV), or which
/// starts at the model's rest when `v` is `None`; in storage order and units.
pub fn initial_state(model: &NeuronModel, v: Option<f64>) -> Vec<f32> {
    match model {
        NeuronModel::IafPscExp(m) => vec![v.map_or(0.0, |v| (v - m.v_rest) as f32), 0.0, 0.0],
        NeuronModel::IafPscDelta(m) => vec![v.map_or(0.0, |v| (v - m.v_rest) as f32)],
        NeuronModel::Izhikevich(m) => {
            let v = v.unwrap_or(m.c);
            vec![v as f32, (m.b * v) as f32]
        }
    }
}
