//! Structs shared with the shaders, declared once on each side: here as
//! `#[repr(C)]` + `Pod`, in `shaders/common/layout.wgsl` as WGSL structs. A test
//! checks sizes and member offsets against naga's reflection of the shader.

use super::window::MAX_WINDOW_STEPS;
use bytemuck::{Pod, Zeroable};

/// Network-wide constants of a simulation (a uniform buffer).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Config {
    /// Neurons of one instance, all populations.
    pub n_neurons: u32,
    /// Independent instances of the network (state is indexed by (instance, neuron)).
    pub n_instances: u32,
    /// Slots of the input ring: the longest delay in steps plus one.
    pub ring_depth: u32,
    /// Receptor ports per neuron.
    pub n_receptors: u32,
    pub n_populations: u32,
    pub seed_lo: u32,
    pub seed_hi: u32,
    /// Entries of the spike recording buffer, per batch.
    pub record_capacity: u32,
    /// Always 0, but unknown to the shader compiler: `rounded()` ORs it into a product
    /// so the product cannot be fused into a following addition (see
    /// `shaders/common/rounding.wgsl`).
    pub zero: u32,
    /// Entries of the procedural projection table.
    pub n_procedural: u32,
    /// Distance between two instances' parameter blocks: the length of instance 0's.
    pub params_stride: u32,
    /// Distance between two instances' stimulus tables.
    pub stimuli_stride: u32,
    /// Plastic synapses of one instance (each instance has its own synapse state).
    pub n_plastic: u32,
    /// Steps of spike lists kept for the postsynaptic side of plasticity: the longest
    /// plastic delay plus one (0 without plasticity).
    pub history_depth: u32,
    /// Synapses of rules with a per-step part (one instance), swept every step.
    pub n_sweep: u32,
    /// Invocations that walk one (spike, delay) part of a transposed row in
    /// plastic_post (a power of two up to the workgroup size, near the parts' mean
    /// length), so short parts do not leave most of a workgroup idle.
    pub post_lanes: u32,
    /// Words of state per plastic synapse and instance: `SYNAPSE_WORDS`, or 1 (the
    /// weight) when every plastic projection is a static one whose weight is swept.
    pub synapse_words: u32,
    /// 1: the stored table holds a set of rows per instance (some projection is
    /// drawn per instance), instance b's row of neuron i at `b · n_neurons + i`.
    pub stored_per_instance: u32,
    /// Instance b's random streams are those of instance `first_instance + b` of the
    /// whole study (`Network::first_instance`).
    pub first_instance: u32,
    /// 1: the plastic rule table holds every instance's rules (a rule parameter is
    /// swept), instance b's after b − 1's; 0: the instances share one table.
    pub rules_per_instance: u32,
    /// Words per plastic synapse in the rule-parameter table: the most words a rule
    /// varies per synapse (0: no rule does).
    pub rule_param_words: u32,
    /// Astrocyte units (per instance) and the populations they listen to.
    pub n_astrocytes: u32,
    pub n_astrocyte_inputs: u32,
    /// Where the astrocytes' words begin in `modulators`: after the rules', the level
    /// A of astrocyte a in instance b at `astrocyte_base + a · n_instances + b`, then
    /// the spikes of input j counted in the step at
    /// `astrocyte_base + (n_astrocytes + j) · n_instances + b`.
    pub astrocyte_base: u32,
    /// Entries of the probe table.
    pub n_probes: u32,
    /// Gap junction entries (each junction from both ends; 0: none, and the neuron
    /// update reads no coupling current).
    pub n_gap: u32,
    /// Three-factor synapses (one instance), listed in `sweep_synapse` after the
    /// `n_sweep` swept ones: `plastic_flush` brings them up to date.
    pub n_three_factor: u32,
    /// Steps one neuron-update dispatch integrates (`plan::window`): the spike list
    /// holds `window_steps · n_neurons · n_instances` entries, the recording follows.
    pub window_steps: u32,
}

/// Device-side clock and counters (a storage buffer of atomics).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Counters {
    /// The step that the next neuron update integrates.
    pub step: u32,
    /// Spikes of the window being propagated.
    pub prop_count: u32,
    /// The first step of the window whose spikes are being propagated.
    pub prop_step: u32,
    /// Spikes appended to the recording buffer in this batch (may exceed its capacity:
    /// the host then reports an overflow; it cannot by the plan's sizing).
    pub record_count: u32,
    /// Steps of the current batch run so far: where propagate_prepare notes the
    /// window's end of the recording in `step_ends`. Written with `record_count` and
    /// `batch_len` at the start of every batch.
    pub batch_step: u32,
    /// Steps of the current batch: a window ends at the batch's end.
    pub batch_len: u32,
    /// Fixed-point additions that overflowed i32: Poisson input saturates, a synaptic
    /// atomic wraps; either way the host stops the run with an error.
    pub saturation_count: u32,
    /// The earliest step with a saturation (u32::MAX when none).
    pub saturation_first_step: u32,
    /// The lowest ring index (instance, receptor, neuron) that saturated (u32::MAX when none).
    pub saturation_min_target: u32,
    /// Neuron updates that left a state variable NaN or infinite.
    pub nonfinite_count: u32,
    /// The earliest step with one (u32::MAX when none).
    pub nonfinite_first_step: u32,
    /// The lowest (instance, neuron) index with one (u32::MAX when none).
    pub nonfinite_min_neuron: u32,
    /// Invocations whose loops the driver cut short (lavapipe stops an invocation's
    /// loops, silently, after 65,535 iterations in all), and the lowest stage id
    /// among them (`STAGE_*`; u32::MAX when none).
    pub loop_cut_count: u32,
    pub loop_cut_stage: u32,
    /// Custom plasticity rule updates that left a weight or variable NaN or infinite,
    /// the earliest step with one and the lowest custom rule index among them
    /// (u32::MAX when none).
    pub rule_nonfinite_count: u32,
    pub rule_nonfinite_first_step: u32,
    pub rule_nonfinite_min_rule: u32,
    /// Spikes of the current window so far, per step of it: step k's lie in the
    /// spike list from `k · n_neurons · n_instances` on, so propagation takes the
    /// window's spikes step by step and its atomics stay within one ring slot at a
    /// time (`plan::window`).
    pub spike_counts: [u32; MAX_WINDOW_STEPS as usize],
    /// The window being propagated, its spikes numbered step by step: where step
    /// k's numbers end (prefix sums of its `spike_counts`).
    pub prop_ends: [u32; MAX_WINDOW_STEPS as usize],
}

impl Counters {
    /// The counters at step 0.
    pub fn initial() -> Self {
        Self {
            saturation_first_step: u32::MAX,
            saturation_min_target: u32::MAX,
            nonfinite_first_step: u32::MAX,
            nonfinite_min_neuron: u32::MAX,
            loop_cut_stage: u32::MAX,
            rule_nonfinite_first_step: u32::MAX,
            rule_nonfinite_min_rule: u32::MAX,
            ..Self::zeroed()
        }
    }
}

/// The stages whose loops a driver may cut short, as `Counters::loop_cut_stage` names
/// them (`STAGE_*` in faults.wgsl).
pub const STAGE_NAMES: [&str; 8] = [
    "neuron update",
    "propagation",
    "procedural propagation",
    "plastic propagation",
    "postsynaptic plasticity",
    "propagation preparation",
    "per-step plasticity",
    "gap coupling",
];

/// The name of stage `id` of `Counters::loop_cut_stage`.
pub fn stage_name(id: u32) -> &'static str {
    STAGE_NAMES.get(id as usize).copied().unwrap_or("unknown")
}

/// What every neuron kernel needs to know of one population (an array entry, in a
/// uniform or storage buffer: `gpu::uniform_tables`);
/// the model's own parameters are in the parameter block at `param_offset`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct PopulationInfo {
    /// Index of the population's first neuron.
    pub first: u32,
    pub size: u32,
    /// The population's stimuli: `stimuli[stim_first .. stim_first + stim_count]`.
    pub stim_first: u32,
    pub stim_count: u32,
    /// Start of the model's parameters in the parameter block.
    pub param_offset: u32,
    pub refractory_steps: u32,
    /// 1 when the population's spikes are recorded.
    pub record: u32,
    /// Distance between two neurons' parameter blocks: 0 when all share one, the
    /// block's length for a population with heterogeneous parameters.
    pub param_stride: u32,
    /// 2^-k: converts the fixed-point input of each receptor port to the model's unit.
    pub input_unit: [f32; MAX_RECEPTORS],
    /// Intrinsic plasticity: the bias current's fall per spike and rise per step
    /// (both 0 without it).
    pub ip_eta: f32,
    pub ip_step: f32,
    /// Where each block holds its neuron's refractory steps (a float word after the
    /// model's parameters) when they vary from neuron to neuron or between
    /// instances; `NEVER` when the population shares `refractory_steps`.
    pub refractory_word: u32,
    /// Where the population's readout lies in the readout buffer (`READOUT_WORDS`
    /// per neuron, instance-major), `NEVER` without one; −dt/τ of its trace.
    pub readout_base: u32,
    pub readout_decay: f32,
    /// To 16-byte alignment, so that the array can also be a uniform buffer.
    pub _pad: [u32; 3],
}

/// Words per neuron of a readout: spike count, step of the last spike, trace just
/// after it (f32 bits).
pub const READOUT_WORDS: u32 = 3;

/// Words of one neuron's block in its group's region of the state buffer: its
/// `state_count` variables (f32), padding, and its refractory counter (u32 bits) in
/// the last word, in whole 16-byte vectors. The update moves a block in
/// `state_count / 4 + 1` vector loads and stores (shaders/neuron_update.wgsl
/// `STATE_VECTORS`): on lavapipe every storage store is a loop over the SIMD lanes
/// and every load a gather of single words, and one vector for CUBA's three
/// variables and counter took 13% off the update's time against four separate arrays
/// (BENCHMARKS.md "A plain clock, a neuron's state in one block").
pub const fn state_words(state_count: u32) -> u32 {
    (state_count / 4 + 1) * 4
}

/// The neurons one neuron kernel updates: all populations of one model, which the
/// plan lays out next to each other (a uniform buffer per kernel).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct KindInfo {
    /// First neuron (of the network's index space) of the group.
    pub first_neuron: u32,
    /// Neurons in the group (one instance).
    pub size: u32,
    /// The group's populations: `populations[first_pop .. first_pop + pop_count]`.
    pub first_pop: u32,
    pub pop_count: u32,
    /// Start of the group's region of the state buffer (a multiple of 4 words), laid
    /// out `[instance][neuron of the group]` in blocks of [`state_words`] words.
    pub state_base: u32,
    pub _pad: [u32; 3],
}

/// Kinds of `StimulusParams`.
pub const STIMULUS_POISSON: u32 = 0;
pub const STIMULUS_DC: u32 = 1;
pub const STIMULUS_CURRENT_STREAM: u32 = 2;
/// Thresholds in a Poisson stimulus's CDF table: enough for a chunk mean of
/// `plan::POISSON_CHUNK_MEAN` (tested in `plan::poisson`).
pub const POISSON_TABLE: usize = 20;

/// One stimulus driving one population (an array entry, in a uniform or storage buffer:
/// `gpu::uniform_tables`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct StimulusParams {
    pub kind: u32,
    pub receptor: u32,
    /// Active for `start_step <= step < stop_step`.
    pub start_step: u32,
    pub stop_step: u32,
    /// DC amplitude (nA).
    pub amplitude: f32,
    /// Poisson: the count is drawn as a sum of this many counts of mean λ / chunks.
    pub chunks: u32,
    /// Poisson: the fixed-point weight of one event.
    pub weight_fixed: i32,
    /// Current stream: the stimulus's first row in the batch's current table (the
    /// row of instance b's neuron i is `stream_row + b · size + i`).
    pub stream_row: u32,
    /// Poisson: the CDF of one chunk's count as 24-bit thresholds
    /// (`plan::poisson::thresholds`).
    pub cdf: [u32; POISSON_TABLE],
}

// The shader reads the thresholds four to a vector.
const _: () = assert!(POISSON_TABLE.is_multiple_of(4));

/// One sampled state variable of one neuron (a storage array entry).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ProbeEntry {
    /// Index into the state buffer.
    pub state_index: u32,
    /// Sample every this many steps (steps that are multiples of it).
    pub every: u32,
    /// Start of the entry's group in the batch's probe buffer.
    pub group_base: u32,
    pub group_size: u32,
    /// Position within the group.
    pub local: u32,
    pub _pad: [u32; 3],
}

/// Value distributions a procedural projection draws from (`ProceduralProjection`).
pub const DRAW_CONSTANT: u32 = 0;
/// `a + b u`, u uniform in [0, 1).
pub const DRAW_UNIFORM: u32 = 1;
/// `a + b z`, z standard normal, redrawn outside [low, high].
pub const DRAW_NORMAL: u32 = 2;
/// `exp(a + b z)`, redrawn outside [low, high].
pub const DRAW_LOGNORMAL: u32 = 3;

/// Connectivity rules a procedural projection regenerates.
pub const RULE_ALL_TO_ALL: u32 = 0;
/// Geometric skipping with gap `floor(ln u · inv_log_q)`.
pub const RULE_FIXED_PROBABILITY: u32 = 1;
/// Row lengths from the `row_lengths` buffer, targets uniform with multapses.
pub const RULE_FIXED_TOTAL_NUMBER: u32 = 2;

/// A projection whose rows are regenerated from the counter RNG each time a
/// presynaptic neuron spikes (a storage array entry).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct ProceduralProjection {
    pub pre_first: u32,
    pub pre_size: u32,
    pub post_first: u32,
    pub post_size: u32,
    pub rule: u32,
    /// `receptor * n_neurons + post_first`: a target's offset in a ring slot, less
    /// its index in the post population.
    pub target_base: u32,
    /// 1 where pre and post are one population without autapses.
    pub exclude_self: u32,
    /// Fixed total number: where the projection's row lengths start in `row_lengths`.
    pub row_offset: u32,
    /// The third counter word of the projection's draws.
    pub stream: u32,
    /// Fixed probability: 1 / ln(1 − p) (0 for p = 1).
    pub inv_log_q: f32,
    pub weight_kind: u32,
    /// Weight parameters in nA (or µS): constant a; uniform a + b u; normal a + b z
    /// within [low, high].
    pub weight_a: f32,
    pub weight_b: f32,
    pub weight_low: f32,
    pub weight_high: f32,
    /// 2^k, the post population's fixed-point scale for this receptor.
    pub weight_scale: f32,
    pub delay_kind: u32,
    /// Delay parameters in steps, like the weight's; drawn delays are rounded to whole
    /// steps, at least one.
    pub delay_a: f32,
    pub delay_b: f32,
    pub delay_low: f32,
    pub delay_high: f32,
    /// 1: every instance draws its own rows (its own row lengths at
    /// `row_offset + instance · pre_size`); 0: the instances share them.
    pub per_instance: u32,
    /// 1: the rows are built into the stored table once, on the device, before the
    /// run (`Projection::built_on_device`), and propagate walks them there;
    /// 0: propagate_procedural regenerates them at every spike.
    pub built: u32,
    pub _pad: u32,
}

/// The synapses one propagate dispatch covers: its chunk of the synapse arrays (a
/// uniform; arrays larger than a storage binding are split into chunks).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct SynapseChunk {
    /// The first synapse of the chunk (index into the whole table).
    pub first: u32,
    /// One past the last.
    pub end: u32,
    /// `SynapseTable::delay_shift`: the bits below the delay in a target-delay word.
    pub delay_shift: u32,
    pub _pad: u32,
}

/// One dispatch of the build kernels (build_count, build_fill): rows
/// `first_row .. first_row + rows` of the built table (row = instance · n_neurons +
/// presynaptic neuron), their part counts or starts from row `batch_first` on in the
/// `part_counts` buffer, and (build_fill) the chunk of the synapse arrays it writes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct BuildPass {
    pub first_row: u32,
    pub rows: u32,
    pub batch_first: u32,
    /// The chunk's first synapse and one past its last (indices into the whole table).
    pub first: u32,
    pub end: u32,
    /// `SynapseTable::delay_shift` of the built table.
    pub delay_shift: u32,
    pub _pad: [u32; 2],
}

/// Plasticity rules of `PlasticRule::kind`.
pub const PLASTIC_STDP: u32 = 0;
pub const PLASTIC_STDP_TRIPLET: u32 = 1;
pub const PLASTIC_TSODYKS2: u32 = 2;
/// Three-factor: STDP pairings feed an eligibility trace; a neuromodulator turns it
/// into weight change, integrated exactly whenever the synapse is touched (its pre
/// or post events, a periodic `plastic_flush`).
pub const PLASTIC_DOPAMINE: u32 = 3;
/// Trace-based Hebbian growth with Oja normalisation and decay, swept every step.
pub const PLASTIC_HEBBIAN: u32 = 4;
/// Homeostatic synaptic scaling toward a target rate, swept every step.
pub const PLASTIC_SCALING: u32 = 5;
/// A static projection with a weight per instance (a weight sweep): no updates.
pub const PLASTIC_STATIC: u32 = 6;
/// Error-modulated (delta-rule) learning: the postsynaptic neuron's error, set by the
/// host, times the presynaptic trace, swept every step.
pub const PLASTIC_ERROR: u32 = 7;
/// User rules in WGSL: `PLASTIC_CUSTOM + k` for the plan's k-th distinct custom rule.
pub const PLASTIC_CUSTOM: u32 = 16;

/// `PlasticRule::modulator`: a level the host sets and the device holds, or a trace
/// that decays with τ_n, driven by a population's spikes and what the host adds.
pub const MODULATOR_LEVEL: u32 = 1;
pub const MODULATOR_TRACE: u32 = 2;
/// `PlasticRule::modulator` of an STDP rule scaled by an astrocyte (its index in
/// `vt_first`).
pub const MODULATOR_ASTROCYTE: u32 = 3;

/// Words of one plastic synapse's state (`syn_state`, per instance): the weight, the
/// eligibility trace (three-factor rules), then per side (pre, post) the step of the
/// last event and two traces just before it. Steps are stored as integers, floats as
/// their bits.
pub const SYNAPSE_WORDS: u32 = 8;
/// A `last` step that means "no event yet".
pub const NEVER: u32 = u32::MAX;
/// A three-factor rule's neuromodulator n per instance (`modulators`): a header, then
/// a ring of the last `MODULATOR_HISTORY` entries `[step + 1, n after that step]` in
/// step order (the first, `[0, 0]`, is "0 before step 0"). Between entries n follows
/// its law (a trace decays by e^(−dt/τ_n) per step, a level is held), so a synapse
/// touched only at its own spikes can integrate the weight change exactly over any
/// stretch (src/cpu/modulator.rs). Header words: the modulating spikes counted in the
/// current step; 1 + the step from which a level the host set applies (0: none) and
/// that level; entries appended so far; the law (0: not a three-factor rule,
/// `MODULATOR_LEVEL`, `MODULATOR_TRACE`); −dt/τ_n (0 for a level); 1/τ_n.
pub const MODULATOR_COUNT: u32 = 0;
pub const MODULATOR_PENDING_STEP: u32 = 1;
pub const MODULATOR_PENDING_VALUE: u32 = 2;
pub const MODULATOR_HEAD: u32 = 3;
pub const MODULATOR_LAW: u32 = 4;
pub const MODULATOR_DECAY: u32 = 5;
pub const MODULATOR_JUMP: u32 = 6;
pub const MODULATOR_HEADER: u32 = 8;
/// Entries kept per rule and instance: at least `FLUSH_STEPS`, so that an entry is
/// overwritten only after every synapse has integrated past it.
pub const MODULATOR_HISTORY: u32 = 256;
pub const MODULATOR_WORDS: u32 = MODULATOR_HEADER + 2 * MODULATOR_HISTORY;
/// Every `FLUSH_STEPS` steps (at the end of the steps s with (s + 1) % FLUSH_STEPS
/// == 0) every three-factor synapse is brought up to date (`plastic_flush`), so no
/// synapse needs an entry older than the ring keeps: at most one entry is appended
/// per step.
pub const FLUSH_STEPS: u32 = 250;
const _: () = assert!(FLUSH_STEPS <= MODULATOR_HISTORY);

/// Whether three-factor synapses are brought up to date at the end of `step`.
pub fn flushes_after(step: u64) -> bool {
    (step + 1).is_multiple_of(u64::from(FLUSH_STEPS))
}

/// One plastic projection's rule, lowered (a storage array entry). Time constants
/// enter as −dt/τ so a trace decays by `exp(−dt/τ · elapsed steps)`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct PlasticRule {
    pub kind: u32,
    /// 1: traces reset to 1 at a spike (nearest-neighbour pairing); 0: they add 1.
    pub nearest: u32,
    /// −dt/τ of the presynaptic traces (τ₊, τ_x; Tsodyks: τ_fac for u, τ_rec for x).
    pub pre_decay: [f32; 2],
    /// −dt/τ of the postsynaptic traces (τ₋, τ_y).
    pub post_decay: [f32; 2],
    /// The weight bounds (0 for rules that do not change the weight) and 1 / w_max.
    pub w_max: f32,
    pub inv_w_max: f32,
    /// STDP: λ, α λ, μ₊, μ₋. Triplet: A₂₊, A₂₋, A₃₊, A₃₋. Tsodyks: U. Dopamine: A₊,
    /// A₋, b, τ_n/dt (0 for a level). Hebbian: η dt, α, γ dt. Scaling: dt/τ_scaling, 1/r_target (1/Hz),
    /// 1000/τ_rate (Hz per unit of trace). Custom: parameters 1–4 (5–8 in `m`), in
    /// name order.
    pub c: [f32; 4],
    /// 2^k, the post population's fixed-point scale for this receptor.
    pub weight_scale: f32,
    pub w_min: f32,
    /// 0 (none), `MODULATOR_LEVEL` or `MODULATOR_TRACE`, or `MODULATOR_ASTROCYTE`.
    pub modulator: u32,
    pub _pad0: u32,
    /// Dopamine, for c(t) = c e^(−t/τ_c) and n(t) = n e^(−t/τ_n) (a level: τ_n = ∞):
    /// ∫₀^T c n dt = c n m[0] (1 − e^(T (m[2] + m[3]) / dt)), ∫₀^T c dt = c m[1] (1 −
    /// e^(T m[2] / dt)): m = [1/(1/τ_c + 1/τ_n), τ_c, −dt/τ_c, −dt/τ_n] (ms).
    pub m: [f32; 4],
    /// 1/τ_n (1/ms): the modulator's jump per modulating spike.
    pub inv_tau_n: f32,
    /// The modulating population's neurons `[vt_first, vt_first + vt_size)`; for
    /// `MODULATOR_ASTROCYTE`, the astrocyte's index in `vt_first`.
    pub vt_first: u32,
    pub vt_size: u32,
    /// Bit i set: word i of this record differs between the rule's synapses, which
    /// keep their own values of the set words (in word order) in the rule-parameter
    /// table (`Config::rule_param_words` per synapse); 0: all share this record.
    pub own_words: u32,
}

impl PlasticRule {
    /// The first of the record's floats that is not finite, by name: a parameter
    /// whose lowered form overflows f32 (a target rate of 1e-40 Hz, whose inverse
    /// the scaling rule keeps) would make the weights NaN.
    pub fn non_finite(&self) -> Option<&'static str> {
        let floats: [(&'static str, &[f32]); 9] = [
            ("pre_decay", &self.pre_decay),
            ("post_decay", &self.post_decay),
            ("w_max", std::slice::from_ref(&self.w_max)),
            ("1/w_max", std::slice::from_ref(&self.inv_w_max)),
            ("c", &self.c),
            ("weight_scale", std::slice::from_ref(&self.weight_scale)),
            ("w_min", std::slice::from_ref(&self.w_min)),
            ("m", &self.m),
            ("1/tau_n", std::slice::from_ref(&self.inv_tau_n)),
        ];
        floats
            .into_iter()
            .find(|(_, words)| words.iter().any(|w| !w.is_finite()))
            .map(|(name, _)| name)
    }
}

/// Words of a `PlasticRule` record.
pub const RULE_WORDS: usize = size_of::<PlasticRule>() / 4;
/// The words of a `PlasticRule` that a rule parameter can change (the floats other
/// than `weight_scale`): the only ones a synapse may hold its own value of.
pub const RULE_PARAMETER_WORDS: u32 = 0x3FF << 2 | 1 << 13 | 0x1F << 16;

/// Arguments of an indirect dispatch.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct DispatchArgs {
    pub x: u32,
    pub y: u32,
    pub z: u32,
}

/// The most receptor ports a neuron model may have (the kernels' input vectors).
pub const MAX_RECEPTORS: usize = 4;
// The shaders hold a neuron's receptor inputs in a vec4 (`SynapticInput`).
const _: () = assert!(MAX_RECEPTORS == 4);

/// Invocations per workgroup of the per-neuron kernels.
pub const NEURON_WORKGROUP: u32 = 64;
/// Invocations that walk one spiking neuron's row in `propagate`.
pub const PROPAGATE_WORKGROUP: u32 = 64;
/// Largest workgroup count per dispatch dimension (WebGPU's default limit).
pub const MAX_WORKGROUPS_PER_DIM: u32 = 65535;

/// A 2-D workgroup grid covering `groups` workgroups within the per-dimension limit.
pub fn grid(groups: u32) -> (u32, u32) {
    if groups <= MAX_WORKGROUPS_PER_DIM {
        (groups, 1)
    } else {
        (
            MAX_WORKGROUPS_PER_DIM,
            groups.div_ceil(MAX_WORKGROUPS_PER_DIM),
        )
    }
}
