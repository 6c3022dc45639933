//! A training network lowered to what the kernels run: neuron ranges, exact-integration
//! propagators (f64 on the host, rounded once to f32), and each connection's place in
//! the flat weight and delay arrays.

use bytemuck::{Pod, Zeroable};

use super::network::{Alif, LayerKind, TrainError, TrainingNetwork};
use crate::plan::propagator::propagator_32;

/// Neuron ranges start at multiples of 32, so a layer's spike bits fill whole words
/// (the input layer's words are written by the host, the others by the kernel).
pub const WORD_BITS: u32 = 32;

/// What the kernels do with a neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum NeuronRole {
    Input = 0,
    Lif = 1,
    Readout = 2,
    Alif = 3,
}

/// One layer's constants, as the shaders read them (`shaders/common/train.wgsl`).
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
#[repr(C)]
pub struct LayerParams {
    /// First neuron and size.
    pub offset: u32,
    pub size: u32,
    /// A [`NeuronRole`].
    pub role: u32,
    pub _pad: u32,
    /// e^(−h/τm): the membrane over one step.
    pub p22: f32,
    /// The synaptic current's effect on the membrane over one step (mV per nA).
    pub p21: f32,
    /// e^(−h/τs).
    pub p11: f32,
    /// Threshold and reset, relative to rest (mV); the threshold of a readout is unused.
    pub theta: f32,
    pub v_reset: f32,
    /// 1/τm (1/ms), 1/cm (1/nF), 1/τs (1/ms): the slopes the adjoint's jumps need.
    pub inv_tau_m: f32,
    pub inv_cm: f32,
    pub inv_tau_syn: f32,
    /// Adaptation (ALIF; 0 elsewhere): e^(−h/τa), and the threshold's rise per unit
    /// (mV).
    pub rho: f32,
    pub beta: f32,
    /// 1 / (θ − V_r): e-prop's pseudo-derivative is scaled to the reset distance.
    pub inv_range: f32,
    pub _pad2: u32,
}

/// A dense connection's place: synapse `i → j` is `synapse_offset + i * post_size + j`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct ConnectionPlan {
    pub pre_layer: u32,
    pub post_layer: u32,
    pub synapse_offset: u32,
    /// The delay (steps) every synapse of the connection has, or 0 where they
    /// differ: with one delay the forward pass reads the presynaptic layer's spike
    /// words of one step and skips the empty ones (`TrainingPlan::set_delays`).
    pub delay: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainingPlan {
    pub dt_ms: f64,
    pub steps: u32,
    /// Neurons including the padding between layers.
    pub neurons: u32,
    pub layers: Vec<LayerParams>,
    pub connections: Vec<ConnectionPlan>,
    pub synapses: u32,
    /// Resting potentials (mV): the kernels hold potentials relative to them.
    pub v_rest: Vec<f64>,
}

impl TrainingPlan {
    pub fn new(network: &TrainingNetwork) -> Result<Self, TrainError> {
        network.validate()?;
        let h = network.dt_ms;
        let mut layers = Vec::new();
        let mut v_rest = Vec::new();
        let mut offset = 0u32;
        for layer in &network.layers {
            let (rho, beta) = match layer.kind {
                LayerKind::Alif(a) => ((-h / a.tau_adapt).exp(), a.beta),
                _ => (0.0, 0.0),
            };
            let (role, cm, tau_m, tau_syn, rest, theta, reset) = match layer.kind {
                LayerKind::Input => (NeuronRole::Input, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0),
                LayerKind::Lif(p) | LayerKind::Alif(Alif { lif: p, .. }) => (
                    if matches!(layer.kind, LayerKind::Alif(_)) {
                        NeuronRole::Alif
                    } else {
                        NeuronRole::Lif
                    },
                    p.cm,
                    p.tau_m,
                    p.tau_syn,
                    p.v_rest,
                    p.v_thresh - p.v_rest,
                    p.v_reset - p.v_rest,
                ),
                LayerKind::Readout(p) => (
                    NeuronRole::Readout,
                    p.cm,
                    p.tau_m,
                    p.tau_syn,
                    p.v_rest,
                    0.0,
                    0.0,
                ),
            };
            layers.push(LayerParams {
                offset,
                size: layer.size,
                role: role as u32,
                _pad: 0,
                p22: (-h / tau_m).exp() as f32,
                p21: propagator_32(tau_syn, tau_m, cm, h) as f32,
                p11: (-h / tau_syn).exp() as f32,
                theta: theta as f32,
                v_reset: reset as f32,
                inv_tau_m: (1.0 / tau_m) as f32,
                inv_cm: (1.0 / cm) as f32,
                inv_tau_syn: (1.0 / tau_syn) as f32,
                rho: rho as f32,
                beta: beta as f32,
                inv_range: if theta > reset {
                    (1.0 / (theta - reset)) as f32
                } else {
                    0.0
                },
                _pad2: 0,
            });
            v_rest.push(rest);
            offset = offset
                .checked_add(layer.size.div_ceil(WORD_BITS) * WORD_BITS)
                .ok_or_else(|| too_large("layers", u64::from(offset) + u64::from(layer.size)))?;
        }
        let mut connections = Vec::new();
        let mut synapses = 0u64;
        for conn in &network.connections {
            let pre = network.layer_index(&conn.pre).unwrap();
            let post = network.layer_index(&conn.post).unwrap();
            connections.push(ConnectionPlan {
                pre_layer: pre as u32,
                post_layer: post as u32,
                synapse_offset: synapses as u32,
                delay: 0,
            });
            synapses += u64::from(network.layers[pre].size) * u64::from(network.layers[post].size);
            if synapses > u64::from(u32::MAX) {
                return Err(too_large("connections", synapses));
            }
        }
        Ok(Self {
            dt_ms: h,
            steps: network.steps(),
            neurons: offset,
            layers,
            connections,
            synapses: synapses as u32,
            v_rest,
        })
    }

    /// Words of spike bits per step.
    pub fn words(&self) -> u32 {
        self.neurons / WORD_BITS
    }

    /// The neurons the forward and e-prop kernels walk: from the first layer that is
    /// not an input layer to the end.
    pub fn active_range(&self) -> std::ops::Range<u32> {
        let first = self
            .layers
            .iter()
            .filter(|l| l.role != NeuronRole::Input as u32)
            .map(|l| l.offset)
            .min()
            .unwrap_or(self.neurons);
        first..self.neurons
    }

    /// Refuses a batch of `instances` whose arrays the kernels could not index with
    /// 32-bit words (steps × neurons or synapses × 5 values per instance).
    pub fn check_batch(&self, instances: u32) -> Result<(), TrainError> {
        let per_instance = (u64::from(self.steps) * u64::from(self.neurons))
            .max(5 * u64::from(self.synapses))
            .max(u64::from(self.steps) * u64::from(self.words()) * 32);
        let total = u64::from(instances) * per_instance;
        if total > u64::from(u32::MAX) {
            return Err(TrainError::Parameter {
                field: "batch".into(),
                expected: "at most 2^32 − 1 values per array (fewer samples per batch, fewer steps or neurons)",
                value: total as f64,
            });
        }
        Ok(())
    }

    /// The ring of adjoint values reaches back as far as the longest delay.
    pub fn ring_depth(&self, delay_steps: &[u32]) -> u32 {
        delay_steps.iter().copied().max().unwrap_or(1) + 1
    }

    /// Marks each connection whose synapses share one delay (steps) with it.
    pub fn set_delays(&mut self, delay_steps: &[u32]) {
        for c in 0..self.connections.len() {
            let delays = &delay_steps[self.connection_synapses(c)];
            let first = delays.first().copied().unwrap_or(0);
            self.connections[c].delay = if delays.iter().all(|&d| d == first) {
                first
            } else {
                0
            };
        }
    }

    /// Synapses of connection `c`.
    pub fn connection_synapses(&self, c: usize) -> std::ops::Range<usize> {
        let conn = &self.connections[c];
        let n = self.layers[conn.pre_layer as usize].size as usize
            * self.layers[conn.post_layer as usize].size as usize;
        conn.synapse_offset as usize..conn.synapse_offset as usize + n
    }
}

/// Delays in ms to whole steps, at least one (the kernels rely on it: a spike's effect
/// arrives after the step that emitted it).
pub fn delay_steps(delays_ms: &[f32], dt_ms: f64) -> Vec<u32> {
    delays_ms
        .iter()
        .map(|&d| ((f64::from(d) / dt_ms).round() as u32).max(1))
        .collect()
}

fn too_large(field: &str, value: u64) -> TrainError {
    TrainError::Parameter {
        field: field.into(),
        expected: "at most 2^32 − 1 neurons or synapses",
        value: value as f64,
    }
}
