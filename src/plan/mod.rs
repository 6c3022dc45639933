//! The model lowered to what a device runs: propagators, connectivity in rows,
//! fixed-point units, buffer sizes, the batch length and the memory estimate. Every
//! size decision lives here, and all of it is testable without a GPU. Both backends
//! (`gpu` and `cpu`) execute the same `Plan`.

pub mod astrocyte;
mod baked_params;
mod built;
mod connectivity;
mod gap;
pub mod host_memory;
pub mod layout;
pub mod memory;
mod neurons;
mod parrot;
mod plastic;
pub mod poisson;
mod procedural;
pub(crate) mod propagator;
mod traffic;
pub mod window;

pub use crate::model::delay_to_steps;
pub use crate::model::spike_step;
pub use astrocyte::AstrocyteTable;
pub use built::{place_parts, BuiltPlan, BUILD_BATCH_ROWS};
pub use connectivity::{
    draw_chunk, draw_chunks, draw_projection, DrawnSynapses, SynapseTable, DRAW_CHUNK,
};
pub use gap::GapTable;
pub use neurons::{initial_state, lower, LoweredNeuron, NeuronKind, MAX_STATE};
pub use plastic::{lower_rule, PlasticProjection, PlasticTable, RuleLink};
pub use propagator::{propagator_31, propagator_32, AlphaPropagators, IafPscExpPropagators};

use bytemuck::Zeroable;
use thiserror::Error;

use crate::cpu::rng::HostStream;
use crate::model::{
    Connectivity, CustomNeuron, Network, NeuronModel, Recorder, Stimulus, ValidationErrors,
};
use connectivity::{build_rows, delay_shift, draw_values, GlobalSynapse, STREAM_INITIAL};
use layout::{
    Config, KindInfo, PopulationInfo, ProbeEntry, ProceduralProjection, StimulusParams,
    MAX_RECEPTORS, NEVER, STIMULUS_CURRENT_STREAM, STIMULUS_DC, STIMULUS_POISSON,
};
use procedural::PendingProcedural;

/// Receptor ports every network has at least (excitatory, inhibitory); models may
/// declare up to `layout::MAX_RECEPTORS`, and the ring has as many as the most any
/// population has.
pub const RECEPTORS: u32 = 2;
/// The most steps recorded into one command batch.
pub const MAX_BATCH_STEPS: u32 = 500;

// A run's last batch must end below 2^32 steps (`Simulation::step_limit`).
const _: () = assert!(crate::model::MAX_RUN_STEPS + MAX_BATCH_STEPS as u64 == u32::MAX as u64);
/// Entries of the spike recording buffer the planner aims for (4 bytes each). The
/// batch is shortened until every recorded neuron spiking in every step still fits,
/// so recording cannot overflow.
pub const RECORD_BUDGET_ENTRIES: u64 = 4 << 20;
/// A Poisson count is drawn as a sum of counts of mean at most this, each by
/// inversion through a table of `layout::POISSON_TABLE` thresholds (which must reach
/// the CDF's last 2^-25 at this mean) and a scan of about mean + 1 of them.
pub const POISSON_CHUNK_MEAN: f64 = 4.0;
/// The fixed-point unit of a receptor is chosen so that the largest input a neuron can
/// receive in one step stays below 2^FIXED_POINT_HEADROOM_BITS (half the i32 range).
pub const FIXED_POINT_HEADROOM_BITS: i32 = 30;

/// Every device buffer is at least this large, so that a binding always covers one
/// element of its array type.
pub const MIN_BUFFER_BYTES: u64 = 256;

/// Problems found while lowering a valid model.
#[derive(Debug, Error)]
pub enum PlanError {
    #[error("invalid model:\n{0}")]
    Invalid(#[from] ValidationErrors),
    #[error("parameter sweep: {0}")]
    Sweep(String),
    /// A plan whose fields disagree (a plan edited before `Simulation::from_plan`).
    #[error("inconsistent plan: {0}")]
    Inconsistent(String),
    #[error("heterogeneous parameters of {0}")]
    Heterogeneous(String),
    #[error(
        "`populations[{population}].input_scale_log2[{port}]` = {given}: a finer unit than \
         the largest input allows (at most {limit}), so the input could overflow"
    )]
    InputUnit {
        population: String,
        port: usize,
        given: i32,
        limit: i32,
    },
    #[error(
        "`populations[{population}]`: its parameters lowered for the device overflow \
         32-bit floats (word {word} of its parameter block); a time constant or a \
         capacitance is too small or too large for the step, or a current too large"
    )]
    NonFiniteParameters { population: String, word: usize },
    #[error(
        "`projections[{projection}].plasticity`: the rule's parameters lowered for the \
         device overflow 32-bit floats ({word}); a rate or amplitude is too large, or a \
         bound or time constant too small"
    )]
    NonFiniteRule {
        projection: usize,
        word: &'static str,
    },
    #[error(
        "`{field}.weight` = {weight}: its target port's fixed-point unit is {unit:e}, sized \
         for the most input the port can receive in one step, so it would arrive as {held}; \
         an input this small beside an extreme Poisson rate or in-degree onto the same port \
         cannot be represented"
    )]
    WeightUnit {
        field: String,
        weight: f64,
        held: f64,
        unit: f64,
    },
    #[error(
        "`{field}.weight`: its values reach at most {largest} in magnitude, fewer than 50 \
         units of its target port's fixed-point unit {unit:e} (sized for the most input \
         the port can receive in one step), so even the largest would arrive rounded by \
         up to 1%, and smaller ones by more, or as 0; weights this small beside an extreme Poisson rate or in-degree \
         onto the same port cannot be represented"
    )]
    WeightsUnit {
        field: String,
        largest: f64,
        unit: f64,
    },
    #[error(
        "`populations[{population}]` receptor port {port} can receive up to {bound:e} nA in \
         one step ({synaptic:e} nA from the projections onto it at their largest weights, \
         {stimuli:e} nA from its stimuli), beyond the fixed-point range (at most \
         2^{max_log2} nA); the weights or stimuli onto it are too large"
    )]
    InputRange {
        population: String,
        port: usize,
        bound: f64,
        synaptic: f64,
        stimuli: f64,
        max_log2: i32,
    },
    #[error(
        "the network has {count} {what}, more than the {limit} one simulation can index; \
         split it or use fewer instances"
    )]
    TooMany {
        what: &'static str,
        count: u64,
        limit: u64,
    },
    #[error(
        "the network has {count} stored synapses (expected before drawing or building), \
         more than the {limit} one simulation can index; the largest: {largest}. Mark \
         projections procedural (`procedural = true`: regenerated at each spike, never \
         stored), make them sparser, or split the network"
    )]
    StoredSynapses {
        count: u64,
        limit: u64,
        largest: String,
    },
    #[error("{0}")]
    HostMemory(Box<host_memory::HostShortfall>),
    #[error(
        "stored synapses keep target and delay in one 32-bit word, but {targets} ring \
         targets (receptors × neurons) and delays of up to {max_delay} steps do not fit \
         in it; make the largest projections procedural, or shorten the longest delay"
    )]
    SynapseWord { targets: u64, max_delay: u32 },
}

/// One population, lowered. Populations are laid out grouped by neuron kind (in the
/// order of `NeuronKind`, then in model order), so each kind's kernel covers one range.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationPlan {
    pub name: String,
    pub kind: NeuronKind,
    /// The variables a recorder can sample, in storage order.
    pub state_variables: Vec<String>,
    pub state_count: u32,
    pub first: u32,
    pub size: u32,
    pub info: PopulationInfo,
    pub record_spikes: bool,
    /// log2 of the fixed-point scale of each receptor's input (unit = 2^-k).
    pub input_scale_log2: [i32; MAX_RECEPTORS],
    /// Stored `v` plus this is the membrane potential (mV).
    pub v_offset: f32,
    /// Where `v_rest` varies by neuron or instance: each neuron's offset instead,
    /// `[instance][neuron]`; empty otherwise.
    pub v_offsets: Vec<f32>,
}

/// The neurons of one kind, updated by one kernel.
#[derive(Debug, Clone, PartialEq)]
pub struct KindGroup {
    pub kind: NeuronKind,
    pub state_count: u32,
    pub info: KindInfo,
}

impl KindGroup {
    /// Where word `word` of the state block of neuron `in_group` (its index in the
    /// group) of `instance` lies in the state buffer (`layout::state_words`).
    pub fn state_index(&self, instance: u32, in_group: u32, word: u32) -> usize {
        debug_assert!(
            self.info.state_base.is_multiple_of(4),
            "blocks start on a vector"
        );
        debug_assert!(word < layout::state_words(self.state_count));
        let neuron = instance as usize * self.info.size as usize + in_group as usize;
        self.info.state_base as usize
            + neuron * layout::state_words(self.state_count) as usize
            + word as usize
    }
}

/// A group of probes sampled together.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeGroup {
    /// The instance of the ensemble sampled.
    pub instance: u32,
    pub population: String,
    pub variable: String,
    pub neurons: Vec<u32>,
    pub every: u32,
    /// Start of the group in the batch's probe buffer.
    pub base: u32,
    /// Largest number of samples one batch can hold.
    pub samples_per_batch: u32,
}

impl ProbeGroup {
    /// Steps of `first .. first + count` at which the group samples.
    pub fn sample_steps(&self, first: u64, count: u64) -> impl Iterator<Item = u64> + '_ {
        let every = u64::from(self.every);
        let start = first.div_ceil(every) * every;
        (start..first + count).step_by(every as usize)
    }
}

/// A device buffer the plan will allocate.
#[derive(Debug, Clone, PartialEq)]
pub struct BufferPlan {
    pub name: &'static str,
    pub bytes: u64,
    pub purpose: &'static str,
}

/// The lowered network.
#[derive(Debug, Clone)]
pub struct Plan {
    pub dt_ms: f64,
    pub seed: u64,
    pub config: Config,
    /// In index order (grouped by kind).
    pub populations: Vec<PopulationPlan>,
    pub groups: Vec<KindGroup>,
    /// The distinct custom models, indexed by `NeuronKind::Custom`.
    pub custom_models: Vec<CustomNeuron>,
    /// The distinct custom plasticity rules, indexed by `kind − PLASTIC_CUSTOM`.
    pub custom_rules: Vec<crate::model::CustomRule>,
    /// The models' parameter blocks, addressed by `PopulationInfo::param_offset`.
    pub params: Vec<f32>,
    pub stimuli: Vec<StimulusParams>,
    /// Stored static synapses.
    pub synapses: SynapseTable,
    /// Stored plastic synapses.
    pub plastic: PlasticTable,
    /// The astrocyte units.
    pub astrocytes: AstrocyteTable,
    /// The gap junctions, by neuron.
    pub gap: GapTable,
    /// Projections regenerated from the RNG when a presynaptic neuron spikes, and
    /// those built on the device from the same generator (`built`).
    pub procedural: Vec<ProceduralProjection>,
    /// The stored table of the projections built on the device.
    pub built: BuiltPlan,
    /// Row lengths of the procedural fixed-total-number projections.
    pub row_lengths: Vec<u32>,
    /// Synapses of each procedural projection (exact for all-to-all and fixed total
    /// number, expected for fixed probability).
    pub procedural_synapses: Vec<f64>,
    /// Initial state: each group's region, layout `[instance][neuron][word]` in
    /// blocks of `layout::state_words` words, the refractory counters (0) included.
    pub initial_state: Vec<f32>,
    pub probe_groups: Vec<ProbeGroup>,
    pub probes: Vec<ProbeEntry>,
    /// Steps recorded into one command batch.
    pub batch_steps: u32,
    /// Probe buffer entries per batch.
    pub probe_capacity: u32,
    /// The `spike_source_stream` populations' events queued at the start, as (step,
    /// row of the stream table: `stream_row`), every instance's.
    pub stream_events: Vec<(u64, u32)>,
    pub buffers: Vec<BufferPlan>,
    /// Steps from the shortest delay to the longest, both included (0 without
    /// synapses): the ring slots one spike's row can add into.
    pub delay_span: u32,
}

/// Events a batch's stream table holds at least (more where the stream rows are more:
/// one step's events always fit).
pub const STREAM_MIN_EVENTS: u64 = 1 << 16;

/// Words a batch's current table holds at most (more only where one step's rows
/// need more).
pub const CURRENT_TABLE_WORDS: u64 = 1 << 22;

/// Events one batch's stream table holds for `rows` stream rows.
pub fn stream_capacity(rows: u64) -> u64 {
    rows.max(STREAM_MIN_EVENTS)
}

impl Plan {
    /// The invariants a simulation relies on among the plan's own fields, for a plan
    /// edited after `Plan::new` (its fields are public: tests shorten batches or
    /// force faults): a positive step, at least one instance and one step per batch,
    /// the populations covering the neurons in order, each kind's state region where
    /// its predecessor's ends, and an initial state of that size. Not a proof that
    /// every table is right; `Plan::new`'s plans pass.
    pub fn check_consistent(&self) -> Result<(), PlanError> {
        let fail = |what: String| Err(PlanError::Inconsistent(what));
        if !(self.dt_ms.is_finite() && self.dt_ms > 0.0) {
            return fail(format!(
                "dt_ms = {}: must be a finite time above 0",
                self.dt_ms
            ));
        }
        let (n_neurons, instances) = (self.config.n_neurons, self.config.n_instances);
        if instances == 0 || self.batch_steps == 0 {
            return fail(format!(
                "{instances} instances, {} steps per batch: at least 1 each",
                self.batch_steps
            ));
        }
        let mut first = 0u32;
        for p in &self.populations {
            if p.first != first || p.size == 0 {
                return fail(format!(
                    "population `{}` starts at neuron {} with {} neurons; the one before \
                     ends at {first}",
                    p.name, p.first, p.size
                ));
            }
            if (p.info.first, p.info.size) != (p.first, p.size) {
                return fail(format!(
                    "population `{}` has neurons {}..+{}, its device block {}..+{}",
                    p.name, p.first, p.size, p.info.first, p.info.size
                ));
            }
            first = first.saturating_add(p.size);
        }
        if first != n_neurons {
            return fail(format!(
                "the populations hold {first} neurons, config.n_neurons says {n_neurons}"
            ));
        }
        let mut state = 0u64;
        for g in &self.groups {
            if u64::from(g.info.state_base) != state {
                return fail(format!(
                    "the {} neurons' state starts at word {}, not {state}",
                    g.kind.name(),
                    g.info.state_base
                ));
            }
            state += u64::from(layout::state_words(g.state_count))
                * u64::from(g.info.size)
                * u64::from(instances);
        }
        if self.initial_state.len() as u64 != state {
            return fail(format!(
                "{} initial state values for {state} state words",
                self.initial_state.len()
            ));
        }
        Ok(())
    }

    /// Validates and lowers `network`.
    #[tracing::instrument(name = "plan", skip_all)]
    pub fn new(network: &Network) -> Result<Self, PlanError> {
        network.validate()?;
        let network = &*parrot::inputs_as_events(network);
        // Refused before the first synapse is drawn: a table too large to index, or a
        // plan the host cannot hold.
        check_stored_synapses(network)?;
        host_memory::check(
            network,
            &memory::estimate(network),
            host_memory::available(),
        )?;
        let dt = network.dt_ms;
        let n_instances = network.instances;
        // Every per-instance draw is keyed by the instance's place in the whole study.
        let first_instance = network.first_instance;
        let total: u64 = network.populations.iter().map(|p| u64::from(p.size)).sum();
        let n_receptors = network
            .populations
            .iter()
            .map(|p| p.neuron.receptor_count() as u32)
            .max()
            .unwrap_or(RECEPTORS)
            .max(RECEPTORS);
        let n_neurons = limit("neurons", total, u64::from(u32::MAX / n_receptors))?;
        limit(
            "neurons in all instances",
            total * (u64::from(n_instances) + u64::from(network.first_instance)),
            u64::from(u32::MAX / n_receptors),
        )?;

        // Each population's kernel: a built-in model's, or one per distinct custom model.
        let mut custom_models: Vec<CustomNeuron> = Vec::new();
        let kinds: Vec<NeuronKind> = network
            .populations
            .iter()
            .map(|p| match &p.neuron {
                NeuronModel::Custom(c) => {
                    let index = custom_models
                        .iter()
                        .position(|m| m == c)
                        .unwrap_or_else(|| {
                            custom_models.push(c.clone());
                            custom_models.len() - 1
                        });
                    NeuronKind::Custom(index as u32)
                }
                model => NeuronKind::built_in(model).expect("built in"),
            })
            .collect();
        // Index order: grouped by kind, model order within a kind.
        let mut order: Vec<usize> = (0..network.populations.len()).collect();
        order.sort_by_key(|&i| kinds[i]);
        let mut firsts = vec![0u32; network.populations.len()];
        let mut first = 0u32;
        for &i in &order {
            firsts[i] = first;
            first += network.populations[i].size;
        }
        let pop_index = |name: &str| {
            network
                .populations
                .iter()
                .position(|p| p.name == name)
                .expect("validated")
        };
        // Synapses in global indices, with the largest input per neuron and receptor.
        let mut drawn = Vec::new();
        let mut bound = vec![0f64; (n_neurons * n_receptors) as usize];
        let mut max_delay = 1u32;
        // The shortest delay bounds the steps one dispatch may integrate (`window`).
        let mut min_delay = u32::MAX;
        let mut pending_procedural = Vec::new();
        let mut row_lengths = Vec::new();
        let mut plastic_drawn = Vec::new();
        let mut stored = draw_stored(network, pop_index);
        for (index, projection) in network.projections.iter().enumerate() {
            let pre = pop_index(&projection.pre);
            let post = pop_index(&projection.post);
            if projection.generated_by().is_some() {
                if matches!(projection.connectivity, Connectivity::FixedProbability { p, .. } if p <= 0.0)
                {
                    // No synapse to regenerate or build (and no finite 1 / ln(1 − p)).
                    continue;
                }
                let pending = PendingProcedural::new(
                    projection,
                    index as u32,
                    (firsts[pre], network.populations[pre].size),
                    (firsts[post], network.populations[post].size),
                    pre == post,
                    network.seed,
                    dt,
                    (first_instance, n_instances),
                    &mut row_lengths,
                );
                let receptor = projection.receptor.index() as u32;
                let offset = (receptor * n_neurons + firsts[post]) as usize;
                for b in &mut bound[offset..offset + network.populations[post].size as usize] {
                    *b += pending.input_bound;
                }
                max_delay = max_delay.max(pending.max_delay_steps);
                min_delay = min_delay.min(pending.min_delay_steps);
                pending_procedural.push(pending);
                continue;
            }
            let receptor = projection.receptor.index() as u32;
            if drawn_per_instance(network, index) {
                // One set of synapses per instance: the unit must hold the largest
                // input any instance's wiring gives a neuron.
                let sets = std::mem::take(&mut stored[index]);
                let offset = (receptor * n_neurons + firsts[post]) as usize;
                let mut worst = vec![0f64; network.populations[post].size as usize];
                for d in &sets {
                    let mut sums = vec![0f64; worst.len()];
                    for (&j, &w) in d.post.iter().zip(&d.weight) {
                        sums[j as usize] += w.abs();
                    }
                    for (m, s) in worst.iter_mut().zip(sums) {
                        *m = m.max(s);
                    }
                    max_delay = max_delay.max(d.delay_steps.iter().copied().max().unwrap_or(1));
                    min_delay =
                        min_delay.min(d.delay_steps.iter().copied().min().unwrap_or(u32::MAX));
                }
                for (b, w) in bound[offset..offset + worst.len()].iter_mut().zip(worst) {
                    *b += w;
                }
                for (instance, d) in sets.into_iter().enumerate() {
                    drawn.push((
                        Some(instance as u32),
                        firsts[pre],
                        firsts[post],
                        receptor,
                        d,
                    ));
                }
                continue;
            }
            let d = stored[index].pop().expect("drawn");
            // A plastic weight can grow to w_max; a swept one takes each instance's value.
            let swept = weight_sweep(network, index);
            let w_max = swept_rules(network, index)
                .map_err(PlanError::Sweep)?
                .iter()
                .chain(projection.plasticity.as_ref())
                .filter_map(|r| r.largest_weight())
                .reduce(f64::max)
                .or_else(|| swept.map(|v| v.iter().fold(0f64, |m, w| m.max(w.abs()))));
            // Where the rule's parameters vary per synapse, each synapse's own bound.
            let mut rule = projection.plasticity.clone();
            let mut bounds = Vec::with_capacity(d.post.len());
            for (s, (&j, &w)) in d.post.iter().zip(&d.weight).enumerate() {
                let largest = match rule.as_mut() {
                    Some(rule) if !d.rule_values.is_empty() => {
                        projection
                            .synapse_rule(rule, &d.rule_values, s)
                            .map_err(|e| heterogeneous_rule(index, e))?;
                        rule.largest_weight()
                    }
                    _ => w_max,
                };
                let largest = largest.unwrap_or(w).abs();
                bound[(receptor * n_neurons + firsts[post] + j) as usize] += largest;
                bounds.push(largest);
            }
            max_delay = max_delay.max(d.delay_steps.iter().copied().max().unwrap_or(1));
            min_delay = min_delay.min(d.delay_steps.iter().copied().min().unwrap_or(u32::MAX));
            if projection.plasticity.is_some() || swept.is_some() {
                plastic_drawn.push((index, firsts[pre], firsts[post], receptor, d, bounds));
            } else {
                drawn.push((None, firsts[pre], firsts[post], receptor, d));
            }
        }
        // With any stored projection per instance (drawn on the host or built on the
        // device), each table holds one set of rows per instance (shared projections
        // copied into each).
        let rows_per_instance = drawn.iter().any(|d| d.0.is_some())
            || pending_procedural
                .iter()
                .any(|p| p.built() && p.per_instance());
        let row_sets = if rows_per_instance { n_instances } else { 1 };
        let n_synapses: u64 = drawn
            .iter()
            .map(|d| {
                d.4.pre.len() as u64
                    * if d.0.is_some() {
                        1
                    } else {
                        u64::from(row_sets)
                    }
            })
            .sum();
        limit("synapses", n_synapses, u64::from(u32::MAX))?;
        let n_plastic: u64 = plastic_drawn.iter().map(|d| d.4.pre.len() as u64).sum();
        let words = if plastic_drawn
            .iter()
            .all(|d| network.projections[d.0].plasticity.is_none())
        {
            1
        } else {
            layout::SYNAPSE_WORDS
        };
        limit(
            "plastic synapse state words",
            n_plastic * u64::from(words) * u64::from(n_instances),
            u64::from(u32::MAX),
        )?;
        limit(
            "plastic projections",
            plastic_drawn.len() as u64,
            u64::from(plastic::MAX_PLASTIC_RULES),
        )?;

        // Stimuli grouped by target population, for one instance's network.
        // Each lowered stimulus with its weight in f64 (converted to fixed point once the
        // population's unit is known, from f64 like the synaptic weights).
        let lower_stimuli = |net: &Network| {
            let mut stimuli_of: Vec<Vec<(StimulusParams, f64)>> =
                vec![Vec::new(); net.populations.len()];
            // Each current stream's rows in the current table, one per neuron and
            // instance, in stimulus order.
            let mut current_rows = 0u32;
            let mut poisson_bound = vec![[0f64; MAX_RECEPTORS]; net.populations.len()];
            for stimulus in &net.stimuli {
                let target = pop_index(stimulus.target());
                // Segments of one stimulus do not overlap in time: its largest is the bound.
                let mut bound_of_stimulus = [0f64; MAX_RECEPTORS];
                for segment in stimulus.segments() {
                    let mut params = StimulusParams::zeroed();
                    let mut weight_f64 = 0.0;
                    let (start, stop) = match segment {
                        Stimulus::Poisson {
                            rate_hz,
                            weight,
                            receptor,
                            start_ms,
                            stop_ms,
                            ..
                        } => {
                            let lambda = rate_hz * dt / 1000.0;
                            let chunks = (lambda / POISSON_CHUNK_MEAN).ceil();
                            params.kind = STIMULUS_POISSON;
                            params.receptor = receptor.index() as u32;
                            params.chunks = chunks as u32;
                            if chunks > 0.0 {
                                params.cdf = poisson::thresholds(lambda / chunks);
                            }
                            // A count this large has probability far below 1e-20 per draw;
                            // beyond it the device saturates and reports rather than wraps.
                            let max_count = lambda + 10.0 * lambda.sqrt() + 10.0;
                            let r = receptor.index();
                            bound_of_stimulus[r] =
                                bound_of_stimulus[r].max(weight.abs() * max_count);
                            weight_f64 = weight;
                            (start_ms, stop_ms)
                        }
                        Stimulus::Dc {
                            amplitude_na,
                            start_ms,
                            stop_ms,
                            ..
                        } => {
                            params.kind = STIMULUS_DC;
                            params.amplitude = amplitude_na as f32;
                            (start_ms, stop_ms)
                        }
                        Stimulus::CurrentStream { .. } => {
                            params.kind = STIMULUS_CURRENT_STREAM;
                            params.stream_row = current_rows;
                            current_rows += net.populations[target].size * n_instances;
                            (0.0, None)
                        }
                        Stimulus::StepCurrent { .. } | Stimulus::InhomogeneousPoisson { .. } => {
                            unreachable!("segments() lowers schedules into DC and Poisson segments")
                        }
                    };
                    params.start_step = time_to_step(start, dt);
                    params.stop_step = stop.map_or(u32::MAX, |s| time_to_step(s, dt));
                    stimuli_of[target].push((params, weight_f64));
                }
                for (r, b) in bound_of_stimulus.into_iter().enumerate() {
                    poisson_bound[target][r] += b;
                }
            }
            (stimuli_of, poisson_bound)
        };
        // Every instance's network: the network itself without sweeps (no copies of
        // its connectivity lists), else a copy with the instance's swept values.
        let instance_networks: Vec<std::borrow::Cow<'_, Network>> = if network.sweeps.is_empty() {
            vec![std::borrow::Cow::Borrowed(network); n_instances as usize]
        } else {
            (0..n_instances)
                .map(|b| network.instance(b).map(std::borrow::Cow::Owned))
                .collect::<Result<_, _>>()
                .map_err(PlanError::Sweep)?
        };
        let mut lowered_stimuli: Vec<_> = instance_networks
            .iter()
            .map(|net| lower_stimuli(net))
            .collect();
        // The fixed-point unit must hold every instance's input.
        let mut poisson_bound = lowered_stimuli[0].1.clone();
        for (_, bounds) in &lowered_stimuli[1..] {
            for (all, this) in poisson_bound.iter_mut().zip(bounds) {
                for r in 0..MAX_RECEPTORS {
                    all[r] = all[r].max(this[r]);
                }
            }
        }
        let mut stimuli_of = std::mem::take(&mut lowered_stimuli[0].0);

        // Fixed-point unit per population and receptor.
        let mut scales = Vec::new();
        for (i, p) in network.populations.iter().enumerate() {
            let mut log2 = [0i32; MAX_RECEPTORS];
            for (r, slot) in log2.iter_mut().enumerate().take(n_receptors as usize) {
                let range = firsts[i] as usize..(firsts[i] + p.size) as usize;
                let offset = r * n_neurons as usize;
                let synaptic = bound[offset + range.start..offset + range.end]
                    .iter()
                    .fold(0f64, |a, &b| a.max(b));
                let bound = synaptic + poisson_bound[i][r];
                *slot = fixed_point_log2(bound);
                // The unit is at most 2^60 nA (`fixed_point_log2`): a larger bound
                // would not fit in 2^30 units, and its inputs would saturate.
                if bound > 2f64.powi(FIXED_POINT_HEADROOM_BITS + 60) {
                    return Err(PlanError::InputRange {
                        population: p.name.clone(),
                        port: r,
                        bound,
                        synaptic,
                        stimuli: poisson_bound[i][r],
                        max_log2: FIXED_POINT_HEADROOM_BITS + 60,
                    });
                }
                // A unit given by the user (another network's) if it is coarse enough.
                if let Some(&given) = p.input_scale_log2.as_ref().and_then(|g| g.get(r)) {
                    if given > *slot {
                        return Err(PlanError::InputUnit {
                            population: p.name.clone(),
                            port: r,
                            given,
                            limit: *slot,
                        });
                    }
                    *slot = given;
                }
            }
            scales.push(log2);
        }
        let to_fixed = |w: f64, log2: i32| (w * 2f64.powi(log2)).round() as i32;
        check_constant_weights(network, &scales, pop_index)?;

        // Populations in index order, their parameter blocks and stimuli.
        // Each population's (stored v at rest, offset of stored v) per instance and
        // neuron (one entry per instance where its neurons share them).
        let mut rests: Vec<Vec<Vec<(f32, f32)>>> = vec![Vec::new(); network.populations.len()];
        let mut stimuli = Vec::new();
        let mut populations = Vec::new();
        let mut params = Vec::new();
        let mut readout_len = 0u32;
        for &i in &order {
            // Instance 0 with its swept values (the network itself without sweeps).
            let p = &instance_networks[0].populations[i];
            let lowered = lower(&p.neuron, kinds[i], dt);
            let refractory_word = varies(network, p, REFRACTORY_PARAMETERS);
            let ParameterBlocks {
                blocks,
                stride: param_stride,
                rest,
            } = parameter_blocks(
                p,
                i,
                kinds[i],
                dt,
                network.seed,
                first_instance,
                &lowered,
                refractory_word,
            )?;
            rests[i].push(rest);
            let stim_first = stimuli.len() as u32;
            for (mut s, weight) in stimuli_of[i].drain(..) {
                if s.kind == STIMULUS_POISSON {
                    s.weight_fixed = to_fixed(weight, scales[i][s.receptor as usize]);
                }
                stimuli.push(s);
            }
            let record_spikes = network
                .recorders
                .iter()
                .any(|r| r.spike_population() == Some(p.name.as_str()));
            let readout = network.readouts.iter().find(|r| r.population == p.name);
            let readout_base = match readout {
                Some(_) => {
                    let base = readout_len;
                    let words = u64::from(layout::READOUT_WORDS)
                        * u64::from(p.size)
                        * u64::from(n_instances);
                    readout_len =
                        limit("readout words", u64::from(base) + words, u64::from(NEVER))?;
                    base
                }
                None => NEVER,
            };
            let info = PopulationInfo {
                readout_base,
                readout_decay: readout.map_or(0.0, |r| (-dt / r.tau_ms) as f32),
                first: firsts[i],
                size: p.size,
                stim_first,
                stim_count: stimuli.len() as u32 - stim_first,
                param_offset: params.len() as u32,
                refractory_steps: lowered.refractory_steps,
                record: u32::from(record_spikes),
                param_stride,
                input_unit: scales[i].map(|k| 2f64.powi(-k) as f32),
                ip_eta: p
                    .intrinsic_plasticity
                    .as_ref()
                    .map_or(0.0, |ip| ip.eta as f32),
                ip_step: p
                    .intrinsic_plasticity
                    .as_ref()
                    .map_or(0.0, |ip| (ip.eta * ip.target_rate_hz * dt / 1000.0) as f32),
                _pad: [0; 3],
                refractory_word: if refractory_word {
                    lowered.params.len() as u32
                } else {
                    NEVER
                },
            };
            params.extend_from_slice(&blocks);
            populations.push(PopulationPlan {
                name: p.name.clone(),
                kind: lowered.kind,
                state_variables: p.neuron.state_variables(),
                state_count: lowered.state_count,
                first: firsts[i],
                size: p.size,
                info,
                record_spikes,
                input_scale_log2: scales[i],
                v_offset: lowered.v_offset as f32,
                v_offsets: Vec::new(),
            });
        }

        // Instances 1.. of a sweep: their parameter blocks and stimuli follow instance
        // 0's, a stride apart, in the same order.
        let params_stride = params.len() as u32;
        let stimuli_stride = stimuli.len() as u32;
        for (b, instance_network) in instance_networks.iter().enumerate().skip(1) {
            for &i in &order {
                let p = &instance_network.populations[i];
                let lowered = lower(&p.neuron, kinds[i], dt);
                let instance = first_instance + b as u32;
                let refractory_word = varies(network, p, REFRACTORY_PARAMETERS);
                let ParameterBlocks { blocks, rest, .. } = parameter_blocks(
                    p,
                    i,
                    kinds[i],
                    dt,
                    network.seed,
                    instance,
                    &lowered,
                    refractory_word,
                )?;
                rests[i].push(rest);
                params.extend_from_slice(&blocks);
                for (mut s, weight) in lowered_stimuli[b].0[i].drain(..) {
                    if s.kind == STIMULUS_POISSON {
                        s.weight_fixed = to_fixed(weight, scales[i][s.receptor as usize]);
                    }
                    stimuli.push(s);
                }
            }
        }

        // Per-neuron offsets of stored `v` where v_rest varies by neuron or instance.
        for (plan, &i) in populations.iter_mut().zip(&order) {
            if varies(network, &network.populations[i], &["v_rest"]) {
                plan.v_offsets = rests[i]
                    .iter()
                    .flat_map(|rest| {
                        (0..plan.size as usize).map(move |k| rest[k.min(rest.len() - 1)].1)
                    })
                    .collect();
            }
        }

        // One kernel per kind present, each with its region of the state buffer.
        let mut groups: Vec<KindGroup> = Vec::new();
        let mut state_len = 0u64;
        for (index, p) in populations.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if g.kind == p.kind => {
                    g.info.size += p.size;
                    g.info.pop_count += 1;
                }
                _ => groups.push(KindGroup {
                    kind: p.kind,
                    state_count: p.state_count,
                    info: KindInfo {
                        first_neuron: p.first,
                        size: p.size,
                        first_pop: index as u32,
                        pop_count: 1,
                        state_base: 0,
                        _pad: [0; 3],
                    },
                }),
            }
        }
        for g in &mut groups {
            g.info.state_base = limit("state values", state_len, u64::from(u32::MAX))?;
            state_len += u64::from(layout::state_words(g.state_count))
                * u64::from(g.info.size)
                * u64::from(n_instances);
        }
        limit("state values", state_len, u64::from(u32::MAX))?;

        let post_scale = |post_first: u32, receptor: u32| {
            let pop = firsts
                .iter()
                .position(|&f| f == post_first)
                .expect("a population start");
            scales[pop][receptor as usize]
        };
        let procedural: Vec<ProceduralProjection> = pending_procedural
            .iter()
            .map(|p| p.lower(n_neurons, post_scale(p.post_first, p.receptor)))
            .collect();
        let mut custom_rules: Vec<crate::model::CustomRule> = Vec::new();
        let plastic = PlasticTable::build(
            n_neurons,
            plastic_drawn
                .into_iter()
                .map(
                    |(projection, pre_first, post_first, receptor, drawn, bounds)| {
                        let scale = post_scale(post_first, receptor);
                        let Some(rule) = network.projections[projection].plasticity.as_ref() else {
                            let values = weight_sweep(network, projection).expect("swept");
                            return Ok(plastic::PendingPlastic::weight_sweep(
                                projection,
                                values,
                                scale,
                                (pre_first, post_first, receptor),
                                drawn,
                                bounds,
                            ));
                        };
                        let astrocyte = network.projections[projection].astrocyte.as_ref();
                        let volume = match rule {
                            crate::model::Plasticity::StdpDopamineSynapse {
                                volume_transmitter: Some(name),
                                ..
                            } => {
                                let i = pop_index(name);
                                RuleLink::VolumeTransmitter(firsts[i], network.populations[i].size)
                            }
                            _ => match astrocyte {
                                Some(name) => RuleLink::Astrocyte(
                                    network
                                        .astrocytes
                                        .iter()
                                        .position(|a| &a.name == name)
                                        .expect("validated astrocyte")
                                        as u32,
                                ),
                                None => RuleLink::None,
                            },
                        };
                        // Instance 0's rule, with its value of a sweep of the rule's
                        // parameters (the file's rule is instance 0's only unswept).
                        let rule_0 = instance_networks[0].projections[projection]
                            .plasticity
                            .as_ref()
                            .unwrap_or(rule);
                        let mut lowered = lower_rule(rule_0, dt, scale, volume);
                        // Rule parameters drawn per synapse: the words they change.
                        let model = &network.projections[projection];
                        let mut own = rule_0.clone();
                        let (varying, rule_params) =
                            plastic::synapse_rule_words(&lowered, drawn.pre.len(), |s| {
                                model.synapse_rule(&mut own, &drawn.rule_values, s)?;
                                Ok(lower_rule(&own, dt, scale, volume))
                            })
                            .map_err(|e| heterogeneous_rule(projection, e))?;
                        lowered.own_words = varying;
                        // Instances 1.. of a sweep of the rule's parameters.
                        let instance_rules = if swept_rules(network, projection)
                            .is_ok_and(|rules| !rules.is_empty())
                        {
                            instance_networks[1..]
                                .iter()
                                .filter_map(|n| n.projections[projection].plasticity.as_ref())
                                .map(|rule| lower_rule(rule, dt, scale, volume))
                                .collect()
                        } else {
                            Vec::new()
                        };
                        let non_finite = std::iter::once(&lowered)
                            .chain(&instance_rules)
                            .find_map(layout::PlasticRule::non_finite)
                            .or_else(|| {
                                (rule_params.iter())
                                    .any(|&w| !f32::from_bits(w).is_finite())
                                    .then_some("a value drawn per synapse")
                            });
                        if let Some(word) = non_finite {
                            return Err(PlanError::NonFiniteRule { projection, word });
                        }
                        if let crate::model::Plasticity::Custom(custom) = rule {
                            let index = custom_rules
                                .iter()
                                .position(|c| c == custom)
                                .unwrap_or_else(|| {
                                    custom_rules.push(custom.clone());
                                    custom_rules.len() - 1
                                });
                            lowered.kind += index as u32;
                        }
                        Ok(plastic::PendingPlastic {
                            projection,
                            swept: plastic::is_swept(rule),
                            variables: plastic::initial_variables(rule),
                            instance_weights: None,
                            instance_rules,
                            rule: lowered,
                            rule_params,
                            post_events: rule.has_post_events(),
                            pre_first,
                            post_first,
                            receptor,
                            drawn,
                            bounds,
                        })
                    },
                )
                .collect::<Result<_, PlanError>>()?,
        );
        // Stored synapses keep target and delay in one word (SynapseTable::target_delay).
        let max_target = (n_receptors * n_neurons).saturating_sub(1);
        let shift = match delay_shift(max_delay, max_target) {
            Some(shift) => shift,
            None if drawn.is_empty() => 0,
            None => {
                return Err(PlanError::SynapseWord {
                    targets: u64::from(max_target) + 1,
                    max_delay,
                })
            }
        };
        let built_pending = || pending_procedural.iter().filter(|p| p.built());
        let built = if built_pending().next().is_none() {
            BuiltPlan::default()
        } else {
            let max_delay = built_pending().map(|p| p.max_delay_steps).fold(1, u32::max);
            BuiltPlan {
                rows: limit(
                    "built rows",
                    u64::from(n_neurons) * u64::from(row_sets),
                    u64::from(u32::MAX),
                )?,
                delay_shift: delay_shift(max_delay, max_target).ok_or(PlanError::SynapseWord {
                    targets: u64::from(max_target) + 1,
                    max_delay,
                })?,
                // Every row set holds every built projection's rows (a shared one's
                // alike in each).
                expected_synapses: built_pending().map(|p| p.expected_synapses).sum::<f64>()
                    * f64::from(row_sets),
            }
        };
        let synapses = build_rows(
            n_neurons * row_sets,
            shift,
            drawn
                .iter()
                .flat_map(|(instance, pre_first, post_first, receptor, d)| {
                    let log2 = post_scale(*post_first, *receptor);
                    let sets = match instance {
                        Some(b) => *b..*b + 1,
                        None => 0..row_sets,
                    };
                    sets.flat_map(move |b| {
                        (0..d.pre.len()).map(move |s| GlobalSynapse {
                            pre: b * n_neurons + pre_first + d.pre[s],
                            target: receptor * n_neurons + post_first + d.post[s],
                            weight: to_fixed(d.weight[s], log2),
                            delay: d.delay_steps[s],
                        })
                    })
                }),
        );

        // Initial state: each population's values of each variable drawn from a stream
        // of their own (v's is tag STREAM_INITIAL, the others' follow it), per instance
        // (instance b's streams are keyed by population index + b·2^16; instance 0's
        // are the single network's).
        let mut initial_state = vec![0f32; state_len as usize];
        for instance in 0..n_instances {
            for (i, p) in instance_networks[instance as usize]
                .populations
                .iter()
                .enumerate()
            {
                let variables = p.neuron.state_variables();
                let draw = |variable: &str| {
                    p.initial.get(variable).map(|value| {
                        let tag = match variables.iter().position(|v| v == variable) {
                            Some(index) if variable != "v" => STREAM_INITIAL + 1 + index as u32,
                            _ => STREAM_INITIAL,
                        };
                        let sub = i as u32 + ((first_instance + instance) << 16);
                        let mut rng = HostStream::new(network.seed, tag, sub);
                        draw_values(value, p.size as usize, &mut rng)
                    })
                };
                let values = draw("v");
                let others: Vec<(usize, Vec<f64>)> = variables
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| *v != "v")
                    .filter_map(|(index, v)| draw(v).map(|values| (index, values)))
                    .collect();
                let plan = populations
                    .iter()
                    .find(|q| q.name == p.name)
                    .expect("planned");
                let group = groups
                    .iter()
                    .find(|g| g.kind == plan.kind)
                    .expect("grouped");
                let offset = plan.first - group.info.first_neuron;
                // Each neuron's own rest where v_rest varies (its block's reference).
                let rest = &rests[i][instance as usize];
                let v_index = variables.iter().position(|v| v == "v");
                for k in 0..p.size as usize {
                    let given = values.as_ref().map(|v| v[k]);
                    let mut state = neurons::initial_state(&p.neuron, given);
                    if let (Some(at), true) = (v_index, rest.len() > 1) {
                        let (at_rest, offset) = rest[k];
                        state[at] = given.map_or(at_rest, |v| (v - f64::from(offset)) as f32);
                    }
                    for (index, drawn) in &others {
                        state[*index] = drawn[k] as f32;
                    }
                    for (var, value) in state.into_iter().enumerate() {
                        initial_state[group.state_index(instance, offset + k as u32, var as u32)] =
                            value;
                    }
                }
            }
        }

        // Batch length: every recorded neuron spiking in every step must fit.
        let recorded: u64 = populations
            .iter()
            .filter(|p| p.record_spikes)
            .map(|p| u64::from(p.size))
            .sum::<u64>()
            * u64::from(n_instances);
        let batch_steps = batch_steps_for(recorded, network);
        let record_capacity = limit(
            "recorded spikes per batch",
            (recorded * u64::from(batch_steps)).max(1),
            u64::from(u32::MAX),
        )?;

        // Probes.
        let mut probe_groups = Vec::new();
        let mut probes = Vec::new();
        let mut probe_capacity = 0u64;
        for recorder in &network.recorders {
            if let Recorder::State {
                population,
                variable,
                neurons,
                every_steps,
                instance,
            } = recorder
            {
                let plan = populations
                    .iter()
                    .find(|p| p.name == *population)
                    .expect("validated");
                let var = plan
                    .state_variables
                    .iter()
                    .position(|v| v == variable)
                    .expect("validated") as u32;
                let group = groups
                    .iter()
                    .find(|g| g.kind == plan.kind)
                    .expect("grouped");
                let offset = plan.first - group.info.first_neuron;
                let samples_per_batch = batch_steps.div_ceil(*every_steps);
                // (Within u32: the whole capacity is checked below.)
                let base = probe_capacity as u32;
                for (local, &k) in neurons.iter().enumerate() {
                    probes.push(ProbeEntry {
                        state_index: group.state_index(*instance, offset + k, var) as u32,
                        every: *every_steps,
                        group_base: base,
                        group_size: neurons.len() as u32,
                        local: local as u32,
                        _pad: [0; 3],
                    });
                }
                probe_capacity += u64::from(samples_per_batch) * neurons.len() as u64;
                probe_groups.push(ProbeGroup {
                    instance: *instance,
                    population: population.clone(),
                    variable: variable.clone(),
                    neurons: neurons.clone(),
                    every: *every_steps,
                    base,
                    samples_per_batch,
                });
            }
        }

        let astrocytes = AstrocyteTable::lower(network, &firsts, dt);
        let config = Config {
            n_neurons,
            n_instances,
            ring_depth: max_delay + 1,
            n_receptors,
            n_populations: populations.len() as u32,
            seed_lo: network.seed as u32,
            seed_hi: (network.seed >> 32) as u32,
            record_capacity,
            zero: 0,
            n_procedural: procedural.len() as u32,
            params_stride,
            stimuli_stride,
            n_plastic: plastic.len() as u32,
            history_depth: if plastic.max_post_delay > 0 {
                plastic.max_post_delay + 1
            } else {
                0
            },
            n_sweep: plastic.sweep_synapse.len() as u32 - plastic.three_factor,
            post_lanes: plastic.post_lanes(),
            synapse_words: plastic.synapse_words(),
            stored_per_instance: u32::from(rows_per_instance),
            first_instance,
            rules_per_instance: u32::from(plastic.rules_per_instance()),
            rule_param_words: plastic.rule_param_words,
            n_astrocytes: astrocytes.count(),
            n_astrocyte_inputs: astrocytes.inputs,
            // Modulator histories only where a three-factor rule reads them.
            astrocyte_base: limit(
                "modulator words",
                if plastic.has_three_factor_rules() {
                    plastic.rules.len() as u64
                        * u64::from(n_instances)
                        * u64::from(layout::MODULATOR_WORDS)
                } else {
                    0
                },
                u64::from(u32::MAX),
            )?,
            n_probes: probes.len() as u32,
            n_gap: 0,
            n_three_factor: plastic.three_factor,
            // Set once the gap junctions are known.
            window_steps: 1,
        };
        let delay_span = if min_delay == u32::MAX {
            0
        } else {
            max_delay.saturating_sub(min_delay) + 1
        };
        let mut plan = Self {
            dt_ms: dt,
            seed: network.seed,
            config,
            populations,
            groups,
            custom_models,
            custom_rules,
            params,
            stimuli,
            synapses,
            plastic,
            astrocytes,
            gap: GapTable::default(),
            procedural,
            built,
            row_lengths,
            procedural_synapses: pending_procedural
                .iter()
                .map(|p| p.expected_synapses)
                .collect(),
            initial_state,
            probe_groups,
            probes,
            batch_steps,
            probe_capacity: limit(
                "state samples per batch",
                probe_capacity,
                u64::from(u32::MAX),
            )?,
            stream_events: Vec::new(),
            buffers: Vec::new(),
            delay_span,
        };
        for p in &network.populations {
            if let crate::model::NeuronModel::SpikeSourceStream(s) = &p.neuron {
                let pop = plan
                    .populations
                    .iter()
                    .position(|q| q.name == p.name)
                    .expect("planned");
                for b in 0..n_instances {
                    for &(t, neuron) in &s.events {
                        let row = plan
                            .stream_row(pop, b, neuron)
                            .expect("a stream population");
                        plan.stream_events.push((spike_step(t, dt), row));
                    }
                }
            }
        }
        plan.gap = GapTable::lower(network, &plan);
        plan.config.n_gap = limit(
            "gap junction and graded synapse entries",
            plan.gap.len() as u64,
            u64::from(u32::MAX),
        )?;
        plan.config.window_steps = window::window_steps(
            min_delay,
            u64::from(n_neurons) * u64::from(n_instances),
            batch_steps,
            plan.runs_every_step(),
        )
        .min(window::loop_cap(&plan));
        plan.buffers = plan.buffer_list()?;
        Ok(plan)
    }

    /// Entries of the error buffer: one per neuron and instance where an
    /// error-modulated rule reads them, else none.
    pub fn errors_len(&self) -> usize {
        if self
            .plastic
            .rules
            .iter()
            .any(|r| r.kind == layout::PLASTIC_ERROR)
        {
            (self.config.n_neurons * self.config.n_instances) as usize
        } else {
            0
        }
    }

    /// Words of the readout buffer.
    pub fn readouts_len(&self) -> usize {
        self.populations
            .iter()
            .filter(|p| p.info.readout_base != NEVER)
            .map(|p| (layout::READOUT_WORDS * p.size * self.config.n_instances) as usize)
            .sum()
    }

    /// The readouts before any spike: no spikes, no last spike, a zero trace.
    pub fn initial_readouts(&self) -> Vec<u32> {
        [0, NEVER, 0].repeat(self.readouts_len() / layout::READOUT_WORDS as usize)
    }

    /// Rows of the current table: the neurons of every current stream and instance.
    pub fn current_rows(&self) -> u32 {
        // (Each stream's rows end where an instance after the last would begin.)
        (0..self.populations.len())
            .filter_map(|pop| self.current_row(pop, self.config.n_instances, 0))
            .max()
            .unwrap_or(0)
    }

    /// The current-table row of `neuron` of population `pop` (plan order) in
    /// `instance`, `None` unless a current stream drives the population.
    ///
    /// # Panics
    /// If `pop` is not a population of the plan.
    pub fn current_row(&self, pop: usize, instance: u32, neuron: u32) -> Option<u32> {
        let p = &self.populations[pop];
        let first = p.info.stim_first as usize;
        self.stimuli[first..first + p.info.stim_count as usize]
            .iter()
            .find(|s| s.kind == STIMULUS_CURRENT_STREAM)
            .map(|s| s.stream_row + instance * p.size + neuron)
    }

    /// Steps one batch's current table holds: the batch, unless the table would pass
    /// `CURRENT_TABLE_WORDS` (then fewer, at least one).
    pub fn current_table_steps(&self) -> u32 {
        let rows = u64::from(self.current_rows()).max(1);
        (CURRENT_TABLE_WORDS / rows).clamp(1, u64::from(self.batch_steps)) as u32
    }

    /// Rows of the stream table: the `spike_source_stream` neurons of every instance.
    pub fn stream_rows(&self) -> u32 {
        self.groups
            .iter()
            .find(|g| g.kind == NeuronKind::SpikeSourceStream)
            .map_or(0, |g| g.info.size * self.config.n_instances)
    }

    /// The stream-table row of `neuron` of population `pop` (plan order) in
    /// `instance`: the neuron's place among its kind's neurons of all instances, as the
    /// kernel indexes them. `None` unless the population is a `spike_source_stream`.
    pub fn stream_row(&self, pop: usize, instance: u32, neuron: u32) -> Option<u32> {
        let p = &self.populations[pop];
        let g = self.groups.iter().find(|g| g.kind == p.kind)?;
        (p.kind == NeuronKind::SpikeSourceStream)
            .then(|| instance * g.info.size + p.first - g.info.first_neuron + neuron)
    }

    /// Neurons of one instance.
    pub fn n_neurons(&self) -> u32 {
        self.config.n_neurons
    }

    /// The bytes of the ring one spike's row can add into: its receptors' entries of
    /// one instance in every slot of the delay span. (A whole propagation dispatch
    /// reaches further where it serves several instances or a window of steps.)
    pub fn row_reach_bytes(&self) -> u64 {
        4 * u64::from(self.delay_span)
            * u64::from(self.config.n_receptors)
            * u64::from(self.config.n_neurons)
    }

    /// The stimuli of population `p` in `instance` (an instance's stimuli lie a
    /// stride after instance 0's).
    pub fn stimuli_of(&self, p: &PopulationPlan, instance: u32) -> &[StimulusParams] {
        let first = (p.info.stim_first + instance * self.config.stimuli_stride) as usize;
        &self.stimuli[first..first + p.info.stim_count as usize]
    }

    /// Neurons of all instances: the length of the per-neuron buffers (the
    /// intrinsic-plasticity bias).
    pub fn neuron_slots(&self) -> usize {
        self.config.n_neurons as usize * self.config.n_instances as usize
    }

    /// Entries of the input ring: slots × receptors × neurons.
    pub fn ring_len(&self) -> u64 {
        u64::from(self.config.ring_depth)
            * u64::from(self.config.n_receptors)
            * u64::from(self.config.n_neurons)
            * u64::from(self.config.n_instances)
    }

    /// Every instance's plastic synapse state at step 0, layout
    /// `[instance][synapse][word]`.
    pub fn initial_plastic_state(&self) -> Vec<u32> {
        (0..self.config.n_instances)
            .flat_map(|b| self.plastic.initial_state(b))
            .collect()
    }

    /// Words of the plastic synapse state of all instances.
    pub fn plastic_state_len(&self) -> usize {
        self.plastic.len() * self.config.synapse_words as usize * self.config.n_instances as usize
    }

    /// Every stored static synapse of instance 0's rows as the user wrote it, row by
    /// row. The weight is the fixed-point
    /// value the device adds, back in the user's unit (exact: a power-of-two scale),
    /// so an edge list written from it rebuilds the same inputs.
    pub fn stored_edges(&self) -> Vec<crate::model::edge_list::Edge> {
        let n = self.config.n_neurons;
        let population = |neuron: u32| {
            self.populations
                .iter()
                .position(|p| neuron >= p.first && neuron - p.first < p.size)
                .expect("a neuron of some population")
        };
        let t = &self.synapses;
        let mut edges = Vec::with_capacity(t.len());
        for pre in 0..n {
            let row = t.row_start[pre as usize] as usize..t.row_start[pre as usize + 1] as usize;
            let pre_pop = population(pre);
            for s in row {
                let (receptor, post) = (t.target(s) / n, t.target(s) % n);
                let post_pop = population(post);
                let scale = self.populations[post_pop].input_scale_log2[receptor as usize];
                edges.push(crate::model::edge_list::Edge {
                    pre_population: pre_pop,
                    pre: pre - self.populations[pre_pop].first,
                    post_population: post_pop,
                    post: post - self.populations[post_pop].first,
                    receptor: crate::model::Receptor::from_index(receptor as u8),
                    kind: crate::model::edge_list::EdgeKind::Chemical,
                    weight: f64::from(t.weight[s]) * 2f64.powi(-scale),
                    delay_ms: f64::from(t.delay(s)) * self.dt_ms,
                });
            }
        }
        edges
    }

    /// Whether propagate_plastic runs: there are plastic synapses, or astrocytes or
    /// three-factor rules whose modulating spikes it counts.
    pub fn walks_plastic_rows(&self) -> bool {
        !self.plastic.is_empty()
            || self.config.n_astrocyte_inputs > 0
            || self.plastic.has_three_factor_rules()
    }

    /// Whether some stage must run after every step's neuron update, so that one
    /// dispatch integrates one step (`window`): plasticity (its spike history and
    /// per-step sweeps), astrocytes, gap junctions and graded synapses (instantaneous
    /// coupling), probes (state sampled between steps).
    pub fn runs_every_step(&self) -> bool {
        self.walks_plastic_rows()
            || self.config.history_depth > 0
            || self.config.n_sweep > 0
            || self.config.n_three_factor > 0
            || self.config.n_astrocytes > 0
            || self.config.n_gap > 0
            || !self.probes.is_empty()
    }

    /// Entries of the spike list: a window's spikes (`window`).
    pub fn spike_list_len(&self) -> u64 {
        u64::from(self.config.window_steps)
            * u64::from(self.config.n_neurons)
            * u64::from(self.config.n_instances)
    }

    /// Whether a population has intrinsic plasticity (and so a bias per neuron).
    pub fn has_intrinsic_plasticity(&self) -> bool {
        self.populations.iter().any(|p| p.info.ip_eta != 0.0)
    }

    /// Words of the spike history of plasticity's postsynaptic side: counts and
    /// prefix sums per slot, then a spike list per slot.
    pub fn history_len(&self) -> u64 {
        u64::from(self.config.history_depth)
            * (2 + u64::from(self.config.n_neurons) * u64::from(self.config.n_instances))
    }

    /// Words of the plasticity rules' modulators: where some rule is three-factor,
    /// per rule and instance a modulator history (`layout::MODULATOR_WORDS`). Then
    /// the astrocytes' levels and input counts (`Config::astrocyte_base`).
    pub fn modulators_len(&self) -> usize {
        self.config.astrocyte_base as usize + self.astrocytes.state_words(self.config.n_instances)
    }

    /// The modulators before the first step: each three-factor rule's history holds
    /// one entry (0 before step 0) and its law; each astrocyte is at its bias.
    pub fn initial_modulators(&self) -> Vec<u32> {
        let mut words = vec![0; self.modulators_len()];
        let instances = self.config.n_instances as usize;
        if self.plastic.has_three_factor_rules() {
            let rules = self.plastic.device_rules(self.config.n_instances);
            let count = self.plastic.rules.len();
            for (r, rule) in self.plastic.rules.iter().enumerate() {
                if rule.kind != layout::PLASTIC_DOPAMINE {
                    continue;
                }
                for b in 0..instances {
                    let own = rules.get(b * count + r).unwrap_or(rule);
                    let at = (r * instances + b) * layout::MODULATOR_WORDS as usize;
                    words[at + layout::MODULATOR_HEAD as usize] = 1;
                    words[at + layout::MODULATOR_LAW as usize] = own.modulator;
                    words[at + layout::MODULATOR_DECAY as usize] = own.m[3].to_bits();
                    words[at + layout::MODULATOR_JUMP as usize] = own.inv_tau_n.to_bits();
                }
            }
        }
        for (a, bias) in self.astrocytes.bias.iter().enumerate() {
            let at = self.config.astrocyte_base as usize + a * instances;
            words[at..at + instances].fill(bias.to_bits());
        }
        words
    }

    /// Where variable `var` of each neuron of population `pop` of `instance` lies in
    /// the state buffer, neuron by neuron (a block apart, `layout::state_words`).
    ///
    /// # Panics
    /// If `pop`, `var` or `instance` is out of range (an index past the variable or
    /// the instances would name another neuron's words).
    pub fn instance_state_indices(
        &self,
        pop: usize,
        var: u32,
        instance: u32,
    ) -> impl Iterator<Item = usize> {
        let p = &self.populations[pop];
        assert!(
            var < p.state_count && instance < self.config.n_instances,
            "variable {var} of instance {instance}: `{}` has {} variables, the plan {} instances",
            p.name,
            p.state_count,
            self.config.n_instances
        );
        let g = self
            .groups
            .iter()
            .find(|g| g.kind == p.kind)
            .expect("grouped");
        let first = g.state_index(instance, p.first - g.info.first_neuron, var);
        (first..)
            .step_by(layout::state_words(g.state_count) as usize)
            .take(p.size as usize)
    }

    /// What to add to the stored `variable` of `neuron` (index in the population) of
    /// `instance` to get the user's units: the integrate-and-fire models store `v`
    /// relative to rest, the neuron's own where v_rest varies.
    pub fn stored_offset(&self, pop: usize, instance: u32, neuron: u32, variable: &str) -> f32 {
        let p = &self.populations[pop];
        match variable {
            "v" if !p.v_offsets.is_empty() => p.v_offsets[(instance * p.size + neuron) as usize],
            "v" => p.v_offset,
            _ => 0.0,
        }
    }

    /// The population that holds global neuron `index`.
    pub fn population_of(&self, index: u32) -> usize {
        self.populations.partition_point(|p| p.first <= index) - 1
    }

    /// Synapses of one instance: stored ones plus procedural ones (see
    /// `procedural_synapses`). Where each instance stores rows of its own (a
    /// `per_instance` projection), the mean over the instances.
    pub fn synapse_count(&self) -> f64 {
        self.stored_static_per_instance()
            + self.plastic.len() as f64
            + self.procedural_synapses.iter().sum::<f64>()
    }

    /// The sets of stored static rows: one per instance where instances store their
    /// own (a `per_instance` projection), else one shared.
    pub fn row_sets(&self) -> u32 {
        match self.config.stored_per_instance {
            0 => 1,
            _ => self.config.n_instances,
        }
    }

    /// Stored static synapses of one instance (the mean where each stores its own).
    pub fn stored_static_per_instance(&self) -> f64 {
        self.synapses.len() as f64 / f64::from(self.row_sets())
    }

    /// Instance `k` of `ensemble` as a network of its own that runs exactly as the
    /// instance does inside the ensemble: `Network::instance(k)` (its swept values and
    /// random streams) with the ensemble's fixed-point units, which the whole
    /// ensemble's largest inputs size (a weight, rate or connectivity of another
    /// instance can make them coarser than the instance alone would choose).
    pub fn instance_network(ensemble: &Network, k: u32) -> Result<Network, PlanError> {
        if k >= ensemble.instances {
            return Err(PlanError::Sweep(match ensemble.instances {
                1 => format!("there is no instance {k}: the network is a single one (0)"),
                n => format!(
                    "there is no instance {k}: the network has {n} (0 to {})",
                    n - 1
                ),
            }));
        }
        let plan = Plan::new(ensemble)?;
        let mut alone = ensemble.instance(k).map_err(PlanError::Sweep)?;
        let ports = plan.config.n_receptors as usize;
        for p in &mut alone.populations {
            let planned = plan
                .populations
                .iter()
                .find(|q| q.name == p.name)
                .expect("planned");
            p.input_scale_log2 = Some(planned.input_scale_log2[..ports].to_vec());
        }
        Ok(alone)
    }

    /// Where instance `instance`'s stored row of global neuron `neuron` is in
    /// `synapses.row_start`.
    pub fn stored_row(&self, instance: u32, neuron: u32) -> usize {
        let own = if self.config.stored_per_instance != 0 {
            instance
        } else {
            0
        };
        (own * self.config.n_neurons + neuron) as usize
    }

    /// Outgoing synapses of global neuron `neuron` in `instance`: its stored row plus
    /// its procedural and device-built rows (`generated_degree`).
    pub fn out_degree(&self, instance: u32, neuron: u32) -> f64 {
        let i = neuron as usize;
        let row = |start: &[u32]| f64::from(start[i + 1] - start[i]);
        let own = self.stored_row(instance, neuron);
        let rows = &self.synapses.row_start;
        let stored = f64::from(rows[own + 1] - rows[own])
            + if self.plastic.is_empty() {
                0.0
            } else {
                row(&self.plastic.row_start)
            };
        stored
            + self.generated_degree(instance, neuron, false)
            + self.generated_degree(instance, neuron, true)
    }

    /// Synapses of global neuron `neuron` in `instance` in the rows of its procedural
    /// projections (`built`: of those built on the device instead): exact lengths for
    /// all-to-all and fixed total number, expected ones for fixed probability.
    pub fn generated_degree(&self, instance: u32, neuron: u32, built: bool) -> f64 {
        self.procedural
            .iter()
            .zip(&self.procedural_synapses)
            .filter(|(q, _)| (q.built != 0) == built)
            .filter(|(q, _)| neuron >= q.pre_first && neuron - q.pre_first < q.pre_size)
            .map(|(q, &total)| {
                if q.rule == layout::RULE_FIXED_TOTAL_NUMBER {
                    let own = if q.per_instance != 0 { instance } else { 0 };
                    let at = q.row_offset + own * q.pre_size + neuron - q.pre_first;
                    f64::from(self.row_lengths[at as usize])
                } else {
                    total / f64::from(q.pre_size)
                }
            })
            .sum()
    }

    /// Whether some projection's rows are regenerated at each spike (procedural, not
    /// built on the device): propagate_procedural has work.
    pub fn regenerates_rows(&self) -> bool {
        self.procedural.iter().any(|q| q.built == 0)
    }

    /// Bytes of every device buffer, by buffer.
    pub fn memory_bytes(&self) -> u64 {
        self.buffers.iter().map(|b| b.bytes).sum()
    }

    fn buffer_list(&self) -> Result<Vec<BufferPlan>, PlanError> {
        let ring = self.ring_len();
        limit("input ring entries", ring, u64::from(u32::MAX))?;
        Ok(memory::buffers(&memory::BufferSizes {
            neurons: u64::from(self.config.n_neurons),
            instances: u64::from(self.config.n_instances),
            groups: self.groups.len() as u64,
            populations: self.populations.len() as u64,
            params: self.params.len() as u64,
            stimuli: self.stimuli.len() as u64,
            state: self.initial_state.len() as u64,
            ring,
            intrinsic_plasticity: self.has_intrinsic_plasticity(),
            record_capacity: u64::from(self.config.record_capacity),
            window_steps: u64::from(self.config.window_steps),
            synapses: self.synapses.len() as u64,
            row_sets: u64::from(self.row_sets()),
            plastic: self.plastic.len() as u64,
            synapse_words: self.config.synapse_words,
            plastic_rules: self.plastic.rules.len() as u64,
            modulator_rules: if self.plastic.has_three_factor_rules() {
                self.plastic.rules.len() as u64
            } else {
                0
            },
            rule_table: self.plastic.device_rules(self.config.n_instances).len() as u64,
            rule_params: self.plastic.rule_params.len() as u64,
            sweep: self.plastic.sweep_synapse.len() as u64,
            history_depth: u64::from(self.config.history_depth),
            procedural: self.procedural.len() as u64,
            row_lengths: self.row_lengths.len() as u64,
            built_rows: u64::from(self.built.rows),
            built_synapses: self.built.expected_synapses.round() as u64,
            batch_steps: u64::from(self.batch_steps),
            probes: self.probes.len() as u64,
            probe_capacity: u64::from(self.probe_capacity),
            stream_rows: u64::from(self.stream_rows()),
            readouts: self.readouts_len() as u64,
            errors: self.errors_len() as u64,
            astrocytes: u64::from(self.astrocytes.count()),
            gap_entries: self.gap.len() as u64,
            astrocyte_inputs: u64::from(self.astrocytes.inputs),
            current_table: match self.current_rows() {
                0 => 0,
                rows => 3 + u64::from(rows) * u64::from(self.current_table_steps()),
            },
        }))
    }
}

/// The synapses of every stored projection drawn on the host (none for generated
/// ones), one set per instance where drawn per instance, drawn on all cores: each
/// projection is split into chunks with random streams of their own
/// (`connectivity::draw_chunk`), so the order of drawing does not matter. The
/// largest chunks are started first.
fn draw_stored(
    network: &Network,
    pop_index: impl Fn(&str) -> usize + Sync,
) -> Vec<Vec<DrawnSynapses>> {
    let sizes = |i: usize| {
        let p = &network.projections[i];
        let (pre, post) = (pop_index(&p.pre), pop_index(&p.post));
        (
            network.populations[pre].size,
            network.populations[post].size,
            pre == post,
        )
    };
    // (projection, instance): a projection drawn per instance is drawn once for each
    // (instance b with its place in the whole study as its streams' index; a shared
    // one with the network's), a swept delay as each instance's.
    let sets: Vec<(usize, u32, crate::model::Projection, u32)> = (0..network.projections.len())
        .filter(|&i| network.projections[i].generated_by().is_none())
        .flat_map(|i| {
            let sets = if drawn_per_instance(network, i) {
                network.instances
            } else {
                1
            };
            (0..sets).map(move |b| (i, b))
        })
        .map(|(i, b)| {
            let mut p = network.projections[i].clone();
            if let Some(values) = delay_sweep(network, i) {
                p.delay_ms = crate::model::Value::constant(values[b as usize]);
            }
            let own = if p.per_instance {
                network.first_instance + b
            } else {
                0
            };
            (i, b, p, i as u32 + (own << 16))
        })
        .collect();
    // Fixed-total-number row lengths first: every chunk of such a projection needs them.
    let rows: Vec<Option<Vec<u32>>> = parallel_map(&sets, |(i, _, p, stream)| {
        connectivity::total_number_rows(p, *stream, sizes(*i).0, network.seed)
    });
    let mut chunks: Vec<(usize, u32)> = sets
        .iter()
        .enumerate()
        .flat_map(|(k, (i, _, p, _))| {
            let (n_pre, n_post, _) = sizes(*i);
            (0..connectivity::draw_chunks(p, n_pre, n_post)).map(move |c| (k, c))
        })
        .collect();
    let expected = |k: usize| {
        let (i, _, p, _) = &sets[k];
        let (n_pre, n_post, same) = sizes(*i);
        memory::expected_synapses(&p.connectivity, u64::from(n_pre), u64::from(n_post), same)
            / f64::from(connectivity::draw_chunks(p, n_pre, n_post))
    };
    chunks.sort_by(|a, b| expected(b.0).total_cmp(&expected(a.0)));
    let drawn = parallel_map(&chunks, |&(k, c)| {
        let (i, _, p, stream) = &sets[k];
        connectivity::draw_chunk(
            p,
            (*stream, c),
            sizes(*i),
            (network.seed, network.dt_ms),
            rows[k].as_deref(),
        )
    });
    // Each set's chunks in order.
    let mut parts: Vec<Vec<(u32, DrawnSynapses)>> = sets.iter().map(|_| Vec::new()).collect();
    for ((k, c), d) in chunks.into_iter().zip(drawn) {
        parts[k].push((c, d));
    }
    let mut by_projection: Vec<Vec<DrawnSynapses>> =
        network.projections.iter().map(|_| Vec::new()).collect();
    for ((i, _, _, _), mut chunks) in sets.iter().zip(parts) {
        chunks.sort_by_key(|(c, _)| *c);
        by_projection[*i].push(DrawnSynapses::concat(
            chunks.into_iter().map(|(_, d)| d).collect(),
        ));
    }
    by_projection
}

/// `f` of every item, on all cores (items handed out in order), in the items' order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(k) else {
                            break mine;
                        };
                        mine.push((k, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a drawing thread panicked"))
            .collect()
    });
    results.sort_by_key(|(k, _)| *k);
    results.into_iter().map(|(_, r)| r).collect()
}

/// The values of a delay sweep of projection `index`, if one sweeps it.
pub(crate) fn delay_sweep(network: &Network, index: usize) -> Option<&Vec<f64>> {
    network.sweeps.iter().find_map(|s| match s {
        crate::model::Sweep::Delay { projection, values } if *projection == index => Some(values),
        _ => None,
    })
}

/// Whether stored projection `index` is drawn once per instance: its connectivity is
/// drawn per instance, or its delay is swept.
pub(crate) fn drawn_per_instance(network: &Network, index: usize) -> bool {
    network.projections[index].per_instance || delay_sweep(network, index).is_some()
}

/// A per-synapse rule parameter that the rule does not have (validation refuses it).
fn heterogeneous_rule(index: usize, reason: String) -> PlanError {
    PlanError::Heterogeneous(format!("`projections[{index}]`: {reason}"))
}

/// Every instance's rule of projection `index` where a sweep sets one of its
/// parameters (empty otherwise).
fn swept_rules(network: &Network, index: usize) -> Result<Vec<crate::model::Plasticity>, String> {
    let swept = network.sweeps.iter().any(
        |s| matches!(s, crate::model::Sweep::Plasticity { projection, .. } if *projection == index),
    );
    if !swept {
        return Ok(Vec::new());
    }
    (0..network.instances)
        .map(|b| {
            let instance = network.instance(b)?;
            Ok(instance.projections[index].plasticity.clone())
        })
        .filter_map(|r: Result<Option<_>, String>| r.transpose())
        .collect()
}

/// The values of a weight sweep of projection `index`, if one sweeps it.
fn weight_sweep(network: &Network, index: usize) -> Option<&Vec<f64>> {
    network.sweeps.iter().find_map(|s| match s {
        crate::model::Sweep::Weight { projection, values } if *projection == index => Some(values),
        _ => None,
    })
}

/// Stream tag of per-neuron parameter draws (the third counter word; parameter k of a
/// population's `heterogeneous` map uses this + k).
const STREAM_HETEROGENEOUS: u32 = 0x4865_7465; // "Hete"

/// A population's parameter blocks in one instance.
struct ParameterBlocks {
    blocks: Vec<f32>,
    /// 0 when the neurons share one block, else the block length.
    stride: u32,
    /// Per neuron (one entry when they share a block): the stored `v` at rest, and
    /// what to add to a stored `v` to get the membrane potential (mV).
    rest: Vec<(f32, f32)>,
}

/// The parameter blocks of population `p` (model index `i`) in `instance`: its one
/// block (`lowered`) and stride 0, or where parameters are heterogeneous one block
/// per neuron — each lowered from the neuron's own values, so exact propagators
/// follow them — and the block length as stride. Values are drawn from streams keyed
/// by parameter, population and instance. With `refractory_word`, each block ends
/// with its neuron's refractory steps.
#[allow(clippy::too_many_arguments)]
fn parameter_blocks(
    p: &crate::model::Population,
    i: usize,
    kind: NeuronKind,
    dt: f64,
    seed: u64,
    instance: u32,
    lowered: &LoweredNeuron,
    refractory_word: bool,
) -> Result<ParameterBlocks, PlanError> {
    let block = |own: &LoweredNeuron| {
        let mut block = own.params.clone();
        if refractory_word {
            block.push(own.refractory_steps as f32);
        }
        block
    };
    let v = p.neuron.state_variables().iter().position(|v| v == "v");
    let rest = |model: &NeuronModel, own: &LoweredNeuron| {
        let at_rest = v.map_or(0.0, |k| neurons::initial_state(model, None)[k]);
        (at_rest, own.v_offset as f32)
    };
    // A parameter that overflows f32 (`neurons::narrow` made it NaN) would make every
    // state it touches infinite.
    let finite = |blocks: ParameterBlocks| match blocks.blocks.iter().position(|x| x.is_nan()) {
        None => Ok(blocks),
        Some(k) => Err(PlanError::NonFiniteParameters {
            population: p.name.clone(),
            word: match blocks.stride {
                0 => k,
                stride => k % stride as usize,
            },
        }),
    };
    if p.heterogeneous.is_empty() {
        return finite(ParameterBlocks {
            blocks: block(lowered),
            stride: 0,
            rest: vec![rest(&p.neuron, lowered)],
        });
    }
    let values: Vec<(&String, Vec<f64>)> = p
        .heterogeneous
        .iter()
        .enumerate()
        .map(|(k, (name, value))| {
            let sub = i as u32 + (instance << 16);
            let mut rng = HostStream::new(seed, STREAM_HETEROGENEOUS + k as u32, sub);
            (name, draw_values(value, p.size as usize, &mut rng))
        })
        .collect();
    let mut blocks = Vec::new();
    let mut rests = Vec::with_capacity(p.size as usize);
    for n in 0..p.size as usize {
        let mut model = p.neuron.clone();
        for (name, drawn) in &values {
            model = model
                .with_parameter(name, drawn[n])
                .map_err(|e| PlanError::Heterogeneous(format!("`{}`: {e}", p.name)))?;
        }
        let own = lower(&model, kind, dt);
        blocks.extend(block(&own));
        rests.push(rest(&model, &own));
    }
    let stride = blocks.len() as u32 / p.size;
    finite(ParameterBlocks {
        blocks,
        stride,
        rest: rests,
    })
}

/// The names of the refractory period: PyNN's, and a custom model's.
const REFRACTORY_PARAMETERS: &[&str] = &["tau_refrac", "refractory_ms"];

/// Whether any of population `p`'s `parameters` (names of one quantity) varies by
/// neuron or by instance: drawn per neuron, or swept.
pub(crate) fn varies(network: &Network, p: &crate::model::Population, parameters: &[&str]) -> bool {
    parameters
        .iter()
        .any(|name| p.heterogeneous.contains_key(*name))
        || network.sweeps.iter().any(|s| {
            matches!(s, crate::model::Sweep::Neuron { population, parameter, .. }
                if *population == p.name && parameters.contains(&parameter.as_str()))
        })
}

/// Steps per batch when `recorded` neurons' spikes are recorded and `network`'s state
/// recorders sample: every recorded neuron spiking in every step of the batch still
/// fits the recording budget, and a batch's state samples fit the same budget (or
/// are one step's, which the probe buffer is then sized for, up to its u32 limit).
pub(crate) fn batch_steps_for(recorded: u64, network: &Network) -> u32 {
    let spikes = RECORD_BUDGET_ENTRIES
        .checked_div(recorded)
        .map_or(MAX_BATCH_STEPS, |steps| {
            steps.clamp(1, u64::from(MAX_BATCH_STEPS)) as u32
        });
    let samples = |steps: u32| -> u64 {
        network
            .recorders
            .iter()
            .filter_map(|r| match r {
                Recorder::State {
                    neurons,
                    every_steps,
                    ..
                } => Some(neurons.len() as u64 * u64::from(steps.div_ceil(*every_steps))),
                _ => None,
            })
            .sum()
    };
    // The most steps (samples grow with them) whose samples fit.
    let (mut low, mut high) = (1, spikes);
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        if samples(mid) <= RECORD_BUDGET_ENTRIES {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    low
}

/// The first step whose start time `step * dt` is at or after `t_ms` (with a
/// tolerance of 1e-6 steps for times written in decimal).
fn time_to_step(t_ms: f64, dt: f64) -> u32 {
    ((t_ms / dt) - 1e-6).ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// The unit of each port is sized for the most input it can receive in a step; a
/// constant weight that unit cannot hold to 0.1% (beside an extreme Poisson rate or
/// in-degree onto the same port) would arrive as another weight, or as none.
fn check_constant_weights(
    network: &Network,
    scales: &[[i32; MAX_RECEPTORS]],
    pop_index: impl Fn(&str) -> usize,
) -> Result<(), PlanError> {
    // A swept weight is the instances' values, not the network's own.
    let projections = network.projections.iter().enumerate().flat_map(|(k, q)| {
        let values = match (weight_sweep(network, k), &q.weight) {
            (Some(swept), _) => swept.clone(),
            (None, crate::model::Value::Constant { value }) => vec![*value],
            (None, _) => Vec::new(),
        };
        values
            .into_iter()
            .map(move |w| (format!("projections[{k}]"), q.post.as_str(), q.receptor, w))
    });
    let stimuli = network.stimuli.iter().enumerate().filter_map(|(k, s)| {
        s.event_weight()
            .map(|(weight, receptor)| (format!("stimuli[{k}]"), s.target(), receptor, weight))
    });
    // Weights drawn or listed: their largest magnitude must span 50 units (a rounding
    // of at most 1% there; smaller ones are as coarse as they are small). Looser than
    // a constant's 0.1%: a plastic projection's unit is sized for w_max, and small
    // initial weights that grow are common.
    for (k, q) in network.projections.iter().enumerate() {
        if weight_sweep(network, k).is_some()
            || matches!(q.weight, crate::model::Value::Constant { .. })
        {
            continue;
        }
        let (low, high) = q.weight.range();
        let largest = low.abs().max(high.abs());
        let unit = 2f64.powi(-scales[pop_index(&q.post)][q.receptor.index()]);
        if largest > 0.0 && largest < 50.0 * unit {
            return Err(PlanError::WeightsUnit {
                field: format!("projections[{k}]"),
                largest,
                unit,
            });
        }
    }
    for (field, post, receptor, weight) in projections.chain(stimuli) {
        let log2 = scales[pop_index(post)][receptor.index()];
        let unit = 2f64.powi(-log2);
        let held = (weight / unit).round() * unit;
        if (held - weight).abs() > 1e-3 * weight.abs() {
            return Err(PlanError::WeightUnit {
                field,
                weight,
                held,
                unit,
            });
        }
    }
    Ok(())
}

/// log2 of the fixed-point scale for a receptor whose input per step is at most
/// `bound` (nA): the largest power of two keeping it below 2^30.
fn fixed_point_log2(bound: f64) -> i32 {
    if bound <= 0.0 {
        return FIXED_POINT_HEADROOM_BITS;
    }
    ((f64::from(FIXED_POINT_HEADROOM_BITS) - bound.log2()).floor() as i32).clamp(-60, 60)
}

/// Refuses, before any synapse is drawn or built, a network whose stored synapses
/// (expected) are more than one table can index, naming the largest projections.
fn check_stored_synapses(network: &Network) -> Result<(), PlanError> {
    let mut each = host_memory::stored_synapses(network);
    let count = each.iter().map(|(_, n)| n).sum::<f64>().round() as u64;
    if count <= u64::from(u32::MAX) {
        return Ok(());
    }
    each.sort_by(|a, b| b.1.total_cmp(&a.1));
    let largest = (each.iter().take(3))
        .map(|&(i, n)| {
            let p = &network.projections[i];
            format!("projections[{i}] ({} -> {}): {n:.0}", p.pre, p.post)
        })
        .collect::<Vec<_>>()
        .join(", ");
    Err(PlanError::StoredSynapses {
        count,
        limit: u64::from(u32::MAX),
        largest,
    })
}

fn limit(what: &'static str, count: u64, limit: u64) -> Result<u32, PlanError> {
    if count > limit {
        Err(PlanError::TooMany { what, count, limit })
    } else {
        Ok(count as u32)
    }
}
