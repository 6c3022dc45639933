//! Spike statistics accumulated incrementally, so a long run's summary needs memory
//! per neuron, not per spike.

use super::SpikeRecord;

/// Per-neuron spike counts and inter-spike-interval moments of one population.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeStats {
    pub size: u32,
    pub dt_ms: f64,
    pub steps: u64,
    counts: Vec<u64>,
    last: Vec<Option<u64>>,
    isi_sum: Vec<f64>,
    isi_sum_sq: Vec<f64>,
}

impl SpikeStats {
    pub fn new(size: u32, dt_ms: f64) -> Self {
        let n = size as usize;
        Self {
            size,
            dt_ms,
            steps: 0,
            counts: vec![0; n],
            last: vec![None; n],
            isi_sum: vec![0.0; n],
            isi_sum_sq: vec![0.0; n],
        }
    }

    /// Adds the spikes and duration of `record` (the next stretch of the run).
    ///
    /// # Panics
    /// If `record` is of a larger population (a neuron at or past `size`) or comes
    /// before a stretch already added (a spike before a neuron's last one): the
    /// intervals would be wrong.
    pub fn add(&mut self, record: &SpikeRecord) {
        for (&step, &neuron) in record.steps.iter().zip(&record.neurons) {
            let n = neuron as usize;
            assert!(
                n < self.counts.len(),
                "neuron {neuron} of `{}` is outside these statistics' {} neurons",
                record.population,
                self.size
            );
            self.counts[n] += 1;
            if let Some(previous) = self.last[n] {
                assert!(
                    step >= previous,
                    "a spike of neuron {neuron} at step {step} after one at step {previous}: \
                     stretches must be added in order"
                );
                let isi = (step - previous) as f64;
                self.isi_sum[n] += isi;
                self.isi_sum_sq[n] += isi * isi;
            }
            self.last[n] = Some(step);
        }
        self.steps += record.duration_steps;
    }

    /// All spikes counted.
    pub fn spikes(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Mean rate over neurons and time (Hz).
    pub fn mean_rate_hz(&self) -> f64 {
        if self.steps == 0 {
            return 0.0;
        }
        self.spikes() as f64 / (f64::from(self.size) * self.steps as f64 * self.dt_ms / 1000.0)
    }

    /// CV of the inter-spike intervals, averaged over neurons with at least two
    /// intervals (population standard deviation of each neuron's intervals over their
    /// mean); `None` when no neuron has two.
    pub fn cv_isi(&self) -> Option<f64> {
        let cvs: Vec<f64> = (0..self.size as usize)
            .filter(|&n| self.counts[n] >= 3)
            .map(|n| {
                let k = (self.counts[n] - 1) as f64;
                let mean = self.isi_sum[n] / k;
                let var = (self.isi_sum_sq[n] / k - mean * mean).max(0.0);
                var.sqrt() / mean
            })
            .collect();
        (!cvs.is_empty()).then(|| cvs.iter().sum::<f64>() / cvs.len() as f64)
    }
}
