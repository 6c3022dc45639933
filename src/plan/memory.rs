//! The memory planner: every device buffer with its size and purpose, from a plan
//! (exact) or estimated from the model before any synapse is drawn, and the check
//! against the device's memory that refuses a network which does not fit, naming
//! the largest buffers and what would make it fit.

use super::layout::{self, Config, PopulationInfo, ProbeEntry, ProceduralProjection};
use super::{batch_steps_for, lower, BufferPlan, NeuronKind, MIN_BUFFER_BYTES, RECEPTORS};
use crate::model::{delay_to_steps, Connectivity, Network, Recorder, Value};

/// Element counts of every device buffer.
#[derive(Debug, Clone, Default)]
pub struct BufferSizes {
    /// Neurons of one instance.
    pub neurons: u64,
    pub instances: u64,
    pub groups: u64,
    pub populations: u64,
    pub params: u64,
    pub stimuli: u64,
    pub state: u64,
    pub ring: u64,
    /// Whether a population has intrinsic plasticity (a bias per neuron).
    pub intrinsic_plasticity: bool,
    pub record_capacity: u64,
    /// Steps one neuron-update dispatch integrates (`super::window`): the spike list
    /// holds that many steps' spikes.
    pub window_steps: u64,
    /// Stored static synapses, every set of rows counted.
    pub synapses: u64,
    /// Sets of stored rows: one per instance when connectivity is drawn per instance.
    pub row_sets: u64,
    /// Plastic synapses (one instance) and the steps of spike lists their
    /// postsynaptic side keeps (0: none).
    pub plastic: u64,
    /// Words of state per plastic synapse and instance (`Config::synapse_words`).
    pub synapse_words: u32,
    pub plastic_rules: u64,
    /// Rules with a modulator history (`layout::MODULATOR_WORDS` per instance): all
    /// of them where some rule is three-factor, else none.
    pub modulator_rules: u64,
    /// Entries of the rule table: the rules, times the instances where a rule's
    /// parameters are swept.
    pub rule_table: u64,
    /// Words of per-synapse rule parameters (`PlasticTable::rule_params`).
    pub rule_params: u64,
    /// Synapses of rules with a per-step part, and three-factor synapses.
    pub sweep: u64,
    pub history_depth: u64,
    pub procedural: u64,
    pub row_lengths: u64,
    /// Rows and synapses (expected) of the table built on the device (0: none).
    pub built_rows: u64,
    pub built_synapses: u64,
    pub batch_steps: u64,
    pub probes: u64,
    pub probe_capacity: u64,
    /// Rows of the stream table (`spike_source_stream` neurons of all instances).
    pub stream_rows: u64,
    /// Words of the readouts.
    pub readouts: u64,
    /// Words of the current table (0 without current streams).
    pub current_table: u64,
    /// Errors of error-modulated rules (one per neuron and instance, or none).
    pub errors: u64,
    /// Astrocyte units and the populations they count, all astrocytes together.
    pub astrocytes: u64,
    pub astrocyte_inputs: u64,
    /// Gap junction entries (each junction from both ends; 0: none).
    pub gap_entries: u64,
}

/// The device buffers of a network of `s`.
pub fn buffers(s: &BufferSizes) -> Vec<BufferPlan> {
    let n = s.neurons * s.instances;
    let entry = |count: u64, size: usize| (count * size as u64).max(MIN_BUFFER_BYTES);
    [
        ("config", entry(1, size_of::<Config>()), "network constants"),
        (
            "counters",
            entry(1, size_of::<layout::Counters>()),
            "clock, spike counts, fault flags",
        ),
        (
            "kinds",
            entry(s.groups, 256),
            "one uniform per neuron kernel",
        ),
        (
            "populations",
            entry(s.populations, size_of::<PopulationInfo>()),
            "population layout and input units",
        ),
        // Whole vectors of four, for a uniform buffer (gpu::uniform_tables).
        (
            "params",
            entry(s.params.next_multiple_of(4), 4),
            "neuron model parameters",
        ),
        (
            "stimuli",
            entry(s.stimuli, size_of::<layout::StimulusParams>()),
            "Poisson and DC inputs",
        ),
        (
            "state",
            entry(s.state, 4),
            "neuron state variables and refractory counters",
        ),
        (
            "bias",
            entry(if s.intrinsic_plasticity { n } else { 0 }, 4),
            "intrinsic plasticity's bias currents",
        ),
        ("ring", entry(s.ring, 4), "delayed fixed-point input"),
        (
            "spikes",
            entry(s.window_steps * n + s.record_capacity, 4),
            "this window's spikes, then the batch's recorded spikes",
        ),
        (
            "dispatch",
            entry(2, size_of::<layout::DispatchArgs>()),
            "indirect sizes of propagation and the postsynaptic plasticity walk",
        ),
        (
            "row_start",
            entry(s.neurons * s.row_sets + 1, 4),
            "synapse rows",
        ),
        (
            "procedural",
            entry(s.procedural, size_of::<ProceduralProjection>()),
            "procedural projections",
        ),
        (
            "row_lengths",
            entry(s.row_lengths, 4),
            "procedural fixed-total row lengths",
        ),
        (
            "syn_target_delay",
            entry(s.synapses, 4),
            "synapse targets and delays",
        ),
        ("syn_weight", entry(s.synapses, 4), "fixed-point weights"),
        (
            "built_row_start",
            entry(
                if s.built_rows > 0 {
                    s.built_rows + 1
                } else {
                    0
                },
                4,
            ),
            "rows of the synapses built on the device",
        ),
        (
            "build_part_counts",
            entry(
                s.built_rows.min(u64::from(super::BUILD_BATCH_ROWS))
                    * u64::from(layout::PROPAGATE_WORKGROUP),
                4,
            ),
            "where each row part starts, one batch of rows (while building)",
        ),
        (
            "syn_built_target_delay",
            entry(s.built_synapses, 4),
            "targets and delays of the synapses built on the device (expected count)",
        ),
        (
            "syn_built_weight",
            entry(s.built_synapses, 4),
            "weights of the synapses built on the device (expected count)",
        ),
        (
            "plastic_row_start",
            entry(if s.plastic > 0 { s.neurons + 1 } else { 0 }, 4),
            "plastic synapse rows",
        ),
        (
            "plastic_synapse",
            entry(s.plastic, 8),
            "plastic synapse targets, delays and rules",
        ),
        (
            "post_start",
            entry(if s.plastic > 0 { s.neurons + 1 } else { 0 }, 4),
            "plastic synapses by postsynaptic neuron",
        ),
        (
            "post_synapse",
            entry(s.plastic, 4),
            "transposed plastic synapse index",
        ),
        (
            "plastic_rules",
            entry(s.rule_table, size_of::<layout::PlasticRule>()),
            "plasticity rules",
        ),
        (
            "rule_params",
            entry(s.rule_params, 4),
            "plasticity parameters drawn per synapse",
        ),
        (
            "plastic_state",
            entry(s.plastic * u64::from(s.synapse_words) * s.instances, 4),
            "plastic weights and traces per instance",
        ),
        (
            "sweep_synapse",
            entry(s.sweep, 4),
            "synapses updated every step, and three-factor synapses",
        ),
        (
            "modulators",
            entry(
                (s.modulator_rules * u64::from(layout::MODULATOR_WORDS)
                    + s.astrocytes
                    + s.astrocyte_inputs)
                    * s.instances,
                4,
            ),
            "neuromodulator and astrocyte levels and spike counts",
        ),
        (
            "gap_start",
            entry(
                if s.gap_entries > 0 {
                    2 * s.neurons + 1
                } else {
                    0
                },
                4,
            ),
            "gap junctions and graded synapses by neuron",
        ),
        (
            "gap_partner",
            entry(s.gap_entries, 4),
            "coupled neurons (junction partners, graded presynaptic neurons)",
        ),
        (
            "gap_coupling",
            entry(s.gap_entries, 16),
            "coupling conductances and graded synapse kinetics",
        ),
        (
            "gap_potential",
            entry(if s.gap_entries > 0 { n } else { 0 }, 8),
            "where each coupled neuron's v lies",
        ),
        (
            "gap_current",
            entry(if s.gap_entries > 0 { n } else { 0 }, 4),
            "the step's coupling current per neuron",
        ),
        (
            "astrocytes",
            entry(
                s.astrocytes * super::astrocyte::ASTROCYTE_WORDS as u64
                    + s.astrocyte_inputs * super::astrocyte::ASTROCYTE_INPUT_WORDS as u64,
                4,
            ),
            "astrocyte propagators and the populations they count",
        ),
        (
            "history",
            entry(s.history_depth * (2 + n), 4),
            "spike lists of the last plastic delay's steps",
        ),
        (
            "step_ends",
            entry(s.batch_steps, 4),
            "recorded spikes per step",
        ),
        (
            "stream",
            entry(
                if s.stream_rows > 0 {
                    s.stream_rows + 2 + super::stream_capacity(s.stream_rows)
                } else {
                    0
                },
                4,
            ),
            "the batch's streamed spike events",
        ),
        (
            "currents",
            entry(s.current_table, 4),
            "the batch's streamed input currents",
        ),
        (
            "errors",
            entry(s.errors, 4),
            "errors the host sets for error-modulated synapses",
        ),
        (
            "readouts",
            entry(s.readouts, 4),
            "spike counts and traces of the readout populations",
        ),
        (
            "probes",
            entry(s.probes, size_of::<ProbeEntry>()),
            "probe table",
        ),
        (
            "probe_out",
            entry(s.probe_capacity, 4),
            "probe samples of a batch",
        ),
    ]
    .into_iter()
    .map(|(name, bytes, purpose)| BufferPlan {
        name,
        bytes,
        purpose,
    })
    .collect()
}

/// Every buffer of a network with its size, and the total.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryReport {
    pub buffers: Vec<BufferPlan>,
    /// False for an estimate made before drawing (fixed-probability synapse counts
    /// are then their expectation).
    pub exact: bool,
}

/// The first of `buffers` that must fit one storage binding and is larger than
/// `limit` bytes. The synapse arrays and the input ring are chunked to fit a binding,
/// and the build batches are as small as a binding needs; the rest must fit one.
pub fn over_binding(buffers: &[BufferPlan], limit: u64) -> Option<&BufferPlan> {
    buffers.iter().find(|b| {
        let chunked =
            b.name.starts_with("syn_") || b.name == "ring" || b.name == "build_part_counts";
        !chunked && b.bytes > limit
    })
}

impl MemoryReport {
    pub fn total(&self) -> u64 {
        self.buffers.iter().map(|b| b.bytes).sum()
    }

    /// The `count` largest buffers, largest first, as "name size (purpose)".
    pub fn largest(&self, count: usize) -> String {
        let mut sorted: Vec<&BufferPlan> = self.buffers.iter().collect();
        sorted.sort_by_key(|b| std::cmp::Reverse(b.bytes));
        sorted
            .iter()
            .take(count)
            .map(|b| format!("{} {} ({})", b.name, format_bytes(b.bytes), b.purpose))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The report as a table, largest buffers first.
    pub fn table(&self) -> String {
        let mut sorted: Vec<&BufferPlan> = self.buffers.iter().collect();
        sorted.sort_by_key(|b| std::cmp::Reverse(b.bytes));
        let mut out = format!("{:<12} {:>12}  purpose\n", "buffer", "size");
        for b in sorted {
            out += &format!(
                "{:<12} {:>12}  {}\n",
                b.name,
                format_bytes(b.bytes),
                b.purpose
            );
        }
        out += &format!(
            "{:<12} {:>12}{}\n",
            "total",
            format_bytes(self.total()),
            if self.exact {
                ""
            } else {
                "  (estimate: expected synapse counts)"
            }
        );
        out
    }
}

/// Bytes in binary units with three significant digits.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.3} {}", UNITS[unit])
    }
}

/// Stored synapses a projection rule makes (the expectation for fixed probability).
pub(crate) fn expected_synapses(rule: &Connectivity, n_pre: u64, n_post: u64, same: bool) -> f64 {
    let pairs = |allow_autapses: bool| {
        (n_pre * n_post - if same && !allow_autapses { n_pre } else { 0 }) as f64
    };
    match *rule {
        Connectivity::AllToAll { allow_autapses } => pairs(allow_autapses),
        Connectivity::FixedProbability { p, allow_autapses } => p * pairs(allow_autapses),
        Connectivity::FixedInDegree { k, .. } => (u64::from(k) * n_post) as f64,
        Connectivity::FixedOutDegree { k, .. } => (u64::from(k) * n_pre) as f64,
        Connectivity::FixedTotalNumber { n, .. } => n as f64,
        Connectivity::OneToOne {} => n_pre.min(n_post) as f64,
        Connectivity::FromList { ref pairs } => pairs.len() as f64,
    }
}

/// The memory of a valid `network`, estimated without drawing any synapse: exact but
/// for the counts of fixed-probability projections (their expectation).
pub fn estimate(network: &Network) -> MemoryReport {
    MemoryReport {
        buffers: buffers(&estimate_sizes(network)),
        exact: false,
    }
}

/// The element counts behind [`estimate`].
pub fn estimate_sizes(network: &Network) -> BufferSizes {
    let size = |name: &str| {
        network
            .populations
            .iter()
            .find(|p| p.name == name)
            .map_or(0, |p| u64::from(p.size))
    };
    let neurons: u64 = network.populations.iter().map(|p| u64::from(p.size)).sum();
    let receptors = network
        .populations
        .iter()
        .map(|p| p.neuron.receptor_count() as u64)
        .max()
        .unwrap_or(u64::from(RECEPTORS))
        .max(u64::from(RECEPTORS));
    let mut kinds: Vec<&str> = network
        .populations
        .iter()
        .map(|p| p.neuron.name())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut max_delay = 1u64;
    let mut min_delay = u32::MAX;
    let (mut synapses, mut procedural, mut row_lengths) = (0f64, 0u64, 0u64);
    let mut built_synapses = 0f64;
    let (mut plastic, mut plastic_rules, mut history_depth) = (0f64, 0u64, 0u64);
    let mut three_factor = false;
    let mut sweep = 0f64;
    // Words per synapse of the rule parameters that vary by synapse.
    let mut rule_param_words = 0u32;
    // Traces are kept only when some plastic projection has a rule.
    let mut synapse_words = 1;
    let mut stored_per_instance = false;
    for (index, projection) in network.projections.iter().enumerate() {
        let (n_pre, n_post) = (size(&projection.pre), size(&projection.post));
        // A swept weight is kept per synapse and instance, as a plastic one.
        let weight_swept = network.sweeps.iter().any(
            |s| matches!(s, crate::model::Sweep::Weight { projection, .. } if *projection == index),
        );
        // The shortest and longest delay in steps (a swept delay replaces the
        // projection's): the ring holds the longest, the window is at most the shortest.
        // Drawn delays are taken at the distribution's bounds: the plan uses those
        // drawn, so its window and ring may differ (its own check is exact).
        let steps = |ms: f64| delay_to_steps(ms, network.dt_ms);
        let (shortest, delay_steps) =
            match (super::delay_sweep(network, index), &projection.delay_ms) {
                (Some(values), _) => values
                    .iter()
                    .map(|&ms| delay_to_steps(ms, network.dt_ms))
                    .fold((u32::MAX, 1), |(lo, hi), d| (lo.min(d), hi.max(d))),
                (None, Value::Constant { value }) => {
                    let d = delay_to_steps(*value, network.dt_ms);
                    (d, d)
                }
                (None, value) => (steps(value.range().0), steps(value.range().1)),
            };
        max_delay = max_delay.max(u64::from(delay_steps));
        min_delay = min_delay.min(shortest);
        if projection.built_on_device {
            built_synapses += expected_synapses(
                &projection.connectivity,
                n_pre,
                n_post,
                projection.pre == projection.post,
            );
            stored_per_instance |= projection.per_instance;
        }
        if projection.generated_by().is_some() {
            procedural += 1;
            if let Connectivity::FixedTotalNumber { .. } = projection.connectivity {
                row_lengths += if projection.per_instance {
                    n_pre * u64::from(network.instances)
                } else {
                    n_pre
                };
            }
        } else {
            let count = expected_synapses(
                &projection.connectivity,
                n_pre,
                n_post,
                projection.pre == projection.post,
            );
            match &projection.plasticity {
                Some(rule) => {
                    rule_param_words = rule_param_words.max(super::plastic::varying_words(
                        projection,
                        rule,
                        network.dt_ms,
                    ));
                    synapse_words = layout::SYNAPSE_WORDS;
                    plastic += count;
                    plastic_rules += 1;
                    let three =
                        matches!(rule, crate::model::Plasticity::StdpDopamineSynapse { .. });
                    three_factor |= three;
                    if super::plastic::is_swept(rule) || three {
                        sweep += count;
                    }
                    if rule.has_post_events() {
                        history_depth = history_depth.max(u64::from(delay_steps) + 1);
                    }
                }
                None if weight_swept => {
                    plastic += count;
                    plastic_rules += 1;
                }
                None if super::drawn_per_instance(network, index) => {
                    synapses += count;
                    stored_per_instance = true;
                }
                None => synapses += count,
            }
        }
    }
    let instances = u64::from(network.instances);
    // One set of stored rows per instance once any stored projection is drawn per
    // instance (the shared ones copied into each).
    let row_sets = if stored_per_instance { instances } else { 1 };
    let recorded: u64 = network
        .populations
        .iter()
        .filter(|p| {
            network
                .recorders
                .iter()
                .any(|r| r.spike_population() == Some(p.name.as_str()))
        })
        .map(|p| size(&p.name))
        .sum::<u64>()
        * instances;
    let batch_steps = u64::from(batch_steps_for(recorded, network));
    let (mut probes, mut probe_capacity) = (0u64, 0u64);
    for r in &network.recorders {
        if let Recorder::State {
            neurons,
            every_steps,
            ..
        } = r
        {
            probes += neurons.len() as u64;
            probe_capacity += batch_steps.div_ceil(u64::from(*every_steps)) * neurons.len() as u64;
        }
    }
    BufferSizes {
        neurons,
        instances,
        groups: kinds.len() as u64,
        populations: network.populations.len() as u64,
        params: network
            .populations
            .iter()
            .map(|p| {
                let kind = NeuronKind::built_in(&p.neuron).unwrap_or(NeuronKind::Custom(0));
                let block = lower(&p.neuron, kind, network.dt_ms).params.len() as u64
                    + u64::from(super::varies(network, p, super::REFRACTORY_PARAMETERS));
                if p.heterogeneous.is_empty() {
                    block
                } else {
                    block * u64::from(p.size)
                }
            })
            .sum::<u64>()
            * instances,
        stimuli: network
            .stimuli
            .iter()
            .map(|s| s.segments().len() as u64)
            .sum::<u64>()
            * instances,
        state: network
            .populations
            .iter()
            .map(|p| {
                let words = layout::state_words(p.neuron.state_variables().len() as u32);
                u64::from(p.size) * u64::from(words)
            })
            .sum::<u64>()
            * instances,
        ring: (max_delay + 1) * receptors * neurons * instances,
        intrinsic_plasticity: network
            .populations
            .iter()
            .any(|p| p.intrinsic_plasticity.is_some()),
        record_capacity: (recorded * batch_steps).max(1),
        // The plan may shorten the window further for long loops (`window::loop_cap`):
        // the estimate then exceeds it by part of the spike list.
        window_steps: u64::from(super::window::window_steps(
            min_delay,
            neurons * instances,
            batch_steps as u32,
            plastic > 0.0
                || !network.astrocytes.is_empty()
                || !network.gap_junctions.is_empty()
                || !network.graded_synapses.is_empty()
                || probes > 0
                || network
                    .populations
                    .iter()
                    .any(|p| matches!(p.neuron, crate::model::NeuronModel::Custom(_))),
        )),
        synapses: (synapses * row_sets as f64).round() as u64,
        row_sets,
        plastic: plastic.round() as u64,
        synapse_words,
        plastic_rules,
        modulator_rules: if three_factor { plastic_rules } else { 0 },
        rule_table: if network
            .sweeps
            .iter()
            .any(|s| matches!(s, crate::model::Sweep::Plasticity { .. }))
        {
            plastic_rules * instances
        } else {
            plastic_rules
        },
        rule_params: plastic.round() as u64 * u64::from(rule_param_words),
        sweep: sweep.round() as u64,
        history_depth,
        procedural,
        row_lengths,
        built_rows: if has_built(network) {
            neurons * row_sets
        } else {
            0
        },
        built_synapses: (built_synapses * row_sets as f64).round() as u64,
        batch_steps,
        probes,
        probe_capacity,
        stream_rows: network
            .populations
            .iter()
            .filter(|p| matches!(p.neuron, crate::model::NeuronModel::SpikeSourceStream(_)))
            .map(|p| u64::from(p.size))
            .sum::<u64>()
            * instances,
        current_table: {
            let rows = network
                .stimuli
                .iter()
                .filter(|s| matches!(s, crate::model::Stimulus::CurrentStream { .. }))
                .map(|s| size(s.target()))
                .sum::<u64>()
                * instances;
            let steps = (super::CURRENT_TABLE_WORDS / rows.max(1)).clamp(1, batch_steps);
            if rows > 0 {
                3 + rows * steps
            } else {
                0
            }
        },
        astrocytes: network.astrocytes.len() as u64,
        gap_entries: 2 * network
            .gap_junctions
            .iter()
            .map(|g| g.pairs.len() as u64)
            .sum::<u64>()
            + network
                .graded_synapses
                .iter()
                .map(|g| g.pairs.len() as u64)
                .sum::<u64>(),
        astrocyte_inputs: network
            .astrocytes
            .iter()
            .map(|a| a.inputs.len() as u64)
            .sum(),
        errors: if network.projections.iter().any(|p| {
            matches!(
                p.plasticity,
                Some(crate::model::Plasticity::ErrorModulatedSynapse { .. })
            )
        }) {
            neurons * instances
        } else {
            0
        },
        readouts: network
            .readouts
            .iter()
            .map(|r| size(&r.population) * u64::from(layout::READOUT_WORDS))
            .sum::<u64>()
            * instances,
    }
}

/// An ensemble's device memory: what its instances share (stored connectivity,
/// tables) and what one more instance adds (state, input ring, swept or plastic
/// weights, recordings), from the estimates at one and two instances. Recording
/// buffers hold fewer steps per batch as instances grow, so larger ensembles cost
/// less than `shared + B · per_instance`: `largest_ensemble` estimates each size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnsembleFootprint {
    pub shared: u64,
    pub per_instance: u64,
}

impl EnsembleFootprint {
    /// The footprint of `network`'s structure, whatever its `instances`.
    pub fn of(network: &Network) -> Self {
        let (one, two) = (with_instances(network, 1), with_instances(network, 2));
        Self {
            shared: (2 * one).saturating_sub(two),
            per_instance: two.saturating_sub(one),
        }
    }
}

/// The estimated bytes of `network` run as `instances` instances.
pub fn with_instances(network: &Network, instances: u32) -> u64 {
    let mut n = network.clone();
    n.instances = instances;
    estimate(&n).total()
}

/// The most instances of `network` whose estimated memory fits in `available` bytes
/// with every buffer that must fit one binding within `binding` bytes (0: not even
/// one), at most `MAX_INSTANCES`.
pub fn largest_ensemble(network: &Network, available: u64, binding: u64) -> u32 {
    let fits = |b: u32| {
        let mut n = network.clone();
        n.instances = b;
        let report = estimate(&n);
        report.total() <= available && over_binding(&report.buffers, binding).is_none()
    };
    if !fits(1) {
        return 0;
    }
    // Memory grows with the instances: bisect for the last size that fits.
    let (mut low, mut high) = (1, crate::model::MAX_INSTANCES);
    if fits(high) {
        return high;
    }
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if fits(middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    low
}

/// Whether a projection of `network` is built on the device.
fn has_built(network: &Network) -> bool {
    network.projections.iter().any(|p| p.built_on_device)
}

/// What would make `network` need less memory, given its report.
pub fn advice(network: &Network, report: &MemoryReport) -> String {
    let stored: u64 = report
        .buffers
        .iter()
        .filter(|b| b.name.starts_with("syn_"))
        .map(|b| b.bytes)
        .sum();
    let candidates: Vec<String> = network
        .projections
        .iter()
        .filter(|p| p.generated_by().is_none())
        .filter(|p| {
            matches!(
                p.connectivity,
                Connectivity::AllToAll { .. }
                    | Connectivity::FixedProbability { .. }
                    | Connectivity::FixedTotalNumber {
                        allow_multapses: true,
                        ..
                    }
            ) && !matches!(p.weight, Value::Array { .. })
                && !matches!(p.delay_ms, Value::Array { .. })
        })
        .map(|p| format!("{} -> {}", p.pre, p.post))
        .collect();
    if stored * 2 > report.total() && !candidates.is_empty() {
        return format!(
            "the stored synapses take {} of it: mark projections procedural \
             (`procedural = true`) to regenerate them at each spike instead of storing \
             them; these can be: {}",
            format_bytes(stored),
            candidates.join(", ")
        );
    }
    if stored * 2 > report.total() {
        return format!(
            "the stored synapses take {}: use a rule that can be procedural \
             (fixed_probability, fixed_total_number with multapses, all_to_all) and mark it \
             `procedural = true`, or fewer synapses",
            format_bytes(stored)
        );
    }
    "use fewer neurons, shorter delays (the input ring holds one slot per step of the \
     longest delay) or fewer recorded populations, or a device with more memory"
        .to_string()
}
