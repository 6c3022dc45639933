//! Exact-integration propagators of linear dynamics, computed in f64 on the host
//! (Rotter & Diesmann 1999), rounded once to f32 for both backends.

use crate::model::IafPscExp;

/// The propagators of `iaf_psc_exp` over one step `h` (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IafPscExpPropagators {
    /// Membrane decay: exp(−h/τm).
    pub p22: f64,
    /// Synaptic current decay: exp(−h/τs) per receptor.
    pub p11_ex: f64,
    pub p11_in: f64,
    /// Synaptic current → membrane (mV per nA).
    pub p21_ex: f64,
    pub p21_in: f64,
    /// Constant current → membrane (mV per nA): τm/C (1 − exp(−h/τm)).
    pub p20: f64,
}

impl IafPscExpPropagators {
    pub fn new(p: &IafPscExp, h: f64) -> Self {
        Self {
            p22: (-h / p.tau_m).exp(),
            p11_ex: (-h / p.tau_syn_e).exp(),
            p11_in: (-h / p.tau_syn_i).exp(),
            p21_ex: propagator_32(p.tau_syn_e, p.tau_m, p.cm, h),
            p21_in: propagator_32(p.tau_syn_i, p.tau_m, p.cm, h),
            p20: -p.tau_m / p.cm * (-h / p.tau_m).exp_m1(),
        }
    }
}

/// The response of the membrane after `h` to a unit synaptic current at the step's
/// start: τs τm / (C (τm − τs)) (e^{−h/τm} − e^{−h/τs}), written with expm1 so that it
/// stays accurate when τs ≈ τm, and its limit h/C e^{−h/τm} when they are equal or so
/// close that the difference form loses its precision (as NEST's `IAFPropagatorExp`).
/// The difference is factored by the slower decay, so that expm1 takes −|a| h (a =
/// 1/τs − 1/τm): a time constant far below h (τs = 1e-4 ms at h = 0.1) then gives 0
/// for the faster exponential instead of 0 · ∞.
pub fn propagator_32(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> f64 {
    let singular = h / c_m * (-h / tau_m).exp();
    if tau_syn == tau_m {
        return singular;
    }
    let tau_factor = tau_syn * tau_m / (tau_m - tau_syn);
    let a = 1.0 / tau_syn - 1.0 / tau_m;
    let difference = if a > 0.0 {
        -(-h / tau_m).exp() * (-a * h).exp_m1()
    } else {
        (-h / tau_syn).exp() * (a * h).exp_m1()
    };
    let regular = tau_factor / c_m * difference;
    let linear = h * h * (tau_syn - tau_m) * (-h / tau_m).exp() / (2.0 * c_m * tau_m * tau_m);
    if (tau_m - tau_syn).abs() < 0.1 && (regular - singular).abs() > 2.0 * linear.abs() {
        singular
    } else {
        regular
    }
}

/// The response of the membrane after `h` to a unit `dI` of an alpha current at the
/// step's start (`I(t) = t e^{−t/τs}`, `I(0) = 0`): e^{−h/τm} f(a h) / (C a²) with
/// a = 1/τs − 1/τm and f(x) = 1 − e^{−x}(1 + x), by its series where x is small
/// (the closed form cancels) and h²/(2C) e^{−h/τm} at a = 0. For x < 0 (τm < τs) it
/// is written e^{−h/τs} (e^x − 1 − x) / (C a²), the same value without e^{−x},
/// which overflows where τm is far below h (NEST's propagator is NaN there).
pub fn propagator_31(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> f64 {
    let a = 1.0 / tau_syn - 1.0 / tau_m;
    let x = a * h;
    let decay = (-h / tau_m).exp();
    if x.abs() < 1e-3 {
        // f(x)/a² = h² (1/2 − x/3 + x²/8 − x³/30 + …)
        let series = 0.5 - x / 3.0 + x * x / 8.0 - x * x * x / 30.0;
        return decay * h * h * series / c_m;
    }
    if x < 0.0 {
        return (-h / tau_syn).exp() * (x.exp_m1() - x) / (c_m * a * a);
    }
    let f = -(-x).exp_m1() - x * (-x).exp();
    decay * f / (c_m * a * a)
}

/// The propagators of `iaf_psc_alpha` over one step `h` (ms), per receptor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlphaPropagators {
    /// dI decay, also I's own decay: exp(−h/τs).
    pub p11: f64,
    /// dI → I: h exp(−h/τs).
    pub p21: f64,
    /// dI → V and I → V.
    pub p31: f64,
    pub p32: f64,
    /// Weight → dI: e/τs, so that a weight w gives a current peaking at w.
    pub psc_unit: f64,
}

impl AlphaPropagators {
    pub fn new(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> Self {
        let p11 = (-h / tau_syn).exp();
        Self {
            p11,
            p21: h * p11,
            p31: propagator_31(tau_syn, tau_m, c_m, h),
            p32: propagator_32(tau_syn, tau_m, c_m, h),
            psc_unit: std::f64::consts::E / tau_syn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propagator_32_is_continuous_across_the_singularity() {
        let at = propagator_32(10.0, 10.0, 1.0, 0.1);
        let near = propagator_32(10.0 + 1e-9, 10.0, 1.0, 0.1);
        assert!((at - near).abs() / at < 1e-6, "{at} vs {near}");
    }

    /// A time constant far below the step: the faster exponential is 0, not 0 · ∞
    /// (τs = 1e-4 ms made the run refuse its "overflowing" parameters).
    #[test]
    fn propagators_stay_finite_for_time_constants_far_below_the_step() {
        let (h, c) = (0.1, 0.25);
        let exact_32 =
            |ts: f64, tm: f64| ts * tm / (c * (tm - ts)) * ((-h / tm).exp() - (-h / ts).exp());
        for (ts, tm) in [(1e-4, 10.0), (10.0, 1e-4), (2.0, 10.0), (10.0, 2.0)] {
            let p = propagator_32(ts, tm, c, h);
            let e = exact_32(ts, tm);
            assert!(
                (p - e).abs() <= 1e-12 * e.abs(),
                "32 ({ts}, {tm}): {p} vs {e}"
            );
        }
        // Alpha: both forms agree where both are finite, and the x < 0 one is finite
        // where e^{−x} overflows.
        let closed = |ts: f64, tm: f64| {
            let a = 1.0 / ts - 1.0 / tm;
            let x = a * h;
            (-h / tm).exp() * (1.0 - (-x).exp() * (1.0 + x)) / (c * a * a)
        };
        for (ts, tm) in [(10.0, 2.0), (5.0, 0.5), (2.0, 10.0)] {
            let (p, e) = (propagator_31(ts, tm, c, h), closed(ts, tm));
            assert!(
                (p - e).abs() <= 1e-9 * e.abs(),
                "31 ({ts}, {tm}): {p} vs {e}"
            );
        }
        let p = propagator_31(5.0, 1e-4, c, h);
        // τm → 0: the membrane follows the current, V ≈ τm/C · h e^{−h/τs}.
        let limit = 1e-4 / c * h * (-h / 5.0f64).exp();
        assert!((p - limit).abs() < 1e-3 * limit, "{p} vs {limit}");
    }

    #[test]
    fn propagator_31_is_continuous_where_the_series_takes_over() {
        let h = 0.1;
        let below = propagator_31(10.0, 10.0 + 0.99e-2, 1.0, h);
        let above = propagator_31(10.0, 10.0 + 1.01e-2, 1.0, h);
        assert!((below - above).abs() / below < 1e-4, "{below} vs {above}");
        // Against a direct quadrature of ∫ e^{−(h−s)/τm} s e^{−s/τs} ds / C.
        let (ts, tm, c) = (2.0, 10.0, 0.25);
        let n = 100_000;
        let quad: f64 = (0..n)
            .map(|k| {
                let s = (k as f64 + 0.5) * h / n as f64;
                (-(h - s) / tm).exp() * s * (-s / ts).exp()
            })
            .sum::<f64>()
            * h
            / n as f64
            / c;
        let p = propagator_31(ts, tm, c, h);
        assert!((p - quad).abs() / quad < 1e-8, "{p} vs {quad}");
    }

    #[test]
    fn propagator_32_matches_the_difference_form() {
        let (ts, tm, c, h): (f64, f64, f64, f64) = (5.0, 20.0, 0.25, 0.1);
        let direct = ts * tm / (c * (tm - ts)) * ((-h / tm).exp() - (-h / ts).exp());
        assert!((propagator_32(ts, tm, c, h) - direct).abs() / direct < 1e-12);
    }
}
