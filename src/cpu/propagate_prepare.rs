//! The twin of `shaders/propagate_prepare.wgsl`.

use super::buffers::Buffers;
use crate::plan::layout::MAX_WORKGROUPS_PER_DIM;

/// The single invocation between neuron update and propagate.
pub fn propagate_prepare_main(b: &mut Buffers) {
    let step = b.counters.step;
    let count = b.counters.spike_count;
    b.counters.prop_count = count;
    b.counters.prop_step = step;
    b.counters.spike_count = 0;
    b.counters.step = step + 1;
    b.step_ends[(step - b.batch.first_step) as usize] = b.counters.record_count;
    b.dispatch.x = count.min(MAX_WORKGROUPS_PER_DIM);
    b.dispatch.y = count.div_ceil(MAX_WORKGROUPS_PER_DIM);
    b.dispatch.z = 1;
}
