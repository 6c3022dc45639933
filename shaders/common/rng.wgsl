// Counter-based random numbers: Philox4x32-10 (Salmon et al. 2011, "Parallel
// random numbers: as easy as 1, 2, 3"). Keyed by the 64-bit seed; the counter
// is (index, step, stream, block). The twin is src/cpu/rng.rs: both must give
// the same bits for the same key and counter (tested on 10^6 draws).
// Assembled after a `mul_hi` file: common/mul_hi.wgsl (32-bit arithmetic, any
// device) or common/mul_hi_int64.wgsl (devices with 64-bit integers); both give the
// exact high word, so the bits do not depend on which.

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u;
const PHILOX_W1: u32 = 0xBB67AE85u;

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var round = 0u; round < 10u; round = round + 1u) {
        let hi0 = mul_hi(PHILOX_M0, c.x);
        let lo0 = PHILOX_M0 * c.x;
        let hi1 = mul_hi(PHILOX_M1, c.z);
        let lo1 = PHILOX_M1 * c.z;
        c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
        k = k + vec2<u32>(PHILOX_W0, PHILOX_W1);
    }
    return c;
}

// A uniform number in (0, 1]: the top 24 bits, so every step is exact in f32.
fn uniform_open_closed(bits: u32) -> f32 {
    return (f32(bits >> 8u) + 1.0) * (1.0 / 16777216.0);
}
