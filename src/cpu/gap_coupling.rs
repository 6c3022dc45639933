//! Gap junction and graded synapse currents, the twin of `shaders/gap_coupling.wgsl`.

use super::arith::rounded;
use super::buffers::Buffers;
use super::math::{det_exp, det_recip};

/// The membrane potential (mV) of entry `at` of the potential table.
fn potential(b: &Buffers, at: usize) -> f32 {
    let [index, offset] = b.gap_potential[at];
    rounded(b.state[index as usize] + f32::from_bits(offset))
}

/// One invocation: the coupling current of (instance, neuron) `gid`.
pub fn gap_coupling_main(gid: u32, b: &mut Buffers) {
    let n = b.config.n_neurons;
    if gid >= n * b.config.n_instances {
        return;
    }
    let (instance, neuron) = (gid / n, (gid % n) as usize);
    let (first, middle, end) = (
        b.gap_start[2 * neuron] as usize,
        b.gap_start[2 * neuron + 1] as usize,
        b.gap_start[2 * neuron + 2] as usize,
    );
    if first == end {
        return;
    }
    let v = potential(b, gid as usize);
    let base = (instance * n) as usize;
    let mut sum = 0.0f32;
    for k in first..middle {
        let other = potential(b, base + b.gap_partner[k] as usize);
        sum = rounded(sum + rounded(b.gap_coupling[k][0] * rounded(other - v)));
    }
    for k in middle..end {
        let [g, e_rev, v_th, inv_delta] = b.gap_coupling[k];
        let pre = potential(b, base + b.gap_partner[k] as usize);
        let x = rounded(rounded(pre - v_th) * inv_delta);
        let open = det_recip(rounded(1.0 + det_exp(-x)));
        sum = rounded(sum + rounded(rounded(g * open) * rounded(e_rev - v)));
    }
    b.gap_current[gid as usize] = sum;
}
