//! Readouts and closed-loop stepping: the host runs the simulation window by window
//! (`run_until`), reading the window's spikes and the readout populations' counts,
//! rates and traces, which the device keeps (`shaders/neuron_update.wgsl`,
//! `update_readout`).

use super::Simulation;
use crate::error::Error;
use crate::plan::layout::{NEVER, READOUT_WORDS};
use crate::record::SpikeRecord;

/// A readout population's values in one instance after the last step run.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadoutValues {
    pub population: String,
    pub instance: u32,
    /// Steps run when read (the values are those after step `step − 1`'s spikes).
    pub step: u64,
    /// Each neuron's spikes since the start.
    pub counts: Vec<u32>,
    /// Each neuron's spikes in the window: since the previous read (or the start).
    pub window_counts: Vec<u32>,
    /// `window_counts` over the window's duration (Hz; 0 for an empty window).
    pub rates_hz: Vec<f64>,
    /// Each neuron's exponential trace (a jump of 1 per spike, decaying with the
    /// readout's τ) after the last step's spikes.
    pub traces: Vec<f64>,
}

/// What one call of `run_until` ran and read.
#[derive(Debug, Clone)]
pub struct Window {
    pub first_step: u64,
    pub end_step: u64,
    /// The recorded populations' spikes not taken from the records before (as
    /// `drain_spikes` takes them): the window's, and those of steps a plain `run`
    /// made since the last drain. Ordered as `Simulation::spike_records` (plan
    /// order: match on each record's `population`).
    pub spikes: Vec<SpikeRecord>,
    /// Every readout of every instance after the window (see `Simulation::readouts`:
    /// counts since the last read, which a plain `run` in between extends; plan
    /// order, each named by its `population`).
    pub readouts: Vec<ReadoutValues>,
}

impl Simulation {
    /// Runs until `t_ms` (rounded to whole steps; nothing if the simulation is there
    /// already; a negative or non-finite time is refused, `Error::NotATime`) and
    /// returns the window's spikes and readouts: the closed loop's step.
    /// A window costs its steps: the readouts come back with the last batch's
    /// outputs (a GPU engine downloads them apart only after a restore).
    pub fn run_until(&mut self, t_ms: f64) -> Result<Window, Error> {
        if !(t_ms.is_finite() && t_ms >= 0.0) {
            return Err(Error::NotATime { t_ms });
        }
        let first_step = self.step;
        let end = (t_ms / self.plan.dt_ms).round().max(0.0) as u64;
        self.run(end.saturating_sub(first_step))?;
        // Read before the spikes are drained: a failed read leaves them in the records.
        let readouts = self.readouts()?;
        Ok(Window {
            first_step,
            end_step: self.step,
            spikes: self.drain_spikes(),
            readouts,
        })
    }

    /// Every readout population's values in every instance (instance by instance,
    /// populations in plan order: grouped by neuron kind, not the model's order), and
    /// a new window for the counts and rates.
    pub fn readouts(&mut self) -> Result<Vec<ReadoutValues>, Error> {
        // After a failed run the device may have run past the last step counted.
        if let Some(reason) = &self.stopped {
            return Err(Error::Stopped(reason.clone()));
        }
        let words = self.engine.read_readouts()?;
        let dt = self.plan.dt_ms;
        let seconds = (self.step - self.window_start) as f64 * dt / 1000.0;
        let mut values = Vec::new();
        for instance in 0..self.plan.config.n_instances {
            for p in self.plan.populations.iter() {
                if p.info.readout_base == NEVER {
                    continue;
                }
                let base = p.info.readout_base + instance * p.size * READOUT_WORDS;
                let neurons = base as usize..(base + p.size * READOUT_WORDS) as usize;
                let mut v = ReadoutValues {
                    population: p.name.clone(),
                    instance,
                    step: self.step,
                    counts: Vec::with_capacity(p.size as usize),
                    window_counts: Vec::with_capacity(p.size as usize),
                    rates_hz: Vec::with_capacity(p.size as usize),
                    traces: Vec::with_capacity(p.size as usize),
                };
                for (k, w) in words[neurons]
                    .chunks_exact(READOUT_WORDS as usize)
                    .enumerate()
                {
                    let at = base as usize / READOUT_WORDS as usize + k;
                    let before = std::mem::replace(&mut self.window_counts[at], w[0]);
                    let in_window = w[0] - before;
                    v.counts.push(w[0]);
                    v.window_counts.push(in_window);
                    v.rates_hz.push(if seconds > 0.0 {
                        f64::from(in_window) / seconds
                    } else {
                        0.0
                    });
                    // The trace after the last step, from the one just after the last
                    // spike.
                    v.traces.push(if w[1] == NEVER {
                        0.0
                    } else {
                        let elapsed = (self.step.saturating_sub(1 + u64::from(w[1]))) as f64;
                        f64::from(f32::from_bits(w[2]))
                            * (f64::from(p.info.readout_decay) * elapsed).exp()
                    });
                }
                values.push(v);
            }
        }
        self.window_start = self.step;
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Backend, Network, NeuronModel, Population, Simulation, SpikeSourceArray};

    /// Readouts after a return to a saved state are that state's, not those the last
    /// batch brought back before it (the GPU keeps those to save a download).
    #[test]
    fn readouts_after_a_return_are_the_saved_states() {
        let mut net = Network::new(0.1, 1);
        let times = (1..40).map(|k| vec![f64::from(k) * 0.7]).collect();
        net.add_population(Population::new(
            "A",
            39,
            NeuronModel::SpikeSourceArray(SpikeSourceArray {
                spike_times_ms: times,
            }),
        ));
        net.add_readout("A", 5.0);
        let counts = |backend: Backend| {
            let mut sim = Simulation::new(&net, backend).unwrap();
            sim.run(100).unwrap();
            let saved = sim.save_point().unwrap();
            sim.run(200).unwrap();
            let later = sim.readouts().unwrap()[0].counts.clone();
            sim.return_to(&saved).unwrap();
            (later, sim.readouts().unwrap()[0].counts.clone())
        };
        let (later, back) = counts(Backend::Gpu);
        assert_ne!(later, back, "the steps after the save point spiked");
        assert_eq!((later, back), counts(Backend::Cpu));
    }
}
