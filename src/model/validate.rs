//! Validation of a `Network` before anything is planned or allocated. Every error
//! names the field (a path such as `projections[2] (E -> I).weight`) and the value.

use std::fmt;

use thiserror::Error;

use super::{
    Astrocyte, Connectivity, CustomNeuron, Network, NeuronModel, Plasticity, Population,
    Projection, Receptor, Recorder, SpikeSourceArray, Stimulus, Value, MAX_RECEPTOR_PORTS,
    MAX_STATE_VARIABLES,
};

/// The most instances an ensemble may have.
pub const MAX_INSTANCES: u32 = 1 << 16;

/// The longest transmission delay, in steps, that a network may use. The input
/// ring holds `max_delay + 1` slots per neuron and receptor.
pub const MAX_DELAY_STEPS: u32 = 4096;

/// The longest step `hh_cond_exp_traub` takes (ms): 1000 of its RK4 substeps of at
/// most 0.01 ms (`plan::neurons::HH_MAX_SUBSTEP_MS`).
pub const HH_MAX_DT_MS: f64 = 10.0;

/// Most bins in a branching recorder's window (its counts are held in memory).
pub const MAX_BRANCHING_BINS: u32 = 1 << 20;

/// A delay in ms as whole steps: rounded to the nearest step, halves up, and at least
/// one step, since a spike cannot act within the step that emits it. A tolerance of
/// 1e-9 steps makes decimal input round as written (0.15 ms / 0.1 ms is
/// 1.4999999999999998 in binary, and becomes 2 steps).
pub fn delay_to_steps(delay_ms: f64, dt_ms: f64) -> u32 {
    (delay_ms / dt_ms + 0.5 + 1e-9)
        .floor()
        .clamp(1.0, f64::from(u32::MAX)) as u32
}

/// The earliest and latest time (ms) a spike source may spike at `dt_ms`: from half
/// a step (which rounds to step 1, the first a spike can be emitted in) to 2^31 steps.
pub fn spike_time_range(dt_ms: f64) -> (f64, f64) {
    (dt_ms * 0.5, dt_ms * f64::from(1u32 << 31))
}

/// The most steps one run may take: a simulation's clock is 32 bits and its last
/// batch of steps (at most `plan::MAX_BATCH_STEPS`, 500) must end below 2^32.
pub const MAX_RUN_STEPS: u64 = u32::MAX as u64 - 500;

/// The whole steps `duration_ms` lasts at `dt_ms` (rounded to the nearest), or why a
/// run cannot last that long.
pub fn run_steps(duration_ms: f64, dt_ms: f64) -> Result<u64, String> {
    if !(duration_ms.is_finite() && duration_ms >= 0.0) {
        return Err(format!(
            "{duration_ms} ms: must be a finite, non-negative time"
        ));
    }
    let steps = (duration_ms / dt_ms).round();
    if steps > MAX_RUN_STEPS as f64 {
        return Err(format!(
            "{duration_ms:e} ms is {steps:e} steps of {dt_ms} ms, more than the \
             {MAX_RUN_STEPS} steps one run can count"
        ));
    }
    Ok(steps as u64)
}

/// A number as an error shows it: in exponent form where plain digits would run on
/// (1e300, 1e-12), else as written.
pub(crate) fn shown(value: f64) -> String {
    let magnitude = value.abs();
    if value.is_finite() && (magnitude >= 1e15 || (magnitude > 0.0 && magnitude < 1e-6)) {
        format!("{value:e}")
    } else {
        // Without a binary fraction's tail (9.499999999999998 is 9.5).
        super::value::as_written(value, magnitude).to_string()
    }
}

/// One problem with a model.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    #[error("`{field}`: unknown population `{name}` (the network has: {known})")]
    UnknownPopulation {
        field: String,
        name: String,
        known: String,
    },
    #[error("`{field}`: the name `{name}` is used by two populations")]
    DuplicatePopulation { field: String, name: String },
    #[error("`{field}`: population `{name}` is empty; a population needs at least one neuron")]
    EmptyPopulation { field: String, name: String },
    #[error("`{field}` = {}: {requirement}", shown(*value))]
    InvalidParameter {
        field: String,
        value: f64,
        requirement: String,
    },
    #[error("`{field}` = {value}: a probability must lie in [0, 1]")]
    ProbabilityOutOfRange { field: String, value: f64 },
    #[error(
        "`{field}`: a delay of {delay_ms} ms is {steps} steps at dt = {dt_ms} ms; \
         the longest supported delay is {max_steps} steps"
    )]
    DelayTooLong {
        field: String,
        delay_ms: f64,
        steps: f64,
        dt_ms: f64,
        max_steps: u32,
    },
    #[error("`{field}` has {len} values, but {expected} are needed ({what})")]
    LengthMismatch {
        field: String,
        len: usize,
        expected: u64,
        what: String,
    },
    #[error("`{field}`: neuron index {index} is outside population `{population}` (size {size})")]
    IndexOutOfRange {
        field: String,
        index: u32,
        population: String,
        size: u32,
    },
    #[error("`{field}`: weights onto the {} receptor must be {sign}, but the weight can be {value}", receptor.name())]
    WeightSign {
        field: String,
        receptor: Receptor,
        sign: &'static str,
        value: f64,
    },
    #[error("`{field}`: unknown variable `{name}` (recordable: {known})")]
    UnknownVariable {
        field: String,
        name: String,
        known: String,
    },
    #[error("`{field}`: {reason}")]
    Impossible { field: String, reason: String },
}

/// The most Poisson events a stimulus may draw per neuron and step (10^6: a rate of
/// 10^10 Hz at dt = 0.1 ms, 10^5 times a cortical neuron's whole input; enough to
/// drive a driver's loop limit, which the run reports, `Error::LoopLimit`).
pub const MAX_POISSON_PER_STEP: f64 = 1e6;

/// The `field` of any `ModelError`, by reference or mutable reference.
macro_rules! field_of {
    ($error:expr) => {
        match $error {
            ModelError::UnknownPopulation { field, .. }
            | ModelError::DuplicatePopulation { field, .. }
            | ModelError::EmptyPopulation { field, .. }
            | ModelError::InvalidParameter { field, .. }
            | ModelError::ProbabilityOutOfRange { field, .. }
            | ModelError::DelayTooLong { field, .. }
            | ModelError::LengthMismatch { field, .. }
            | ModelError::IndexOutOfRange { field, .. }
            | ModelError::WeightSign { field, .. }
            | ModelError::UnknownVariable { field, .. }
            | ModelError::Impossible { field, .. } => field,
        }
    };
}

impl ModelError {
    /// The path of the offending field.
    pub fn field(&self) -> &str {
        field_of!(self)
    }

    fn field_mut(&mut self) -> &mut String {
        field_of!(self)
    }
}

/// Every problem found in a model, in the order of the model's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationErrors(pub Vec<ModelError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Collects errors while walking the model.
struct Checker<'a> {
    network: &'a Network,
    errors: Vec<ModelError>,
}

impl Network {
    /// Checks the whole model and returns every problem found.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut checker = Checker {
            network: self,
            errors: Vec::new(),
        };
        checker.check_all();
        checker.check_sweeps();
        if checker.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(checker.errors))
        }
    }
}

impl<'a> Checker<'a> {
    /// Each heterogeneous parameter exists, may vary, has one value per neuron where
    /// it is an array, and gives a valid neuron at both ends of its range.
    fn check_heterogeneous(&mut self, index: usize, population: &Population) {
        if population.heterogeneous.is_empty() {
            return;
        }
        // What the population's own parameters are refused for (reported by its own
        // check): not the heterogeneous values' fault.
        let mut uniform = population.clone();
        uniform.heterogeneous.clear();
        let mut own = Checker {
            network: self.network,
            errors: Vec::new(),
        };
        own.check_population(index, &uniform);
        let prefix = format!("populations[{}].", population.name);
        for (name, value) in &population.heterogeneous {
            let field = format!("populations[{}].heterogeneous.{name}", population.name);
            self.check_array_len(&field, value, u64::from(population.size), "one per neuron");
            if let (NeuronModel::AeifCondExp(p), "delta_T") = (&population.neuron, name.as_str()) {
                // Valid: 0, or above a bound: not an interval, so its ends (checked
                // below) do not cover the values between them.
                let (low, high) = value.range();
                let bad = match value {
                    Value::Array { values } => values.iter().enumerate().find_map(|(i, &d)| {
                        let between = d != low && d != high;
                        let why = aeif_spike_current_overflows(p, d).filter(|_| between);
                        why.map(|why| (format!("{field}[{i}]"), d, why))
                    }),
                    _ if low == 0.0 && high > 0.0 => {
                        let smallest = high * 1e-9;
                        aeif_spike_current_overflows(p, smallest)
                            .map(|why| (format!("{field}.low"), smallest, why))
                    }
                    _ => None,
                };
                if let Some((field, value, requirement)) = bad {
                    self.errors.push(ModelError::InvalidParameter {
                        field,
                        value,
                        requirement,
                    });
                }
            }
            let ends = self.range_ends(&field, value, |end| {
                population
                    .neuron
                    .with_parameter(name, end)
                    .map(|m| (end, m))
            });
            let params = format!("populations[{}].{name}", population.name);
            for (end, model) in ends {
                let mut at_end = population.clone();
                at_end.neuron = model;
                at_end.heterogeneous.clear();
                let before = self.errors.len();
                self.check_population(index, &at_end);
                // The parameter's error is its per-neuron value's (an array's element).
                let blamed = match *value {
                    Value::Array { ref values } => (values.iter().position(|&v| v == end))
                        .map_or(field.clone(), |i| format!("{field}[{i}]")),
                    Value::Uniform { low, .. } | Value::Normal { low, .. } if end == low => {
                        format!("{field}.low")
                    }
                    Value::Uniform { high, .. } | Value::Normal { high, .. } if end == high => {
                        format!("{field}.high")
                    }
                    _ => field.clone(),
                };
                let at_end: Vec<ModelError> = self.errors.drain(before..).collect();
                for mut error in at_end.into_iter().filter(|e| !own.errors.contains(e)) {
                    if error.field() == params {
                        *error.field_mut() = blamed.clone();
                    } else if error.field().starts_with(&prefix) {
                        // Another parameter refused beside this value (v_reset below a
                        // v_thresh given per neuron).
                        let reason = match &error {
                            ModelError::InvalidParameter {
                                field,
                                value,
                                requirement,
                            } => format!(
                                "at this value, {} = {}: {requirement}",
                                &field[prefix.len()..],
                                shown(*value)
                            ),
                            other => format!("at this value, {other}"),
                        };
                        error = ModelError::Impossible {
                            field: blamed.clone(),
                            reason,
                        };
                    }
                    self.errors.push(error);
                }
            }
        }
    }

    /// What `at` makes of both ends of `value`'s range (a model with the parameter set
    /// there), or nothing, with the error recorded under `field`, where the range is
    /// not finite or `at` refuses an end.
    fn range_ends<T>(
        &mut self,
        field: &str,
        value: &Value,
        at: impl Fn(f64) -> Result<T, String>,
    ) -> Vec<T> {
        let (low, high) = value.range();
        if !(low.is_finite() && high.is_finite()) {
            self.errors.push(ModelError::Impossible {
                field: field.into(),
                reason: "the values must be finite".into(),
            });
            return Vec::new();
        }
        if low == high {
            // One value (an array of equal ones): checked once, reported once.
            return match at(low) {
                Ok(a) => vec![a],
                Err(reason) => {
                    self.errors.push(ModelError::Impossible {
                        field: field.into(),
                        reason,
                    });
                    Vec::new()
                }
            };
        }
        match [low, high].map(&at) {
            [Ok(a), Ok(b)] => vec![a, b],
            [Err(reason), _] | [_, Err(reason)] => {
                self.errors.push(ModelError::Impossible {
                    field: field.into(),
                    reason,
                });
                Vec::new()
            }
        }
    }

    /// Each per-synapse rule parameter exists, may vary, and gives a valid rule at
    /// both ends of its range.
    fn check_heterogeneous_plasticity(
        &mut self,
        index: usize,
        projection_field: &str,
        projection: &super::Projection,
    ) {
        if projection.plasticity_heterogeneous.is_empty() {
            return;
        }
        // (A rule invalid at an end of a range is reported under `plasticity.<name>`
        // with that end's value.)
        let at = format!("{projection_field}.plasticity_heterogeneous");
        let Some(rule) = &projection.plasticity else {
            self.errors.push(ModelError::Impossible {
                field: at,
                reason: "static synapses have no rule parameters to vary; give the \
                         projection a `plasticity` rule"
                    .into(),
            });
            return;
        };
        let swept = self.network.sweeps.iter().any(
            |s| matches!(s, super::Sweep::Plasticity { projection, .. } if *projection == index),
        );
        if swept {
            self.errors.push(ModelError::Impossible {
                field: at.clone(),
                reason: "the rule's parameters are also swept; a projection's rule may vary \
                         per instance or per synapse, not both"
                    .into(),
            });
        }
        let mut uniform = projection.clone();
        uniform.plasticity_heterogeneous.clear();
        for (name, value) in &projection.plasticity_heterogeneous {
            let field = format!("{at}.{name}");
            if matches!(rule, Plasticity::StdpDopamineSynapse { .. }) && name == "tau_n" {
                self.errors.push(ModelError::Impossible {
                    field,
                    reason: "the neuromodulator is one per rule and instance, so its \
                             time constant cannot differ between synapses"
                        .into(),
                });
                continue;
            }
            for at_end in self.range_ends(&field, value, |end| rule.with_parameter(name, end)) {
                self.check_plasticity(projection_field, &uniform, &at_end);
            }
        }
    }

    /// A grid axis's column of sweep.csv (one named otherwise than its parameter)
    /// is not also a swept path's or a population's statistic's (two columns of one
    /// name; the table kept only one of them).
    fn check_sweep_columns(&mut self) {
        let Some(grid) = &self.network.grid else {
            return;
        };
        for (a, axis) in grid.axes.iter().enumerate() {
            let label = axis.label();
            if axis.parameter.as_ref() == Some(&label) {
                continue;
            }
            let swept = (self.network.sweeps.iter()).position(|s| s.label() == label);
            let statistic = (self.network.populations.iter()).find(|p| {
                label == format!("{}.rate_hz", p.name) || label == format!("{}.cv_isi", p.name)
            });
            let column = match (swept, statistic) {
                (Some(i), _) => format!("the swept values of {}", self.network.sweep_field(i)),
                (_, Some(p)) => format!("a statistic of population `{}`", p.name),
                _ => continue,
            };
            self.errors.push(ModelError::Impossible {
                field: format!("sweep.axes[{a}].name"),
                reason: format!(
                    "`{label}` names a column of sweep.csv already ({column}): give the axis \
                     another name"
                ),
            });
        }
    }

    /// Every swept value gives a valid network, one value per instance.
    fn check_sweeps(&mut self) {
        let instances = self.network.instances;
        for (i, sweep) in self.network.sweeps.iter().enumerate() {
            if let Some(first) = self.network.sweeps[..i]
                .iter()
                .position(|s| s.label() == sweep.label())
            {
                self.errors.push(ModelError::Impossible {
                    field: self.network.sweep_field(i),
                    reason: format!(
                        "`{}` is already swept by {}",
                        sweep.label(),
                        self.network.sweep_field(first)
                    ),
                });
            }
            let values = sweep.values();
            if values.len() != instances as usize {
                self.errors.push(ModelError::Impossible {
                    field: format!("{}.values", self.network.sweep_field(i)),
                    reason: format!(
                        "{} values for {instances} instances: give one per instance",
                        values.len()
                    ),
                });
            }
        }
        self.check_sweep_columns();
        if self.network.sweeps.is_empty() || !self.errors.is_empty() {
            return;
        }
        for b in 0..instances {
            match self.network.instance_or_sweep_error(b) {
                Err((field, reason)) => {
                    self.errors.push(ModelError::Impossible { field, reason });
                    return;
                }
                Ok(network) => {
                    if let Err(errors) = network.validate() {
                        self.errors
                            .extend(errors.0.into_iter().map(|e| ModelError::Impossible {
                                field: format!("sweeps (instance {b})"),
                                reason: e.to_string(),
                            }));
                        return;
                    }
                }
            }
        }
    }

    fn check_all(&mut self) {
        let dt = self.network.dt_ms;
        self.positive("dt_ms", dt);
        if self.network.instances == 0 {
            self.errors.push(ModelError::Impossible {
                field: "instances".into(),
                reason: "an ensemble has at least one instance".into(),
            });
        }
        let last = u64::from(self.network.first_instance) + u64::from(self.network.instances);
        if last > u64::from(MAX_INSTANCES) {
            self.errors.push(ModelError::Impossible {
                field: "instances".into(),
                reason: format!(
                    "instances {}..{last}: at most {MAX_INSTANCES} (the host's per-instance \
                     random streams are keyed by the instance in 16 bits)",
                    self.network.first_instance
                ),
            });
        }
        for (i, population) in self.network.populations.iter().enumerate() {
            self.check_population(i, population);
        }
        self.check_custom_names();
        for (i, projection) in self.network.projections.iter().enumerate() {
            let field = format!(
                "projections[{i}] ({} -> {})",
                projection.pre, projection.post
            );
            let pre = self.lookup(&format!("{field}.pre"), &projection.pre);
            let post = self.lookup(&format!("{field}.post"), &projection.post);
            if let (Some(pre), Some(post)) = (pre, post) {
                self.check_connectivity(&field, projection, pre, post);
            }
            if let Some(post) = post.filter(|p| {
                projection.plasticity.is_none()
                    && matches!(
                        p.neuron,
                        NeuronModel::SpikeSourceArray(_) | NeuronModel::SpikeSourceStream(_)
                    )
            }) {
                // Its spikes are given: static synapses onto it would be silently idle.
                // (Plastic ones learn from its spikes, which their weights show: the
                // usual way to drive a rule with chosen postsynaptic spikes.)
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.post"),
                    reason: format!(
                        "`{}` is a spike source and takes no input (a parrot_neuron relays \
                         what it receives)",
                        post.name
                    ),
                });
            }
            self.check_weight(
                &format!("{field}.weight"),
                &projection.weight,
                projection.receptor,
                post.map(|p| &p.neuron),
            );
            self.check_delay(&format!("{field}.delay_ms"), &projection.delay_ms);
            if let Some(rule) = &projection.plasticity {
                self.check_plasticity(&field, projection, rule);
            }
            self.check_heterogeneous_plasticity(i, &field, projection);
            if let Some(name) = &projection.astrocyte {
                self.check_astrocyte_link(&field, projection, name);
            }
        }
        for (i, astrocyte) in self.network.astrocytes.iter().enumerate() {
            self.check_astrocyte(i, astrocyte);
        }
        for (i, junctions) in self.network.gap_junctions.iter().enumerate() {
            let field = format!("gap_junctions[{i}]");
            let ends = [("a", &junctions.a), ("b", &junctions.b)];
            self.check_coupling(&field, ends, &junctions.pairs, &junctions.g_us);
        }
        for (i, synapses) in self.network.graded_synapses.iter().enumerate() {
            let field = format!("graded_synapses[{i}]");
            let ends = [("pre", &synapses.pre), ("post", &synapses.post)];
            self.check_coupling(&field, ends, &synapses.pairs, &synapses.g_us);
            self.finite(&format!("{field}.e_rev"), synapses.e_rev);
            self.finite(&format!("{field}.v_th"), synapses.v_th);
            let delta = format!("{field}.delta");
            self.positive(&delta, synapses.delta);
            // The sigmoid's slope is held as 1 / delta in a 32-bit float.
            let smallest = 1.0 / f64::from(f32::MAX);
            if synapses.delta > 0.0 && synapses.delta < smallest {
                self.errors.push(ModelError::InvalidParameter {
                    field: delta,
                    value: synapses.delta,
                    requirement: format!(
                        "must be at least {smallest:.1e} mV (its inverse is held in a \
                         32-bit float)"
                    ),
                });
            }
        }
        let coupled =
            !(self.network.gap_junctions.is_empty() && self.network.graded_synapses.is_empty());
        if coupled && self.errors.is_empty() {
            self.check_coupling_stability();
        }
        for (i, stimulus) in self.network.stimuli.iter().enumerate() {
            self.check_stimulus(&format!("stimuli[{i}]"), stimulus);
        }
        for (i, recorder) in self.network.recorders.iter().enumerate() {
            self.check_recorder(&format!("recorders[{i}]"), recorder);
        }
        for (i, readout) in self.network.readouts.iter().enumerate() {
            let field = format!("readouts[{i}]");
            self.lookup(&format!("{field}.population"), &readout.population);
            self.positive(&format!("{field}.tau_ms"), readout.tau_ms);
            // The trace decays by exp(−dt/τ · steps), −dt/τ held in f32: beyond its
            // range the exponent is −∞, and −∞ · 0 steps a NaN.
            let dt = self.network.dt_ms;
            let shortest = dt / f64::from(f32::MAX);
            if readout.tau_ms > 0.0 && readout.tau_ms < shortest {
                self.errors.push(ModelError::InvalidParameter {
                    field: format!("{field}.tau_ms"),
                    value: readout.tau_ms,
                    requirement: format!(
                        "at least {shortest:e} ms (dt / 3.4e38: dt/τ must be an f32)"
                    ),
                });
            }
            if self.network.readouts[..i]
                .iter()
                .any(|r| r.population == readout.population)
            {
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.population"),
                    reason: format!("`{}` already has a readout", readout.population),
                });
            }
        }
    }

    /// Gap junctions or graded synapses: two populations with a membrane potential and
    /// an input current, pairs within their sizes, a conductance per pair or for all.
    fn check_coupling(
        &mut self,
        field: &str,
        ends: [(&str, &String); 2],
        pairs: &[(u32, u32)],
        g_us: &Value,
    ) {
        let mut sizes = Vec::new();
        for (side, name) in ends {
            let at = format!("{field}.{side}");
            let Some(population) = self.lookup(&at, name) else {
                continue;
            };
            sizes.push(population.size);
            let coupled = !matches!(
                population.neuron,
                NeuronModel::SpikeSourceArray(_)
                    | NeuronModel::SpikeSourceStream(_)
                    | NeuronModel::ParrotNeuron(_)
                    | NeuronModel::Izhikevich(_)
                    | NeuronModel::Custom(_)
            );
            if !coupled {
                self.errors.push(ModelError::Impossible {
                    field: at,
                    reason: format!(
                        "`{name}` is a {}: gap junctions and graded synapses couple \
                         models with a membrane potential in mV and an input current in nA",
                        population.neuron.name()
                    ),
                });
            }
        }
        if let [a, b] = sizes[..] {
            if let Some(&(i, j)) = pairs.iter().find(|&&(i, j)| i >= a || j >= b) {
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.pairs"),
                    reason: format!(
                        "the pair ({i}, {j}) is outside the populations' sizes ({a}, {b})"
                    ),
                });
            }
        }
        let at = format!("{field}.g_us");
        match g_us {
            Value::Constant { value } => self.non_negative(&at, *value),
            Value::Array { values } => {
                self.check_array_len(&at, g_us, pairs.len() as u64, "one per pair");
                for (k, &g) in values.iter().enumerate() {
                    self.non_negative(&format!("{at}[{k}]"), g);
                }
            }
            _ => self.errors.push(ModelError::Impossible {
                field: at,
                reason: "a constant or one value per pair (couplings are not drawn)".into(),
            }),
        }
    }

    fn check_astrocyte(&mut self, index: usize, astrocyte: &Astrocyte) {
        let field = format!("astrocytes[{index}]");
        if astrocyte.name.is_empty()
            || self.network.astrocytes[..index]
                .iter()
                .any(|a| a.name == astrocyte.name)
        {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.name"),
                reason: format!(
                    "astrocyte names must be unique and not empty (`{}`)",
                    astrocyte.name
                ),
            });
        }
        self.positive(&format!("{field}.tau_ms"), astrocyte.tau_ms);
        self.finite(&format!("{field}.bias"), astrocyte.bias);
        // The largest |A| the inputs can drive: every neuron spiking every step, the
        // jumps summing as a geometric series of the per-step decay.
        let decay = (-self.network.dt_ms / astrocyte.tau_ms).exp();
        let mut reach = astrocyte.bias.abs();
        for (j, input) in astrocyte.inputs.iter().enumerate() {
            let at = format!("{field}.inputs[{j}]");
            let size = self
                .lookup(&format!("{at}.population"), &input.population)
                .map_or(0, |p| p.size);
            self.finite(&format!("{at}.weight"), input.weight);
            reach += input.weight.abs() * f64::from(size) / (1.0 - decay);
        }
        let times = astrocyte.tau_ms > 0.0 && self.network.dt_ms > 0.0;
        if times && reach > f64::from(f32::MAX) {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.inputs"),
                reason: format!(
                    "with every input neuron spiking every step, A could reach {reach:.3e}, \
                     beyond a 32-bit float (3.4e38): smaller weights"
                ),
            });
        }
        let covers = self
            .network
            .projections
            .iter()
            .any(|p| p.astrocyte.as_deref() == Some(astrocyte.name.as_str()));
        if !covers {
            self.errors.push(ModelError::Impossible {
                field,
                reason: format!(
                    "astrocyte `{}` modulates no projection: name it in a plastic \
                     projection's `astrocyte`",
                    astrocyte.name
                ),
            });
        }
    }

    fn check_astrocyte_link(&mut self, field: &str, projection: &Projection, name: &str) {
        let at = format!("{field}.astrocyte");
        if !self.network.astrocytes.iter().any(|a| a.name == name) {
            let known: Vec<&str> = self
                .network
                .astrocytes
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            self.errors.push(ModelError::Impossible {
                field: at.clone(),
                reason: format!(
                    "there is no astrocyte `{name}` (astrocytes: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        }
        if !matches!(
            projection.plasticity,
            Some(Plasticity::StdpSynapse { .. } | Plasticity::StdpTripletSynapse { .. })
        ) {
            self.errors.push(ModelError::Impossible {
                field: at,
                reason: "an astrocyte scales spike-timing-dependent plasticity: the \
                         projection's rule must be `stdp_synapse` or `stdp_triplet_synapse`"
                    .into(),
            });
        }
    }

    fn check_population(&mut self, index: usize, population: &Population) {
        self.check_heterogeneous(index, population);
        if let Some(units) = &population.input_scale_log2 {
            let field = format!("populations[{}].input_scale_log2", population.name);
            let ports = population.neuron.receptor_count();
            if units.len() != ports {
                self.errors.push(ModelError::Impossible {
                    field: field.clone(),
                    reason: format!(
                        "{} units for {ports} receptor ports: give one per port",
                        units.len()
                    ),
                });
            }
            // The range the plan chooses units from (2^-60 to 2^60).
            for (port, &k) in units.iter().enumerate() {
                if !(-60..=60).contains(&k) {
                    self.errors.push(ModelError::InvalidParameter {
                        field: format!("{field}[{port}]"),
                        value: f64::from(k),
                        requirement: "must lie in [-60, 60] (a unit of 2^-k)".into(),
                    });
                }
            }
        }
        if let Some(ip) = &population.intrinsic_plasticity {
            let field = format!("populations[{}].intrinsic_plasticity", population.name);
            self.non_negative(&format!("{field}.eta"), ip.eta);
            self.positive(&format!("{field}.target_rate_hz"), ip.target_rate_hz);
            if matches!(
                population.neuron,
                NeuronModel::SpikeSourceArray(_)
                    | NeuronModel::ParrotNeuron(_)
                    | NeuronModel::SpikeSourceStream(_)
            ) {
                self.errors.push(ModelError::Impossible {
                    field,
                    reason: format!(
                        "a {} has no input for a bias current to act on",
                        population.neuron.name()
                    ),
                });
            }
        }
        let field = format!("populations[{}]", population.name);
        if population.name.is_empty() {
            self.errors.push(ModelError::Impossible {
                field: format!("populations[{index}].name"),
                reason: "a population needs a name".into(),
            });
        }
        if population.name.contains(['[', ']']) {
            self.errors.push(ModelError::Impossible {
                field: format!("populations[{index}].name"),
                reason: format!(
                    "`{}`: `[` and `]` are reserved (instance b of an ensemble's population \
                     E is `E[b]` in its outputs)",
                    population.name
                ),
            });
        }
        if self.network.populations[..index]
            .iter()
            .any(|p| p.name == population.name)
        {
            self.errors.push(ModelError::DuplicatePopulation {
                field: format!("populations[{index}].name"),
                name: population.name.clone(),
            });
        }
        if population.size == 0 {
            self.errors.push(ModelError::EmptyPopulation {
                field: format!("{field}.size"),
                name: population.name.clone(),
            });
        }
        match &population.neuron {
            NeuronModel::IafPscExp(p) | NeuronModel::IafPscAlpha(p) => {
                self.membrane(&field, p.cm, p.tau_m, p.tau_syn_e, p.tau_syn_i);
                self.check_lif(
                    &field,
                    p.tau_refrac,
                    p.v_rest,
                    p.v_reset,
                    ("v_thresh", p.v_thresh),
                    p.i_offset,
                );
            }
            NeuronModel::PassivePscExp(p) => {
                self.membrane(&field, p.cm, p.tau_m, p.tau_syn_e, p.tau_syn_i);
                self.finite(&format!("{field}.v_rest"), p.v_rest);
                self.finite(&format!("{field}.i_offset"), p.i_offset);
            }
            NeuronModel::IafPscDelta(p) => {
                self.positives(&field, &[("cm", p.cm), ("tau_m", p.tau_m)]);
                self.check_lif(
                    &field,
                    p.tau_refrac,
                    p.v_rest,
                    p.v_reset,
                    ("v_thresh", p.v_thresh),
                    p.i_offset,
                );
            }
            NeuronModel::Custom(c) => self.check_custom(&field, c),
            NeuronModel::AeifCondExp(p) => {
                self.positives(
                    &field,
                    &[
                        ("cm", p.cm),
                        ("tau_m", p.tau_m),
                        ("tau_syn_E", p.tau_syn_e),
                        ("tau_syn_I", p.tau_syn_i),
                        ("tau_w", p.tau_w),
                    ],
                );
                // ΔT = 0: no spike current, and the spike at v_thresh (NEST).
                self.non_negative(&format!("{field}.delta_T"), p.delta_t);
                let exponential = p.delta_t != 0.0;
                for (name, value) in [
                    ("a", p.a),
                    ("b", p.b),
                    ("e_rev_E", p.e_rev_e),
                    ("e_rev_I", p.e_rev_i),
                    if exponential {
                        ("v_thresh", p.v_thresh)
                    } else {
                        ("v_spike", p.v_spike)
                    },
                ] {
                    self.finite(&format!("{field}.{name}"), value);
                }
                let threshold = if exponential {
                    ("v_spike", p.v_spike)
                } else {
                    ("v_thresh", p.v_thresh)
                };
                self.check_lif(
                    &field,
                    p.tau_refrac,
                    p.v_rest,
                    p.v_reset,
                    threshold,
                    p.i_offset,
                );
                if let Some(requirement) = aeif_spike_current_overflows(p, p.delta_t) {
                    self.errors.push(ModelError::InvalidParameter {
                        field: format!("{field}.delta_T"),
                        value: p.delta_t,
                        requirement,
                    });
                }
                if exponential && p.v_thresh >= p.v_spike {
                    self.errors.push(ModelError::InvalidParameter {
                        field: format!("{field}.v_thresh"),
                        value: p.v_thresh,
                        requirement: format!("must be below v_spike ({} mV)", p.v_spike),
                    });
                }
            }
            NeuronModel::HhCondExpTraub(p) => {
                self.positives(
                    &field,
                    &[
                        ("cm", p.cm),
                        ("tau_syn_E", p.tau_syn_e),
                        ("tau_syn_I", p.tau_syn_i),
                    ],
                );
                if self.network.dt_ms > HH_MAX_DT_MS {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{field}.model"),
                        reason: format!(
                            "hh_cond_exp_traub integrates in RK4 substeps of at most 0.01 ms, \
                             at most 1000 per step: dt ({} ms) must be at most {HH_MAX_DT_MS} ms",
                            self.network.dt_ms
                        ),
                    });
                }
                self.non_negative(&format!("{field}.tau_refrac"), p.tau_refrac);
                for (name, value) in [
                    ("gbar_Na", p.gbar_na),
                    ("gbar_K", p.gbar_k),
                    ("g_leak", p.g_leak),
                ] {
                    self.non_negative(&format!("{field}.{name}"), value);
                }
                for (name, value) in [
                    ("v_offset", p.v_offset),
                    ("e_rev_Na", p.e_rev_na),
                    ("e_rev_K", p.e_rev_k),
                    ("e_rev_leak", p.e_rev_leak),
                    ("e_rev_E", p.e_rev_e),
                    ("e_rev_I", p.e_rev_i),
                    ("i_offset", p.i_offset),
                ] {
                    self.finite(&format!("{field}.{name}"), value);
                }
            }
            NeuronModel::ParrotNeuron(_) => {}
            NeuronModel::SpikeSourceArray(a) => self.check_spike_times(&field, a, population.size),
            NeuronModel::SpikeSourceStream(s) => {
                let at = format!("{field}.events");
                let dt = self.network.dt_ms;
                // From a spike source's earliest time to within the clock's steps (a
                // stream's table, unlike a source's list, is not bound to 2^31 steps):
                // an event beyond them was queued and never delivered.
                let (earliest, _) = spike_time_range(dt);
                let latest = MAX_RUN_STEPS as f64 * dt;
                if let Some(&(t, neuron)) = s
                    .events
                    .iter()
                    .find(|(t, n)| !(*t >= earliest && *t < latest) || *n >= population.size)
                {
                    self.errors.push(ModelError::Impossible {
                        field: at,
                        reason: format!(
                            "event ({t} ms, neuron {neuron}): times must lie between half a \
                             step ({earliest} ms) and {latest:e} ms (the clock's \
                             {MAX_RUN_STEPS} steps), neurons below the size {}",
                            population.size
                        ),
                    });
                }
            }
            NeuronModel::IafCondExp(p) | NeuronModel::IafCondAlpha(p) => {
                self.membrane(&field, p.cm, p.tau_m, p.tau_syn_e, p.tau_syn_i);
                self.finite(&format!("{field}.e_rev_E"), p.e_rev_e);
                self.finite(&format!("{field}.e_rev_I"), p.e_rev_i);
                self.check_lif(
                    &field,
                    p.tau_refrac,
                    p.v_rest,
                    p.v_reset,
                    ("v_thresh", p.v_thresh),
                    p.i_offset,
                );
            }
            NeuronModel::Izhikevich(p) => {
                for (name, value) in [
                    ("a", p.a),
                    ("b", p.b),
                    ("c", p.c),
                    ("d", p.d),
                    ("v_thresh", p.v_thresh),
                    ("i_offset", p.i_offset),
                ] {
                    self.finite(&format!("{field}.{name}"), value);
                }
                if p.c >= p.v_thresh {
                    self.errors.push(ModelError::InvalidParameter {
                        field: format!("{field}.c"),
                        value: p.c,
                        requirement: format!(
                            "the reset must be below v_thresh ({} mV)",
                            p.v_thresh
                        ),
                    });
                }
            }
        }
        let known = population.neuron.state_variables();
        for (variable, value) in &population.initial {
            let field = format!("{field}.initial.{variable}");
            if !known.contains(variable) {
                self.errors.push(ModelError::UnknownVariable {
                    field,
                    name: variable.clone(),
                    known: known.join(", "),
                });
                continue;
            }
            self.check_value(&field, value);
            self.check_array_len(&field, value, u64::from(population.size), "one per neuron");
        }
    }

    fn check_custom(&mut self, field: &str, c: &CustomNeuron) {
        let mut seen = Vec::new();
        for (kind, names) in [("parameters", &c.parameters), ("state", &c.state)] {
            for (name, &value) in names.iter() {
                let at = format!("{field}.{kind}.{name}");
                if !CustomNeuron::is_valid_name(name) {
                    self.errors.push(ModelError::Impossible {
                        field: at.clone(),
                        reason: format!("`{name}` is not a WGSL identifier (letters, digits and _, not starting with a digit or __)"),
                    });
                } else if super::custom::is_reserved(name) {
                    self.errors.push(ModelError::Impossible {
                        field: at.clone(),
                        reason: format!("`{name}` is reserved (the generated code or WGSL defines it); choose another name"),
                    });
                } else if seen.contains(name) {
                    self.errors.push(ModelError::Impossible {
                        field: at.clone(),
                        reason: format!("`{name}` is both a parameter and a state variable"),
                    });
                }
                seen.push(name.clone());
                self.finite(&at, value);
            }
        }
        if c.state.is_empty() || c.state.len() > MAX_STATE_VARIABLES {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.state"),
                reason: format!(
                    "{} state variables; a custom model has 1 to {MAX_STATE_VARIABLES}",
                    c.state.len()
                ),
            });
        }
        if c.receptors.is_empty() || c.receptors.len() > MAX_RECEPTOR_PORTS {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.receptors"),
                reason: format!(
                    "{} receptor ports; a model has 1 to {MAX_RECEPTOR_PORTS}",
                    c.receptors.len()
                ),
            });
        }
        for (k, port) in c.receptors.iter().enumerate() {
            let input = format!("I_syn_{port}");
            if let Some(name) = seen.iter().find(|name| **name == input) {
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.receptors[{k}]"),
                    reason: format!("its input `{name}` is also a parameter or state variable"),
                });
            }
            if !CustomNeuron::is_valid_name(port) || c.receptors[..k].contains(port) {
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.receptors[{k}]"),
                    reason: format!("`{port}` must be a new identifier (it names I_syn_{port})"),
                });
            }
        }
        if c.threshold.trim().is_empty() {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.threshold"),
                reason: "the threshold condition is empty".into(),
            });
        }
        if let Some((snippet, fault)) = c.snippet_fault() {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.{snippet}"),
                reason: fault,
            });
        }
        self.check_generated_name(&format!("{field}.name"), &c.name);
        self.non_negative(&format!("{field}.refractory_ms"), c.refractory_ms);
    }

    /// A custom model's or rule's name goes into the generated code's comments and
    /// its errors: one line of printable characters.
    fn check_generated_name(&mut self, field: &str, name: &str) {
        if name.chars().any(char::is_control) {
            self.errors.push(ModelError::Impossible {
                field: field.into(),
                reason: format!("{name:?} holds a control character (a line break, a tab)"),
            });
        }
    }

    fn check_spike_times(&mut self, field: &str, a: &SpikeSourceArray, size: u32) {
        let lists = a.spike_times_ms.len();
        if lists != 1 && lists != size as usize {
            self.errors.push(ModelError::LengthMismatch {
                field: format!("{field}.spike_times_ms"),
                len: lists,
                expected: u64::from(size),
                what: "one list per neuron, or one list for all".into(),
            });
        }
        let total: usize = a.spike_times_ms.iter().map(Vec::len).sum();
        if total > 1 << 24 {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.spike_times_ms"),
                reason: format!("{total} spike times; a population holds at most 2^24 (split it)"),
            });
        }
        let dt = self.network.dt_ms;
        let (earliest, limit) = spike_time_range(dt);
        for (i, list) in a.spike_times_ms.iter().enumerate() {
            let at = format!("{field}.spike_times_ms[{i}]");
            if let Some(&t) = list.iter().find(|&&t| !(t >= earliest && t <= limit)) {
                self.errors.push(ModelError::InvalidParameter {
                    field: at.clone(),
                    value: t,
                    requirement: format!(
                        "spike times must lie between {earliest} ms (half a step of {dt} ms) \
                         and {limit} ms"
                    ),
                });
            }
            if list.windows(2).any(|w| w[1] < w[0]) {
                self.errors.push(ModelError::Impossible {
                    field: at,
                    reason: "spike times must not decrease".into(),
                });
            }
        }
    }

    /// Parameters every integrate-and-fire model shares.
    /// A membrane with exponential or alpha synapses: capacitance and time constants
    /// positive.
    fn membrane(&mut self, field: &str, cm: f64, tau_m: f64, tau_syn_e: f64, tau_syn_i: f64) {
        self.positives(
            field,
            &[
                ("cm", cm),
                ("tau_m", tau_m),
                ("tau_syn_E", tau_syn_e),
                ("tau_syn_I", tau_syn_i),
            ],
        );
    }

    /// `threshold`: the name and value of the potential at which the model spikes
    /// (`v_thresh`; `v_spike` for aeif_cond_exp).
    fn check_lif(
        &mut self,
        field: &str,
        tau_refrac: f64,
        v_rest: f64,
        v_reset: f64,
        (threshold, v_thresh): (&str, f64),
        i_offset: f64,
    ) {
        self.non_negative(&format!("{field}.tau_refrac"), tau_refrac);
        for (name, value) in [
            ("v_rest", v_rest),
            ("v_reset", v_reset),
            (threshold, v_thresh),
            ("i_offset", i_offset),
        ] {
            self.finite(&format!("{field}.{name}"), value);
        }
        if v_reset >= v_thresh {
            self.errors.push(ModelError::InvalidParameter {
                field: format!("{field}.v_reset"),
                value: v_reset,
                requirement: format!("must be below {threshold} ({v_thresh} mV)"),
            });
        }
    }

    fn check_connectivity(
        &mut self,
        field: &str,
        projection: &super::Projection,
        pre: &Population,
        post: &Population,
    ) {
        let same = pre.name == post.name;
        let rule_field = format!("{field}.connectivity");
        let n_pre = u64::from(pre.size);
        let n_post = u64::from(post.size);
        let random_rule = |checker: &mut Self| {
            for (name, value) in projection.synapse_values() {
                if let Value::Array { .. } = value {
                    checker.errors.push(ModelError::Impossible {
                        field: format!("{field}.{name}"),
                        reason: "per-synapse arrays need a rule with a known synapse order \
                                 (all_to_all, one_to_one or from_list); use a distribution instead"
                            .into(),
                    });
                }
            }
        };
        if projection.per_instance && projection.plasticity.is_some() {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.per_instance"),
                reason: "plastic synapses are shared by the instances (each keeps its own \
                         weights); connectivity drawn per instance is for static projections"
                    .into(),
            });
        }
        if projection.procedural && projection.built_on_device {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.built_on_device"),
                reason: "a projection is either procedural (rows regenerated at each spike) \
                         or built on the device (rows stored); not both"
                    .into(),
            });
        }
        if let Some(key) = projection.generated_by() {
            let refusal = match &projection.connectivity {
                Connectivity::AllToAll { .. } | Connectivity::FixedProbability { .. } => None,
                Connectivity::FixedTotalNumber {
                    allow_multapses: true,
                    ..
                } => None,
                Connectivity::FixedTotalNumber { .. } => Some(
                    "fixed_total_number without multapses needs every synapse drawn so far to \
                     rule out repeats, which a regenerated row cannot know; allow multapses \
                     or draw it on the host (neither procedural nor built on the device)",
                ),
                Connectivity::FixedOutDegree { .. } => Some(
                    "fixed_out_degree is drawn once and stored; regenerating rows of it is not \
                     implemented; use fixed_probability with p = k / n_post, or draw it on \
                     the host (neither procedural nor built on the device)",
                ),
                Connectivity::FixedInDegree { .. } => Some(
                    "fixed_in_degree fixes each postsynaptic neuron's count, which a row \
                     regenerated per presynaptic neuron cannot know; use fixed_probability \
                     with p = k / n_pre, or draw it on the host (neither procedural nor \
                     built on the device)",
                ),
                Connectivity::OneToOne {} => Some(
                    "one_to_one makes one synapse per neuron, nothing to draw; store it \
                     (neither procedural nor built on the device)",
                ),
                Connectivity::FromList { .. } => {
                    Some("a list of synapses is data, not a rule to draw rows from; store it")
                }
            };
            if let Some(reason) = refusal {
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.{key}"),
                    reason: reason.into(),
                });
            }
            for (name, value) in projection.synapse_values() {
                if let Value::Array { .. } = value {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{field}.{name}"),
                        reason: "a procedural (or device-built) projection draws each \
                                 synapse's value from its generator; give a constant or a \
                                 distribution"
                            .into(),
                    });
                }
            }
        }
        match &projection.connectivity {
            Connectivity::AllToAll { .. } => {
                let expected = n_pre * n_post;
                for (name, value) in projection.synapse_values() {
                    self.check_array_len(
                        &format!("{field}.{name}"),
                        value,
                        expected,
                        "one per (pre, post) pair, pre-major",
                    );
                }
            }
            Connectivity::FixedProbability { p, .. } => {
                if !(0.0..=1.0).contains(p) {
                    self.errors.push(ModelError::ProbabilityOutOfRange {
                        field: format!("{rule_field}.p"),
                        value: *p,
                    });
                }
                random_rule(self);
            }
            Connectivity::FixedInDegree {
                k,
                allow_autapses,
                allow_multapses,
            } => {
                self.check_degree(
                    &rule_field,
                    "in",
                    *k,
                    *allow_autapses,
                    *allow_multapses,
                    same,
                    pre,
                );
                random_rule(self);
            }
            Connectivity::FixedOutDegree {
                k,
                allow_autapses,
                allow_multapses,
            } => {
                self.check_degree(
                    &rule_field,
                    "out",
                    *k,
                    *allow_autapses,
                    *allow_multapses,
                    same,
                    post,
                );
                random_rule(self);
            }
            Connectivity::FixedTotalNumber {
                n,
                allow_autapses,
                allow_multapses,
            } => {
                let pairs = n_pre * n_post - if same && !allow_autapses { n_pre } else { 0 };
                if *n > 0 && pairs == 0 {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{rule_field}.n"),
                        reason: "no allowed (pre, post) pair".into(),
                    });
                } else if !allow_multapses && *n > pairs {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{rule_field}.n"),
                        reason: format!(
                            "{n} synapses without multapses, but only {pairs} pairs exist"
                        ),
                    });
                }
                if *n > u64::from(u32::MAX) {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{rule_field}.n"),
                        reason: format!(
                            "{n} synapses exceed the 2^32 synapses a projection can store"
                        ),
                    });
                }
                random_rule(self);
            }
            Connectivity::OneToOne {} => {
                if pre.size != post.size {
                    self.errors.push(ModelError::Impossible {
                        field: rule_field.clone(),
                        reason: format!(
                            "one_to_one pairs neuron i of `{}` with neuron i of `{}`, \
                             but they have {} and {} neurons",
                            pre.name, post.name, pre.size, post.size
                        ),
                    });
                }
                for (name, value) in projection.synapse_values() {
                    self.check_array_len(
                        &format!("{field}.{name}"),
                        value,
                        n_pre.min(n_post),
                        "one per neuron, in neuron order",
                    );
                }
            }
            Connectivity::FromList { pairs } => {
                for (i, &(a, b)) in pairs.iter().enumerate() {
                    if a >= pre.size {
                        self.errors.push(ModelError::IndexOutOfRange {
                            field: format!("{rule_field}.pairs[{i}].pre"),
                            index: a,
                            population: pre.name.clone(),
                            size: pre.size,
                        });
                    }
                    if b >= post.size {
                        self.errors.push(ModelError::IndexOutOfRange {
                            field: format!("{rule_field}.pairs[{i}].post"),
                            index: b,
                            population: post.name.clone(),
                            size: post.size,
                        });
                    }
                }
                let expected = pairs.len() as u64;
                for (name, value) in projection.synapse_values() {
                    self.check_array_len(
                        &format!("{field}.{name}"),
                        value,
                        expected,
                        "one per listed synapse",
                    );
                }
            }
        }
    }

    /// Weights must have the sign the target's synapses expect: current and voltage
    /// jumps follow NEST's convention (excitatory ≥ 0, inhibitory ≤ 0), conductances
    /// are ≥ 0 on both receptors (PyNN's), custom models take any sign.
    fn check_weight(
        &mut self,
        field: &str,
        weight: &Value,
        receptor: Receptor,
        target: Option<&NeuronModel>,
    ) {
        if let Some(model) = target {
            let ports = model.receptor_count();
            if receptor.index() >= ports {
                let receptor_field = field.rsplit_once('.').map_or(field, |(head, _)| head);
                self.errors.push(ModelError::Impossible {
                    field: format!("{receptor_field}.receptor"),
                    reason: format!(
                        "{} does not exist: the target's model `{}` has {ports} receptor ports",
                        receptor.name(),
                        model.name()
                    ),
                });
            }
        }
        if !self.check_value(field, weight) {
            return;
        }
        let (low, high) = weight.range();
        let conductance = matches!(
            target,
            Some(
                NeuronModel::IafCondExp(_)
                    | NeuronModel::IafCondAlpha(_)
                    | NeuronModel::AeifCondExp(_)
                    | NeuronModel::HhCondExpTraub(_)
            )
        );
        if matches!(target, Some(NeuronModel::Custom(_))) {
            return;
        }
        // By port: `{ port = 1 }` is the inhibitory port too.
        match receptor.index() {
            _ if conductance && low < 0.0 => self.errors.push(ModelError::WeightSign {
                field: field.into(),
                receptor,
                sign: "≥ 0 (a conductance)",
                value: low,
            }),
            _ if conductance => {}
            0 if low < 0.0 => self.errors.push(ModelError::WeightSign {
                field: field.into(),
                receptor,
                sign: "≥ 0",
                value: low,
            }),
            1 if high > 0.0 => self.errors.push(ModelError::WeightSign {
                field: field.into(),
                receptor,
                sign: "≤ 0",
                value: high,
            }),
            _ => {}
        }
    }

    /// A fixed in- or out-degree `k` drawn from the neurons of `other` (the pre
    /// population for in-degrees, the post one for out-degrees).
    #[allow(clippy::too_many_arguments)]
    fn check_degree(
        &mut self,
        rule_field: &str,
        direction: &str,
        k: u32,
        allow_autapses: bool,
        allow_multapses: bool,
        same: bool,
        other: &Population,
    ) {
        let candidates = u64::from(other.size).saturating_sub(u64::from(same && !allow_autapses));
        let side = if direction == "in" {
            "presynaptic"
        } else {
            "postsynaptic"
        };
        if u64::from(k) > 0 && candidates == 0 {
            self.errors.push(ModelError::Impossible {
                field: format!("{rule_field}.k"),
                reason: format!("{k} synapses per neuron but no allowed {side} neuron"),
            });
        } else if !allow_multapses && u64::from(k) > candidates {
            self.errors.push(ModelError::Impossible {
                field: format!("{rule_field}.k"),
                reason: format!(
                    "{direction}-degree {k} without multapses needs at least {k} {side} \
                     candidates, but `{}` offers {candidates}",
                    other.name
                ),
            });
        }
    }

    /// Custom models and rules are told apart in errors (a WGSL error names its
    /// snippet by the model's or rule's name): one name, one definition.
    fn check_custom_names(&mut self) {
        let network = self.network;
        let models = network.populations.iter().filter_map(|p| match &p.neuron {
            NeuronModel::Custom(c) => Some((format!("populations[{}]", p.name), &c.name, c)),
            _ => None,
        });
        self.one_definition_per_name("model", models, CustomNeuron::same_code);
        let rules =
            (network.projections.iter().enumerate()).filter_map(|(i, p)| match &p.plasticity {
                Some(Plasticity::Custom(c)) => Some((
                    format!("projections[{i}] ({} -> {}).plasticity", p.pre, p.post),
                    &c.name,
                    c,
                )),
                _ => None,
            });
        self.one_definition_per_name("rule", rules, super::CustomRule::same_code);
    }

    /// Refuses a (field, name, definition) whose name an earlier one with other code
    /// has (`same` tells; values may differ, as one model's in two populations).
    fn one_definition_per_name<'n, T: 'n>(
        &mut self,
        what: &str,
        items: impl Iterator<Item = (String, &'n String, &'n T)>,
        same: impl Fn(&T, &T) -> bool,
    ) {
        let mut seen: Vec<(String, &String, &T)> = Vec::new();
        for (field, name, definition) in items {
            if let Some((first, ..)) =
                (seen.iter()).find(|(_, n, d)| *n == name && !same(d, definition))
            {
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.name"),
                    reason: format!(
                        "`{name}` names another custom {what} (`{first}`'s): its errors could \
                         not be told apart; give each its own name"
                    ),
                });
            }
            seen.push((field, name, definition));
        }
    }

    fn check_custom_rule(&mut self, field: &str, rule: &super::CustomRule) {
        let mut seen: Vec<&String> = Vec::new();
        for (kind, names, limit) in [
            ("parameters", &rule.parameters, super::MAX_RULE_PARAMETERS),
            ("variables", &rule.variables, super::MAX_RULE_VARIABLES),
        ] {
            if names.len() > limit {
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.{kind}"),
                    reason: format!("{} {kind}; a custom rule has at most {limit}", names.len()),
                });
            }
            for (name, &value) in names {
                let at = format!("{field}.{kind}.{name}");
                if !super::CustomRule::is_free_name(name) || seen.contains(&name) {
                    self.errors.push(ModelError::Impossible {
                        field: at.clone(),
                        reason: format!(
                            "`{name}` must be a WGSL identifier not used by WGSL, the generated \
                             code (w, x, y, dt, step, …) or another parameter or variable"
                        ),
                    });
                }
                seen.push(name);
                self.finite(&at, value);
            }
        }
        let own: Vec<&str> = (rule.parameters.keys().chain(rule.variables.keys()))
            .map(String::as_str)
            .collect();
        for (snippet, text) in rule.snippets() {
            if let Some(fault) = super::custom::snippet_fault(
                text,
                &own,
                super::custom_rule::RULE_RESERVED_NAMES,
                super::custom_rule::RULE_INTERNAL_NAMES,
            ) {
                self.errors.push(ModelError::Impossible {
                    field: format!("{field}.{snippet}"),
                    reason: fault,
                });
            }
        }
        self.check_generated_name(&format!("{field}.name"), &rule.name);
        if rule
            .snippets()
            .iter()
            .all(|(_, text)| text.trim().is_empty())
        {
            self.errors.push(ModelError::Impossible {
                field: field.into(),
                reason: "the rule has no code: give on_pre, on_post or each_step".into(),
            });
        }
    }

    fn check_plasticity(&mut self, field: &str, projection: &super::Projection, rule: &Plasticity) {
        let rule_field = format!("{field}.plasticity");
        if self
            .network
            .population(&projection.post)
            .is_some_and(|p| matches!(p.neuron, NeuronModel::ParrotNeuron(_)))
        {
            self.errors.push(ModelError::Impossible {
                field: rule_field.clone(),
                reason: "a parrot_neuron repeats every spike it receives whatever the weight \
                         (as NEST's), so what a plastic projection onto it learns never acts"
                    .into(),
            });
        }
        if let Some(key) = projection.generated_by() {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.{key}"),
                reason: format!(
                    "a {} projection keeps state per synapse, which a regenerated row \
                     cannot, and device building is for static synapses; store it (drawn \
                     on the host)",
                    rule.name()
                ),
            });
        }
        for (name, value) in rule.parameters() {
            let at = format!("{rule_field}.{name}");
            match name {
                "tau_plus" | "tau_minus" | "tau_plus_triplet" | "tau_minus_triplet" | "tau_rec"
                | "tau_c" | "tau_n" | "tau_rate" | "tau_scaling" | "target_rate_hz" => {
                    self.positive(&at, value)
                }
                "w_max" | "w_min" | "b" => {
                    self.finite(&at, value);
                }
                "U" => {
                    if self.finite(&at, value) && !(value > 0.0 && value <= 1.0) {
                        self.errors.push(ModelError::InvalidParameter {
                            field: at,
                            value,
                            requirement: "must lie in (0, 1]".into(),
                        });
                    }
                }
                _ => self.non_negative(&at, value),
            }
        }
        if let Plasticity::Custom(custom) = rule {
            self.check_custom_rule(&rule_field, custom);
        }
        if let Plasticity::StdpDopamineSynapse {
            volume_transmitter: Some(name),
            modulator,
            ..
        } = rule
        {
            let at = format!("{rule_field}.volume_transmitter");
            self.lookup(&at, name);
            if *modulator == super::Modulator::Level {
                self.errors.push(ModelError::Impossible {
                    field: at,
                    reason: "a `level` modulator is set by the host; spikes drive a `trace` \
                             modulator"
                        .into(),
                });
            }
        }
        let Some((bound_low, bound_high)) = rule.bounds() else {
            return;
        };
        if bound_low >= bound_high || bound_low.is_nan() || bound_high.is_nan() {
            self.errors.push(ModelError::Impossible {
                field: format!("{rule_field}.w_max"),
                reason: format!(
                    "the weights' range [{bound_low}, {bound_high}] is empty (w_max must not \
                     be 0, and w_min must lie below w_max)"
                ),
            });
            return;
        }
        // Weights start within the rule's bounds, as NEST requires.
        let (low, high) = projection.weight.range();
        if low.is_finite() && high.is_finite() && (low < bound_low || high > bound_high) {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.weight"),
                reason: format!(
                    "weights of a {} projection lie within [{bound_low}, {bound_high}], \
                     but they range over [{low}, {high}]",
                    rule.name()
                ),
            });
        }
    }

    fn check_delay(&mut self, field: &str, delay: &Value) {
        if !self.check_value(field, delay) {
            return;
        }
        let (low, high) = delay.range();
        if low < 0.0 {
            self.errors.push(ModelError::InvalidParameter {
                field: field.into(),
                value: low,
                requirement: "a delay cannot be negative".into(),
            });
        }
        let dt = self.network.dt_ms;
        if dt > 0.0 {
            let steps = f64::from(delay_to_steps(high, dt));
            if steps > f64::from(MAX_DELAY_STEPS) {
                self.errors.push(ModelError::DelayTooLong {
                    field: field.into(),
                    delay_ms: high,
                    steps,
                    dt_ms: dt,
                    max_steps: MAX_DELAY_STEPS,
                });
            }
        }
    }

    fn check_stimulus(&mut self, field: &str, stimulus: &Stimulus) {
        self.lookup(&format!("{field}.target"), stimulus.target());
        // Inputs a target would ignore: a spike source emits only its given spikes,
        // and neither it nor a parrot has a membrane for a current.
        let target = self.network.population(stimulus.target());
        let (source, parrot) = target.map_or((false, false), |p| {
            (
                matches!(
                    p.neuron,
                    NeuronModel::SpikeSourceArray(_) | NeuronModel::SpikeSourceStream(_)
                ),
                matches!(p.neuron, NeuronModel::ParrotNeuron(_)),
            )
        });
        let current = matches!(
            stimulus,
            Stimulus::Dc { .. } | Stimulus::StepCurrent { .. } | Stimulus::CurrentStream { .. }
        );
        if source || (parrot && current) {
            let name = stimulus.target();
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.target"),
                reason: if current {
                    format!("`{name}` is a spike source: it has no membrane for a current")
                } else {
                    format!(
                        "`{name}` is a spike source: it emits only its given spikes, and \
                         would ignore this input (a parrot_neuron repeats Poisson spikes)"
                    )
                },
            });
        }
        if let Stimulus::StepCurrent {
            times_ms,
            amplitudes_na: values,
            ..
        }
        | Stimulus::InhomogeneousPoisson {
            times_ms,
            rates_hz: values,
            ..
        } = stimulus
        {
            // Checked as written (its pieces, `segments`, would be named by fields the
            // file does not have).
            self.check_schedule(field, times_ms, values.len());
            for (k, &t) in times_ms.iter().enumerate() {
                self.non_negative(&format!("{field}.times_ms[{k}]"), t);
            }
            match stimulus {
                Stimulus::StepCurrent { amplitudes_na, .. } => {
                    for (k, &amplitude) in amplitudes_na.iter().enumerate() {
                        self.finite(&format!("{field}.amplitudes_na[{k}]"), amplitude);
                    }
                }
                Stimulus::InhomogeneousPoisson {
                    rates_hz,
                    weight,
                    receptor,
                    target,
                    ..
                } => {
                    for (k, &rate) in rates_hz.iter().enumerate() {
                        self.poisson_rate(&format!("{field}.rates_hz[{k}]"), rate);
                    }
                    let target = self.network.population(target).map(|p| &p.neuron);
                    self.check_weight(
                        &format!("{field}.weight"),
                        &Value::constant(*weight),
                        *receptor,
                        target,
                    );
                }
                _ => {}
            }
            return;
        }
        self.check_segment(field, stimulus);
    }

    /// A Poisson rate: the generator's work per neuron and step grows with the events
    /// it draws (rate · dt), so a rate far beyond any physiological input would run
    /// for hours (or past a driver's loop limit); capped at `MAX_POISSON_PER_STEP`.
    fn poisson_rate(&mut self, field: &str, rate_hz: f64) {
        self.non_negative(field, rate_hz);
        let per_step = rate_hz * self.network.dt_ms / 1000.0;
        if per_step > MAX_POISSON_PER_STEP {
            self.errors.push(ModelError::InvalidParameter {
                field: field.into(),
                value: rate_hz,
                requirement: format!(
                    "at most {MAX_POISSON_PER_STEP:e} events per neuron per step, here {}; \
                     the generator's work grows with the rate",
                    shown(per_step)
                ),
            });
        }
    }

    fn check_schedule(&mut self, field: &str, times: &[f64], values: usize) {
        if times.len() != values {
            self.errors.push(ModelError::LengthMismatch {
                field: format!("{field}.times_ms"),
                len: times.len(),
                expected: values as u64,
                what: "one time per value".into(),
            });
        }
        if times.windows(2).any(|w| w[0] >= w[1]) {
            self.errors.push(ModelError::Impossible {
                field: format!("{field}.times_ms"),
                reason: "the times must increase".into(),
            });
        }
    }

    fn check_segment(&mut self, field: &str, stimulus: &Stimulus) {
        let (start, stop) = match stimulus {
            Stimulus::Poisson {
                rate_hz,
                weight,
                receptor,
                start_ms,
                stop_ms,
                ..
            } => {
                self.poisson_rate(&format!("{field}.rate_hz"), *rate_hz);
                let target = self
                    .network
                    .population(stimulus.target())
                    .map(|p| &p.neuron);
                self.check_weight(
                    &format!("{field}.weight"),
                    &Value::constant(*weight),
                    *receptor,
                    target,
                );
                (*start_ms, *stop_ms)
            }
            Stimulus::Dc {
                amplitude_na,
                start_ms,
                stop_ms,
                ..
            } => {
                self.finite(&format!("{field}.amplitude_na"), *amplitude_na);
                (*start_ms, *stop_ms)
            }
            // Checked as written by `check_stimulus`.
            Stimulus::StepCurrent { .. } | Stimulus::InhomogeneousPoisson { .. } => return,
            Stimulus::CurrentStream { target } => {
                let first = self.network.stimuli.iter().position(
                    |s| matches!(s, Stimulus::CurrentStream { target: t } if t == target),
                );
                if first.is_some_and(|k| format!("stimuli[{k}]") != field) {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{field}.target"),
                        reason: format!("`{target}` already has a current stream"),
                    });
                }
                return;
            }
        };
        self.non_negative(&format!("{field}.start_ms"), start);
        let Some(stop) = stop else { return };
        if stop.is_nan() || stop < start {
            self.errors.push(ModelError::InvalidParameter {
                field: format!("{field}.stop_ms"),
                value: stop,
                requirement: format!("must not be before start_ms ({start} ms)"),
            });
        }
    }

    fn check_recorder(&mut self, field: &str, recorder: &Recorder) {
        match recorder {
            Recorder::Branching {
                population,
                window_ms,
                bin_ms,
                max_lag,
                instance,
            } => {
                self.lookup(&format!("{field}.population"), population);
                self.positive(&format!("{field}.window_ms"), *window_ms);
                self.positive(&format!("{field}.bin_ms"), *bin_ms);
                self.check_instance(&format!("{field}.instance"), *instance);
                if *max_lag == 0 {
                    self.errors.push(ModelError::InvalidParameter {
                        field: format!("{field}.max_lag"),
                        value: 0.0,
                        requirement: "must be at least 1".into(),
                    });
                }
                // Counted as the recorder counts them: in whole steps, each at least one
                // (of times refused above, nothing more is said).
                let steps = |ms: f64| (ms / self.network.dt_ms).round().max(1.0);
                let bins = (steps(*window_ms) / steps(*bin_ms)).floor().max(1.0);
                let times = [*window_ms, *bin_ms]
                    .iter()
                    .all(|t| t.is_finite() && *t > 0.0);
                if times && bins > f64::from(MAX_BRANCHING_BINS) {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{field}.window_ms"),
                        reason: format!(
                            "a window of {window_ms} ms holds {bins:e} bins of {bin_ms} ms; at \
                             most {MAX_BRANCHING_BINS} (a longer bin_ms, a shorter window)"
                        ),
                    });
                } else if times && bins < f64::from(*max_lag) + 2.0 {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{field}.window_ms"),
                        reason: format!(
                            "a window of {window_ms} ms holds {bins} bins of {bin_ms} ms; the \
                             estimate needs at least max_lag + 2 = {}",
                            max_lag + 2
                        ),
                    });
                }
                if *bin_ms > 0.0 && (bin_ms / self.network.dt_ms).round() < 1.0 {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{field}.bin_ms"),
                        reason: format!("shorter than a step ({} ms)", self.network.dt_ms),
                    });
                }
            }
            Recorder::Spikes { population } => {
                self.lookup(&format!("{field}.population"), population);
            }
            Recorder::State {
                population,
                variable,
                neurons,
                every_steps,
                instance,
            } => {
                self.check_instance(&format!("{field}.instance"), *instance);
                let known = self
                    .network
                    .population(population)
                    .map(|p| p.neuron.state_variables());
                if let Some(known) = known.filter(|k| !k.contains(variable)) {
                    self.errors.push(ModelError::UnknownVariable {
                        field: format!("{field}.variable"),
                        name: variable.clone(),
                        known: known.join(", "),
                    });
                }
                if *every_steps == 0 {
                    self.errors.push(ModelError::InvalidParameter {
                        field: format!("{field}.every_steps"),
                        value: 0.0,
                        requirement: "must be at least 1".into(),
                    });
                }
                if neurons.is_empty() {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{field}.neurons"),
                        reason: "no neuron to record".into(),
                    });
                }
                // A neuron listed twice would be two identical columns of the record.
                let mut seen = std::collections::HashMap::new();
                if let Some((i, n, first)) = (neurons.iter().enumerate())
                    .find_map(|(i, &n)| seen.insert(n, i).map(|first| (i, n, first)))
                {
                    self.errors.push(ModelError::Impossible {
                        field: format!("{field}.neurons[{i}]"),
                        reason: format!("neuron {n} is listed already (neurons[{first}])"),
                    });
                }
                if let Some(pop) = self.lookup(&format!("{field}.population"), population) {
                    let size = pop.size;
                    let name = pop.name.clone();
                    for (i, &n) in neurons.iter().enumerate() {
                        if n >= size {
                            self.errors.push(ModelError::IndexOutOfRange {
                                field: format!("{field}.neurons[{i}]"),
                                index: n,
                                population: name.clone(),
                                size,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Finite numbers and consistent bounds; returns whether the value is usable.
    fn check_value(&mut self, field: &str, value: &Value) -> bool {
        let before = self.errors.len();
        if let Some(bad) = (value.numbers().into_iter()).find(|&x| !(x as f32).is_finite()) {
            self.finite(field, bad);
            return false;
        }
        match *value {
            Value::Uniform { low, high } if low > high => {
                self.errors.push(ModelError::InvalidParameter {
                    field: format!("{field}.high"),
                    value: high,
                    requirement: format!("must not be below low ({low})"),
                });
            }
            Value::Normal {
                mean,
                sd,
                low: given_low,
                high: given_high,
            } => {
                if sd < 0.0 {
                    self.errors.push(ModelError::InvalidParameter {
                        field: format!("{field}.sd"),
                        value: sd,
                        requirement: "a standard deviation cannot be negative".into(),
                    });
                } else {
                    let (low, high) = value.range();
                    let mass = super::value::normal_mass(mean, sd, low, high);
                    if mass < super::value::MIN_NORMAL_MASS {
                        // The bound on the far side of the mean from the range is the
                        // one to move.
                        let (side, given) = if given_high < mean {
                            ("high", given_high)
                        } else {
                            ("low", given_low)
                        };
                        self.errors.push(ModelError::InvalidParameter {
                            field: format!("{field}.{side}"),
                            value: given,
                            requirement: format!(
                                "the clipping range [{low}, {high}] holds {mass:.2e} of the \
                                 distribution; at least {} is needed, so that draws can be \
                                 redrawn into it",
                                super::value::MIN_NORMAL_MASS
                            ),
                        });
                    }
                }
            }
            Value::Lognormal { sigma, .. } if sigma < 0.0 => {
                self.errors.push(ModelError::InvalidParameter {
                    field: format!("{field}.sigma"),
                    value: sigma,
                    requirement: "a standard deviation cannot be negative".into(),
                });
            }
            Value::Lognormal { mu, sigma }
                if (mu + super::NORMAL_TAIL_SD * sigma).exp().is_infinite() =>
            {
                self.errors.push(ModelError::InvalidParameter {
                    field: format!("{field}.mu"),
                    value: mu,
                    requirement: "exp(mu + 8 sigma) must be a finite number".into(),
                });
            }
            Value::Array { ref values } if values.is_empty() => {
                self.errors.push(ModelError::Impossible {
                    field: field.into(),
                    reason: "an empty array".into(),
                });
            }
            _ => {}
        }
        self.errors.len() == before
    }

    fn check_array_len(&mut self, field: &str, value: &Value, expected: u64, what: &str) {
        if let Value::Array { values } = value {
            if values.len() as u64 != expected {
                self.errors.push(ModelError::LengthMismatch {
                    field: field.into(),
                    len: values.len(),
                    expected,
                    what: what.into(),
                });
            }
        }
    }

    fn lookup(&mut self, field: &str, name: &str) -> Option<&'a Population> {
        let network = self.network;
        let found = network.populations.iter().find(|p| p.name == name);
        if found.is_none() {
            let known: Vec<&str> = network
                .populations
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            self.errors.push(ModelError::UnknownPopulation {
                field: field.into(),
                name: name.into(),
                known: if known.is_empty() {
                    "no populations".into()
                } else {
                    known.join(", ")
                },
            });
        }
        found
    }

    fn check_instance(&mut self, field: &str, instance: u32) {
        // With no instances at all, `instances` is the one error.
        if instance >= self.network.instances && self.network.instances > 0 {
            self.errors.push(ModelError::Impossible {
                field: field.into(),
                reason: format!(
                    "instance {instance} does not exist: the network has {}",
                    self.network.instances
                ),
            });
        }
    }

    /// Gap and graded currents are computed from the potentials at the start of a
    /// step and held through it (explicit coupling). A neuron whose own conductance
    /// terms — its gap junctions and its graded synapses fully open — sum to G (µS) on
    /// a membrane of capacity C (nF) keeps every mode of the coupled step damped only
    /// while G·dt/C < 1 (a row bound on the step's matrix; at 1 a pair's difference
    /// flips sign every step undamped, beyond it grows). Refused here with the step
    /// that would do. Not covered: a graded synapse's dependence on its presynaptic
    /// potential (the sigmoid's slope), which can make a loop oscillate below it.
    fn check_coupling_stability(&mut self) {
        let net = self.network;
        let index = |name: &str| net.populations.iter().position(|p| p.name == name);
        let mut total: Vec<Vec<f64>> = net
            .populations
            .iter()
            .map(|p| vec![0.0; p.size as usize])
            .collect();
        // Validated: a constant or one per pair.
        let g_of = |g: &Value, k: usize| g.element(k).unwrap_or(0.0);
        for list in &net.gap_junctions {
            let (Some(a), Some(b)) = (index(&list.a), index(&list.b)) else {
                return;
            };
            for (k, &(i, j)) in list.pairs.iter().enumerate() {
                // A neuron joined to itself carries no current.
                if a == b && i == j {
                    continue;
                }
                let g = g_of(&list.g_us, k);
                total[a][i as usize] += g;
                total[b][j as usize] += g;
            }
        }
        for list in &net.graded_synapses {
            let Some(post) = index(&list.post) else {
                return;
            };
            for (k, &(_, j)) in list.pairs.iter().enumerate() {
                total[post][j as usize] += g_of(&list.g_us, k);
            }
        }
        for (p, population) in net.populations.iter().enumerate() {
            let Some(cm) = population.neuron.capacitance_nf() else {
                continue;
            };
            // Each neuron's own capacity where given per neuron; the smallest a
            // distribution may draw.
            let cm_of = |neuron: usize| {
                population
                    .heterogeneous
                    .get("cm")
                    .map_or(cm, |v| v.element(neuron).unwrap_or(v.range().0))
            };
            let worst = total[p]
                .iter()
                .enumerate()
                .map(|(neuron, &g)| (neuron, g, cm_of(neuron)))
                .max_by(|a, b| (a.1 / a.2).total_cmp(&(b.1 / b.2)));
            let Some((neuron, g, cm)) = worst else {
                continue;
            };
            let dt = net.dt_ms;
            let ratio = g * dt / cm;
            if ratio >= 1.0 {
                self.errors.push(ModelError::Impossible {
                    field: format!("populations[{}]", population.name),
                    reason: format!(
                        "neuron {neuron}'s gap junctions and graded synapses (fully open) sum \
                         to {} µS on {} nF: their currents are explicit over a step, which \
                         stays damped only while G·dt/C < 1, here {} at dt = {dt} ms; use \
                         dt_ms below {} (or smaller conductances)",
                        shown(g),
                        shown(cm),
                        shown(ratio),
                        shown(cm / g)
                    ),
                });
            }
        }
    }

    /// Finite, and still finite as the f32 the device (and the CPU reference) holds
    /// it in: a larger number would become ±∞ there.
    fn finite(&mut self, field: &str, value: f64) -> bool {
        let requirement = if !value.is_finite() {
            "must be a finite number"
        } else if !(value as f32).is_finite() {
            "must fit a 32-bit float (at most 3.4e38 in magnitude)"
        } else {
            return true;
        };
        self.errors.push(ModelError::InvalidParameter {
            field: field.into(),
            value,
            requirement: requirement.into(),
        });
        false
    }

    fn positives(&mut self, field: &str, values: &[(&str, f64)]) {
        for (name, value) in values {
            self.positive(&format!("{field}.{name}"), *value);
        }
    }

    fn positive(&mut self, field: &str, value: f64) {
        if self.finite(field, value) && value <= 0.0 {
            self.errors.push(ModelError::InvalidParameter {
                field: field.into(),
                value,
                requirement: "must be greater than 0".into(),
            });
        }
    }

    fn non_negative(&mut self, field: &str, value: f64) {
        if self.finite(field, value) && value < 0.0 {
            self.errors.push(ModelError::InvalidParameter {
                field: field.into(),
                value,
                requirement: "cannot be negative".into(),
            });
        }
    }
}

/// Why `delta_t` (for a neuron otherwise `p`) would overflow the spike current
/// g_L ΔT e^((V − v_thresh)/ΔT) at v_spike, where V is clamped, in f32 (det_exp
/// saturates past 88, and the current past 3.4e38), if it would; `None` for ΔT = 0,
/// NEST's integrate-and-fire limit, which has no spike current.
pub(crate) fn aeif_spike_current_overflows(p: &super::AeifCondExp, delta_t: f64) -> Option<String> {
    if delta_t <= 0.0 || !delta_t.is_finite() {
        return None;
    }
    let g_l = p.cm / p.tau_m;
    let exponent = (p.v_spike - p.v_thresh) / delta_t;
    let limit = (f64::from(f32::MAX) / (g_l * delta_t)).ln().min(88.0);
    (exponent > limit).then(|| {
        format!(
            "(v_spike − v_thresh) / delta_T = {exponent:.4} at v_spike exceeds {limit:.2}, \
             where the spike current g_L·delta_T·e^((V − v_thresh)/delta_T) would overflow a \
             32-bit float (NEST refuses such values for 64-bit): raise delta_T, or lower \
             v_spike"
        )
    })
}
