//! What a user trains: layers of neurons joined by dense connections whose weights
//! (and delays) are the parameters. Pure data, checked by [`TrainingNetwork::validate`]
//! before anything is allocated.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::cpu::rng::HostStream;

/// A network for gradient-based training: an input layer whose spikes come from a
/// dataset, layers of leaky integrate-and-fire neurons with current-based exponential
/// synapses (`iaf_psc_exp`, one synaptic current whose weights take either sign), and
/// non-spiking leaky-integrator readouts whose membrane potential the loss reads.
/// Connections are dense (every pre to every post neuron) and may be recurrent (a layer
/// onto itself) or skip layers; each synapse has its own weight and delay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingNetwork {
    /// Integration step (ms).
    pub dt_ms: f64,
    /// Length of one trial (ms): every sample is simulated for this long.
    pub trial_ms: f64,
    /// Seeds the initial weights.
    pub seed: u64,
    pub layers: Vec<Layer>,
    pub connections: Vec<Connection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    pub name: String,
    pub size: u32,
    pub kind: LayerKind,
}

/// The neuron model of a layer. Units follow PyNN: ms, mV, nA, nF.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum LayerKind {
    /// Spike sources driven by the dataset's events.
    Input,
    /// `iaf_psc_exp` without refractory period (the model EventProp differentiates):
    /// `cm dV/dt = -cm/tau_m (V - v_rest) + I`, `dI/dt = -I/tau_syn`, a spike arriving
    /// through a synapse adds its weight (nA) to `I`; at `V ≥ v_thresh` the neuron
    /// spikes and `V` is set to `v_reset`.
    Lif(Lif),
    /// The same membrane without threshold: a leaky integrator whose potential is the
    /// network's output.
    Readout(Readout),
    /// Adaptive LIF (Bellec et al. 2018): `iaf_psc_exp` whose threshold rises by
    /// `beta` (mV) per unit of an adaptation variable `a` that jumps by 1 at each
    /// spike and decays with `tau_adapt` (ms): threshold `v_thresh + beta·a`. Trained
    /// by e-prop (EventProp's jumps are derived for a fixed threshold).
    Alif(Alif),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lif {
    pub cm: f64,
    pub tau_m: f64,
    pub tau_syn: f64,
    pub v_rest: f64,
    pub v_reset: f64,
    pub v_thresh: f64,
}

impl Default for Lif {
    /// PyNN's `IF_curr_exp` values, with no refractory period.
    fn default() -> Self {
        Self {
            cm: 1.0,
            tau_m: 20.0,
            tau_syn: 5.0,
            v_rest: -65.0,
            v_reset: -65.0,
            v_thresh: -50.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Alif {
    pub lif: Lif,
    pub tau_adapt: f64,
    pub beta: f64,
}

impl Default for Alif {
    /// Bellec et al. (2018)'s time scale of adaptation, and a threshold step of a
    /// tenth of the distance from reset to threshold.
    fn default() -> Self {
        Self {
            lif: Lif::default(),
            tau_adapt: 200.0,
            beta: 1.5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Readout {
    pub cm: f64,
    pub tau_m: f64,
    pub tau_syn: f64,
    pub v_rest: f64,
}

impl Default for Readout {
    fn default() -> Self {
        Self {
            cm: 1.0,
            tau_m: 20.0,
            tau_syn: 5.0,
            v_rest: -65.0,
        }
    }
}

/// A dense connection from every neuron of `pre` to every neuron of `post`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub pre: String,
    pub post: String,
    pub weights: Weights,
    /// Per-synapse delays (ms), at least one step; rounded to whole steps.
    pub delays: Delays,
}

/// Initial weights (nA), either given (pre-major: `weights[i * post + j]` is i → j) or
/// drawn per synapse from a normal distribution (keyed by the network's seed and the
/// connection's index).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Weights {
    Given { values: Vec<f32> },
    Normal { mean: f64, sd: f64 },
}

/// Delays (ms), one for all synapses or one per synapse (pre-major, as the weights).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delays {
    Constant { ms: f64 },
    Given { values: Vec<f32> },
}

impl Connection {
    pub fn new(pre: &str, post: &str, weights: Weights, delays: Delays) -> Self {
        Self {
            pre: pre.into(),
            post: post.into(),
            weights,
            delays,
        }
    }
}

/// A training network or its data that cannot be used, naming the field.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrainError {
    #[error("`{field}` must be {expected}, but is {value}")]
    Parameter {
        field: String,
        expected: &'static str,
        value: f64,
    },
    #[error("`{field}`: there is no layer `{name}` (layers: {known})")]
    UnknownLayer {
        field: String,
        name: String,
        known: String,
    },
    #[error("`{field}`: {reason}")]
    Structure { field: String, reason: String },
    #[error("`{field}` has {given} values, but the connection has {expected} synapses")]
    Length {
        field: String,
        given: usize,
        expected: usize,
    },
    #[error("dataset: {0}")]
    Dataset(String),
    #[error("loss: {0}")]
    Loss(String),
}

impl TrainingNetwork {
    pub fn new(dt_ms: f64, trial_ms: f64, seed: u64) -> Self {
        Self {
            dt_ms,
            trial_ms,
            seed,
            layers: Vec::new(),
            connections: Vec::new(),
        }
    }

    pub fn add_layer(&mut self, name: &str, size: u32, kind: LayerKind) -> &mut Self {
        self.layers.push(Layer {
            name: name.into(),
            size,
            kind,
        });
        self
    }

    pub fn connect(&mut self, connection: Connection) -> &mut Self {
        self.connections.push(connection);
        self
    }

    pub fn layer_index(&self, name: &str) -> Option<usize> {
        self.layers.iter().position(|l| l.name == name)
    }

    /// Steps in one trial.
    pub fn steps(&self) -> u32 {
        (self.trial_ms / self.dt_ms).round() as u32
    }

    /// Every problem at once is not needed here: the first one found, with its field.
    pub fn validate(&self) -> Result<(), TrainError> {
        positive("dt_ms", self.dt_ms)?;
        positive("trial_ms", self.trial_ms)?;
        if self.steps() == 0 {
            return Err(TrainError::Parameter {
                field: "trial_ms".into(),
                expected: "at least one step",
                value: self.trial_ms,
            });
        }
        if !self
            .layers
            .iter()
            .any(|l| matches!(l.kind, LayerKind::Input))
        {
            return Err(TrainError::Structure {
                field: "layers".into(),
                reason: "no input layer".into(),
            });
        }
        for (k, layer) in self.layers.iter().enumerate() {
            let at = |name: &str| format!("layers[{k}].{name}");
            if self.layers[..k].iter().any(|l| l.name == layer.name) {
                return Err(TrainError::Structure {
                    field: at("name"),
                    reason: format!("`{}` names two layers", layer.name),
                });
            }
            if layer.size == 0 {
                return Err(TrainError::Parameter {
                    field: at("size"),
                    expected: "at least 1",
                    value: 0.0,
                });
            }
            match &layer.kind {
                LayerKind::Input => {}
                LayerKind::Lif(p) | LayerKind::Alif(Alif { lif: p, .. }) => {
                    membrane(&at, p.cm, p.tau_m, p.tau_syn)?;
                    if p.v_thresh.partial_cmp(&p.v_reset) != Some(std::cmp::Ordering::Greater) {
                        return Err(TrainError::Parameter {
                            field: at("v_thresh"),
                            expected: "above v_reset",
                            value: p.v_thresh,
                        });
                    }
                    // (An infinite threshold would make a layer that never spikes
                    // and e-prop's pseudo-derivative 0 · ∞.)
                    for (name, v) in [
                        ("v_rest", p.v_rest),
                        ("v_reset", p.v_reset),
                        ("v_thresh", p.v_thresh),
                    ] {
                        finite(&at(name), v)?;
                    }
                }
                LayerKind::Readout(p) => {
                    membrane(&at, p.cm, p.tau_m, p.tau_syn)?;
                    finite(&at("v_rest"), p.v_rest)?;
                }
            }
            if let LayerKind::Alif(a) = &layer.kind {
                positive(&at("tau_adapt"), a.tau_adapt)?;
                if !(a.beta.is_finite() && a.beta >= 0.0) {
                    return Err(TrainError::Parameter {
                        field: at("beta"),
                        expected: "finite and ≥ 0",
                        value: a.beta,
                    });
                }
            }
        }
        for (c, conn) in self.connections.iter().enumerate() {
            let at = |name: &str| format!("connections[{c}].{name}");
            let pre = self.find(&at("pre"), &conn.pre)?;
            let post = self.find(&at("post"), &conn.post)?;
            if matches!(self.layers[post].kind, LayerKind::Input) {
                return Err(TrainError::Structure {
                    field: at("post"),
                    reason: format!("`{}` is an input layer and takes no synapses", conn.post),
                });
            }
            if matches!(self.layers[pre].kind, LayerKind::Readout(_)) {
                return Err(TrainError::Structure {
                    field: at("pre"),
                    reason: format!("`{}` is a readout and does not spike", conn.pre),
                });
            }
            let synapses = self.layers[pre].size as usize * self.layers[post].size as usize;
            match &conn.weights {
                Weights::Given { values } => {
                    length(&at("weights"), values.len(), synapses)?;
                    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                        finite(&at("weights"), f64::from(*v))?;
                    }
                }
                Weights::Normal { mean, sd } => {
                    finite(&at("weights.mean"), *mean)?;
                    if sd.partial_cmp(&0.0).is_none_or(|o| o.is_lt()) || !sd.is_finite() {
                        return Err(TrainError::Parameter {
                            field: at("weights.sd"),
                            expected: "finite and ≥ 0",
                            value: *sd,
                        });
                    }
                    // The weights are f32: ten standard deviations out stay finite.
                    if mean.abs() + 10.0 * sd > f64::from(f32::MAX) {
                        return Err(TrainError::Parameter {
                            field: at("weights.mean"),
                            expected: "within f32's range, ten standard deviations out",
                            value: *mean,
                        });
                    }
                }
            }
            let low = self.dt_ms * 0.5;
            let check_delay = |v: f64| {
                if v.is_finite() && v >= low && v <= self.trial_ms {
                    Ok(())
                } else {
                    Err(TrainError::Parameter {
                        field: at("delays"),
                        expected: "at least one step (dt_ms) and at most the trial (trial_ms)",
                        value: v,
                    })
                }
            };
            match &conn.delays {
                Delays::Constant { ms } => check_delay(*ms)?,
                Delays::Given { values } => {
                    length(&at("delays"), values.len(), synapses)?;
                    for v in values {
                        check_delay(f64::from(*v))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn find(&self, field: &str, name: &str) -> Result<usize, TrainError> {
        self.layer_index(name)
            .ok_or_else(|| TrainError::UnknownLayer {
                field: field.into(),
                name: name.into(),
                known: self
                    .layers
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The initial weights of connection `c` (pre-major), drawn where not given.
    pub(crate) fn initial_weights(&self, c: usize) -> Vec<f32> {
        let conn = &self.connections[c];
        match &conn.weights {
            Weights::Given { values } => values.clone(),
            Weights::Normal { mean, sd } => {
                let pre = self.layers[self.layer_index(&conn.pre).unwrap()].size as usize;
                let post = self.layers[self.layer_index(&conn.post).unwrap()].size as usize;
                let mut rng = HostStream::new(self.seed, STREAM_WEIGHTS, c as u32);
                (0..pre * post)
                    .map(|_| (mean + sd * rng.next_normal()) as f32)
                    .collect()
            }
        }
    }

    /// The delays of connection `c` in ms (pre-major), one per synapse.
    pub(crate) fn initial_delays(&self, c: usize) -> Vec<f32> {
        let conn = &self.connections[c];
        match &conn.delays {
            Delays::Given { values } => values.clone(),
            Delays::Constant { ms } => {
                let pre = self.layers[self.layer_index(&conn.pre).unwrap()].size as usize;
                let post = self.layers[self.layer_index(&conn.post).unwrap()].size as usize;
                vec![*ms as f32; pre * post]
            }
        }
    }
}

const STREAM_WEIGHTS: u32 = 0x5477_6569; // "Twei"

fn positive(field: &str, v: f64) -> Result<(), TrainError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(TrainError::Parameter {
            field: field.into(),
            expected: "finite and > 0",
            value: v,
        })
    }
}

fn finite(field: &str, v: f64) -> Result<(), TrainError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(TrainError::Parameter {
            field: field.into(),
            expected: "finite",
            value: v,
        })
    }
}

fn membrane(
    at: &dyn Fn(&str) -> String,
    cm: f64,
    tau_m: f64,
    tau_syn: f64,
) -> Result<(), TrainError> {
    positive(&at("cm"), cm)?;
    positive(&at("tau_m"), tau_m)?;
    positive(&at("tau_syn"), tau_syn)
}

fn length(field: &str, given: usize, expected: usize) -> Result<(), TrainError> {
    if given == expected {
        Ok(())
    } else {
        Err(TrainError::Length {
            field: field.into(),
            given,
            expected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> TrainingNetwork {
        let mut net = TrainingNetwork::new(0.1, 10.0, 1);
        net.add_layer("in", 3, LayerKind::Input)
            .add_layer("h", 4, LayerKind::Lif(Lif::default()))
            .add_layer("out", 2, LayerKind::Readout(Readout::default()));
        net.connect(Connection::new(
            "in",
            "h",
            Weights::Normal { mean: 0.0, sd: 1.0 },
            Delays::Constant { ms: 1.0 },
        ))
        .connect(Connection::new(
            "h",
            "out",
            Weights::Given {
                values: vec![0.5; 8],
            },
            Delays::Constant { ms: 0.1 },
        ));
        net
    }

    fn refused(change: impl Fn(&mut TrainingNetwork), field: &str) {
        let mut net = valid();
        change(&mut net);
        let e = net.validate().unwrap_err().to_string();
        assert!(e.contains(field), "`{e}` should name `{field}`");
    }

    #[test]
    fn bad_networks_are_refused_naming_the_field() {
        assert_eq!(valid().validate(), Ok(()));
        refused(|n| n.dt_ms = 0.0, "dt_ms");
        refused(|n| n.layers[1].size = 0, "layers[1].size");
        refused(|n| n.layers[1].name = "in".into(), "layers[1].name");
        refused(
            |n| {
                n.layers[1].kind = LayerKind::Lif(Lif {
                    tau_m: -1.0,
                    ..Lif::default()
                })
            },
            "layers[1].tau_m",
        );
        refused(
            |n| {
                n.layers[1].kind = LayerKind::Lif(Lif {
                    v_thresh: -70.0,
                    ..Lif::default()
                })
            },
            "layers[1].v_thresh",
        );
        refused(
            |n| n.connections[0].post = "nowhere".into(),
            "connections[0].post",
        );
        refused(
            |n| n.connections[0].post = "in".into(),
            "connections[0].post",
        );
        refused(
            |n| n.connections[1].pre = "out".into(),
            "connections[1].pre",
        );
        refused(
            |n| {
                n.connections[1].weights = Weights::Given {
                    values: vec![0.0; 7],
                }
            },
            "connections[1].weights",
        );
        refused(
            |n| n.connections[0].delays = Delays::Constant { ms: 0.01 },
            "connections[0].delays",
        );
        refused(
            |n| n.connections[0].delays = Delays::Constant { ms: 1e39 },
            "connections[0].delays",
        );
        refused(
            |n| {
                n.connections[0].weights = Weights::Normal {
                    mean: 0.0,
                    sd: f64::NAN,
                }
            },
            "connections[0].weights.sd",
        );
        refused(
            |n| n.layers.retain(|l| !matches!(l.kind, LayerKind::Input)),
            "layers",
        );
    }

    #[test]
    fn drawn_weights_are_keyed_by_seed_and_connection() {
        let net = valid();
        let w = net.initial_weights(0);
        assert_eq!(w.len(), 12);
        assert_eq!(w, valid().initial_weights(0));
        let mut other = valid();
        other.seed = 2;
        assert_ne!(w, other.initial_weights(0));
        assert_eq!(net.initial_delays(1), vec![0.1; 8]);
    }
}
