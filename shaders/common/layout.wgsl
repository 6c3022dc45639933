// Structs shared with the host. The Rust side is src/plan/layout.rs; a test checks
// that sizes and member offsets agree (naga reflection).

struct Config {
    n_neurons: u32,
    n_instances: u32,
    ring_depth: u32,
    n_receptors: u32,
    n_populations: u32,
    seed_lo: u32,
    seed_hi: u32,
    record_capacity: u32,
    zero: u32,
    n_procedural: u32,
    params_stride: u32,
    stimuli_stride: u32,
    n_plastic: u32,
    history_depth: u32,
    n_sweep: u32,
    post_lanes: u32,
    synapse_words: u32,
    stored_per_instance: u32,
    first_instance: u32,
    rules_per_instance: u32,
    rule_param_words: u32,
    n_astrocytes: u32,
    n_astrocyte_inputs: u32,
    astrocyte_base: u32,
    n_probes: u32,
    n_gap: u32,
    n_three_factor: u32,
    window_steps: u32,
}

struct Counters {
    step: u32,
    prop_count: atomic<u32>,
    prop_step: atomic<u32>,
    record_count: atomic<u32>,
    batch_step: u32,
    batch_len: u32,
    saturation_count: atomic<u32>,
    saturation_first_step: atomic<u32>,
    saturation_min_target: atomic<u32>,
    nonfinite_count: atomic<u32>,
    nonfinite_first_step: atomic<u32>,
    nonfinite_min_neuron: atomic<u32>,
    // Invocations whose loops the driver cut short, and the lowest stage id among them.
    loop_cut_count: atomic<u32>,
    loop_cut_stage: atomic<u32>,
    // Custom rule updates that left a weight or variable NaN or infinite, the earliest
    // step with one and the lowest custom rule index among them.
    rule_nonfinite_count: atomic<u32>,
    rule_nonfinite_first_step: atomic<u32>,
    rule_nonfinite_min_rule: atomic<u32>,
    // Spikes of the current window so far, per step of it: step k's lie in the spike
    // list from k · n_neurons · n_instances on.
    spike_counts: array<atomic<u32>, MAX_WINDOW_STEPS>,
    // The window being propagated, its spikes numbered step by step: where step k's
    // numbers end (prefix sums of its spike_counts).
    prop_ends: array<u32, MAX_WINDOW_STEPS>,
}

struct PopulationInfo {
    first: u32,
    size: u32,
    stim_first: u32,
    stim_count: u32,
    param_offset: u32,
    refractory_steps: u32,
    record: u32,
    param_stride: u32,
    // A vector, not an array: an array of stride 4 cannot be in a uniform buffer.
    input_unit: vec4<f32>,
    ip_eta: f32,
    ip_step: f32,
    refractory_word: u32,
    readout_base: u32,
    readout_decay: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// Words per neuron of a readout (src/plan/layout.rs READOUT_WORDS).
const READOUT_WORDS: u32 = 3u;

struct KindInfo {
    first_neuron: u32,
    size: u32,
    first_pop: u32,
    pop_count: u32,
    state_base: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

const STIMULUS_POISSON: u32 = 0u;
const STIMULUS_DC: u32 = 1u;
const STIMULUS_CURRENT_STREAM: u32 = 2u;
// Thresholds of a Poisson stimulus's CDF (src/plan/poisson.rs).
const POISSON_TABLE: u32 = 20u;

struct StimulusParams {
    kind: u32,
    receptor: u32,
    start_step: u32,
    stop_step: u32,
    amplitude: f32,
    chunks: u32,
    weight_fixed: i32,
    stream_row: u32,
    // POISSON_TABLE thresholds, four to a vector (a uniform buffer's arrays have a
    // stride of 16 bytes): threshold k is cdf[k / 4][k % 4].
    cdf: array<vec4<u32>, POISSON_TABLE / 4u>,
}

struct ProbeEntry {
    state_index: u32,
    every: u32,
    group_base: u32,
    group_size: u32,
    local: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

const DRAW_CONSTANT: u32 = 0u;
const DRAW_UNIFORM: u32 = 1u;
const DRAW_NORMAL: u32 = 2u;
const DRAW_LOGNORMAL: u32 = 3u;

const RULE_ALL_TO_ALL: u32 = 0u;
const RULE_FIXED_PROBABILITY: u32 = 1u;
const RULE_FIXED_TOTAL_NUMBER: u32 = 2u;

struct ProceduralProjection {
    pre_first: u32,
    pre_size: u32,
    post_first: u32,
    post_size: u32,
    rule: u32,
    target_base: u32,
    exclude_self: u32,
    row_offset: u32,
    stream: u32,
    inv_log_q: f32,
    weight_kind: u32,
    weight_a: f32,
    weight_b: f32,
    weight_low: f32,
    weight_high: f32,
    weight_scale: f32,
    delay_kind: u32,
    delay_a: f32,
    delay_b: f32,
    delay_low: f32,
    delay_high: f32,
    per_instance: u32,
    built: u32,
    _pad0: u32,
}

struct SynapseChunk {
    first: u32,
    end: u32,
    delay_shift: u32,
    _pad0: u32,
}

struct BuildPass {
    first_row: u32,
    rows: u32,
    batch_first: u32,
    first: u32,
    end: u32,
    delay_shift: u32,
    _pad0: u32,
    _pad1: u32,
}

const PLASTIC_STDP: u32 = 0u;
const PLASTIC_STDP_TRIPLET: u32 = 1u;
const PLASTIC_TSODYKS2: u32 = 2u;
const PLASTIC_DOPAMINE: u32 = 3u;
const PLASTIC_HEBBIAN: u32 = 4u;
const PLASTIC_SCALING: u32 = 5u;
const PLASTIC_STATIC: u32 = 6u;
const PLASTIC_ERROR: u32 = 7u;
const PLASTIC_CUSTOM: u32 = 16u;
const MODULATOR_LEVEL: u32 = 1u;
const MODULATOR_TRACE: u32 = 2u;
const MODULATOR_ASTROCYTE: u32 = 3u;
const SYNAPSE_WORDS: u32 = 8u;
const NEVER: u32 = 0xffffffffu;
const MODULATOR_COUNT: u32 = 0u;
const MODULATOR_PENDING_STEP: u32 = 1u;
const MODULATOR_PENDING_VALUE: u32 = 2u;
const MODULATOR_HEAD: u32 = 3u;
const MODULATOR_LAW: u32 = 4u;
const MODULATOR_DECAY: u32 = 5u;
const MODULATOR_JUMP: u32 = 6u;
const MODULATOR_HEADER: u32 = 8u;
const MODULATOR_HISTORY: u32 = 256u;
const MODULATOR_WORDS: u32 = 520u;

struct PlasticRule {
    kind: u32,
    nearest: u32,
    pre_decay: vec2<f32>,
    post_decay: vec2<f32>,
    w_max: f32,
    inv_w_max: f32,
    c: vec4<f32>,
    weight_scale: f32,
    w_min: f32,
    modulator: u32,
    _pad0: u32,
    m: vec4<f32>,
    inv_tau_n: f32,
    vt_first: u32,
    vt_size: u32,
    own_words: u32,
}

struct DispatchArgs {
    x: u32,
    y: u32,
    z: u32,
}

const NEURON_WORKGROUP: u32 = 64u;
const PROPAGATE_WORKGROUP: u32 = 64u;
const MAX_WORKGROUPS_PER_DIM: u32 = 65535u;
// The longest window of steps per neuron-update dispatch (src/plan/window.rs).
const MAX_WINDOW_STEPS: u32 = 32u;

// The most receptor ports a neuron model may have.
const MAX_RECEPTORS: u32 = 4u;

// A neuron's input on its MAX_RECEPTORS ports. A vector, not an array: lavapipe keeps
// a private array that is indexed by a non-constant in per-lane scratch memory, which
// costs about 8 ns per invocation just to exist and 30 ns to loop over (measured on
// 2 cores: 12,500 invocations of a 4-load kernel took 53 µs, with such an array
// 150–450 µs), while a vector's dynamic index becomes selects on registers.
alias SynapticInput = vec4<f32>;

// The most state variables a neuron model may have.
const MAX_STATE: u32 = 8u;
