//! Gap junction coupling currents, the twin of `shaders/gap_coupling.wgsl`.

use super::arith::rounded;
use super::buffers::Buffers;

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
    let (instance, neuron) = (gid / n, gid % n);
    let (first, end) = (
        b.gap_start[neuron as usize],
        b.gap_start[neuron as usize + 1],
    );
    if first == end {
        return;
    }
    let v = potential(b, gid as usize);
    let base = (instance * n) as usize;
    let mut sum = 0.0f32;
    for k in first as usize..end as usize {
        let other = potential(b, base + b.gap_partner[k] as usize);
        sum = rounded(sum + rounded(b.gap_g[k] * rounded(other - v)));
    }
    b.gap_current[gid as usize] = sum;
}
