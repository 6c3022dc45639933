//! Recorded spikes of one population.

use super::SpikeStats;

/// Every spike of a population: parallel arrays of step and neuron, ordered by step,
/// then by neuron, so the same simulation gives the same record on any backend.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeRecord {
    pub population: String,
    /// Neurons in the population.
    pub size: u32,
    pub dt_ms: f64,
    /// The step in which each spike's threshold crossing was detected.
    pub steps: Vec<u64>,
    /// Neuron index within the population.
    pub neurons: Vec<u32>,
    /// Steps simulated while recording.
    pub duration_steps: u64,
    /// Which instance of an ensemble (0 for a single network).
    pub instance: u32,
}

impl SpikeRecord {
    pub(crate) fn new(population: &str, size: u32, dt_ms: f64) -> Self {
        Self {
            population: population.to_string(),
            size,
            dt_ms,
            steps: Vec::new(),
            neurons: Vec::new(),
            duration_steps: 0,
            instance: 0,
        }
    }

    /// Number of spikes.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Spike times (ms). As in NEST, a spike is stamped at the end of the step in
    /// which it was detected: `(step + 1) · dt`.
    pub fn times_ms(&self) -> Vec<f64> {
        self.steps
            .iter()
            .map(|&s| (s + 1) as f64 * self.dt_ms)
            .collect()
    }

    /// Simulated time covered (ms).
    pub fn duration_ms(&self) -> f64 {
        self.duration_steps as f64 * self.dt_ms
    }

    /// Mean firing rate over the population and the recorded time (Hz).
    pub fn mean_rate_hz(&self) -> f64 {
        if self.duration_steps == 0 {
            return 0.0;
        }
        self.len() as f64 / (f64::from(self.size) * self.duration_ms() / 1000.0)
    }

    /// Spike count of every neuron.
    pub fn counts(&self) -> Vec<u32> {
        let mut counts = vec![0; self.size as usize];
        for &n in &self.neurons {
            counts[n as usize] += 1;
        }
        counts
    }

    /// The spike steps of every neuron, in order.
    pub fn trains(&self) -> Vec<Vec<u64>> {
        let mut trains = vec![Vec::new(); self.size as usize];
        for (&s, &n) in self.steps.iter().zip(&self.neurons) {
            trains[n as usize].push(s);
        }
        trains
    }

    /// The spikes as (step, neuron), ordered by step then neuron (as they are kept):
    /// the raster the tests compare between backends.
    pub fn pairs(&self) -> Vec<(u64, u32)> {
        self.steps
            .iter()
            .copied()
            .zip(self.neurons.iter().copied())
            .collect()
    }

    /// Coefficient of variation of the inter-spike intervals, averaged over the
    /// neurons with at least two intervals; `None` when no neuron has two.
    pub fn cv_isi(&self) -> Option<f64> {
        let mut stats = SpikeStats::new(self.size, self.dt_ms);
        stats.add(self);
        stats.cv_isi()
    }

    /// Appends one step's spikes (neuron indices within the population), sorted.
    pub(crate) fn push_step(&mut self, step: u64, neurons: &mut [u32]) {
        neurons.sort_unstable();
        self.steps.extend(std::iter::repeat_n(step, neurons.len()));
        self.neurons.extend_from_slice(neurons);
    }
}
