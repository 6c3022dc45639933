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

/// The branching ratio of one population estimated window by window as its spikes
/// stream in (`Recorder::Branching`): feed it each stretch of spikes in step order
/// (`add`), tell it how far the run has got (`close_until`), and it keeps one estimate
/// per completed window. A window's last, partial bin is left out, and so is a window
/// the run has not finished.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchingSeries {
    pub population: String,
    pub instance: u32,
    pub dt_ms: f64,
    window_steps: u64,
    bin_steps: u64,
    max_lag: usize,
    /// The current window's first step, its spikes per bin and in all.
    first: u64,
    bins: Vec<f64>,
    spikes: u64,
    /// The completed windows.
    pub windows: Vec<BranchingWindow>,
}

/// One window's estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchingWindow {
    /// Steps `first_step .. end_step`.
    pub first_step: u64,
    pub end_step: u64,
    /// Spikes of the population in the window's whole bins.
    pub spikes: u64,
    /// `None` where the activity gives no estimate (`branching_ratio`).
    pub estimate: Option<BranchingRatio>,
}

impl BranchingSeries {
    /// Windows of `window_steps` steps from step `first_step`, bins of `bin_steps`.
    pub fn new(
        population: &str,
        instance: u32,
        dt_ms: f64,
        (first_step, window_steps, bin_steps): (u64, u64, u64),
        max_lag: usize,
    ) -> Self {
        let bin_steps = bin_steps.max(1);
        Self {
            population: population.to_string(),
            instance,
            dt_ms,
            window_steps: window_steps.max(bin_steps),
            bin_steps,
            max_lag,
            first: first_step,
            bins: vec![0.0; (window_steps / bin_steps) as usize],
            spikes: 0,
            windows: Vec::new(),
        }
    }

    /// Adds the spikes of `record` (this population and instance, steps in order).
    pub fn add(&mut self, record: &SpikeRecord) {
        for &step in &record.steps {
            self.close_until(step);
            if step < self.first {
                continue;
            }
            if let Some(bin) = self
                .bins
                .get_mut(((step - self.first) / self.bin_steps) as usize)
            {
                *bin += 1.0;
                self.spikes += 1;
            }
        }
    }

    /// Completes every window that ends at or before `step`.
    pub fn close_until(&mut self, step: u64) {
        while step >= self.first + self.window_steps {
            let empty = vec![0.0; self.bins.len()];
            let bins = std::mem::replace(&mut self.bins, empty);
            self.windows.push(BranchingWindow {
                first_step: self.first,
                end_step: self.first + self.window_steps,
                spikes: std::mem::take(&mut self.spikes),
                estimate: branching_ratio(&bins, self.max_lag),
            });
            self.first += self.window_steps;
        }
    }

    /// The completed windows as CSV: start and end (ms), spikes, m and b (empty where
    /// there is no estimate).
    pub fn csv(&self) -> String {
        let mut out = String::from("start_ms,end_ms,spikes,m,b\n");
        for w in &self.windows {
            let (m, b) = match &w.estimate {
                Some(e) => (format!("{:.6}", e.m), format!("{:.6}", e.b)),
                None => (String::new(), String::new()),
            };
            out += &format!(
                "{},{},{},{m},{b}\n",
                w.first_step as f64 * self.dt_ms,
                w.end_step as f64 * self.dt_ms,
                w.spikes
            );
        }
        out
    }
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
    fn a_series_estimates_each_completed_window_as_the_whole_would() {
        // A process with m = 0.9, one spike per step at a time of its own; windows of
        // 20,000 bins (1 step each), fed in stretches that cut across windows.
        let counts = process(0.9, 2.0, 1.0, 60_000);
        let mut record = SpikeRecord::new("P", 1, 1.0);
        for (t, &c) in counts.iter().enumerate() {
            for _ in 0..c as u64 {
                record.steps.push(t as u64);
                record.neurons.push(0);
            }
        }
        let mut series = BranchingSeries::new("P", 0, 1.0, (0, 20_000, 1), 8);
        for chunk in record.steps.chunks(7_777) {
            let mut part = SpikeRecord::new("P", 1, 1.0);
            part.steps = chunk.to_vec();
            series.add(&part);
        }
        series.close_until(59_999);
        assert_eq!(series.windows.len(), 2, "the third window is not complete");
        series.close_until(60_000);
        assert_eq!(series.windows.len(), 3);
        for (k, w) in series.windows.iter().enumerate() {
            let whole = &counts[k * 20_000..(k + 1) * 20_000];
            assert_eq!(w.spikes, whole.iter().sum::<f64>() as u64);
            assert_eq!(w.estimate, branching_ratio(whole, 8));
            let m = w.estimate.as_ref().unwrap().m;
            assert!((m - 0.9).abs() < 0.03, "window {k}: {m}");
        }
        let csv = series.csv();
        assert_eq!(csv.lines().count(), 4);
        assert!(
            csv.starts_with("start_ms,end_ms,spikes,m,b\n0,20000,"),
            "{csv}"
        );
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
