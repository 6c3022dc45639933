//! State sampling, the twin of `shaders/probe.wgsl`.

use super::buffers::Buffers;

/// One invocation: probe entry `j`.
pub fn probe_main(j: u32, b: &mut Buffers) {
    if j >= b.config.n_probes {
        return;
    }
    let e = b.probes[j as usize];
    let step = b.counters.prop_step;
    if !step.is_multiple_of(e.every) {
        return;
    }
    let first_step = step + 1 - b.counters.batch_step;
    let sample = step / e.every - first_step.div_ceil(e.every);
    b.probe_out[(e.group_base + sample * e.group_size + e.local) as usize] =
        b.state[e.state_index as usize];
}
