//! The neuromodulator history of three-factor rules, the twin of
//! `shaders/common/modulator.wgsl`, on the `modulators` words (so the host can read
//! a downloaded copy the same way).

use super::arith::rounded;
use super::math::det_exp;
use crate::plan::layout::{MODULATOR_HEAD, MODULATOR_HEADER, MODULATOR_HISTORY, MODULATOR_WORDS};

/// Where rule `r`'s modulator words for `instance` begin.
pub fn modulator_base(r: u32, instance: u32, n_instances: u32) -> usize {
    ((r * n_instances + instance) * MODULATOR_WORDS) as usize
}

/// Entry `e` of the history at `at`: `[step + 1, n bits]`.
pub fn history_entry(words: &[u32], at: usize, e: u32) -> [u32; 2] {
    let i = at + (MODULATOR_HEADER + 2 * (e % MODULATOR_HISTORY)) as usize;
    [words[i], words[i + 1]]
}

/// The entry count after `head`; the shader's `next_head`.
pub fn next_head(head: u32) -> u32 {
    let next = head + 1;
    if next == 2 * MODULATOR_HISTORY {
        MODULATOR_HISTORY
    } else {
        next
    }
}

/// The last entry at or before step `k`; the shader's `entry_at`.
pub fn entry_at(words: &[u32], at: usize, k: u32) -> u32 {
    let head = words[at + MODULATOR_HEAD as usize];
    let oldest = head.max(MODULATOR_HISTORY) - MODULATOR_HISTORY;
    let mut e = head - 1;
    while e > oldest && history_entry(words, at, e)[0] > k + 1 {
        e -= 1;
    }
    e
}

/// n at step `k` from `entry`; the shader's `modulator_from`.
pub fn modulator_from(entry: [u32; 2], k: u32, decay: f32) -> f32 {
    let elapsed = (k + 1).wrapping_sub(entry[0]).min(1 << 24) as f32;
    rounded(f32::from_bits(entry[1]) * det_exp(rounded(elapsed * decay)))
}
