// Structs of the training kernels, shared with the host: src/train/plan.rs
// (LayerParams, ConnectionPlan) and src/gpu/train.rs (TrainConfig, TrainStep).
// A test checks sizes and member offsets (naga reflection).

struct TrainConfig {
    zero: u32,
    instances: u32,
    steps: u32,
    neurons: u32,
    words: u32,
    layers: u32,
    connections: u32,
    synapses: u32,
    depth: u32,
    // e-prop's pseudo-derivative height γ (0 where unused).
    gamma: f32,
    // The layer the loss reads.
    output: u32,
    inv_steps: f32,
    // The neurons the forward and e-prop kernels walk: from the first non-input
    // layer to the end (input neurons have nothing to do there).
    active_first: u32,
    active_count: u32,
    _pad0: u32,
    _pad1: u32,
}

// The step a dispatch works on, at a dynamic offset per dispatch.
struct TrainStep {
    step: u32,
}

struct LayerParams {
    offset: u32,
    size: u32,
    role: u32,
    _pad: u32,
    p22: f32,
    p21: f32,
    p11: f32,
    theta: f32,
    v_reset: f32,
    inv_tau_m: f32,
    inv_cm: f32,
    inv_tau_syn: f32,
    rho: f32,
    beta: f32,
    inv_range: f32,
    _pad2: u32,
}

struct ConnectionPlan {
    pre_layer: u32,
    post_layer: u32,
    synapse_offset: u32,
    // The delay (steps) all its synapses share, or 0 where they differ.
    delay: u32,
}

const ROLE_INPUT: u32 = 0u;
const ROLE_LIF: u32 = 1u;
const ROLE_READOUT: u32 = 2u;
const ROLE_ALIF: u32 = 3u;
const NO_LAYER: u32 = 0xffffffffu;
const TRAIN_WORKGROUP: u32 = 64u;
