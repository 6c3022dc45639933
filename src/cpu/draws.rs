//! Sequential draws from one counter-based stream, the twin of
//! `shaders/common/draws.wgsl`.

use super::arith::rounded;
use super::math::{det_cos_2pi, det_exp, det_log, det_sqrt};
use super::rng::{philox4x32_10, uniform_open_closed};
use crate::plan::layout::{DRAW_LOGNORMAL, DRAW_NORMAL, DRAW_UNIFORM};

/// A normal draw outside its clipping range is redrawn at most this often, then clamped
/// (validation makes the range hold at least 1% of the distribution: 0.99^4096 ≈ 1e-18).
const MAX_NORMAL_ATTEMPTS: u32 = 4096;

/// The stream `(index, sub, tag)` under `key`, consumed four words per block.
#[derive(Debug, Clone)]
pub struct Draws {
    key: [u32; 2],
    counter: [u32; 4],
    bits: [u32; 4],
    lane: usize,
}

impl Draws {
    pub fn new(key: [u32; 2], index: u32, sub: u32, tag: u32) -> Self {
        Self {
            key,
            counter: [index, sub, tag, 0],
            bits: [0; 4],
            lane: 4,
        }
    }

    pub fn next_word(&mut self) -> u32 {
        if self.lane == 4 {
            self.bits = philox4x32_10(self.counter, self.key);
            self.counter[3] = self.counter[3].wrapping_add(1);
            self.lane = 0;
        }
        let word = self.bits[self.lane];
        self.lane += 1;
        word
    }

    /// Uniform in [0, 1) from the top 24 bits.
    pub fn next_uniform(&mut self) -> f32 {
        (self.next_word() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, n): floor(x n / 2^64) for 64 random bits x.
    pub fn next_below(&mut self, n: u32) -> u32 {
        let hi = u64::from(self.next_word());
        let lo = u64::from(self.next_word());
        ((((hi << 32) | lo) as u128 * u128::from(n)) >> 64) as u32
    }

    /// Standard normal by Box–Muller.
    pub fn next_normal(&mut self) -> f32 {
        let u1 = uniform_open_closed(self.next_word());
        let u2 = self.next_uniform();
        let radius = det_sqrt(rounded(-2.0 * det_log(u1)));
        rounded(radius * det_cos_2pi(u2))
    }

    /// A value of a distribution (`DRAW_*`, as the shader's `next_value`).
    pub fn next_value(&mut self, kind: u32, a: f32, b: f32, low: f32, high: f32) -> f32 {
        if kind == DRAW_UNIFORM {
            // Clamped: a + b u can round up past `high`, and a delay then to a step
            // more than the planned longest.
            return rounded(a + rounded(b * self.next_uniform())).clamp(low, high);
        }
        if kind == DRAW_NORMAL || kind == DRAW_LOGNORMAL {
            let lognormal = kind == DRAW_LOGNORMAL;
            for _ in 0..MAX_NORMAL_ATTEMPTS {
                let mut x = rounded(a + rounded(b * self.next_normal()));
                if lognormal {
                    x = det_exp(x);
                }
                if x >= low && x <= high {
                    return x;
                }
            }
            return if lognormal { det_exp(a) } else { a }.clamp(low, high);
        }
        a
    }
}
