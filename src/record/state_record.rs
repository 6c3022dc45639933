//! Sampled state variables.

/// Samples of one variable of chosen neurons of one population.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRecord {
    pub population: String,
    /// `v` (mV), `i_syn_E` or `i_syn_I` (nA).
    pub variable: String,
    /// Neuron indices within the population, in the order of each sample's values.
    pub neurons: Vec<u32>,
    pub every_steps: u32,
    pub dt_ms: f64,
    /// The step after which each sample was taken.
    pub steps: Vec<u64>,
    /// Samples × neurons, row-major.
    pub values: Vec<f32>,
    /// The instance of the ensemble sampled (0 for a single network).
    pub instance: u32,
}

impl StateRecord {
    /// The same recorder with no samples.
    pub fn clone_metadata(&self) -> Self {
        Self {
            population: self.population.clone(),
            variable: self.variable.clone(),
            neurons: self.neurons.clone(),
            every_steps: self.every_steps,
            dt_ms: self.dt_ms,
            steps: Vec::new(),
            values: Vec::new(),
            instance: self.instance,
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The values of sample `k`, one per recorded neuron.
    ///
    /// # Panics
    /// If `k >= self.len()`, as indexing does.
    pub fn sample(&self, k: usize) -> &[f32] {
        assert!(
            k < self.len(),
            "sample {k} of a record of {} samples",
            self.len()
        );
        let n = self.neurons.len();
        &self.values[k * n..(k + 1) * n]
    }

    /// The trace of the `i`-th recorded neuron (the neuron `self.neurons[i]`).
    ///
    /// # Panics
    /// If `i >= self.neurons.len()`, as indexing does.
    pub fn trace(&self, i: usize) -> Vec<f32> {
        let n = self.neurons.len();
        assert!(i < n, "trace {i} of a record of {n} neurons");
        self.values.iter().skip(i).step_by(n).copied().collect()
    }

    /// Sample times (ms): the state after step `s` is the state at `(s + 1) · dt`.
    pub fn times_ms(&self) -> Vec<f64> {
        self.steps
            .iter()
            .map(|&s| (s + 1) as f64 * self.dt_ms)
            .collect()
    }
}
