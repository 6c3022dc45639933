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

/// 1 / d to about 2 ulp for |d| in [1e-37, 1e37] (clamped); the shader's `det_recip`.
pub fn det_recip(d: f32) -> f32 {
    let a = d.abs().clamp(1e-37, 1e37);
    let mut y = f32::from_bits(0x7EF3_11C3u32.wrapping_sub(a.to_bits()));
    for _ in 0..3 {
        let e = rounded(1.0 - rounded(a * y));
        y = rounded(y + rounded(y * e));
    }
    if d < 0.0 {
        -y
    } else {
        y
    }
}

/// x / (e^(x / k) − 1), continuous at 0; the shader's `det_x_over_expm1`.
pub fn det_x_over_expm1(x: f32, k: f32, inv_k: f32) -> f32 {
    let u = rounded(x * inv_k).clamp(-80.0, 80.0);
    if u.abs() < 0.1 {
        let u2 = rounded(u * u);
        let series = rounded(
            rounded(rounded(1.0 - rounded(0.5 * u)) + rounded(u2 * (1.0 / 12.0)))
                - rounded(rounded(u2 * u2) * (1.0 / 720.0)),
        );
        return rounded(k * series);
    }
    rounded(x * det_recip(rounded(det_exp(u) - 1.0)))
}

#[cfg(test)]
mod tests {
    use super::{det_exp, det_recip, det_x_over_expm1};

    #[test]
    fn det_recip_is_accurate() {
        let mut worst = 0f64;
        for k in 0..100_000 {
            let d = (-30.0 + 60.0 * k as f64 / 100_000.0).exp() as f32
                * if k % 2 == 0 { 1.0 } else { -1.0 };
            let exact = 1.0 / f64::from(d);
            worst = worst.max(((f64::from(det_recip(d)) - exact) / exact).abs());
        }
        assert!(
            worst < 3.0 * f64::from(f32::EPSILON),
            "relative error {worst}"
        );
    }

    #[test]
    fn x_over_expm1_is_continuous_through_zero() {
        let k = 4.0f32;
        for x in [
            -2.0f32, -0.41, -0.39, -1e-3, -5e-5, 0.0, 5e-5, 1e-3, 0.39, 0.41, 2.0,
        ] {
            let exact = if x == 0.0 {
                4.0
            } else {
                f64::from(x) / ((f64::from(x) / 4.0).exp_m1())
            };
            let got = f64::from(det_x_over_expm1(x, k, 0.25));
            assert!((got - exact).abs() < 1e-5, "{x}: {got} vs {exact}");
        }
    }

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
