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

// e^x − 1 to a few ulp, without the cancellation of det_exp(x) − 1 near 0: by its
// Taylor series to x^6 (Horner) where |x| < 0.1 (truncation below 3e-11 relative),
// else det_exp(x) − 1.
fn det_expm1(x: f32) -> f32 {
    if (abs(x) < 0.1) {
        var p = rounded(1.0 + rounded(x * (1.0 / 6.0)));
        p = rounded(1.0 + rounded(rounded(x * 0.2) * p));
        p = rounded(1.0 + rounded(rounded(x * 0.25) * p));
        p = rounded(1.0 + rounded(rounded(x * (1.0 / 3.0)) * p));
        p = rounded(1.0 + rounded(rounded(x * 0.5) * p));
        return rounded(x * p);
    }
    return rounded(det_exp(x) - 1.0);
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

// ln x to a few ulp for normal x > 0: x = 2^e m with m in [√2/2, √2], then
// ln m = 2 atanh(s) with s = (m − 1) / (m + 1), |s| ≤ 0.172, by its series to s^9.
fn det_log(x: f32) -> f32 {
    let bits = bitcast<u32>(x);
    var e = i32(bits >> 23u) - 127;
    var m = bitcast<f32>((bits & 0x007FFFFFu) | 0x3F800000u);
    if (m > bitcast<f32>(0x3FB504F3u)) {
        m = m * 0.5;
        e = e + 1;
    }
    let f = rounded(m - 1.0);
    let s = rounded(f * det_recip(rounded(2.0 + f)));
    let s2 = rounded(s * s);
    var p = bitcast<f32>(0x3DE38E39u);
    p = rounded(rounded(p * s2) + bitcast<f32>(0x3E124925u));
    p = rounded(rounded(p * s2) + bitcast<f32>(0x3E4CCCCDu));
    p = rounded(rounded(p * s2) + bitcast<f32>(0x3EAAAAABu));
    p = rounded(rounded(p * s2) + 1.0);
    let l = rounded(rounded(2.0 * s) * p);
    let fe = f32(e);
    return rounded(rounded(fe * bitcast<f32>(0x3F317200u)) + rounded(rounded(fe * bitcast<f32>(0x35BFBE8Eu)) + l));
}

// √a to a few ulp for a ≥ 0: an inverse square root estimate from the bits, three
// Newton steps y <- y (1.5 − a/2 y²), then a y.
fn det_sqrt(a: f32) -> f32 {
    if (a <= 0.0) {
        return 0.0;
    }
    var y = bitcast<f32>(0x5F3759DFu - (bitcast<u32>(a) >> 1u));
    let half_a = rounded(0.5 * a);
    for (var k = 0u; k < 3u; k = k + 1u) {
        y = rounded(y * rounded(1.5 - rounded(half_a * rounded(y * y))));
    }
    return rounded(a * y);
}

// cos(2π u) for u in [0, 1]: folded exactly onto [0, 1/8] of a period, where the
// Taylor series of cos or sin to the 9th order is below 3e-8.
fn det_cos_2pi(u: f32) -> f32 {
    var t = u;
    if (t > 0.5) {
        t = 1.0 - t;
    }
    var sign = 1.0;
    if (t > 0.25) {
        t = 0.5 - t;
        sign = -1.0;
    }
    var use_sin = false;
    if (t > 0.125) {
        t = 0.25 - t;
        use_sin = true;
    }
    let x = rounded(t * bitcast<f32>(0x40C90FDBu));
    let x2 = rounded(x * x);
    var r: f32;
    if (use_sin) {
        var p = bitcast<f32>(0x3638EF1Du);
        p = rounded(rounded(p * x2) - bitcast<f32>(0x39500D01u));
        p = rounded(rounded(p * x2) + bitcast<f32>(0x3C088889u));
        p = rounded(rounded(p * x2) - bitcast<f32>(0x3E2AAAABu));
        p = rounded(rounded(p * x2) + 1.0);
        r = rounded(x * p);
    } else {
        var p = bitcast<f32>(0x37D00D01u);
        p = rounded(rounded(p * x2) - bitcast<f32>(0x3AB60B61u));
        p = rounded(rounded(p * x2) + bitcast<f32>(0x3D2AAAABu));
        p = rounded(rounded(p * x2) - 0.5);
        r = rounded(rounded(p * x2) + 1.0);
    }
    return sign * r;
}
