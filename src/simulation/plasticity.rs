//! The host's access to plasticity between runs: each plastic projection's weights
//! (per instance) and its synapses' pre and post neurons, and the neuromodulator of
//! three-factor rules (the closed loop's reward or error signal).

use super::Simulation;
use crate::cpu::modulator::{history_entry, modulator_base, modulator_from};
use crate::cpu::plasticity::{catch_up_words, own_rule};
use crate::cpu::propagate_prepare::advance_modulators;
use crate::error::Error;
use crate::plan::layout::{
    MODULATOR_DECAY, MODULATOR_HEAD, MODULATOR_PENDING_STEP, MODULATOR_PENDING_VALUE,
    PLASTIC_DOPAMINE, PLASTIC_ERROR, PLASTIC_STATIC, PLASTIC_TSODYKS2,
};
use crate::plan::PlasticProjection;

/// How far above its planned share a projection's host-set weights onto one neuron
/// may go (the unit's headroom is 2×; a little under it for the weights' rounding).
const HEADROOM: f64 = 1.99;

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
        let at = self.weight_words(projection, instance)?;
        let mut words = self.engine.read_plastic_state()?;
        self.catch_up(&mut words, projection, instance)?;
        Ok(at.iter().map(|&i| f32::from_bits(words[i])).collect())
    }

    /// Brings the three-factor synapses of `projection` in `instance` in the plastic
    /// state `words` up to the end of the run so far: their weight change under the
    /// modulator, which the device integrates only when a synapse is touched
    /// (`catch_up`), integrated here the same way — on the host's copy, so reading
    /// weights does not change the run.
    fn catch_up(
        &mut self,
        words: &mut [u32],
        projection: usize,
        instance: u32,
    ) -> Result<(), Error> {
        let r = self.rule_index(projection)?;
        if self.plan.plastic.rules[r].kind != PLASTIC_DOPAMINE {
            return Ok(());
        }
        let modulators = self.modulators_now()?;
        let config = self.plan.config;
        let rules = self.plan.plastic.device_rules(config.n_instances);
        let at = modulator_base(r as u32, instance, config.n_instances);
        let per = config.synapse_words as usize;
        for &s in &self.plastic_projection(projection)?.synapses {
            let rule = own_rule(
                &rules,
                &self.plan.plastic.rule_params,
                &config,
                (r as u32, instance, s),
            );
            let base = (instance as usize * config.n_plastic as usize + s as usize) * per;
            // To the end of the last step run, as its flush would: step k integrates
            // the stretch after its events, ((k + 1) dt, (k + 2) dt], so a run of
            // N steps ends with step N − 2's (NEST's weight at t = N dt).
            catch_up_words(
                &mut words[base..base + per],
                &modulators,
                at,
                &rule,
                self.step.saturating_sub(1) as u32,
            );
        }
        Ok(())
    }

    /// The modulators as the next step's propagate_prepare will leave them: with the
    /// last step's modulating spikes and a level set before it in the history.
    fn modulators_now(&mut self) -> Result<Vec<u32>, Error> {
        let mut words = self.engine.read_modulators()?;
        advance_modulators(
            &mut words,
            self.plan.config.astrocyte_base,
            self.step as u32,
        );
        Ok(words)
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
        // Each synapse's own rule (its bounds may be drawn per synapse or swept per
        // instance): [w_min, w_max], which the rule holds the weight in (either way
        // round for an inhibitory STDP rule's negative w_max). Tsodyks–Markram
        // synapses, and static ones kept per instance for a weight sweep, have none.
        let r = self.rule_index(projection)?;
        let config = self.plan.config;
        let rules = self.plan.plastic.device_rules(config.n_instances);
        let synapses = &self.plastic_projection(projection)?.synapses;
        for (k, (&w, &s)) in weights.iter().zip(synapses).enumerate() {
            let rule = own_rule(
                &rules,
                &self.plan.plastic.rule_params,
                &config,
                (r as u32, instance, s),
            );
            let (low, high) = if matches!(rule.kind, PLASTIC_TSODYKS2 | PLASTIC_STATIC) {
                (f32::NEG_INFINITY, f32::INFINITY)
            } else {
                (rule.w_min.min(rule.w_max), rule.w_min.max(rule.w_max))
            };
            if !w.is_finite() || !(low..=high).contains(&w) {
                return Err(Error::WeightOutOfRange {
                    projection,
                    synapse: k,
                    weight: w,
                    low,
                    high,
                });
            }
        }
        // Each neuron's input must stay within what its port's fixed-point unit holds:
        // beyond it a weight would be clamped when converted, or a sum overflow the
        // ring in an order the backends need not share. The unit keeps a neuron's
        // planned input below 2^30 units and i32 holds 2^31, so each projection may
        // take up to (just under) twice its planned share onto a neuron, whatever the
        // others do.
        let projected = self.plastic_projection(projection)?;
        let size = projected.post.iter().max().map_or(0, |&j| j as usize + 1);
        let mut sums = vec![(0f64, 0f64); size];
        for ((&w, &j), &bound) in weights.iter().zip(&projected.post).zip(&projected.bounds) {
            let sum = &mut sums[j as usize];
            sum.0 += f64::from(w).abs();
            sum.1 += HEADROOM * bound;
        }
        if let Some((neuron, &(sum, limit))) = sums
            .iter()
            .enumerate()
            .find(|(_, (sum, limit))| sum > limit)
        {
            return Err(Error::WeightsBeyondUnit {
                projection,
                neuron: neuron as u32,
                sum,
                limit,
            });
        }
        // Three-factor synapses integrate up to now first, so the new weight holds
        // from now on.
        let mut words = self.engine.read_plastic_state()?;
        self.catch_up(&mut words, projection, instance)?;
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
    /// stands after the last step run (or as the host set it since).
    pub fn modulator(&mut self, projection: usize, instance: u32) -> Result<f32, Error> {
        let at = self.modulator_at(projection, instance)?;
        let words = self.modulators_now()?;
        let step = self.step as u32;
        if words[at + MODULATOR_PENDING_STEP as usize] == step + 1 {
            return Ok(f32::from_bits(words[at + MODULATOR_PENDING_VALUE as usize]));
        }
        let last = history_entry(&words, at, words[at + MODULATOR_HEAD as usize] - 1);
        if step == 0 {
            return Ok(f32::from_bits(last[1]));
        }
        let decay = f32::from_bits(words[at + MODULATOR_DECAY as usize]);
        Ok(modulator_from(last, step - 1, decay))
    }

    /// Sets the neuromodulator of three-factor projection `projection` in `instance`
    /// for the steps that follow: a `level` modulator holds it until set again, a
    /// `trace` decays from it with τ_n. The device takes it into the modulator's
    /// history at the next step (`propagate_prepare`).
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
        // The history as the next step would extend it (a level set one step ago
        // and the last step's spikes taken in), so that a level still pending is
        // not overwritten; the device's next step then finds nothing left to add.
        let mut words = self.modulators_now()?;
        words[at + MODULATOR_PENDING_STEP as usize] = self.step as u32 + 1;
        words[at + MODULATOR_PENDING_VALUE as usize] = value.to_bits();
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
        // Errors set where no error-modulated synapse reads them would do nothing.
        let plastic = &self.plan.plastic;
        let neurons = p.first..p.first + p.size;
        let read_here = plastic.projections.iter().any(|q| {
            q.synapses.first().is_some_and(|&s| {
                let [target, word] = plastic.synapse[s as usize];
                plastic.rules[(word >> 16) as usize].kind == PLASTIC_ERROR
                    && neurons.contains(&(target % self.plan.config.n_neurons))
            })
        });
        if !read_here {
            return Err(refuse(format!(
                "no error-modulated synapses end on `{population}`: its errors would not be read"
            )));
        }
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
        Ok(modulator_base(r as u32, instance, instances))
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
