//! Counter-based random numbers: Philox4x32-10, the twin of `shaders/common/rng.wgsl`.
//!
//! Every random number in neurodyn is a pure function of the 64-bit seed (the key)
//! and a counter `(index, step, stream, block)`. Nothing carries generator state from
//! one step to the next, so a neuron's draws do not depend on how work is split
//! across invocations, and the GPU and this reference produce the same bits.

const PHILOX_M0: u32 = 0xD251_1F53;
const PHILOX_M1: u32 = 0xCD9E_8D57;
const PHILOX_W0: u32 = 0x9E37_79B9;
const PHILOX_W1: u32 = 0xBB67_AE85;

/// The key of the generator: the two halves of the simulation seed.
pub fn key_from_seed(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

/// High 32 bits of the 64-bit product (the shader builds it from 16-bit halves).
fn mul_hi(a: u32, b: u32) -> u32 {
    ((u64::from(a) * u64::from(b)) >> 32) as u32
}

/// Ten Philox rounds over `counter` with `key`.
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for _ in 0..10 {
        let hi0 = mul_hi(PHILOX_M0, c[0]);
        let lo0 = PHILOX_M0.wrapping_mul(c[0]);
        let hi1 = mul_hi(PHILOX_M1, c[2]);
        let lo1 = PHILOX_M1.wrapping_mul(c[2]);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
        k = [k[0].wrapping_add(PHILOX_W0), k[1].wrapping_add(PHILOX_W1)];
    }
    c
}

/// A uniform number in (0, 1] from the top 24 bits; exact in f32.
pub fn uniform_open_closed(bits: u32) -> f32 {
    ((bits >> 8) as f32 + 1.0) * (1.0 / 16_777_216.0)
}

/// A sequential stream of random words for host-side construction (connectivity,
/// initial values): block `i` of the stream is `philox(key, (i_lo, i_hi, tag, sub))`.
#[derive(Debug, Clone)]
pub struct HostStream {
    key: [u32; 2],
    tag: u32,
    sub: u32,
    block: u64,
    buffer: [u32; 4],
    used: usize,
}

impl HostStream {
    /// A stream identified by `tag` and `sub` (e.g. a stream kind and a projection index).
    pub fn new(seed: u64, tag: u32, sub: u32) -> Self {
        Self {
            key: key_from_seed(seed),
            tag,
            sub,
            block: 0,
            buffer: [0; 4],
            used: 4,
        }
    }

    /// Part `part` of the stream `(tag, sub)`: its own 2^40 blocks (16 TiB of words),
    /// disjoint from every other part's, so parts can be drawn in any order or at once.
    pub fn part(seed: u64, tag: u32, sub: u32, part: u32) -> Self {
        Self {
            block: u64::from(part) << 40,
            ..Self::new(seed, tag, sub)
        }
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        if self.used == 4 {
            let counter = [
                self.block as u32,
                (self.block >> 32) as u32,
                self.tag,
                self.sub,
            ];
            self.buffer = philox4x32_10(counter, self.key);
            self.block += 1;
            self.used = 0;
        }
        let word = self.buffer[self.used];
        self.used += 1;
        word
    }

    /// A uniform f64 in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        let hi = u64::from(self.next_u32()) >> 5;
        let lo = u64::from(self.next_u32()) >> 6;
        ((hi << 26) | lo) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform f64 in (0, 1], safe to take the logarithm of.
    pub fn next_f64_open_low(&mut self) -> f64 {
        1.0 - self.next_f64()
    }

    /// A uniform integer in `0..n` (n > 0) by 64-bit multiply-shift; the bias is below 2^-32.
    pub fn below(&mut self, n: u32) -> u32 {
        let x = (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32());
        ((u128::from(x) * u128::from(n)) >> 64) as u32
    }

    /// A standard normal draw (Box–Muller, f64).
    pub fn next_normal(&mut self) -> f64 {
        let u1 = self.next_f64_open_low();
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer test from the Random123 distribution (kat_vectors, philox4x32 10 rounds).
    #[test]
    fn philox_matches_random123_known_answers() {
        assert_eq!(
            philox4x32_10([0, 0, 0, 0], [0, 0]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn uniform_is_in_open_closed_unit_interval() {
        assert_eq!(uniform_open_closed(0), 1.0 / 16_777_216.0);
        assert_eq!(uniform_open_closed(u32::MAX), 1.0);
    }
}
