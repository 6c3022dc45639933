//! Spike propagation through procedural projections, the twin of
//! `shaders/propagate_procedural.wgsl`: the shader's invocations each regenerate one
//! part of the row; here one call regenerates the parts in turn, drawing the same
//! synapses and adding the same integers.

use super::arith::rounded;
use super::buffers::Buffers;
use super::delivery::{deliver_to_ring, propagated_spike, ring_slot};
use super::draws::Draws;
use super::math::det_log;
use super::rng::{key_from_seed, uniform_open_closed};
use crate::plan::layout::{
    ProceduralProjection, PROPAGATE_WORKGROUP, RULE_FIXED_PROBABILITY, RULE_FIXED_TOTAL_NUMBER,
};

/// The third counter word of projection q's draws is `STREAM_PROCEDURAL + q.stream`.
pub const STREAM_PROCEDURAL: u32 = 0x5000_0000;

/// Start of part `part` of a row of `n` split into `PROPAGATE_WORKGROUP` parts.
pub fn part_start(n: u32, part: u32) -> u32 {
    (n / PROPAGATE_WORKGROUP) * part + ((n % PROPAGATE_WORKGROUP) * part) / PROPAGATE_WORKGROUP
}

/// Where a spike's events go: its instance, its step and that step's ring slot.
struct Source {
    instance: u32,
    step: u32,
    step_slot: u32,
}

/// Draws the next synapse's weight and delay and adds the weight into the ring.
fn deliver(d: &mut Draws, q: &ProceduralProjection, post: u32, from: &Source, b: &mut Buffers) {
    let w = d.next_value(
        q.weight_kind,
        q.weight_a,
        q.weight_b,
        q.weight_low,
        q.weight_high,
    );
    let x = d.next_value(
        q.delay_kind,
        q.delay_a,
        q.delay_b,
        q.delay_low,
        q.delay_high,
    );
    let fixed = rounded(w * q.weight_scale).round_ties_even() as i32;
    let delay = x.round_ties_even().max(1.0) as u32;
    deliver_to_ring(
        b,
        from.instance,
        from.step,
        from.step_slot,
        delay,
        q.target_base + post,
        fixed,
    );
}

/// One workgroup: the rows of the `k`-th neuron that spiked, every part in turn.
pub fn propagate_procedural_main(k: u32, b: &mut Buffers) {
    if k >= b.counters.prop_count {
        return;
    }
    let c = b.config;
    let key = key_from_seed(u64::from(c.seed_lo) | (u64::from(c.seed_hi) << 32));
    let (instance, pre, step) = propagated_spike(b, k);
    let from = Source {
        instance,
        step,
        step_slot: ring_slot(b, step),
    };
    for j in 0..c.n_procedural as usize {
        let q = b.procedural[j];
        if pre < q.pre_first || pre - q.pre_first >= q.pre_size {
            continue;
        }
        let i = pre - q.pre_first;
        let own = if q.per_instance != 0 { instance } else { 0 };
        let stream = if q.per_instance != 0 {
            c.first_instance + instance
        } else {
            0
        };
        for part in 0..PROPAGATE_WORKGROUP {
            let sub = part + stream * PROPAGATE_WORKGROUP;
            let mut d = Draws::new(key, pre, sub, STREAM_PROCEDURAL + q.stream);
            if q.rule == RULE_FIXED_TOTAL_NUMBER {
                let n = b.row_lengths[(q.row_offset + own * q.pre_size + i) as usize];
                for _ in part_start(n, part)..part_start(n, part + 1) {
                    let mut post = d.next_below(q.post_size);
                    while q.exclude_self != 0 && post == i {
                        post = d.next_below(q.post_size);
                    }
                    deliver(&mut d, &q, post, &from, b);
                }
                continue;
            }
            let end = part_start(q.post_size, part + 1);
            let mut post = part_start(q.post_size, part);
            loop {
                if q.rule == RULE_FIXED_PROBABILITY {
                    let gap = rounded(det_log(uniform_open_closed(d.next_word())) * q.inv_log_q);
                    if gap >= (end - post) as f32 {
                        break;
                    }
                    post += gap as u32;
                }
                if post >= end {
                    break;
                }
                if q.exclude_self == 0 || post != i {
                    deliver(&mut d, &q, post, &from, b);
                }
                post += 1;
            }
        }
    }
}
