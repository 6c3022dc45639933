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
