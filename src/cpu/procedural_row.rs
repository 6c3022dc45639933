//! The synapses of one part of a procedural row, drawn one at a time: the twin of
//! `shaders/common/procedural_row.wgsl`, which propagate_procedural delivers from and
//! build_count / build_fill store.

use super::arith::rounded;
use super::draws::Draws;
use super::math::det_log;
use super::rng::{key_from_seed, uniform_open_closed};
use crate::plan::layout::{
    Config, ProceduralProjection, PROPAGATE_WORKGROUP, RULE_FIXED_PROBABILITY,
    RULE_FIXED_TOTAL_NUMBER,
};

/// The third counter word of projection q's draws is `STREAM_PROCEDURAL + q.stream`.
pub const STREAM_PROCEDURAL: u32 = 0x5000_0000;

/// Start of part `part` of a row of `n` split into `PROPAGATE_WORKGROUP` parts.
pub fn part_start(n: u32, part: u32) -> u32 {
    (n / PROPAGATE_WORKGROUP) * part + ((n % PROPAGATE_WORKGROUP) * part) / PROPAGATE_WORKGROUP
}

/// Whether global neuron `pre` is in q's presynaptic population (has a row in q).
pub fn has_row(q: &ProceduralProjection, pre: u32) -> bool {
    pre >= q.pre_first && pre - q.pre_first < q.pre_size
}

/// One synapse of a procedural row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSynapse {
    /// Offset in a ring slot: `receptor · n_neurons + post`.
    pub target: u32,
    /// In the target's fixed-point unit.
    pub weight: i32,
    /// In steps, at least 1.
    pub delay: u32,
}

/// Part `part` of one row, between synapses.
pub struct RowPart<'q> {
    q: &'q ProceduralProjection,
    d: Draws,
    /// The presynaptic neuron's index in its population.
    i: u32,
    /// All-to-all and fixed probability: the next candidate and the part's end.
    post: u32,
    end: u32,
    /// Fixed total number: the part's synapses not yet drawn.
    left: u32,
}

impl<'q> RowPart<'q> {
    /// Part `part` of the row of global neuron `pre` (within q's presynaptic
    /// population) in `instance`, before its first synapse; `key` is the seed's,
    /// `row_lengths` the fixed-total-number row lengths.
    pub fn new(
        q: &'q ProceduralProjection,
        (key, first_instance): ([u32; 2], u32),
        row_lengths: &[u32],
        (instance, pre, part): (u32, u32, u32),
    ) -> Self {
        let i = pre - q.pre_first;
        // Rows drawn per instance: instance b's part p is its own stream; instance 0's
        // is the shared one.
        let own = if q.per_instance != 0 { instance } else { 0 };
        let stream = if q.per_instance != 0 {
            first_instance + instance
        } else {
            0
        };
        // Keyed by the neuron's index within its population, not the network's
        // layout: another population added elsewhere changes no row.
        let d = Draws::new(
            key,
            i,
            part + stream * PROPAGATE_WORKGROUP,
            STREAM_PROCEDURAL + q.stream,
        );
        let mut r = Self {
            q,
            d,
            i,
            post: 0,
            end: 0,
            left: 0,
        };
        if q.rule == RULE_FIXED_TOTAL_NUMBER {
            let n = row_lengths[(q.row_offset + own * q.pre_size + i) as usize];
            r.left = part_start(n, part + 1) - part_start(n, part);
        } else {
            r.post = part_start(q.post_size, part);
            r.end = part_start(q.post_size, part + 1);
        }
        r
    }
}

/// The number of synapses part `part` of the row of `pre` in `instance` has, without
/// drawing them, for the rules that fix it: fixed total number (its share of the row
/// length) and all-to-all (its candidates, less the neuron itself without autapses).
/// `None` for fixed probability, whose count is known only by walking the part.
pub fn fixed_part_len(
    q: &ProceduralProjection,
    row_lengths: &[u32],
    (instance, pre, part): (u32, u32, u32),
) -> Option<u32> {
    let i = pre - q.pre_first;
    if q.rule == RULE_FIXED_PROBABILITY {
        return None;
    }
    if q.rule == RULE_FIXED_TOTAL_NUMBER {
        let own = if q.per_instance != 0 { instance } else { 0 };
        let n = row_lengths[(q.row_offset + own * q.pre_size + i) as usize];
        return Some(part_start(n, part + 1) - part_start(n, part));
    }
    let start = part_start(q.post_size, part);
    let end = part_start(q.post_size, part + 1);
    Some(end - start - u32::from(q.exclude_self != 0 && i >= start && i < end))
}

impl Iterator for RowPart<'_> {
    type Item = RowSynapse;

    /// The part's next synapse. All-to-all takes every candidate of its part; fixed
    /// probability skips a geometric number of candidates before each synapse; fixed
    /// total number draws each target uniformly.
    fn next(&mut self) -> Option<RowSynapse> {
        let q = self.q;
        let post;
        if q.rule == RULE_FIXED_TOTAL_NUMBER {
            if self.left == 0 {
                return None;
            }
            self.left -= 1;
            let mut p = self.d.next_below(q.post_size);
            while q.exclude_self != 0 && p == self.i {
                p = self.d.next_below(q.post_size);
            }
            post = p;
        } else {
            loop {
                if q.rule == RULE_FIXED_PROBABILITY {
                    let gap =
                        rounded(det_log(uniform_open_closed(self.d.next_word())) * q.inv_log_q);
                    if gap >= (self.end - self.post) as f32 {
                        return None;
                    }
                    self.post += gap as u32;
                }
                if self.post >= self.end {
                    return None;
                }
                let p = self.post;
                self.post = p + 1;
                if q.exclude_self == 0 || p != self.i {
                    post = p;
                    break;
                }
            }
        }
        let w = self.d.next_value(
            q.weight_kind,
            q.weight_a,
            q.weight_b,
            q.weight_low,
            q.weight_high,
        );
        let x = self.d.next_value(
            q.delay_kind,
            q.delay_a,
            q.delay_b,
            q.delay_low,
            q.delay_high,
        );
        Some(RowSynapse {
            target: q.target_base + post,
            weight: rounded(w * q.weight_scale).round_ties_even() as i32,
            delay: x.round_ties_even().max(1.0) as u32,
        })
    }
}

/// The synapses of part `part` of row `row` (instance · n_neurons + presynaptic
/// neuron) of the table built on the device: the part of every projection built on
/// the device, in table order — the walk of build_count and build_fill.
pub fn built_part<'a>(
    config: &Config,
    procedural: &'a [ProceduralProjection],
    row_lengths: &'a [u32],
    (row, part): (u32, u32),
) -> impl Iterator<Item = RowSynapse> + 'a {
    let key = key_from_seed(u64::from(config.seed_lo) | (u64::from(config.seed_hi) << 32));
    let first_instance = config.first_instance;
    let (instance, pre) = (row / config.n_neurons, row % config.n_neurons);
    built_projections(config, procedural, pre).flat_map(move |q| {
        RowPart::new(q, (key, first_instance), row_lengths, (instance, pre, part))
    })
}

/// The projections built on the device with `pre` in their presynaptic population, in
/// table order.
pub fn built_projections<'a>(
    config: &Config,
    procedural: &'a [ProceduralProjection],
    pre: u32,
) -> impl Iterator<Item = &'a ProceduralProjection> + 'a {
    procedural[..config.n_procedural as usize]
        .iter()
        .filter(move |q| q.built != 0 && has_row(q, pre))
}
