// Sequential draws from one counter-based stream: block b of the stream
// (index, sub, tag) is philox((index, sub, tag, b), seed), used four words at a time.
// Values are built from rounded arithmetic and the functions of math.wgsl, so every
// device draws the same bits. Twin: src/cpu/draws.rs.
// Uses `config` (the seed, and `rounded`), rng.wgsl and math.wgsl.

// A normal draw outside its clipping range is redrawn at most this often, then clamped
// (validation makes the range hold at least 1% of the distribution: 0.99^4096 ≈ 1e-18).
const MAX_NORMAL_ATTEMPTS: u32 = 4096u;

struct Draws {
    counter: vec4<u32>,
    bits: vec4<u32>,
    lane: u32,
}

fn draws_new(index: u32, sub: u32, tag: u32) -> Draws {
    return Draws(vec4<u32>(index, sub, tag, 0u), vec4<u32>(0u), 4u);
}

fn next_word(d: ptr<function, Draws>) -> u32 {
    if ((*d).lane == 4u) {
        (*d).bits = philox4x32_10((*d).counter, vec2<u32>(config.seed_lo, config.seed_hi));
        (*d).counter.w = (*d).counter.w + 1u;
        (*d).lane = 0u;
    }
    let word = (*d).bits[(*d).lane];
    (*d).lane = (*d).lane + 1u;
    return word;
}

// Uniform in [0, 1), from the top 24 bits (exact in f32).
fn next_uniform(d: ptr<function, Draws>) -> f32 {
    return f32(next_word(d) >> 8u) * (1.0 / 16777216.0);
}

// Uniform in [0, n): floor(x n / 2^64) for 64 random bits x (bias below 2^-32).
fn next_below(d: ptr<function, Draws>, n: u32) -> u32 {
    let hi = next_word(d);
    let lo = next_word(d);
    let middle = hi * n;
    let sum = middle + mul_hi(lo, n);
    return mul_hi(hi, n) + select(0u, 1u, sum < middle);
}

// Standard normal by Box–Muller.
fn next_normal(d: ptr<function, Draws>) -> f32 {
    let u1 = uniform_open_closed(next_word(d));
    let u2 = next_uniform(d);
    let radius = det_sqrt(rounded(-2.0 * det_log(u1)));
    return rounded(radius * det_cos_2pi(u2));
}

// A value of a distribution: DRAW_CONSTANT a; DRAW_UNIFORM a + b u; DRAW_NORMAL
// a + b z and DRAW_LOGNORMAL exp(a + b z), redrawn outside [low, high].
fn next_value(d: ptr<function, Draws>, kind: u32, a: f32, b: f32, low: f32, high: f32) -> f32 {
    if (kind == DRAW_UNIFORM) {
        // Clamped: a + b u can round up past `high`, and a delay then to a step more
        // than the planned longest.
        return clamp(rounded(a + rounded(b * next_uniform(d))), low, high);
    }
    if (kind == DRAW_NORMAL || kind == DRAW_LOGNORMAL) {
        let lognormal = kind == DRAW_LOGNORMAL;
        for (var attempt = 0u; attempt < MAX_NORMAL_ATTEMPTS; attempt = attempt + 1u) {
            var x = rounded(a + rounded(b * next_normal(d)));
            if (lognormal) {
                x = det_exp(x);
            }
            if (x >= low && x <= high) {
                return x;
            }
        }
        return clamp(select(a, det_exp(a), lognormal), low, high);
    }
    return a;
}
