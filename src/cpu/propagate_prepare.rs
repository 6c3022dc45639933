//! The twin of `shaders/propagate_prepare.wgsl`.

use super::arith::rounded;
use super::buffers::Buffers;
use super::math::det_exp;
use super::modulator::{history_entry, modulator_from, next_head};
use super::neuron_update::window_len;
use crate::plan::astrocyte::{ASTROCYTE_INPUT_WORDS, ASTROCYTE_WORDS};
use crate::plan::layout::{
    MAX_WORKGROUPS_PER_DIM, MODULATOR_COUNT, MODULATOR_DECAY, MODULATOR_HEAD, MODULATOR_HEADER,
    MODULATOR_HISTORY, MODULATOR_JUMP, MODULATOR_LAW, MODULATOR_PENDING_STEP,
    MODULATOR_PENDING_VALUE, MODULATOR_TRACE, MODULATOR_WORDS, PROPAGATE_WORKGROUP,
};

/// The single invocation between neuron update and propagate.
pub fn propagate_prepare_main(b: &mut Buffers) {
    let step = b.counters.step;
    let steps = window_len(b);
    let mut count = 0;
    for k in 0..steps as usize {
        count += b.counters.spike_counts[k];
        b.counters.spike_counts[k] = 0;
        b.counters.prop_ends[k] = count;
    }
    b.counters.prop_count = count;
    b.counters.prop_step = step;
    b.counters.step = step + steps;
    let end = b.counters.record_count;
    for k in 0..steps {
        b.step_ends[(b.counters.batch_step + k) as usize] = end;
    }
    b.counters.batch_step += steps;
    size_grid(b, 0, count);
    advance_modulators(&mut b.modulators, b.config.astrocyte_base, step);
    advance_astrocytes(b);
    let depth = b.config.history_depth;
    if depth > 0 {
        b.history[(step % depth) as usize] = count;
        let mut total = 0;
        b.history[depth as usize] = 0;
        for d in 1..depth {
            if d <= step {
                total += b.history[((step - d) % depth) as usize];
            }
            b.history[(depth + d) as usize] = total;
        }
        let per_group = PROPAGATE_WORKGROUP / b.config.post_lanes;
        size_grid(b, 1, total.div_ceil(per_group));
    }
}

/// Each three-factor rule's modulator over step `step − 1`: an entry where the host
/// set a level or modulating spikes were counted; then the counts restart from 0.
/// The shader's `advance_modulators` (the host runs it on a copy to read the
/// modulators after the last step).
pub fn advance_modulators(words: &mut [u32], end: u32, step: u32) {
    for at in (0..end as usize).step_by(MODULATOR_WORDS as usize) {
        let law = words[at + MODULATOR_LAW as usize];
        let spikes = words[at + MODULATOR_COUNT as usize];
        words[at + MODULATOR_COUNT as usize] = 0;
        let pending = words[at + MODULATOR_PENDING_STEP as usize];
        if law == 0 || step == 0 {
            continue;
        }
        let k = step - 1;
        let decay = f32::from_bits(words[at + MODULATOR_DECAY as usize]);
        let set = pending != 0 && pending - 1 <= k;
        let counted = law == MODULATOR_TRACE && spikes > 0;
        if !set && !counted {
            continue;
        }
        let head = words[at + MODULATOR_HEAD as usize];
        let mut n = if set {
            words[at + MODULATOR_PENDING_STEP as usize] = 0;
            let level = f32::from_bits(words[at + MODULATOR_PENDING_VALUE as usize]);
            rounded(level * det_exp(decay))
        } else {
            modulator_from(history_entry(words, at, head - 1), k, decay)
        };
        if counted {
            let jump = f32::from_bits(words[at + MODULATOR_JUMP as usize]);
            n = rounded(n + rounded(spikes as f32 * jump));
        }
        let slot = at + (MODULATOR_HEADER + 2 * (head % MODULATOR_HISTORY)) as usize;
        words[slot] = k + 1;
        words[slot + 1] = n.to_bits();
        words[at + MODULATOR_HEAD as usize] = next_head(head);
    }
}

/// Each astrocyte's level over one step: `A ← A e^(−dt/τ) + bias (1 − e^(−dt/τ)) +
/// Σ_inputs weight · spikes`, inputs in table order; then the counts restart from 0.
fn advance_astrocytes(b: &mut Buffers) {
    let c = b.config;
    let n = c.n_instances as usize;
    let counts = (c.astrocyte_base + c.n_astrocytes * c.n_instances) as usize;
    for a in 0..c.n_astrocytes as usize {
        let decay = f32::from_bits(b.astrocytes[ASTROCYTE_WORDS * a]);
        let rest = f32::from_bits(b.astrocytes[ASTROCYTE_WORDS * a + 1]);
        for instance in 0..n {
            let at = c.astrocyte_base as usize + a * n + instance;
            let mut level = rounded(rounded(f32::from_bits(b.modulators[at]) * decay) + rest);
            for j in 0..c.n_astrocyte_inputs as usize {
                let input = ASTROCYTE_WORDS * c.n_astrocytes as usize + ASTROCYTE_INPUT_WORDS * j;
                if b.astrocytes[input + 2] as usize == a {
                    let weight = f32::from_bits(b.astrocytes[input + 3]);
                    let spikes = b.modulators[counts + j * n + instance] as f32;
                    level = rounded(level + rounded(weight * spikes));
                }
            }
            b.modulators[at] = level.to_bits();
        }
    }
    b.modulators[counts..counts + c.n_astrocyte_inputs as usize * n].fill(0);
}

fn size_grid(b: &mut Buffers, i: usize, count: u32) {
    b.dispatch[i].x = count.min(MAX_WORKGROUPS_PER_DIM);
    b.dispatch[i].y = count.div_ceil(MAX_WORKGROUPS_PER_DIM);
    b.dispatch[i].z = 1;
}
