//! Procedural projections, lowered: the rule and the value distributions in the form
//! the propagate_procedural kernel regenerates rows from, the largest input they can
//! bring a neuron in one step (for the fixed-point unit) and their longest delay. Only
//! the row lengths of fixed-total-number projections are drawn on the host (4 bytes per
//! presynaptic neuron); everything else is drawn on the device at each spike.

use super::connectivity::STREAM_CONNECTIVITY;
use super::layout::{
    ProceduralProjection, DRAW_CONSTANT, DRAW_LOGNORMAL, DRAW_NORMAL, DRAW_UNIFORM,
    RULE_ALL_TO_ALL, RULE_FIXED_PROBABILITY, RULE_FIXED_TOTAL_NUMBER,
};
use crate::cpu::rng::HostStream;
use crate::model::{delay_to_steps, Connectivity, Projection, Value};

/// A procedural projection before the post population's fixed-point unit is known.
pub(crate) struct PendingProcedural {
    pub post_first: u32,
    pub receptor: u32,
    /// Largest total input (nA or µS) one postsynaptic neuron can receive from this
    /// projection in one step, with overwhelming probability (see `in_degree_bound`).
    pub input_bound: f64,
    pub max_delay_steps: u32,
    /// The shortest delay the device can draw (`u32(max(round(x), 1))` of the
    /// distribution's lowest value).
    pub min_delay_steps: u32,
    /// Synapses the projection has (exact for all-to-all and fixed total number, the
    /// expectation for fixed probability).
    pub expected_synapses: f64,
    entry: ProceduralProjection,
}

impl PendingProcedural {
    /// Lowers projection `index`; a fixed-total-number projection's row lengths are
    /// drawn (every synapse's presynaptic neuron uniformly, from the projection's
    /// connectivity stream, for each of the `instances` when drawn per instance) and
    /// appended to `row_lengths`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        projection: &Projection,
        index: u32,
        (pre_first, pre_size): (u32, u32),
        (post_first, post_size): (u32, u32),
        same_population: bool,
        seed: u64,
        dt_ms: f64,
        (first_instance, instances): (u32, u32),
        row_lengths: &mut Vec<u32>,
    ) -> Self {
        let n_pre = f64::from(pre_size);
        let n_post = f64::from(post_size);
        let mut entry = ProceduralProjection {
            pre_first,
            pre_size,
            post_first,
            post_size,
            stream: index,
            per_instance: u32::from(projection.per_instance),
            built: u32::from(projection.built_on_device),
            ..bytemuck::Zeroable::zeroed()
        };
        let row_sets = if projection.per_instance {
            instances
        } else {
            1
        };
        let (rule, autapses, expected_synapses, in_degree) = match projection.connectivity {
            Connectivity::AllToAll { allow_autapses } => {
                let excluded = same_population && !allow_autapses;
                let candidates = n_pre - f64::from(u8::from(excluded));
                (
                    RULE_ALL_TO_ALL,
                    allow_autapses,
                    candidates * n_post,
                    candidates,
                )
            }
            Connectivity::FixedProbability { p, allow_autapses } => {
                entry.inv_log_q = if p >= 1.0 {
                    0.0
                } else {
                    (1.0 / (-p).ln_1p()) as f32
                };
                let excluded = same_population && !allow_autapses;
                let candidates = n_pre - f64::from(u8::from(excluded));
                let mean = candidates * p;
                let bound = (mean + 10.0 * (mean * (1.0 - p)).sqrt() + 10.0).min(candidates);
                (RULE_FIXED_PROBABILITY, allow_autapses, mean * n_post, bound)
            }
            Connectivity::FixedTotalNumber {
                n, allow_autapses, ..
            } => {
                entry.row_offset = row_lengths.len() as u32;
                // Instance b's rows (b > 0 only when drawn per instance).
                for b in 0..row_sets {
                    let first = row_lengths.len();
                    row_lengths.resize(first + pre_size as usize, 0);
                    let own = if projection.per_instance {
                        first_instance + b
                    } else {
                        0
                    };
                    let sub = index + (own << 16);
                    let mut rng = HostStream::new(seed, STREAM_CONNECTIVITY, sub);
                    for _ in 0..n {
                        row_lengths[first + rng.below(pre_size) as usize] += 1;
                    }
                }
                let mean = n as f64 / n_post;
                (
                    RULE_FIXED_TOTAL_NUMBER,
                    allow_autapses,
                    n as f64,
                    mean + 10.0 * mean.sqrt() + 10.0,
                )
            }
            Connectivity::FixedInDegree { .. }
            | Connectivity::FixedOutDegree { .. }
            | Connectivity::OneToOne {}
            | Connectivity::FromList { .. } => {
                unreachable!("validation refuses these rules for generated projections")
            }
        };
        entry.rule = rule;
        entry.exclude_self = u32::from(same_population && !autapses);
        let (w_kind, w_a, w_b, w_low, w_high) = distribution(&projection.weight, 1.0);
        (
            entry.weight_kind,
            entry.weight_a,
            entry.weight_b,
            entry.weight_low,
            entry.weight_high,
        ) = (w_kind, w_a, w_b, w_low, w_high);
        let (d_kind, d_a, d_b, d_low, d_high) = match projection.delay_ms {
            // A constant delay rounds exactly as a stored one.
            Value::Constant { value } => {
                let steps = delay_to_steps(value, dt_ms) as f32;
                (DRAW_CONSTANT, steps, 0.0, steps, steps)
            }
            ref value => distribution(value, dt_ms),
        };
        (
            entry.delay_kind,
            entry.delay_a,
            entry.delay_b,
            entry.delay_low,
            entry.delay_high,
        ) = (d_kind, d_a, d_b, d_low, d_high);
        let (lo, hi) = projection.weight.range();
        Self {
            post_first,
            receptor: projection.receptor.index() as u32,
            input_bound: lo.abs().max(hi.abs()) * in_degree,
            max_delay_steps: d_high.round_ties_even().max(1.0) as u32,
            min_delay_steps: d_low.round_ties_even().max(1.0) as u32,
            expected_synapses,
            entry,
        }
    }

    /// Whether the rows are built on the device into a stored table.
    pub fn built(&self) -> bool {
        self.entry.built != 0
    }

    /// Whether every instance has rows of its own.
    pub fn per_instance(&self) -> bool {
        self.entry.per_instance != 0
    }

    /// The device's entry, with weights scaled to the post population's fixed-point
    /// unit 2^-`scale_log2` and targets offset for `n_neurons` neurons per receptor.
    pub fn lower(&self, n_neurons: u32, scale_log2: i32) -> ProceduralProjection {
        ProceduralProjection {
            target_base: self.receptor * n_neurons + self.post_first,
            weight_scale: 2f64.powi(scale_log2) as f32,
            ..self.entry
        }
    }
}

/// (kind, a, b, low, high) of `value` in units of `unit`: constant a; uniform
/// a + b u; normal a + b z, lognormal exp(a + b z), within [low, high] (their 8-SD
/// range at most).
fn distribution(value: &Value, unit: f64) -> (u32, f32, f32, f32, f32) {
    let (low, high) = value.range();
    let (low, high) = ((low / unit) as f32, (high / unit) as f32);
    match *value {
        Value::Constant { value } => {
            let a = (value / unit) as f32;
            (DRAW_CONSTANT, a, 0.0, a, a)
        }
        Value::Uniform { low: l, high: h } => (
            DRAW_UNIFORM,
            (l / unit) as f32,
            ((h - l) / unit) as f32,
            low,
            high,
        ),
        Value::Normal { mean, sd, .. } => (
            DRAW_NORMAL,
            (mean / unit) as f32,
            (sd / unit) as f32,
            low,
            high,
        ),
        // exp(mu + sigma z) / unit = exp(mu − ln unit + sigma z).
        Value::Lognormal { mu, sigma } => (
            DRAW_LOGNORMAL,
            (mu - unit.ln()) as f32,
            sigma as f32,
            low,
            high,
        ),
        Value::Array { .. } => unreachable!("validation refuses arrays for procedural projections"),
    }
}
