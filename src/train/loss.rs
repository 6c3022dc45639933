//! Loss functions on an output layer, evaluated on the host (in f64) from what the
//! forward pass recorded, with the sources the adjoint needs: `∂L/∂V` of a readout at
//! each step's end, `∂L/∂t` of a LIF neuron's spike.

use serde::{Deserialize, Serialize};

use super::network::TrainError;
use super::plan::{NeuronRole, TrainingPlan};
use crate::cpu::train_output::OutputRecord;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Loss {
    /// Cross-entropy of the softmax of each readout's largest potential over the
    /// trial (mV, sampled at the end of every step): `z_c = max_n V_c(t_n)`.
    CrossEntropyMaxVoltage,
    /// Cross-entropy of the softmax of each readout's mean potential over the trial.
    CrossEntropyMeanVoltage,
    /// The cross-entropy of the softmax of the readouts' potentials at every step,
    /// averaged over the steps (Bellec et al. 2020): its gradient at a step depends on
    /// that step's outputs only, so e-prop computes it online. The prediction is the
    /// readout with the largest summed log-probability.
    CrossEntropyPerStep,
    /// Cross-entropy of the softmax of `−t_c / tau0_ms`, `t_c` the first spike time of
    /// LIF output neuron `c` (ms; the trial's end if it does not spike, which moves
    /// no gradient: EventProp shifts spikes, it does not create them).
    CrossEntropyFirstSpike { tau0_ms: f64 },
    /// Mean over steps of the squared difference between each readout's potential
    /// and its target trace (mV²): `L = 1/T Σ_n Σ_c (V_c(t_n) − target_c(t_n))²`.
    MeanSquaredVoltage,
}

/// What the loss compares with, per instance of the batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets<'a> {
    /// A class per instance (the cross-entropy losses).
    Labels(&'a [u32]),
    /// `[instance][step][output neuron]` potentials (mV).
    Traces(&'a [f32]),
}

/// A batch's losses, predictions, and the adjoint's sources.
#[derive(Debug, Clone, PartialEq)]
pub struct LossValue {
    /// Per instance.
    pub losses: Vec<f64>,
    /// Per instance, the class with the largest output (cross-entropy losses).
    pub predictions: Vec<u32>,
    /// `[instance][step][output neuron]`, the layout of [`OutputRecord`].
    pub sources: Vec<f32>,
}

impl Loss {
    /// The neuron model the loss needs in its output layer.
    fn role(self) -> NeuronRole {
        match self {
            Loss::CrossEntropyFirstSpike { .. } => NeuronRole::Lif,
            _ => NeuronRole::Readout,
        }
    }

    /// Refuses an output layer of the wrong model.
    pub fn check_output(self, plan: &TrainingPlan, output: usize) -> Result<(), TrainError> {
        let layer = plan
            .layers
            .get(output)
            .ok_or_else(|| TrainError::Loss(format!("no layer {output}")))?;
        if layer.role != self.role() as u32 {
            return Err(TrainError::Loss(format!(
                "{self:?} needs a {:?} output layer",
                self.role()
            )));
        }
        Ok(())
    }

    /// Evaluates the loss on layer `output` of the plan.
    pub fn evaluate(
        self,
        plan: &TrainingPlan,
        output: usize,
        record: &OutputRecord,
        targets: &Targets<'_>,
    ) -> Result<LossValue, TrainError> {
        self.check_output(plan, output)?;
        let layer = &plan.layers[output];
        let (instances, steps, size) = (record.instances, record.steps, layer.size);
        if record.size != size {
            return Err(TrainError::Loss(format!(
                "a record of {} neurons for a {size}-neuron output",
                record.size
            )));
        }
        match (self, targets) {
            (Loss::MeanSquaredVoltage, Targets::Traces(t)) if t.len() == (instances * steps * size) as usize => {
                if let Some(k) = t.iter().position(|v| !v.is_finite()) {
                    return Err(TrainError::Loss(format!(
                        "target trace value {k} (instance {}, step {}, neuron {}) is {}: targets must be finite",
                        k / (steps * size) as usize,
                        k / size as usize % steps as usize,
                        k % size as usize,
                        t[k]
                    )));
                }
            }
            (Loss::MeanSquaredVoltage, _) => {
                return Err(TrainError::Loss(format!(
                    "the mean squared error needs target traces of {instances} × {steps} × {size} values"
                )))
            }
            (_, Targets::Labels(l)) if l.len() == instances as usize => {
                if let Some(&c) = l.iter().find(|&&c| c >= size) {
                    return Err(TrainError::Loss(format!(
                        "label {c} is not a class of a {size}-neuron output"
                    )));
                }
            }
            _ => {
                return Err(TrainError::Loss(format!(
                    "{self:?} needs one label per instance ({instances})"
                )))
            }
        }
        let v_rest = plan.v_rest[output];
        let dt = plan.dt_ms;
        let mut sources = vec![0.0f32; record.values.len()];
        let mut losses = Vec::with_capacity(instances as usize);
        let mut predictions = Vec::with_capacity(instances as usize);
        let at = |b: u32, n: u32, c: u32| record.index(b, n, c);
        let potential = |b: u32, n: u32, c: u32| f64::from(record.value(b, n, c)) + v_rest;
        for b in 0..instances {
            if let (Loss::MeanSquaredVoltage, Targets::Traces(t)) = (self, targets) {
                let mut loss = 0.0;
                for n in 0..steps {
                    for c in 0..size {
                        let e = potential(b, n, c)
                            - f64::from(t[((b * steps + n) * size + c) as usize]);
                        loss += e * e / f64::from(steps);
                        sources[at(b, n, c)] = (2.0 * e / f64::from(steps)) as f32;
                    }
                }
                losses.push(loss);
                predictions.push(0);
                continue;
            }
            let Targets::Labels(labels) = targets else {
                unreachable!()
            };
            if self == Loss::CrossEntropyPerStep {
                let label = labels[b as usize];
                let (mut loss, mut evidence) = (0.0, vec![0.0; size as usize]);
                for n in 0..steps {
                    let v: Vec<f64> = (0..size).map(|c| potential(b, n, c)).collect();
                    let top = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let total: f64 = v.iter().map(|x| (x - top).exp()).sum();
                    for c in 0..size {
                        let log_p = v[c as usize] - top - total.ln();
                        evidence[c as usize] += log_p;
                        let y = f64::from(u8::from(c == label));
                        sources[at(b, n, c)] = ((log_p.exp() - y) / f64::from(steps)) as f32;
                    }
                    loss -= (v[label as usize] - top - total.ln()) / f64::from(steps);
                }
                losses.push(loss);
                predictions.push(argmax(&evidence));
                continue;
            }
            // The logits, and for each the step whose value it took.
            let (logits, steps_of): (Vec<f64>, Vec<Option<u32>>) = (0..size)
                .map(|c| match self {
                    Loss::CrossEntropyMaxVoltage => {
                        let mut best = (f64::NEG_INFINITY, 0);
                        for n in 0..steps {
                            let v = potential(b, n, c);
                            if v > best.0 {
                                best = (v, n);
                            }
                        }
                        (best.0, Some(best.1))
                    }
                    Loss::CrossEntropyMeanVoltage => {
                        let sum: f64 = (0..steps).map(|n| potential(b, n, c)).sum();
                        (sum / f64::from(steps), None)
                    }
                    Loss::CrossEntropyFirstSpike { tau0_ms } => {
                        let first = (0..steps).find(|&n| record.spiked(b, n, c));
                        let t = first.map_or(f64::from(steps) * dt, |n| f64::from(n + 1) * dt);
                        (-t / tau0_ms, first)
                    }
                    Loss::MeanSquaredVoltage | Loss::CrossEntropyPerStep => unreachable!(),
                })
                .unzip();
            let top = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let exp: Vec<f64> = logits.iter().map(|z| (z - top).exp()).collect();
            let total: f64 = exp.iter().sum();
            let label = labels[b as usize];
            // In log-sum-exp form: the label's probability can be below f64's range.
            losses.push(-(logits[label as usize] - top - total.ln()));
            predictions.push(argmax(&logits));
            for c in 0..size {
                let dz = exp[c as usize] / total - f64::from(u8::from(c == label));
                match self {
                    Loss::CrossEntropyMaxVoltage => {
                        sources[at(b, steps_of[c as usize].unwrap(), c)] = dz as f32;
                    }
                    Loss::CrossEntropyMeanVoltage => {
                        for n in 0..steps {
                            sources[at(b, n, c)] = (dz / f64::from(steps)) as f32;
                        }
                    }
                    Loss::CrossEntropyFirstSpike { tau0_ms } => {
                        if let Some(n) = steps_of[c as usize] {
                            sources[at(b, n, c)] = (-dz / tau0_ms) as f32;
                        }
                    }
                    Loss::MeanSquaredVoltage | Loss::CrossEntropyPerStep => unreachable!(),
                }
            }
        }
        Ok(LossValue {
            losses,
            predictions,
            sources,
        })
    }
}

/// The index of the largest value, the first among equals.
fn argmax(values: &[f64]) -> u32 {
    (0..values.len())
        .max_by(|&x, &y| values[x].total_cmp(&values[y]).then(y.cmp(&x)))
        .unwrap_or(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::train_forward::History;
    use crate::cpu::train_output::train_output;
    use crate::train::network::{LayerKind, Readout, TrainingNetwork};

    /// A plan with 2 inputs and 3 readouts, and a record of 2 instances × 4 steps
    /// with made-up potentials.
    fn setup() -> (TrainingPlan, OutputRecord) {
        let mut net = TrainingNetwork::new(0.5, 2.0, 1);
        net.add_layer("in", 2, LayerKind::Input).add_layer(
            "out",
            3,
            LayerKind::Readout(Readout::default()),
        );
        let plan = TrainingPlan::new(&net).unwrap();
        let mut record = History::new(&plan, 2);
        for (k, v) in record.recorded.iter_mut().enumerate() {
            *v = ((k * 37 % 11) as f32 - 5.0) * 0.7;
        }
        let record = train_output(&plan, 1, &record);
        (plan, record)
    }

    /// Each source is the central difference of the loss in its recorded potential.
    fn check(loss: Loss, targets: &Targets<'_>) {
        let (plan, record) = setup();
        let value = loss.evaluate(&plan, 1, &record, targets).unwrap();
        let total = |h: &OutputRecord| {
            loss.evaluate(&plan, 1, h, targets)
                .unwrap()
                .losses
                .iter()
                .sum::<f64>()
        };
        let out = plan.layers[1];
        for b in 0..2 {
            for n in 0..record.steps {
                for c in 0..out.size {
                    let at = record.index(b, n, c);
                    let (mut up, mut down) = (record.clone(), record.clone());
                    up.values[at] += 1e-2;
                    down.values[at] -= 1e-2;
                    let fd = (total(&up) - total(&down)) / 2e-2;
                    assert!(
                        (fd - f64::from(value.sources[at])).abs() < 1e-4,
                        "{loss:?} at ({b}, {n}, {c}): source {} against {fd}",
                        value.sources[at]
                    );
                }
            }
        }
    }

    #[test]
    fn sources_are_the_derivatives_of_the_voltage_losses() {
        check(Loss::CrossEntropyMaxVoltage, &Targets::Labels(&[2, 0]));
        check(Loss::CrossEntropyMeanVoltage, &Targets::Labels(&[1, 2]));
        check(Loss::CrossEntropyPerStep, &Targets::Labels(&[0, 2]));
        let traces: Vec<f32> = (0..24).map(|k| -65.0 + k as f32 * 0.3).collect();
        check(Loss::MeanSquaredVoltage, &Targets::Traces(&traces));
    }

    #[test]
    fn predictions_take_the_largest_output() {
        let (plan, mut record) = setup();
        let at = record.index(0, 2, 1);
        record.values[at] = 30.0;
        let v = Loss::CrossEntropyMaxVoltage
            .evaluate(&plan, 1, &record, &Targets::Labels(&[1, 0]))
            .unwrap();
        assert_eq!(v.predictions[0], 1);
        assert!(v.losses[0] < 1e-6, "a confident right answer costs nothing");
    }

    #[test]
    fn wrong_targets_and_layers_are_refused() {
        let (plan, record) = setup();
        let refused = |loss: Loss, output: usize, targets: Targets<'_>| {
            assert!(loss.evaluate(&plan, output, &record, &targets).is_err());
        };
        refused(Loss::CrossEntropyMaxVoltage, 1, Targets::Labels(&[0]));
        refused(Loss::CrossEntropyMaxVoltage, 1, Targets::Labels(&[0, 3]));
        refused(Loss::MeanSquaredVoltage, 1, Targets::Traces(&[0.0; 5]));
        let mut nan = vec![0.0f32; 24];
        nan[7] = f32::NAN;
        refused(Loss::MeanSquaredVoltage, 1, Targets::Traces(&nan));
        refused(
            Loss::CrossEntropyFirstSpike { tau0_ms: 1.0 },
            1,
            Targets::Labels(&[0, 0]),
        );
        refused(Loss::CrossEntropyMaxVoltage, 0, Targets::Labels(&[0, 0]));
        refused(Loss::CrossEntropyMaxVoltage, 7, Targets::Labels(&[0, 0]));
    }
}
