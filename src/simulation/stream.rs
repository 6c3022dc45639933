//! Streaming input while the simulation runs: spike events into
//! `spike_source_stream` populations, and dense currents into populations driven by
//! a `current_stream` stimulus.

use super::Simulation;
use crate::error::Error;
use crate::model::shown;
use crate::plan::spike_step;

impl Simulation {
    /// Queues spike events for `population` (a `spike_source_stream`) of `instance`:
    /// each (time in ms, neuron) is a spike in the step that ends at its time, as for
    /// `SpikeSourceArray`; several in one step make one spike. Events may be pushed in
    /// any order for any time not yet simulated; each reaches the device with the
    /// batch of steps that contains it. Nothing is queued if any event is refused: a
    /// population that is not a stream, a neuron out of range, a time that is not
    /// finite or already simulated.
    pub fn push_events(
        &mut self,
        population: &str,
        instance: u32,
        events: &[(f64, u32)],
    ) -> Result<(), Error> {
        let pop = self.population_in(population, instance)?;
        let refuse = |reason: String| Error::StreamEvents {
            population: population.to_string(),
            reason,
        };
        let Some(first_row) = self.plan.stream_row(pop, instance, 0) else {
            return Err(refuse(format!(
                "a `{}` population takes no events; use a `spike_source_stream`",
                self.plan.populations[pop].kind.name()
            )));
        };
        let size = self.plan.populations[pop].size;
        let dt = self.plan.dt_ms;
        let mut queued = Vec::with_capacity(events.len());
        for &(t, neuron) in events {
            if neuron >= size {
                return Err(refuse(format!(
                    "neuron {neuron} is outside the population (size {size})"
                )));
            }
            let row = first_row + neuron;
            let step = spike_step(t, dt);
            if !t.is_finite() || t < dt * 0.5 || step < self.step {
                return Err(refuse(format!(
                    "an event at {} ms: the simulation is at {} ms, and an event's spike \
                     is in the step that ends at its time rounded to the step grid, so the \
                     earliest it takes is {} ms",
                    shown(t),
                    self.step as f64 * dt,
                    (self.step as f64 + 0.5) * dt
                )));
            }
            if step >= self.step_limit() {
                return Err(refuse(format!(
                    "an event at {} ms is beyond the {} steps a simulation can run",
                    shown(t),
                    self.step_limit()
                )));
            }
            queued.push((step, row));
        }
        for (step, row) in queued {
            self.input.events.push(step, row);
        }
        Ok(())
    }

    /// Streamed events queued for steps not yet run.
    pub fn pending_events(&self) -> usize {
        self.input.events.len()
    }

    /// Queues input currents (nA) for `population` (driven by a
    /// `Stimulus::CurrentStream`) of `instance`: `currents` holds one value per neuron
    /// for each of consecutive steps, the first being the step that starts at
    /// `from_ms` (rounded to the grid); its length must be a multiple of the
    /// population's size. Currents pushed twice for the same step and neuron add up;
    /// steps nothing was pushed for get none. Refused, with nothing queued, for a
    /// population without a current stream, a length that is not whole steps, a step
    /// already simulated or a value that is not finite.
    pub fn push_current(
        &mut self,
        population: &str,
        instance: u32,
        from_ms: f64,
        currents: &[f32],
    ) -> Result<(), Error> {
        let pop = self.population_in(population, instance)?;
        let refuse = |reason: String| Error::StreamCurrents {
            population: population.to_string(),
            reason,
        };
        let Some(first_row) = self.plan.current_row(pop, instance, 0) else {
            return Err(refuse(
                "no current stream drives it; add a `current_stream` stimulus".into(),
            ));
        };
        let size = self.plan.populations[pop].size as usize;
        if !currents.len().is_multiple_of(size) {
            return Err(refuse(format!(
                "{} values are not whole steps of {size} neurons",
                currents.len()
            )));
        }
        let first_step = (from_ms / self.plan.dt_ms).round();
        if !first_step.is_finite() || first_step < self.step as f64 {
            return Err(refuse(format!(
                "currents from {} ms: the simulation is at {} ms",
                shown(from_ms),
                self.step as f64 * self.plan.dt_ms
            )));
        }
        let last_step = first_step + (currents.len() / size) as f64;
        if last_step > self.step_limit() as f64 {
            return Err(refuse(format!(
                "currents until {} ms are beyond the {} steps a simulation can run",
                shown(last_step * self.plan.dt_ms),
                self.step_limit()
            )));
        }
        if let Some(v) = currents.iter().find(|v| !v.is_finite()) {
            return Err(refuse(format!("a current of {v} nA")));
        }
        for (k, step_values) in currents.chunks_exact(size).enumerate() {
            self.input.currents.push(
                first_step as u64 + k as u64,
                first_row,
                step_values.to_vec(),
            );
        }
        Ok(())
    }
}
