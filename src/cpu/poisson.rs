//! Poisson input from the counter RNG, the twin of `shaders/common/poisson.wgsl`.

use super::fixed_point::saturating_add;
use super::rng::{philox4x32_10, uniform_open_closed};
use crate::plan::layout::StimulusParams;

/// Stream of stimulus `s`: `STREAM_STIMULUS + s`.
pub const STREAM_STIMULUS: u32 = 0x5300_0000;

/// Adds this step's events of one Poisson stimulus to `acc` (see the shader).
/// Returns the new input and whether it saturated.
pub fn poisson_events(
    stim: &StimulusParams,
    acc_in: i32,
    key: [u32; 2],
    index: u32,
    step: u32,
    stream: u32,
) -> (i32, bool) {
    let mut acc = acc_in;
    let mut saturated = false;
    let mut bits = [0u32; 4];
    let mut lane = 4usize;
    let mut block = 0u32;
    for _chunk in 0..stim.chunks {
        let mut product = 1.0f32;
        loop {
            if lane == 4 {
                bits = philox4x32_10([index, step, stream, block], key);
                block += 1;
                lane = 0;
            }
            product *= uniform_open_closed(bits[lane]);
            lane += 1;
            if product <= stim.exp_neg_lambda_chunk {
                break;
            }
            let (sum, sat) = saturating_add(acc, stim.weight_fixed);
            acc = sum;
            saturated |= sat;
        }
    }
    (acc, saturated)
}
