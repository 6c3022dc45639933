//! Twin of `shaders/common/math.wgsl`.

use super::arith::rounded;

/// e^x to about 2 ulp, for x clamped to [-87, 88]; the shader's `det_exp`.
pub fn det_exp(x_in: f32) -> f32 {
    let x = x_in.clamp(-87.0, 88.0);
    let n = (rounded(rounded(x * f32::from_bits(0x3FB8_AA3B)) + 0.5)).floor();
    let r = rounded(
        rounded(x - rounded(n * f32::from_bits(0x3F31_7200)))
            - rounded(n * f32::from_bits(0x35BF_BE8E)),
    );
    let mut p = f32::from_bits(0x3950_0D01);
    p = rounded(rounded(p * r) + f32::from_bits(0x3AB6_0B61));
    p = rounded(rounded(p * r) + f32::from_bits(0x3C08_8889));
    p = rounded(rounded(p * r) + f32::from_bits(0x3D2A_AAAB));
    p = rounded(rounded(p * r) + f32::from_bits(0x3E2A_AAAB));
    p = rounded(rounded(p * r) + 0.5);
    p = rounded(rounded(p * r) + 1.0);
    p = rounded(rounded(p * r) + 1.0);
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    rounded(p * scale)
}

#[cfg(test)]
mod tests {
    use super::det_exp;

    #[test]
    fn det_exp_is_accurate_over_the_range() {
        let mut worst = 0f64;
        for k in 0..200_000 {
            let x = -87.0 + 175.0 * k as f32 / 200_000.0;
            let exact = f64::from(x).exp();
            let got = f64::from(det_exp(x));
            worst = worst.max((got - exact).abs() / exact);
        }
        assert!(
            worst < 4.0 * f64::from(f32::EPSILON),
            "relative error {worst}"
        );
        assert_eq!(det_exp(0.0), 1.0);
    }
}
