// Fixed-point synaptic input. Twin: src/cpu/fixed_point.rs.

// acc + w, held at the i32 range instead of wrapping; .y is 1 when it saturated.
fn saturating_add(acc: i32, w: i32) -> vec2<i32> {
    let sum = acc + w;
    if (w > 0 && sum < acc) {
        return vec2<i32>(2147483647, 1);
    }
    if (w < 0 && sum > acc) {
        return vec2<i32>(-2147483647 - 1, 1);
    }
    return vec2<i32>(sum, 0);
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

