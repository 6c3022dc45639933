//! The twin of `shaders/propagate_prepare.wgsl`.

use super::arith::rounded;
use super::buffers::Buffers;
use crate::plan::astrocyte::{ASTROCYTE_INPUT_WORDS, ASTROCYTE_WORDS};
use crate::plan::layout::{MAX_WORKGROUPS_PER_DIM, PROPAGATE_WORKGROUP};

/// The single invocation between neuron update and propagate.
pub fn propagate_prepare_main(b: &mut Buffers) {
    let step = b.counters.step;
    let count = b.counters.spike_count;
    b.counters.prop_count = count;
    b.counters.prop_step = step;
    b.counters.spike_count = 0;
    b.counters.step = step + 1;
    b.step_ends[b.counters.batch_step as usize] = b.counters.record_count;
    b.counters.batch_step += 1;
    size_grid(b, 0, count);
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
