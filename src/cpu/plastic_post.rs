//! The postsynaptic side of plasticity, the twin of `shaders/plastic_post.wgsl`.

use super::buffers::Buffers;
use super::plasticity::{post_event, stdp_gain, synapse_rule};

/// The first index in `begin..end` of a transposed row whose synapse's delay is at
/// least `delay`; the shader's binary search.
fn first_with_delay(b: &Buffers, begin: u32, end: u32, delay: u32) -> u32 {
    let (mut low, mut high) = (begin, end);
    while low < high {
        let mid = low + (high - low) / 2;
        let s = b.post_synapse[mid as usize] as usize;
        if b.plastic_synapse[s][1] & 0xFFFF < delay {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low
}

/// The invocations of the `w`-th spike of the window's history (the shader's lanes
/// stride along the part; each synapse is updated once either way).
pub fn plastic_post_main(w: u32, b: &mut Buffers) {
    let depth = b.config.history_depth;
    if w >= b.history[(2 * depth - 1) as usize] {
        return;
    }
    let mut d = 1;
    while w >= b.history[(depth + d) as usize] {
        d += 1;
    }
    let step = b.counters.prop_step;
    let slot = (step - d) % depth;
    let n = b.config.n_neurons;
    let at = 2 * depth + slot * n * b.config.n_instances + w - b.history[(depth + d - 1) as usize];
    let gid = b.history[at as usize];
    let instance = gid / n;
    let post = gid - instance * n;
    let row_end = b.post_start[post as usize + 1];
    let begin = first_with_delay(b, b.post_start[post as usize], row_end, d);
    let end = first_with_delay(b, begin, row_end, d + 1);
    for i in begin..end {
        let s = b.post_synapse[i as usize];
        let rule = synapse_rule(b, instance, s);
        let gain = stdp_gain(b, &rule, instance);
        post_event(b, instance, s, &rule, step, gain);
    }
}
