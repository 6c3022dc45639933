//! The branching ratio of a population's activity: descendant spikes per ancestor
//! spike, from one time bin to the next. Estimated by the multistep regression (MR)
//! estimator of Wilting & Priesemann (2018, Nat. Commun. 9:2325): with A_t the spikes
//! in bin t, the regression slope r_k of A_{t+k} on A_t falls as r_k = b·m^k for a
//! driven branching process, b ≤ 1 accounting for subsampling; m is fitted over
//! k = 1..K. Under full sampling r_1 alone (the conventional estimator) is m, but a
//! recorded subset of neurons biases it toward 0, while the MR estimate stays
//! unbiased. The bin should be about the time a spike takes to cause the next (a
//! synaptic delay plus a membrane time).

use super::SpikeRecord;

/// Spikes of `record` per bin of `bin_steps` steps over steps `from .. to` (a last,
/// partial bin is left out).
pub fn activity(record: &SpikeRecord, from: u64, to: u64, bin_steps: u64) -> Vec<f64> {
    let bins = (to.saturating_sub(from) / bin_steps.max(1)) as usize;
    let mut counts = vec![0.0; bins];
    for &step in &record.steps {
        if step >= from {
            if let Some(c) = counts.get_mut(((step - from) / bin_steps.max(1)) as usize) {
                *c += 1.0;
            }
        }
    }
    counts
}

/// The MR estimate and the regression slopes it was fitted to.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchingRatio {
    /// Descendants per ancestor from one bin to the next.
    pub m: f64,
    /// The amplitude b of r_k = b·m^k (1 under full sampling).
    pub b: f64,
    /// r_k for k = 1..=K.
    pub slopes: Vec<f64>,
}

/// The MR estimate from `activity` (spikes per bin) with lags 1..=`max_lag`, fitted
/// over the lags before the first slope that is not positive (lost in noise); `None`
/// when the activity does not vary or r_1 is not positive (no branching to see).
pub fn branching_ratio(activity: &[f64], max_lag: usize) -> Option<BranchingRatio> {
    let mut slopes = Vec::new();
    for k in 1..=max_lag.min(activity.len()) {
        match slope(&activity[..activity.len() - k], &activity[k..]) {
            Some(r) if r > 0.0 => slopes.push(r),
            _ => break,
        }
    }
    if slopes.is_empty() {
        return None;
    }
    // r_k = b m^k by least squares on r_k itself (as the paper fits it; a fit of
    // ln r_k would let the noisy small slopes of long lags dominate): for each m the
    // best b is Σ r_k m^k / Σ m^2k; m on a fine grid, then refined around the best.
    let residual = |m: f64| {
        let powers: Vec<f64> = (1..=slopes.len()).map(|k| m.powi(k as i32)).collect();
        let b = slopes.iter().zip(&powers).map(|(r, p)| r * p).sum::<f64>()
            / powers.iter().map(|p| p * p).sum::<f64>();
        let error = slopes
            .iter()
            .zip(&powers)
            .map(|(r, p)| (r - b * p).powi(2))
            .sum::<f64>();
        (error, b)
    };
    let mut best = (f64::INFINITY, 0.0, 0.0);
    let search = |low: f64, high: f64, best: &mut (f64, f64, f64)| {
        for i in 0..=2000 {
            let m = low + (high - low) * f64::from(i) / 2000.0;
            let (error, b) = residual(m);
            if error < best.0 {
                *best = (error, m, b);
            }
        }
    };
    search(1e-3, 1.5, &mut best);
    let step = 1.5 / 2000.0;
    let around = best.1;
    search((around - step).max(1e-6), around + step, &mut best);
    Some(BranchingRatio {
        m: best.1,
        b: best.2,
        slopes,
    })
}

/// The least-squares slope of `y` on `x` (with intercept); `None` if `x` is constant.
fn slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let (x, y) = (&x[..n], &y[..n]);
    let mean_x = x.iter().sum::<f64>() / n as f64;
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let cov: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| (a - mean_x) * (b - mean_y))
        .sum();
    let var: f64 = x.iter().map(|a| (a - mean_x) * (a - mean_x)).sum();
    (var > 0.0).then(|| cov / var)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::rng::HostStream;

    /// A driven branching process: each of A_t's spikes has Poisson(m) descendants in
    /// the next bin, plus Poisson(h) spikes from outside; then each spike is observed
    /// with probability `seen`.
    fn process(m: f64, h: f64, seen: f64, bins: usize) -> Vec<f64> {
        let mut rng = HostStream::new(5, 1, 0);
        let mut poisson = |mean: f64| {
            let limit = (-mean).exp();
            let (mut k, mut p) = (0.0, rng.next_f64());
            while p > limit {
                k += 1.0;
                p *= rng.next_f64();
            }
            k
        };
        let mut a = h / (1.0 - m);
        let mut observed = Vec::with_capacity(bins);
        let mut thin = HostStream::new(5, 2, 0);
        for _ in 0..bins {
            a = poisson(m * a + h);
            let seen_count = (0..a as u64).filter(|_| thin.next_f64() < seen).count();
            observed.push(seen_count as f64);
        }
        observed
    }

    #[test]
    fn activity_counts_spikes_per_whole_bin() {
        let mut record = SpikeRecord::new("P", 4, 0.1);
        record.steps = vec![3, 10, 11, 11, 25, 39, 40];
        record.neurons = vec![0, 1, 2, 3, 0, 1, 2];
        assert_eq!(activity(&record, 10, 40, 10), vec![3.0, 1.0, 1.0]);
    }

    #[test]
    fn the_mr_estimate_recovers_m_under_full_and_sub_sampling() {
        for m in [0.5, 0.9, 0.98] {
            let full = branching_ratio(&process(m, 5.0, 1.0, 50_000), 10).unwrap();
            assert!((full.m - m).abs() < 0.02, "m = {m}: {full:?}");
            assert!((full.slopes[0] - m).abs() < 0.02, "full sampling: r_1 = m");
            // Near criticality, where it matters, seeing 10% of the spikes.
            if m > 0.8 {
                let sub = branching_ratio(&process(m, 5.0, 0.1, 50_000), 10).unwrap();
                assert!((sub.m - m).abs() < 0.03, "m = {m}, 10% seen: {}", sub.m);
                assert!(sub.slopes[0] < m - 0.1, "r_1 is biased by subsampling");
            }
        }
        assert!(
            branching_ratio(&[3.0; 100], 5).is_none(),
            "constant activity"
        );
    }
}
