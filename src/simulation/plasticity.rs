//! The host's access to plasticity between runs: each plastic projection's weights
//! (per instance) and its synapses' pre and post neurons, and the neuromodulator of
//! three-factor rules (the closed loop's reward or error signal).

use super::Simulation;
use crate::error::Error;
use crate::plan::layout::{MODULATOR_WORDS, PLASTIC_DOPAMINE};
use crate::plan::PlasticProjection;

impl Simulation {
    /// The plastic projection at `projection` (its index in the model's projections).
    pub fn plastic_projection(&self, projection: usize) -> Result<&PlasticProjection, Error> {
        self.plan
            .plastic
            .projections
            .iter()
            .find(|p| p.projection == projection)
            .ok_or_else(|| Error::NotPlastic {
                projection,
                plastic: self
                    .plan
                    .plastic
                    .projections
                    .iter()
                    .map(|p| p.projection.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The current weights of plastic projection `projection` in instance 0, in the
    /// order its synapses were drawn (a list's order; `plastic_projection` gives each
    /// synapse's pre and post neuron).
    pub fn weights(&mut self, projection: usize) -> Result<Vec<f32>, Error> {
        self.instance_weights(projection, 0)
    }

    /// The current weights of plastic projection `projection` in `instance`.
    pub fn instance_weights(
        &mut self,
        projection: usize,
        instance: u32,
    ) -> Result<Vec<f32>, Error> {
        let words = self.engine.read_plastic_state()?;
        let at = self.weight_words(projection, instance)?;
        Ok(at.iter().map(|&i| f32::from_bits(words[i])).collect())
    }

    /// Replaces the weights of plastic projection `projection` in `instance` (one per
    /// synapse, in drawn order); traces are kept. Weights must lie within the rule's
    /// bounds and be finite.
    pub fn set_instance_weights(
        &mut self,
        projection: usize,
        instance: u32,
        weights: &[f32],
    ) -> Result<(), Error> {
        let at = self.weight_words(projection, instance)?;
        if weights.len() != at.len() {
            return Err(Error::WeightCount {
                projection,
                given: weights.len(),
                synapses: at.len(),
            });
        }
        let rule = &self.plan.plastic.rules[self.rule_index(projection)?];
        let w_max = rule.w_max;
        let (low, high) = if w_max >= 0.0 {
            (0.0, w_max)
        } else {
            (w_max, 0.0)
        };
        if let Some((k, &w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !w.is_finite() || (w_max != 0.0 && !(low..=high).contains(*w)))
        {
            return Err(Error::WeightOutOfRange {
                projection,
                synapse: k,
                weight: w,
                low,
                high,
            });
        }
        let mut words = self.engine.read_plastic_state()?;
        for (&i, &w) in at.iter().zip(weights) {
            words[i] = w.to_bits();
        }
        self.engine.write_plastic_state(&words)
    }

    /// Replaces the weights of plastic projection `projection` in instance 0.
    pub fn set_weights(&mut self, projection: usize, weights: &[f32]) -> Result<(), Error> {
        self.set_instance_weights(projection, 0, weights)
    }

    /// The neuromodulator of three-factor projection `projection` in `instance` as it
    /// stands after the last step run.
    pub fn modulator(&mut self, projection: usize, instance: u32) -> Result<f32, Error> {
        let at = self.modulator_at(projection, instance)?;
        let words = self.engine.read_modulators()?;
        let last = (self.step + 1) % 2;
        Ok(f32::from_bits(words[at + last as usize]))
    }

    /// Sets the neuromodulator of three-factor projection `projection` in `instance`
    /// for the steps that follow: a `level` modulator holds it until set again, a
    /// `trace` decays from it with τ_n.
    pub fn set_modulator(
        &mut self,
        projection: usize,
        instance: u32,
        value: f32,
    ) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(Error::Modulator {
                projection,
                reason: format!("the value {value} is not finite"),
            });
        }
        let at = self.modulator_at(projection, instance)?;
        let mut words = self.engine.read_modulators()?;
        // Both parity slots: the next step reads the one its predecessor wrote.
        words[at] = value.to_bits();
        words[at + 1] = value.to_bits();
        self.engine.write_modulators(&words)
    }

    /// Sets the error of every neuron of `population` in `instance` for the
    /// error-modulated synapses onto it (`ErrorModulatedSynapse`): held from the next
    /// step until set again (0 at the start). One value per neuron.
    pub fn set_error(
        &mut self,
        population: &str,
        instance: u32,
        errors: &[f32],
    ) -> Result<(), Error> {
        let pop = self.population_in(population, instance)?;
        let refuse = |reason: String| Error::Errors {
            population: population.to_string(),
            reason,
        };
        if self.plan.errors_len() == 0 {
            return Err(refuse(
                "the network has no error-modulated synapses to read errors".into(),
            ));
        }
        let p = &self.plan.populations[pop];
        if errors.len() != p.size as usize {
            return Err(refuse(format!(
                "{} values for {} neurons",
                errors.len(),
                p.size
            )));
        }
        if let Some(e) = errors.iter().find(|e| !e.is_finite()) {
            return Err(refuse(format!("an error of {e}")));
        }
        let at = (instance * self.plan.config.n_neurons + p.first) as usize;
        self.engine.write_errors(at, errors)
    }

    /// Adds `amount` to the neuromodulator of `projection` in `instance` (a reward
    /// delivered now, for example).
    pub fn add_modulator(
        &mut self,
        projection: usize,
        instance: u32,
        amount: f32,
    ) -> Result<(), Error> {
        let level = self.modulator(projection, instance)?;
        self.set_modulator(projection, instance, level + amount)
    }

    /// Where the modulator words of `projection`'s rule for `instance` start.
    fn modulator_at(&self, projection: usize, instance: u32) -> Result<usize, Error> {
        let instances = self.plan.config.n_instances;
        if instance >= instances {
            return Err(Error::NoInstance {
                instance,
                instances,
            });
        }
        let r = self.rule_index(projection)?;
        if self.plan.plastic.rules[r].kind != PLASTIC_DOPAMINE {
            return Err(Error::Modulator {
                projection,
                reason: "its rule has no neuromodulator (only stdp_dopamine_synapse has)".into(),
            });
        }
        Ok((r * instances as usize + instance as usize) * MODULATOR_WORDS as usize)
    }

    /// Where each synapse's weight of `projection` in `instance` lies in the state.
    fn weight_words(&self, projection: usize, instance: u32) -> Result<Vec<usize>, Error> {
        let instances = self.plan.config.n_instances;
        if instance >= instances {
            return Err(Error::NoInstance {
                instance,
                instances,
            });
        }
        let n_plastic = self.plan.config.n_plastic as usize;
        let words = self.plan.config.synapse_words as usize;
        Ok(self
            .plastic_projection(projection)?
            .synapses
            .iter()
            .map(|&s| (instance as usize * n_plastic + s as usize) * words)
            .collect())
    }

    fn rule_index(&self, projection: usize) -> Result<usize, Error> {
        self.plastic_projection(projection)?;
        Ok(self
            .plan
            .plastic
            .projections
            .iter()
            .position(|p| p.projection == projection)
            .expect("found"))
    }
}
