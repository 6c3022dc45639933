// Fixed-point synaptic input. Twin: src/cpu/fixed_point.rs.

// acc + n · w, held at the i32 range instead of wrapping, as n additions of w each
// held there would end; .y is 1 when it saturated. In closed form, because a loop of
// n additions costs a SIMD driver the largest n of any lane: the sum leaves the range
// exactly when n exceeds the whole w's between acc and the bound w points to.
fn saturating_add_times(acc: i32, w: i32, n: u32) -> vec2<i32> {
    if (n == 0u || w == 0) {
        return vec2<i32>(acc, 0);
    }
    let up = w > 0;
    // |w| and the distance to the bound, exact in u32 (two's complement).
    let magnitude = select(0u - bitcast<u32>(w), bitcast<u32>(w), up);
    let distance = select(bitcast<u32>(acc) + 0x80000000u, 0x7fffffffu - bitcast<u32>(acc), up);
    if (n > distance / magnitude) {
        return vec2<i32>(select(-2147483647 - 1, 2147483647, up), 1);
    }
    // In range, so the wrapping product and sum give it exactly.
    return vec2<i32>(acc + i32(n) * w, 0);
}

// x as f32 with one correctly rounded addition: WGSL does not say how f32(i32) rounds
// a value beyond 2^24, but both halves below are exact, and so is the product by 4096.
fn fixed_to_float(x: i32) -> f32 {
    return f32(x >> 12u) * 4096.0 + f32(x & 0xFFF);
}

// Whether acc + w (wrapping) overflowed, given the wrapped sum.
fn overflowed(acc: i32, w: i32, sum: i32) -> bool {
    return (w > 0 && sum < acc) || (w < 0 && sum > acc);
}

