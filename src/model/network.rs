//! The network a user describes: populations, projections, stimuli and recorders.
//! Pure data in the user's units; nothing here knows about devices.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Astrocyte, GradedSynapses, GridError, NeuronModel, Plasticity, SweepGrid, Value};

/// A whole model: what to simulate, at which resolution, and what to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// Integration step (ms).
    #[serde(default = "default_dt")]
    pub dt_ms: f64,
    /// Seed of every random draw: connectivity, initial values, stimuli.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub populations: Vec<Population>,
    #[serde(default)]
    pub projections: Vec<Projection>,
    #[serde(default)]
    pub stimuli: Vec<Stimulus>,
    #[serde(default)]
    pub recorders: Vec<Recorder>,
    /// Independent copies of the network simulated together in the same dispatches
    /// (an ensemble): each has its own state, inputs, random streams and recordings,
    /// and they share the connectivity unless a projection is drawn per instance. Instance 0 is the network a single run
    /// simulates; instance b's draws are keyed by b, so it does not change with the
    /// number of instances.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub instances: u32,
    /// Where instance 0 lies in a larger study: instance b draws every random value
    /// (initial state, per-neuron parameters, Poisson input, connectivity drawn per
    /// instance) as instance `first_instance + b` would, so one instance of an
    /// ensemble can be rerun alone, bit for bit (`Network::instance`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub first_instance: u32,
    /// Parameters given one value per instance (a parameter sweep).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sweeps: Vec<Sweep>,
    /// The grid the instances and sweeps were expanded from (`Network::sweep_grid`),
    /// kept to name each instance's coordinates in the outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<SweepGrid>,
    /// Populations whose filtered spike trains the device keeps for the host to read
    /// each window (`Simulation::readouts`, `Simulation::run_until`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readouts: Vec<Readout>,
    /// Astrocyte units that scale the STDP of the projections naming them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub astrocytes: Vec<Astrocyte>,
    /// Electrical synapses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gap_junctions: Vec<GapJunctions>,
    /// Graded (non-spiking) chemical synapses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graded_synapses: Vec<GradedSynapses>,
}

/// Gap junctions (electrical synapses) between neurons of populations `a` and `b`
/// (the same one or two): each pair (i of `a`, j of `b`) couples the two membranes
/// symmetrically, `I_i = g (v_j − v_i)` into i and `I_j = g (v_i − v_j)` into j
/// (g in µS, v in mV, I in nA), as an input current every step. The current is
/// computed from the potentials at the start of the step and held over it (the
/// models' exact propagators take it as constant input), each neuron summing its own
/// junctions in a fixed order, so it is deterministic. For models whose input is a
/// current in nA (the integrate-and-fire and conductance models), not spike sources,
/// `izhikevich` (its input is in mV/ms) or user models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapJunctions {
    pub a: String,
    pub b: String,
    /// (neuron of `a`, neuron of `b`) per junction.
    pub pairs: Vec<(u32, u32)>,
    /// Conductance of each junction (µS): a constant or an array in pair order.
    pub g_us: Value,
}

/// A readout of a population: for every neuron, its spike count and an exponential
/// trace of its spikes, `r(t) = Σ_spikes e^(−(t − t_k)/tau_ms)` (a jump of 1 per
/// spike), kept on the device (updated at each spike: count, step of the last spike,
/// trace just after it) and evaluated by the host at the end of the last step run.
/// The rate over a window comes from the counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Readout {
    pub population: String,
    /// Decay time constant of the trace (ms).
    pub tau_ms: f64,
}

/// A parameter with one value per instance of an ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sweep", rename_all = "snake_case", deny_unknown_fields)]
pub enum Sweep {
    /// A neuron parameter of a population (its model's name and units).
    Neuron {
        population: String,
        parameter: String,
        values: Vec<f64>,
    },
    /// The rate (Hz) of a Poisson stimulus, by its index in `stimuli`.
    PoissonRate { stimulus: usize, values: Vec<f64> },
    /// The weight of every synapse of a static stored projection, by its index in
    /// `projections` (replacing its `weight`). The projection keeps one weight per
    /// synapse and instance on the device, as a plastic one does.
    Weight { projection: usize, values: Vec<f64> },
    /// The delay (ms) of every synapse of a static stored projection, by its index in
    /// `projections` (replacing its `delay_ms`): the stored table then keeps one set of
    /// rows per instance, the same synapses with each instance's delay.
    Delay { projection: usize, values: Vec<f64> },
    /// A numeric parameter of a plastic projection's rule (a learning rate, a time
    /// constant, a bound), by the projection's index in `projections`: each instance
    /// learns by its own rule.
    Plasticity {
        projection: usize,
        parameter: String,
        values: Vec<f64>,
    },
}

impl Sweep {
    /// What the sweep varies, as a column name: `E.i_offset`, `stimuli[0].rate_hz`,
    /// `projections[2].weight`.
    pub fn label(&self) -> String {
        match self {
            Sweep::Neuron {
                population,
                parameter,
                ..
            } => format!("{population}.{parameter}"),
            Sweep::PoissonRate { stimulus, .. } => format!("stimuli[{stimulus}].rate_hz"),
            Sweep::Weight { projection, .. } => format!("projections[{projection}].weight"),
            Sweep::Delay { projection, .. } => format!("projections[{projection}].delay_ms"),
            Sweep::Plasticity {
                projection,
                parameter,
                ..
            } => format!("projections[{projection}].plasticity.{parameter}"),
        }
    }

    /// One value per instance.
    pub fn values(&self) -> &[f64] {
        match self {
            Sweep::Neuron { values, .. }
            | Sweep::PoissonRate { values, .. }
            | Sweep::Weight { values, .. }
            | Sweep::Delay { values, .. }
            | Sweep::Plasticity { values, .. } => values,
        }
    }
}

fn default_dt() -> f64 {
    0.1
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

impl Network {
    /// An empty network with step `dt_ms` and `seed`.
    pub fn new(dt_ms: f64, seed: u64) -> Self {
        Self {
            dt_ms,
            seed,
            populations: Vec::new(),
            projections: Vec::new(),
            stimuli: Vec::new(),
            recorders: Vec::new(),
            instances: 1,
            first_instance: 0,
            sweeps: Vec::new(),
            grid: None,
            readouts: Vec::new(),
            astrocytes: Vec::new(),
            gap_junctions: Vec::new(),
            graded_synapses: Vec::new(),
        }
    }

    /// Expands `grid` into this network's instances (replacing `instances`) and its
    /// sweeps (added to `sweeps`), and keeps it for the outputs. A network holds one
    /// grid; sweeps given directly must then have one value per grid instance.
    pub fn sweep_grid(&mut self, grid: SweepGrid) -> Result<(), GridError> {
        if self.grid.is_some() {
            return Err(("sweep".into(), "the network already has a grid".into()));
        }
        self.instances = grid.instances()?;
        self.sweeps.extend(grid.sweeps()?);
        self.grid = Some(grid);
        Ok(())
    }

    /// Where sweep `i` comes from: `sweeps[i]`, or for one the grid made, the field of
    /// its axis (`sweep.axes[a].parameter`, `sweep.axes[a].scale.<path>`).
    pub fn sweep_field(&self, i: usize) -> String {
        let made = self.grid.as_ref().map(SweepGrid::sweep_fields);
        let made = made.unwrap_or_default();
        let own = self.sweeps.len().saturating_sub(made.len());
        match i.checked_sub(own).and_then(|k| made.get(k)) {
            Some(field) => field.clone(),
            None => format!("sweeps[{i}]"),
        }
    }

    /// The network instance `instance` of the ensemble simulates: this one with every
    /// swept parameter at the instance's value (and one instance, no sweeps).
    pub fn instance(&self, instance: u32) -> Result<Network, String> {
        self.instance_or_sweep_error(instance)
            .map_err(|(field, reason)| format!("{field}: {reason}"))
    }

    /// `instance`, its error paired with the field of the sweep that fails (or
    /// `instances`).
    pub(crate) fn instance_or_sweep_error(
        &self,
        instance: u32,
    ) -> Result<Network, (String, String)> {
        if instance >= self.instances {
            let has = match self.instances {
                0 => "none (`instances` must be at least 1)".to_string(),
                n => format!("{n} (0 to {})", n - 1),
            };
            return Err((
                "instances".into(),
                format!("there is no instance {instance}: the network has {has}"),
            ));
        }
        let mut network = self.clone();
        network.instances = 1;
        network.first_instance = self.first_instance + instance;
        network.sweeps.clear();
        network.grid = None;
        // The state and branching recorders of this instance sample the network's one
        // instance.
        network.recorders.retain_mut(|r| match r {
            Recorder::State { instance: b, .. } | Recorder::Branching { instance: b, .. }
                if *b == instance =>
            {
                *b = 0;
                true
            }
            Recorder::State { .. } | Recorder::Branching { .. } => false,
            Recorder::Spikes { .. } => true,
        });
        for (i, sweep) in self.sweeps.iter().enumerate() {
            set_swept(&mut network, &self.sweeps, sweep, instance)
                .map_err(|reason| (self.sweep_field(i), reason))?;
        }
        Ok(network)
    }

    /// Adds a population and returns its name for use in projections.
    pub fn add_population(&mut self, population: Population) -> String {
        let name = population.name.clone();
        self.populations.push(population);
        name
    }

    /// Adds a projection; returns its index, which `Simulation::weights`,
    /// `set_weights`, `modulator` and sweeps take.
    pub fn add_projection(&mut self, projection: Projection) -> usize {
        self.projections.push(projection);
        self.projections.len() - 1
    }

    /// Adds a stimulus.
    pub fn add_stimulus(&mut self, stimulus: Stimulus) {
        self.stimuli.push(stimulus);
    }

    /// Keeps a readout of `population` (spike counts and traces decaying with
    /// `tau_ms`) on the device.
    pub fn add_readout(&mut self, population: &str, tau_ms: f64) {
        self.readouts.push(Readout {
            population: population.to_string(),
            tau_ms,
        });
    }

    /// Adds graded chemical synapses (`GradedSynapses`).
    pub fn add_graded_synapses(&mut self, synapses: GradedSynapses) {
        self.graded_synapses.push(synapses);
    }

    /// Adds gap junctions between `a` and `b`: `pairs` of (neuron of a, neuron of b),
    /// each of conductance `g_us` (µS; a constant or one per pair).
    pub fn add_gap_junctions(&mut self, a: &str, b: &str, pairs: &[(u32, u32)], g_us: Value) {
        self.gap_junctions.push(GapJunctions {
            a: a.to_string(),
            b: b.to_string(),
            pairs: pairs.to_vec(),
            g_us,
        });
    }

    /// Adds an astrocyte unit.
    pub fn add_astrocyte(&mut self, astrocyte: Astrocyte) {
        self.astrocytes.push(astrocyte);
    }

    /// Records the spikes of a population.
    pub fn record_spikes(&mut self, population: &str) {
        self.recorders.push(Recorder::Spikes {
            population: population.to_string(),
        });
    }

    /// Records a state variable of chosen neurons every `every_steps` steps.
    pub fn record_state(
        &mut self,
        population: &str,
        variable: &str,
        neurons: Vec<u32>,
        every_steps: u32,
    ) {
        self.recorders.push(Recorder::State {
            population: population.to_string(),
            variable: variable.to_string(),
            neurons,
            every_steps,
            instance: 0,
        });
    }

    /// The population called `name`.
    pub fn population(&self, name: &str) -> Option<&Population> {
        self.populations.iter().find(|p| p.name == name)
    }
}

/// A group of neurons sharing a model and parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub name: String,
    pub size: u32,
    pub neuron: NeuronModel,
    /// Initial values of state variables, by name (`v` in mV, …); variables not named
    /// start at the model's rest. Each variable is drawn from its own random stream.
    #[serde(default)]
    pub initial: BTreeMap<String, Value>,
    /// Parameters that differ from neuron to neuron, by name: an array (one value per
    /// neuron) or a distribution drawn per neuron from the counter RNG. They replace
    /// the model's value of that parameter; each neuron gets its own parameter block
    /// (exact propagators from its own values), so only heterogeneous populations
    /// cost memory per neuron.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub heterogeneous: BTreeMap<String, Value>,
    /// Homeostatic intrinsic plasticity of every neuron (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intrinsic_plasticity: Option<IntrinsicPlasticity>,
    /// The fixed-point unit 2^-k of each receptor port's input, k per port. Normally
    /// the plan chooses it from the largest input a neuron can receive; given here
    /// (at most the plan's k: a unit at least as coarse, so nothing can overflow) it
    /// reproduces another network's arithmetic — `Plan::instance_network` sets it so
    /// that one instance of an ensemble runs alone with the ensemble's units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_scale_log2: Option<Vec<i32>>,
}

/// Intrinsic plasticity: each neuron carries a homeostatic bias current (the model's
/// input unit: nA, or mV/ms for `izhikevich`), added to its external input, that
/// moves its rate toward `target_rate_hz` by integral control — every step the bias
/// rises by `eta · target_rate_hz · dt` and every spike lowers it by `eta`, so it
/// settles where the neuron fires at the target rate whatever its drive (Desai et al.
/// 1999; for the integrate-and-fire models a bias I acts as a threshold lowered by
/// R·I). The bias starts at 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntrinsicPlasticity {
    /// Change of the bias per spike (nA).
    pub eta: f64,
    pub target_rate_hz: f64,
}

impl Population {
    /// A population of `size` neurons of `neuron`, starting at rest.
    pub fn new(name: &str, size: u32, neuron: NeuronModel) -> Self {
        Self {
            name: name.to_string(),
            size,
            neuron,
            initial: BTreeMap::new(),
            heterogeneous: BTreeMap::new(),
            intrinsic_plasticity: None,
            input_scale_log2: None,
        }
    }

    /// Sets the initial membrane potential (mV).
    pub fn with_initial_v(mut self, v: Value) -> Self {
        self.initial.insert("v".into(), v);
        self
    }

    /// Gives every neuron homeostatic intrinsic plasticity (see `IntrinsicPlasticity`).
    pub fn with_intrinsic_plasticity(mut self, eta: f64, target_rate_hz: f64) -> Self {
        self.intrinsic_plasticity = Some(IntrinsicPlasticity {
            eta,
            target_rate_hz,
        });
        self
    }

    /// Gives parameter `parameter` a value per neuron (an array or a distribution).
    pub fn with_heterogeneous(mut self, parameter: &str, value: Value) -> Self {
        self.heterogeneous.insert(parameter.into(), value);
        self
    }

    /// Sets the initial value of the state variable `variable`.
    pub fn with_initial(mut self, variable: &str, value: Value) -> Self {
        self.initial.insert(variable.into(), value);
        self
    }
}

/// Which synaptic input of the target neuron a projection feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Receptor {
    /// The excitatory port (`tau_syn_E`); weights must be ≥ 0.
    Excitatory,
    /// The inhibitory port (`tau_syn_I`); weights must be ≤ 0 (NEST's sign convention
    /// for current-based synapses).
    Inhibitory,
    /// Port `k` of a model that declares more than two (written `{ port = k }`); ports 0
    /// and 1 are the excitatory and inhibitory ones.
    Port(u8),
}

impl Receptor {
    /// Index of the receptor port on the device.
    pub fn index(self) -> usize {
        match self {
            Receptor::Excitatory => 0,
            Receptor::Inhibitory => 1,
            Receptor::Port(k) => usize::from(k),
        }
    }

    /// The receptor of port `k` (0 excitatory, 1 inhibitory).
    pub fn from_index(k: u8) -> Self {
        match k {
            0 => Receptor::Excitatory,
            1 => Receptor::Inhibitory,
            k => Receptor::Port(k),
        }
    }

    /// A name for messages.
    pub fn name(self) -> String {
        match self.index() {
            0 => "excitatory".into(),
            1 => "inhibitory".into(),
            k => format!("port {k}"),
        }
    }
}

/// How the synapses of a projection are drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Connectivity {
    /// Every pre neuron to every post neuron.
    AllToAll {
        #[serde(default = "yes")]
        allow_autapses: bool,
    },
    /// Each (pre, post) pair independently with probability `p` (NEST
    /// `pairwise_bernoulli`, accepted as an alias).
    #[serde(alias = "pairwise_bernoulli")]
    FixedProbability {
        p: f64,
        #[serde(default = "yes")]
        allow_autapses: bool,
    },
    /// Each post neuron receives exactly `k` synapses from uniformly drawn pre neurons
    /// (NEST `fixed_indegree` with `indegree`, accepted as aliases).
    #[serde(alias = "fixed_indegree")]
    FixedInDegree {
        #[serde(alias = "indegree")]
        k: u32,
        #[serde(default = "yes")]
        allow_autapses: bool,
        #[serde(default = "yes")]
        allow_multapses: bool,
    },
    /// Each pre neuron makes exactly `k` synapses onto uniformly drawn post neurons
    /// (NEST `fixed_outdegree` with `outdegree`, accepted as aliases).
    #[serde(alias = "fixed_outdegree")]
    FixedOutDegree {
        #[serde(alias = "outdegree")]
        k: u32,
        #[serde(default = "yes")]
        allow_autapses: bool,
        #[serde(default = "yes")]
        allow_multapses: bool,
    },
    /// Exactly `n` synapses between uniformly drawn (pre, post) pairs (NEST's `N`
    /// accepted as an alias).
    FixedTotalNumber {
        #[serde(alias = "N")]
        n: u64,
        #[serde(default = "yes")]
        allow_autapses: bool,
        #[serde(default = "yes")]
        allow_multapses: bool,
    },
    /// Neuron `i` of the pre population to neuron `i` of the post population (NEST
    /// `one_to_one`, PyNN `OneToOneConnector`); the populations have one size.
    OneToOne {},
    /// An explicit list of (pre, post) index pairs; weights and delays given as arrays
    /// are in list order.
    FromList { pairs: Vec<(u32, u32)> },
}

fn yes() -> bool {
    true
}

/// Synapses from one population onto another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    pub pre: String,
    pub post: String,
    pub connectivity: Connectivity,
    /// Synaptic weight (nA for current-based receptors).
    pub weight: Value,
    /// Transmission delay (ms), rounded to the nearest whole step, at least one step.
    pub delay_ms: Value,
    pub receptor: Receptor,
    /// Regenerate each presynaptic neuron's row from the counter RNG whenever it
    /// spikes instead of storing it: the synapses take no device memory. For static
    /// synapses with the rules `all_to_all`, `fixed_probability` and
    /// `fixed_total_number` with multapses, and weights and delays that are constants
    /// or distributions (not arrays).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub procedural: bool,
    /// Store the synapses, but build them on the device before the run, from the
    /// same generator as procedural rows (compute kernels, not the host), so that
    /// building a large network takes the device's time and the run walks stored
    /// rows instead of regenerating them at each spike. The same rules, values and
    /// limits as `procedural`; the synapses are those a procedural projection would
    /// regenerate, not those the host would draw.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub built_on_device: bool,
    /// In an ensemble, draw this projection's synapses anew for every instance
    /// (instance 0 keeps the single network's), instead of sharing them. Static
    /// projections: a procedural one regenerates each instance's rows (no memory), a
    /// stored one keeps a set of rows per instance.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub per_instance: bool,
    /// How the synapses change while the network runs (absent: static synapses).
    /// Plastic projections are stored, never procedural.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plasticity: Option<Plasticity>,
    /// Parameters of the plastic rule that each synapse draws for itself (a
    /// distribution, or an array in the synapses' order where the connectivity fixes
    /// one), by the rule's parameter name — `lambda`, `w_max`, a time constant, a
    /// custom rule's parameter. The instances of an ensemble share them, as they share
    /// the plastic synapses.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub plasticity_heterogeneous: BTreeMap<String, Value>,
    /// The astrocyte (`Network::astrocytes`) whose level scales this projection's
    /// STDP: potentiation by `max(1 + A, 0)`, depression by `max(1 − A, 0)`. Only for
    /// `stdp_synapse` and `stdp_triplet_synapse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub astrocyte: Option<String>,
}

impl Projection {
    /// A projection from `pre` onto `post`.
    pub fn new(
        pre: &str,
        post: &str,
        connectivity: Connectivity,
        weight: impl Into<Value>,
        delay_ms: impl Into<Value>,
        receptor: Receptor,
    ) -> Self {
        Self {
            pre: pre.to_string(),
            post: post.to_string(),
            connectivity,
            weight: weight.into(),
            delay_ms: delay_ms.into(),
            receptor,
            procedural: false,
            built_on_device: false,
            per_instance: false,
            plasticity: None,
            plasticity_heterogeneous: BTreeMap::new(),
            astrocyte: None,
        }
    }

    /// The same projection with plastic synapses following `rule`.
    pub fn with_plasticity(mut self, rule: Plasticity) -> Self {
        self.plasticity = Some(rule);
        self
    }

    /// The same projection with its STDP scaled by astrocyte `name`.
    pub fn with_astrocyte(mut self, name: &str) -> Self {
        self.astrocyte = Some(name.to_string());
        self
    }

    /// The same projection with its rule's parameter `name` drawn per synapse from
    /// `value` (see `plasticity_heterogeneous`).
    pub fn with_heterogeneous_plasticity(mut self, name: &str, value: Value) -> Self {
        self.plasticity_heterogeneous.insert(name.into(), value);
        self
    }

    /// The rule of synapse `s`: the projection's rule with the synapse's own values
    /// of the heterogeneous parameters (`values[k][s]` for the k-th parameter in name
    /// order, as the plan draws them).
    pub fn synapse_rule(
        &self,
        rule: &mut Plasticity,
        values: &[Vec<f64>],
        s: usize,
    ) -> Result<(), String> {
        for (name, values) in self.plasticity_heterogeneous.keys().zip(values) {
            rule.set_parameter(name, values[s])?;
        }
        Ok(())
    }

    /// The values this projection gives per synapse, by field name: the weight, the
    /// delay, and the rule's heterogeneous parameters.
    pub fn synapse_values(&self) -> Vec<(String, &Value)> {
        let mut values = vec![
            ("weight".to_string(), &self.weight),
            ("delay_ms".to_string(), &self.delay_ms),
        ];
        values.extend(
            self.plasticity_heterogeneous
                .iter()
                .map(|(name, v)| (format!("plasticity_heterogeneous.{name}"), v)),
        );
        values
    }

    /// The same projection with procedural connectivity (see `procedural`).
    pub fn procedural(mut self) -> Self {
        self.procedural = true;
        self
    }

    /// The same projection built on the device (see `built_on_device`).
    pub fn built_on_device(mut self) -> Self {
        self.built_on_device = true;
        self
    }

    /// The model-file key that makes this projection's rows come from the procedural
    /// generator (`procedural` or `built_on_device`), if one does.
    pub fn generated_by(&self) -> Option<&'static str> {
        if self.procedural {
            Some("procedural")
        } else if self.built_on_device {
            Some("built_on_device")
        } else {
            None
        }
    }

    /// A projection from an explicit list of `(pre, post, weight, delay_ms)` synapses.
    pub fn from_list(
        pre: &str,
        post: &str,
        synapses: &[(u32, u32, f64, f64)],
        receptor: Receptor,
    ) -> Self {
        Self::new(
            pre,
            post,
            Connectivity::FromList {
                pairs: synapses.iter().map(|s| (s.0, s.1)).collect(),
            },
            Value::array(synapses.iter().map(|s| s.2).collect()),
            Value::array(synapses.iter().map(|s| s.3).collect()),
            receptor,
        )
    }
}

/// External drive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Stimulus {
    /// An independent Poisson spike train into every neuron of `target` (NEST
    /// `poisson_generator` connected one-to-all), each spike adding `weight` (nA) to
    /// `receptor` in the step it occurs.
    Poisson {
        target: String,
        rate_hz: f64,
        weight: f64,
        receptor: Receptor,
        #[serde(default)]
        start_ms: f64,
        /// End of the stimulus (ms, exclusive); absent: until the end of the run.
        #[serde(default)]
        stop_ms: Option<f64>,
    },
    /// A piecewise-constant current (NEST `step_current_generator`): `amplitudes_na[k]`
    /// from `times_ms[k]` until `times_ms[k + 1]` (the last until the end of the run),
    /// none before the first time.
    StepCurrent {
        target: String,
        times_ms: Vec<f64>,
        amplitudes_na: Vec<f64>,
    },
    /// A Poisson train per target neuron whose rate changes on a schedule (NEST
    /// `inhomogeneous_poisson_generator`, PyNN `SpikeSourcePoisson` with a rate
    /// schedule): `rates_hz[k]` from `times_ms[k]` until `times_ms[k + 1]`.
    InhomogeneousPoisson {
        target: String,
        times_ms: Vec<f64>,
        rates_hz: Vec<f64>,
        weight: f64,
        receptor: Receptor,
    },
    /// A current (nA) per neuron and step that the host streams in while the
    /// simulation runs (`Simulation::push_current`): rate-coded input. A step the
    /// host gave no values for gets none.
    CurrentStream { target: String },
    /// A constant current (nA) into every neuron of `target` while
    /// `start_ms <= t < stop_ms` (NEST `dc_generator`).
    Dc {
        target: String,
        amplitude_na: f64,
        #[serde(default)]
        start_ms: f64,
        /// End of the stimulus (ms, exclusive); absent: until the end of the run.
        #[serde(default)]
        stop_ms: Option<f64>,
    },
}

impl Stimulus {
    /// The population the stimulus drives.
    pub fn target(&self) -> &str {
        match self {
            Stimulus::Poisson { target, .. }
            | Stimulus::Dc { target, .. }
            | Stimulus::StepCurrent { target, .. }
            | Stimulus::InhomogeneousPoisson { target, .. }
            | Stimulus::CurrentStream { target } => target,
        }
    }

    /// The weight of each event of a spiking stimulus (`Poisson`,
    /// `InhomogeneousPoisson`) and its receptor; none for a current.
    pub fn event_weight_mut(&mut self) -> Option<(&mut f64, Receptor)> {
        match self {
            Stimulus::Poisson {
                weight, receptor, ..
            }
            | Stimulus::InhomogeneousPoisson {
                weight, receptor, ..
            } => Some((weight, *receptor)),
            Stimulus::Dc { .. } | Stimulus::StepCurrent { .. } | Stimulus::CurrentStream { .. } => {
                None
            }
        }
    }

    /// `event_weight_mut`, to read.
    pub fn event_weight(&self) -> Option<(f64, Receptor)> {
        match self {
            Stimulus::Poisson {
                weight, receptor, ..
            }
            | Stimulus::InhomogeneousPoisson {
                weight, receptor, ..
            } => Some((*weight, *receptor)),
            Stimulus::Dc { .. } | Stimulus::StepCurrent { .. } | Stimulus::CurrentStream { .. } => {
                None
            }
        }
    }

    /// The stimulus as constant pieces: a schedule becomes one `Dc` or `Poisson` per
    /// interval (each its own random stream); the others are themselves.
    pub fn segments(&self) -> Vec<Stimulus> {
        fn pieces(times: &[f64]) -> impl Iterator<Item = (f64, Option<f64>)> + '_ {
            (0..times.len()).map(move |k| (times[k], times.get(k + 1).copied()))
        }
        match self {
            Stimulus::StepCurrent {
                target,
                times_ms,
                amplitudes_na,
            } => pieces(times_ms)
                .zip(amplitudes_na)
                .map(|((start_ms, stop_ms), &amplitude_na)| Stimulus::Dc {
                    target: target.clone(),
                    amplitude_na,
                    start_ms,
                    stop_ms,
                })
                .collect(),
            Stimulus::InhomogeneousPoisson {
                target,
                times_ms,
                rates_hz,
                weight,
                receptor,
            } => pieces(times_ms)
                .zip(rates_hz)
                .map(|((start_ms, stop_ms), &rate_hz)| Stimulus::Poisson {
                    target: target.clone(),
                    rate_hz,
                    weight: *weight,
                    receptor: *receptor,
                    start_ms,
                    stop_ms,
                })
                .collect(),
            other => vec![other.clone()],
        }
    }
}

/// What to record during a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case", deny_unknown_fields)]
pub enum Recorder {
    /// Every spike of the population.
    Spikes { population: String },
    /// A state variable (`v`, `i_syn_E`, `i_syn_I`) of chosen neurons every `every_steps`.
    State {
        population: String,
        variable: String,
        neurons: Vec<u32>,
        every_steps: u32,
        /// Which instance of an ensemble to sample (0 by default).
        #[serde(default, skip_serializing_if = "is_zero")]
        instance: u32,
    },
    /// The branching ratio of the population's activity (descendant spikes per
    /// ancestor spike from one bin of `bin_ms` to the next), estimated per window of
    /// `window_ms` by the multistep regression estimator with lags up to `max_lag`
    /// bins (`record::branching_ratio`); records the population's spikes too.
    Branching {
        population: String,
        window_ms: f64,
        #[serde(default = "one_ms")]
        bin_ms: f64,
        #[serde(default = "ten")]
        max_lag: u32,
        /// Which instance of an ensemble (0 by default).
        #[serde(default, skip_serializing_if = "is_zero")]
        instance: u32,
    },
}

impl Recorder {
    /// The population whose every spike this recorder needs.
    pub fn spike_population(&self) -> Option<&str> {
        match self {
            Recorder::Spikes { population } | Recorder::Branching { population, .. } => {
                Some(population)
            }
            Recorder::State { .. } => None,
        }
    }
}

fn one_ms() -> f64 {
    1.0
}

fn ten() -> u32 {
    10
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Sets `sweep`'s value for `instance` in `network` (one of the ensemble's `sweeps`).
fn set_swept(
    network: &mut Network,
    sweeps: &[Sweep],
    sweep: &Sweep,
    instance: u32,
) -> Result<(), String> {
    let value = *sweep
        .values()
        .get(instance as usize)
        .ok_or_else(|| format!("no value for instance {instance}"))?;
    match sweep {
        Sweep::Neuron {
            population,
            parameter,
            ..
        } => {
            let p = (network.populations.iter_mut())
                .find(|p| p.name == *population)
                .ok_or_else(|| format!("unknown population `{population}`"))?;
            p.neuron = p.neuron.with_parameter(parameter, value)?;
        }
        Sweep::Weight { projection, .. } => {
            let p = projection_mut(network, *projection)?;
            if p.generated_by().is_some() || p.plasticity.is_some() || p.per_instance {
                return Err(format!(
                    "projections[{projection}] is procedural (or built on the device), plastic \
                     or drawn per instance; a weight sweep needs a static stored projection \
                     shared by the instances (set a plastic projection's weights per instance \
                     with Simulation::set_instance_weights)"
                ));
            }
            p.weight = Value::constant(value);
        }
        Sweep::Delay { projection, .. } => {
            let swept_weight = sweeps
                .iter()
                .any(|s| matches!(s, Sweep::Weight { projection: k, .. } if k == projection));
            let p = projection_mut(network, *projection)?;
            if p.generated_by().is_some() || p.plasticity.is_some() || swept_weight {
                return Err(format!(
                    "projections[{projection}] is procedural (or built on the device), plastic \
                     or weight-swept; a delay sweep needs a static stored projection"
                ));
            }
            p.delay_ms = Value::constant(value);
        }
        Sweep::Plasticity {
            projection,
            parameter,
            ..
        } => {
            let p = projection_mut(network, *projection)?;
            let rule = (p.plasticity.as_ref())
                .ok_or_else(|| format!("projections[{projection}] is not plastic"))?;
            p.plasticity = Some(rule.with_parameter(parameter, value)?);
        }
        Sweep::PoissonRate { stimulus, .. } => {
            let count = network.stimuli.len();
            match network.stimuli.get_mut(*stimulus) {
                Some(Stimulus::Poisson { rate_hz, .. }) => *rate_hz = value,
                Some(_) => return Err(format!("stimuli[{stimulus}] is not a Poisson stimulus")),
                None => {
                    return Err(format!(
                        "there is no stimuli[{stimulus}] (the network has {count} stimuli)"
                    ))
                }
            }
        }
    }
    Ok(())
}

fn projection_mut(network: &mut Network, k: usize) -> Result<&mut Projection, String> {
    (network.projections.get_mut(k)).ok_or_else(|| format!("there is no projections[{k}]"))
}
