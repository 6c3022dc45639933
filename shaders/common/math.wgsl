// Functions with the same bits on every device: built only from rounded products and
// sums (common/rounding.wgsl) and exact operations (floor, clamp, bit shifts), with
// constants given as bit patterns. WGSL's own exp() and division have
// implementation-defined accuracy. Twin: src/cpu/math.rs.

// e^x to about 2 ulp, for x clamped to [-87, 88] (the normal f32 range).
fn det_exp(x_in: f32) -> f32 {
    let x = clamp(x_in, -87.0, 88.0);
    // x = n ln2 + r, |r| <= ln2 / 2; ln2 in two parts so that n * LN2_HI is exact.
    let n = floor(rounded(rounded(x * bitcast<f32>(0x3FB8AA3Bu)) + 0.5));
    let r = rounded(rounded(x - rounded(n * bitcast<f32>(0x3F317200u))) - rounded(n * bitcast<f32>(0x35BFBE8Eu)));
    // Taylor series to r^7 / 7! (truncation below 2e-9 relative), Horner.
    var p = bitcast<f32>(0x39500D01u);
    p = rounded(rounded(p * r) + bitcast<f32>(0x3AB60B61u));
    p = rounded(rounded(p * r) + bitcast<f32>(0x3C088889u));
    p = rounded(rounded(p * r) + bitcast<f32>(0x3D2AAAABu));
    p = rounded(rounded(p * r) + bitcast<f32>(0x3E2AAAABu));
    p = rounded(rounded(p * r) + 0.5);
    p = rounded(rounded(p * r) + 1.0);
    p = rounded(rounded(p * r) + 1.0);
    let scale = bitcast<f32>(u32(i32(n) + 127) << 23u);
    return rounded(p * scale);
}

// 1 / d to about 2 ulp for |d| in [1e-37, 1e37] (clamped to that range, so the
// result stays a normal number): an initial estimate from the bits, then three Newton
// steps y <- y + y (1 − d y).
fn det_recip(d: f32) -> f32 {
    let a = clamp(abs(d), 1e-37, 1e37);
    var y = bitcast<f32>(0x7EF311C3u - bitcast<u32>(a));
    for (var k = 0u; k < 3u; k = k + 1u) {
        let e = rounded(1.0 - rounded(a * y));
        y = rounded(y + rounded(y * e));
    }
    return select(y, -y, d < 0.0);
}

// x / (e^(x / k) − 1), continuous at x = 0 where it is k (the rate functions of
// Hodgkin–Huxley-type channels), for x / k clamped to ±80. With u = x / k: k u / (e^u − 1), by its series
// k (1 − u/2 + u²/12 − u⁴/720) where |u| < 0.1 (e^u − 1 would cancel), directly
// elsewhere.
fn det_x_over_expm1(x: f32, k: f32, inv_k: f32) -> f32 {
    let u = clamp(rounded(x * inv_k), -80.0, 80.0);
    if (abs(u) < 0.1) {
        let u2 = rounded(u * u);
        let series = rounded(rounded(rounded(1.0 - rounded(0.5 * u)) + rounded(u2 * (1.0 / 12.0))) - rounded(rounded(u2 * u2) * (1.0 / 720.0)));
        return rounded(k * series);
    }
    return rounded(x * det_recip(rounded(det_exp(u) - 1.0)));
}
