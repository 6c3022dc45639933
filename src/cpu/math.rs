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

/// e^x − 1 without cancellation near 0; the shader's `det_expm1`.
pub fn det_expm1(x: f32) -> f32 {
    if x.abs() < 0.1 {
        let mut p = rounded(1.0 + rounded(x * (1.0 / 6.0)));
        p = rounded(1.0 + rounded(rounded(x * 0.2) * p));
        p = rounded(1.0 + rounded(rounded(x * 0.25) * p));
        p = rounded(1.0 + rounded(rounded(x * (1.0 / 3.0)) * p));
        p = rounded(1.0 + rounded(rounded(x * 0.5) * p));
        return rounded(x * p);
    }
    rounded(det_exp(x) - 1.0)
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

/// ln x to a few ulp for normal x > 0; the shader's `det_log`.
pub fn det_log(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut e = (bits >> 23) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007F_FFFF) | 0x3F80_0000);
    if m > f32::from_bits(0x3FB5_04F3) {
        m *= 0.5;
        e += 1;
    }
    let f = rounded(m - 1.0);
    let s = rounded(f * det_recip(rounded(2.0 + f)));
    let s2 = rounded(s * s);
    let mut p = f32::from_bits(0x3DE3_8E39);
    p = rounded(rounded(p * s2) + f32::from_bits(0x3E12_4925));
    p = rounded(rounded(p * s2) + f32::from_bits(0x3E4C_CCCD));
    p = rounded(rounded(p * s2) + f32::from_bits(0x3EAA_AAAB));
    p = rounded(rounded(p * s2) + 1.0);
    let l = rounded(rounded(2.0 * s) * p);
    let fe = e as f32;
    rounded(
        rounded(fe * f32::from_bits(0x3F31_7200))
            + rounded(rounded(fe * f32::from_bits(0x35BF_BE8E)) + l),
    )
}

/// √a to a few ulp for a ≥ 0; the shader's `det_sqrt`.
pub fn det_sqrt(a: f32) -> f32 {
    if a <= 0.0 {
        return 0.0;
    }
    let mut y = f32::from_bits(0x5F37_59DFu32.wrapping_sub(a.to_bits() >> 1));
    let half_a = rounded(0.5 * a);
    for _ in 0..3 {
        y = rounded(y * rounded(1.5 - rounded(half_a * rounded(y * y))));
    }
    rounded(a * y)
}

/// cos(2π u) for u in [0, 1]; the shader's `det_cos_2pi`.
pub fn det_cos_2pi(u: f32) -> f32 {
    let mut t = u;
    if t > 0.5 {
        t = 1.0 - t;
    }
    let mut sign = 1.0;
    if t > 0.25 {
        t = 0.5 - t;
        sign = -1.0;
    }
    let use_sin = t > 0.125;
    if use_sin {
        t = 0.25 - t;
    }
    let x = rounded(t * f32::from_bits(0x40C9_0FDB));
    let x2 = rounded(x * x);
    let r = if use_sin {
        let mut p = f32::from_bits(0x3638_EF1D);
        p = rounded(rounded(p * x2) - f32::from_bits(0x3950_0D01));
        p = rounded(rounded(p * x2) + f32::from_bits(0x3C08_8889));
        p = rounded(rounded(p * x2) - f32::from_bits(0x3E2A_AAAB));
        p = rounded(rounded(p * x2) + 1.0);
        rounded(x * p)
    } else {
        let mut p = f32::from_bits(0x37D0_0D01);
        p = rounded(rounded(p * x2) - f32::from_bits(0x3AB6_0B61));
        p = rounded(rounded(p * x2) + f32::from_bits(0x3D2A_AAAB));
        p = rounded(rounded(p * x2) - 0.5);
        rounded(rounded(p * x2) + 1.0)
    };
    sign * r
}

#[cfg(test)]
mod tests {
    use super::{det_cos_2pi, det_exp, det_expm1, det_log, det_recip, det_sqrt, det_x_over_expm1};

    #[test]
    fn det_log_sqrt_and_cos_are_accurate() {
        let mut worst = [0f64; 3];
        for k in 1..200_000u32 {
            let x = k as f32 / 200_000.0;
            let y = 1e-6 + 1e4 * x * x;
            let rel = |got: f32, want: f64, floor: f64| {
                (f64::from(got) - want).abs() / want.abs().max(floor)
            };
            worst[0] = worst[0].max(rel(det_log(y), f64::from(y).ln(), 1e-3));
            worst[1] = worst[1].max(rel(det_sqrt(y), f64::from(y).sqrt(), 0.0));
            worst[2] = worst[2].max(rel(
                det_cos_2pi(x),
                (std::f64::consts::TAU * f64::from(x)).cos(),
                1e-3,
            ));
        }
        // A few f32 ulp (2^-23 ≈ 1.2e-7); cos near its zeros in absolute terms.
        assert!(worst[0] < 5e-7, "log {worst:?}");
        assert!(worst[1] < 3e-7, "sqrt {worst:?}");
        assert!(worst[2] < 5e-7, "cos {worst:?}");
        assert_eq!(det_log(1.0), 0.0);
        assert_eq!(det_sqrt(0.0), 0.0);
        assert_eq!(det_cos_2pi(0.0), 1.0);
    }

    #[test]
    fn det_expm1_is_accurate_near_zero_and_beyond() {
        let mut worst = 0f64;
        for k in -100_000i32..=100_000 {
            let x = k as f32 * 1e-4 * (k.unsigned_abs() as f32 * 1e-5).exp();
            if x == 0.0 {
                assert_eq!(det_expm1(x), 0.0);
                continue;
            }
            let want = f64::from(x).exp_m1();
            worst = worst.max((f64::from(det_expm1(x)) - want).abs() / want.abs());
        }
        // Relative accuracy where det_exp(x) − 1 would lose it all (|x| down to 1e-4).
        assert!(worst < 2e-6, "expm1 {worst}");
    }

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
