//! The twin of `shaders/propagate_prepare.wgsl`.

use super::buffers::Buffers;
use crate::plan::layout::{MAX_WORKGROUPS_PER_DIM, PROPAGATE_WORKGROUP};

/// The single invocation between neuron update and propagate.
pub fn propagate_prepare_main(b: &mut Buffers) {
    let step = b.counters.step;
    let count = b.counters.spike_count;
    b.counters.prop_count = count;
    b.counters.prop_step = step;
    b.counters.spike_count = 0;
    b.counters.step = step + 1;
    b.step_ends[(step - b.batch.first_step) as usize] = b.counters.record_count;
    size_grid(b, 0, count);
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

fn size_grid(b: &mut Buffers, i: usize, count: u32) {
    b.dispatch[i].x = count.min(MAX_WORKGROUPS_PER_DIM);
    b.dispatch[i].y = count.div_ceil(MAX_WORKGROUPS_PER_DIM);
    b.dispatch[i].z = 1;
}
