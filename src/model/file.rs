//! Model files: the whole simulation (step, duration, seed, populations, projections,
//! stimuli, recorders) in TOML or JSON, the same schema in both (documented in
//! `docs/model-format.md`). Errors name the file, line, column and field, and suggest
//! the nearest valid name for a misspelled one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::edge_list::{self, EdgeList, NeuronTable};
use super::{
    Astrocyte, GapJunctions, GradedSynapses, IntrinsicPlasticity, Network, NeuronModel, Population,
    Projection, Readout, Recorder, Stimulus, Sweep, SweepAxis, SweepGrid, Value,
    NEURON_MODEL_NAMES,
};

/// A model file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// The model's name (default: the file name without extension).
    #[serde(default)]
    pub name: Option<String>,
    pub simulation: SimulationSection,
    #[serde(default)]
    pub populations: Vec<PopulationEntry>,
    #[serde(default)]
    pub projections: Vec<Projection>,
    #[serde(default)]
    pub stimuli: Vec<Stimulus>,
    #[serde(default)]
    pub recorders: Vec<Recorder>,
    /// Populations whose spike counts and traces the device keeps for the host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readouts: Vec<Readout>,
    /// Astrocyte units that scale the STDP of projections naming them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub astrocytes: Vec<Astrocyte>,
    /// Electrical synapses between neurons of two populations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gap_junctions: Vec<GapJunctions>,
    /// Graded chemical synapses between neurons of two populations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graded_synapses: Vec<GradedSynapses>,
    /// CSV tables naming neurons (`name`, `population`), for the edge lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neuron_tables: Vec<NeuronTable>,
    /// CSV/TSV edge lists (`pre`, `post`, `weight`[, `delay_ms`, `receptor`]) that
    /// become list projections after `projections`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edge_lists: Vec<EdgeList>,
    /// `[network]`: a network read from other tools' files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSection>,
    /// Parameters with one value per instance (`[simulation] instances`).
    #[serde(default)]
    pub sweeps: Vec<Sweep>,
    /// A grid of parameter values and repeats that sets the instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepGrid>,
}

/// `[network]`: populations and projections from another tool's files, added after
/// the file's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// A SONATA circuit or simulation config (JSON), relative to the model file
    /// (needs the `sonata` feature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sonata: Option<String>,
}

/// `[simulation]`: resolution, length and seed of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSection {
    #[serde(default = "default_dt")]
    pub dt_ms: f64,
    pub duration_ms: f64,
    #[serde(default)]
    pub seed: u64,
    /// Independent copies simulated together (`Network::instances`).
    #[serde(default = "default_instances")]
    pub instances: u32,
}

fn default_instances() -> u32 {
    1
}

fn default_dt() -> f64 {
    0.1
}

/// `[[populations]]`: a model name (NEST's) and its parameters (PyNN's names and units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationEntry {
    pub name: String,
    pub size: u32,
    pub model: String,
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Initial values of state variables by name, e.g. `{ v = -65.0 }`.
    #[serde(default)]
    pub initial: BTreeMap<String, Value>,
    /// Parameters with a value per neuron, e.g. `{ tau_m = { distribution = "normal", mean = 20.0, sd = 2.0 } }`.
    #[serde(default)]
    pub heterogeneous: BTreeMap<String, Value>,
    /// Homeostatic intrinsic plasticity, e.g. `{ eta = 0.01, target_rate_hz = 5.0 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intrinsic_plasticity: Option<IntrinsicPlasticity>,
}

/// A problem with a model file, located where possible.
#[derive(Debug, Clone, PartialEq)]
pub struct FileError {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
    /// The field, as a path such as `populations[0].params.tau_m`.
    pub field: Option<String>,
    /// What is wrong, naming the field when it is known.
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileErrors(pub Vec<FileError>);

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FileErrors {}

/// The text of a model file and what it describes.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub file: ModelFile,
    pub network: Network,
    pub name: String,
    pub duration_ms: f64,
}

/// What the command line sets over a model file (`neurodyn run --dt`, `--seed`,
/// `--sweep`, `--seeds`): applied before the file becomes a network, so
/// that it is validated as it will run (a delay of 600 ms fits 4096 steps only at
/// `--dt 0.2`; a recorder of instance 3 needs the grid's instances).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub dt_ms: Option<f64>,
    pub seed: Option<u64>,
    /// Axes added to the file's `[sweep]` grid, and its repeats.
    pub axes: Vec<SweepAxis>,
    pub seeds: Option<u32>,
}

impl Overrides {
    /// Sets the step and seed, and adds the axes and repeats to `file`'s grid.
    fn apply(self, file: &mut ModelFile) {
        if let Some(dt) = self.dt_ms {
            file.simulation.dt_ms = dt;
        }
        if let Some(seed) = self.seed {
            file.simulation.seed = seed;
        }
        if self.axes.is_empty() && self.seeds.is_none() {
            return;
        }
        let mut grid = match &file.sweep {
            Some(own) => {
                // `instances` written beside the file's own grid only repeats its
                // count; the extended grid sets it again.
                if own.instances().ok() == Some(file.simulation.instances) {
                    file.simulation.instances = 1;
                }
                own.clone()
            }
            None => SweepGrid {
                seeds: 1,
                axes: Vec::new(),
            },
        };
        grid.axes.extend(self.axes);
        if let Some(seeds) = self.seeds {
            grid.seeds = seeds;
        }
        file.sweep = Some(grid);
    }
}

/// Reads, parses, converts and validates a model file (`.toml` or `.json`).
pub fn load(path: &Path) -> Result<LoadedModel, FileErrors> {
    load_with(path, Overrides::default())
}

/// `load`, with `overrides` applied to the file before it is validated.
pub fn load_with(path: &Path, overrides: Overrides) -> Result<LoadedModel, FileErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        FileErrors(vec![FileError {
            path: path.to_path_buf(),
            location: None,
            field: None,
            message: format!("cannot read the model file: {e}"),
        }])
    })?;
    load_text_with(path, &text, overrides)
}

/// Adds the SONATA circuit of `config` to `network`.
#[cfg(feature = "sonata")]
fn attach_sonata(network: &mut Network, config: &Path) -> Result<(), Vec<edge_list::DataError>> {
    super::sonata::attach(network, config)
}

/// What a build without the `sonata` feature says to a SONATA file.
pub const NO_SONATA: &str = "this neurodyn was built without SONATA support: rebuild \
    with `--features sonata` (it needs the system's libhdf5, e.g. `apt-get install \
    libhdf5-dev`)";

/// Without the `sonata` feature: the error that says how to get it.
#[cfg(not(feature = "sonata"))]
fn attach_sonata(_: &mut Network, config: &Path) -> Result<(), Vec<edge_list::DataError>> {
    Err(vec![edge_list::DataError {
        path: config.to_path_buf(),
        location: None,
        message: NO_SONATA.into(),
    }])
}

/// Parses, converts and validates the text of a model file; `path` names it in
/// errors, says by its extension whether it is TOML or JSON, and is where data files
/// named in it are looked for.
pub fn load_text(path: &Path, text: &str) -> Result<LoadedModel, FileErrors> {
    load_text_with(path, text, Overrides::default())
}

/// `load_text`, with `overrides` applied to the file before it is validated. An
/// error in a value the command line set names its flag, not a place in the file.
pub fn load_text_with(
    path: &Path,
    text: &str,
    overrides: Overrides,
) -> Result<LoadedModel, FileErrors> {
    let (dt, seed, seeds, axes) = (
        overrides.dt_ms.is_some(),
        overrides.seed.is_some(),
        overrides.seeds.is_some(),
        !overrides.axes.is_empty(),
    );
    let flag_axes: Vec<String> = overrides.axes.iter().map(|a| a.label()).collect();
    load_checked(path, text, overrides).map_err(|FileErrors(errors)| {
        // The file's own grid axes and sweeps: errors past them are the flags'.
        let own = Source::new(path, text).parse().ok().map(|f| {
            let axes = f.sweep.as_ref().map_or(0, |g| g.axes.len());
            (axes, axes > 0 || !f.sweeps.is_empty())
        });
        let (own_axes, own_sweep) = own.unwrap_or((0, false));
        let blame = |field: &str| -> Option<String> {
            let axis = field
                .strip_prefix("sweep.axes[")
                .and_then(|rest| rest.split(']').next()?.parse::<usize>().ok());
            // The `--sweep` that made axis a, by its path.
            let flag_axis = axis
                .and_then(|a| a.checked_sub(own_axes))
                .and_then(|k| flag_axes.get(k));
            let flag = match field {
                "simulation.dt_ms" if dt => "--dt",
                "simulation.seed" if seed => "--seed",
                "sweep.seeds" if seeds => "--seeds",
                "sweep" if axes || seeds => "--sweep/--seeds",
                // One flag's axis: it by its path; several: which is not known here.
                "sweeps" if axes && !own_sweep => match &flag_axes[..] {
                    [path] => return Some(format!("--sweep {path}")),
                    _ => "--sweep",
                },
                _ => return flag_axis.map(|path| format!("--sweep {path}")),
            };
            Some(flag.to_string())
        };
        FileErrors(
            errors
                .into_iter()
                .map(|e| match e.field.as_deref().and_then(blame) {
                    Some(flag) => FileError {
                        location: None,
                        message: format!("{flag}: {}", e.message),
                        ..e
                    },
                    None => e,
                })
                .collect(),
        )
    })
}

fn load_checked(path: &Path, text: &str, overrides: Overrides) -> Result<LoadedModel, FileErrors> {
    let one = |location, field: Option<String>, message: String| {
        let message = match &field {
            Some(field) => format!("`{field}`: {message}"),
            None => message,
        };
        FileErrors(vec![FileError {
            path: path.to_path_buf(),
            location,
            field,
            message,
        }])
    };
    let source = Source::new(path, text);
    let mut file = source
        .parse()
        .map_err(|(location, field, message)| one(location, field, message))?;
    overrides.apply(&mut file);
    // Data files named in the model are relative to the model file's folder.
    let folder = path.parent().unwrap_or(Path::new(""));
    for p in &mut file.populations {
        if let Some(serde_json::Value::String(name)) = p.params.get_mut("events_npy") {
            *name = folder.join(&*name).to_string_lossy().into_owned();
        }
    }
    let mut network = file
        .network()
        .map_err(|(field, message)| one(source.locate(&field), Some(field), message))?;
    let data_errors = |errors: Vec<edge_list::DataError>| {
        FileErrors(
            errors
                .into_iter()
                .map(|e| FileError {
                    path: e.path,
                    location: e.location,
                    field: None,
                    message: e.message,
                })
                .collect(),
        )
    };
    // Where the populations, projections, gap junction and graded synapse lists beyond
    // the file's own come from: (path, end of its range) per kind, for errors the
    // validation finds in them.
    let counts = |n: &Network| {
        [
            n.populations.len(),
            n.projections.len(),
            n.gap_junctions.len(),
            n.graded_synapses.len(),
        ]
    };
    let own = counts(&network);
    let mut made: [Vec<(PathBuf, usize)>; 4] = Default::default();
    if let Some(config) = file.network.as_ref().and_then(|n| n.sonata.as_ref()) {
        let config = folder.join(config);
        attach_sonata(&mut network, &config).map_err(data_errors)?;
        for (files, end) in made.iter_mut().zip(counts(&network)) {
            files.push((config.clone(), end));
        }
    }
    let before = counts(&network);
    let attached = edge_list::attach(&mut network, &file.neuron_tables, &file.edge_lists, folder)
        .map_err(data_errors)?;
    let lists = attached.lists;
    let mut ends = [before[1], before[2], before[3]];
    for (list, added) in lists {
        for kind in 0..3 {
            ends[kind] += added[kind];
            made[kind + 1].push((list.clone(), ends[kind]));
        }
    }
    // The data file behind a validation error's field, if a data file made what it names.
    let data_file = |field: &str| -> Option<PathBuf> {
        let indexed = ["projections[", "gap_junctions[", "graded_synapses["]
            .iter()
            .enumerate()
            .find_map(|(kind, head)| {
                let rest = field.strip_prefix(head)?;
                Some((kind + 1, rest.split(']').next()?.parse::<usize>().ok()?))
            });
        let (kind, k) = match indexed {
            Some(found) => found,
            None => {
                // `populations[E]` or, for errors about names, `populations[1]`.
                let name = field.strip_prefix("populations[")?.split(']').next()?;
                let k = network
                    .populations
                    .iter()
                    .position(|p| p.name == name)
                    .or_else(|| name.parse().ok())?;
                (0, k)
            }
        };
        made[kind]
            .iter()
            .find(|(_, end)| k >= own[kind] && k < *end)
            .map(|(path, _)| path.clone())
    };
    // The cell of a neuron table behind a per-neuron value's error
    // (`populations[E].heterogeneous.tau_m[3]`): its file, line and column.
    let table_cell = |field: &str| -> Option<(PathBuf, (usize, usize))> {
        let (name, rest) = field.strip_prefix("populations[")?.split_once(']')?;
        let (parameter, index) = rest.strip_prefix(".heterogeneous.")?.split_once('[')?;
        let index: usize = index.strip_suffix(']')?.parse().ok()?;
        let p = network.populations.iter().position(|q| q.name == name)?;
        let column =
            (attached.columns.iter()).find(|c| c.population == p && c.parameter == parameter)?;
        Some((
            column.path.clone(),
            (*column.lines.get(index)?, column.column),
        ))
    };
    if let Err(errors) = network.validate() {
        return Err(FileErrors(
            errors
                .0
                .iter()
                .map(|e| {
                    // The error with its field as the file writes it.
                    let field = file.file_field(e.field());
                    let message = (e.to_string()).replacen(
                        &format!("`{}`", e.field()),
                        &format!("`{field}`"),
                        1,
                    );
                    if let Some((data, cell)) = table_cell(e.field()) {
                        return FileError {
                            path: data,
                            location: Some(cell),
                            message,
                            field: Some(field),
                        };
                    }
                    if let Some(data) = data_file(e.field()) {
                        // Made from a data file: named by the network's own field.
                        return FileError {
                            path: data,
                            location: None,
                            field: Some(e.field().to_string()),
                            message: e.to_string(),
                        };
                    }
                    FileError {
                        path: path.to_path_buf(),
                        location: source.locate(&field),
                        message,
                        field: Some(field),
                    }
                })
                .collect(),
        ));
    }
    let simulation = &file.simulation;
    if let Err(reason) = super::validate::run_steps(simulation.duration_ms, simulation.dt_ms) {
        let field = "simulation.duration_ms".to_string();
        return Err(one(source.locate(&field), Some(field), reason));
    }
    // The name becomes the output folder's (`neurodyn-out/<name>`): one plain
    // component, never a path that leads elsewhere.
    if let Some(name) = &file.name {
        let plain =
            !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
        if !plain {
            let field = "name".to_string();
            return Err(one(
                source.locate(&field),
                Some(field),
                format!(
                    "{name:?}: a model's name names its output folder, so it must be one \
                     folder name (not empty, `.` or `..`, no `/` or `\\`)"
                ),
            ));
        }
    }
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or("model".into(), |s| s.to_string_lossy().into_owned())
    });
    Ok(LoadedModel {
        duration_ms: simulation.duration_ms,
        network,
        name,
        file,
    })
}

impl ModelFile {
    /// The network the file describes (before validation).
    pub fn network(&self) -> Result<Network, (String, String)> {
        let mut network = Network::new(self.simulation.dt_ms, self.simulation.seed);
        network.instances = self.simulation.instances;
        network.sweeps.clone_from(&self.sweeps);
        if let Some(grid) = &self.sweep {
            network.sweep_grid(grid.clone())?;
            let declared = self.simulation.instances;
            if declared != 1 && declared != network.instances {
                return Err((
                    "simulation.instances".into(),
                    format!(
                        "{declared} instances, but the grid (the file's `[sweep]` with \
                         --sweep and --seeds) expands into {}: leave `instances` out (the \
                         grid sets it), or give a grid of {declared}",
                        network.instances
                    ),
                ));
            }
        }
        for (i, p) in self.populations.iter().enumerate() {
            let neuron = neuron_model(&p.model, &p.params).map_err(|(key, message)| {
                let field = match key {
                    Some(key) => format!("populations[{i}].params.{key}"),
                    None => format!("populations[{i}].model"),
                };
                (field, message)
            })?;
            network.add_population(Population {
                name: p.name.clone(),
                size: p.size,
                neuron,
                initial: p.initial.clone(),
                heterogeneous: p.heterogeneous.clone(),
                intrinsic_plasticity: p.intrinsic_plasticity.clone(),
                input_scale_log2: None,
            });
        }
        network.projections = self.projections.clone();
        network.stimuli = self.stimuli.clone();
        network.recorders = self.recorders.clone();
        network.readouts = self.readouts.clone();
        network.astrocytes = self.astrocytes.clone();
        network.gap_junctions = self.gap_junctions.clone();
        network.graded_synapses = self.graded_synapses.clone();
        Ok(network)
    }

    /// Maps a validation field (`populations[E].tau_m`, `projections[0] (E -> I).weight`,
    /// `dt_ms`) to its path in the file (`populations[0].params.tau_m`, …).
    pub fn file_field(&self, field: &str) -> String {
        if field == "dt_ms" || field == "instances" {
            return format!("simulation.{field}");
        }
        if let Some(rest) = field.strip_prefix("populations[") {
            if let Some((name, tail)) = rest.split_once(']') {
                let index = self.populations.iter().position(|p| p.name == name);
                let tail = tail.trim_start_matches('.');
                if let Some(i) = index {
                    // `spike_times_ms[0]` is the parameter `spike_times_ms`.
                    let head = tail.split(['.', '[']).next().unwrap_or(tail);
                    let model_param = NeuronModel::parameter_names(&self.populations[i].model)
                        .is_some_and(|params| params.contains(&head));
                    return if model_param {
                        format!("populations[{i}].params.{tail}")
                    } else if tail.is_empty() {
                        format!("populations[{i}]")
                    } else {
                        format!("populations[{i}].{tail}")
                    };
                }
            }
        }
        // `projections[0] (E -> I).weight` without the description.
        match field.split_once(" (") {
            Some((head, tail)) => {
                let after = tail.split_once(')').map_or("", |(_, after)| after);
                format!("{head}{after}")
            }
            None => field.to_string(),
        }
    }
}

/// The neuron model `name` with `params`; errors carry the offending key.
fn neuron_model(
    name: &str,
    params: &serde_json::Map<String, serde_json::Value>,
) -> Result<NeuronModel, (Option<String>, String)> {
    // A TOML `nan` or `inf` reaches the map as null (JSON has no such numbers),
    // wherever it stands (a spike time in a list, a custom model's parameter).
    fn not_a_number(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Null => true,
            serde_json::Value::Object(inner) => inner.values().any(not_a_number),
            serde_json::Value::Array(items) => items.iter().any(not_a_number),
            _ => false,
        }
    }
    if let Some((key, _)) = params.iter().find(|(_, v)| not_a_number(v)) {
        return Err((
            Some(key.clone()),
            "not a finite number (NaN and infinities are not parameters)".into(),
        ));
    }
    if name == "custom" {
        return serde_json::from_value(serde_json::Value::Object(params.clone()))
            .map(NeuronModel::Custom)
            .map_err(|e| custom_key_at_fault(params).unwrap_or((None, improve(&e.to_string()))));
    }
    let Some(known) = NeuronModel::parameter_names(name) else {
        return Err((
            None,
            format!(
                "unknown neuron model `{name}`{}; known models: {}",
                suggestion(name, &NEURON_MODEL_NAMES),
                NEURON_MODEL_NAMES.join(", ")
            ),
        ));
    };
    if let Some(key) = params.keys().find(|k| !known.contains(&k.as_str())) {
        return Err((
            Some(key.clone()),
            format!(
                "unknown parameter `{key}` of {name}{}; its parameters are: {}",
                suggestion(key, known),
                known.join(", ")
            ),
        ));
    }
    // Switches (izhikevich's `half_steps`) are booleans, spike times and events
    // arrays, an events file a path; every other parameter a number.
    let expected = |key: &str| -> (&str, fn(&serde_json::Value) -> bool) {
        match key {
            "half_steps" => ("true or false", serde_json::Value::is_boolean),
            "spike_times_ms" | "events" => ("an array", serde_json::Value::is_array),
            "events_npy" => ("a path (a string)", serde_json::Value::is_string),
            _ => ("a number", serde_json::Value::is_number),
        }
    };
    if let Some((key, value)) = params.iter().find(|(k, v)| !(expected(k).1)(v)) {
        return Err((
            Some(key.clone()),
            format!("expected {}, found {value}", expected(key).0),
        ));
    }
    let mut tagged = params.clone();
    // A stream's events file joins its inline events (the path is the file's own
    // folder's by now: `load` resolved it).
    if let Some(serde_json::Value::String(path)) = tagged.remove("events_npy") {
        let read = super::events_file::read_events_npy(Path::new(&path))
            .map_err(|e| (Some("events_npy".to_string()), e))?;
        let events = tagged
            .entry("events")
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if let serde_json::Value::Array(list) = events {
            list.extend(read.into_iter().map(|(t, n)| serde_json::json!([t, n])));
        }
    }
    // A flat list of spike times is the single list every neuron of the source emits.
    if let Some(serde_json::Value::Array(times)) = tagged.get_mut("spike_times_ms") {
        if !times.is_empty() && times.iter().all(serde_json::Value::is_number) {
            *times = vec![serde_json::Value::Array(std::mem::take(times))];
        }
    }
    // The alpha models share their exponential twins' types, whose field defaults
    // are those twins' (PyNN gives them other synaptic time constants).
    if let Some((e, i)) = NeuronModel::shared_type_synapse_defaults(name) {
        tagged.entry("tau_syn_E").or_insert(e.into());
        tagged.entry("tau_syn_I").or_insert(i.into());
    }
    tagged.insert("model".into(), serde_json::Value::String(name.into()));
    // Read by reference (no second copy: a source's spike times may be millions).
    let table = serde_json::Value::Object(tagged);
    NeuronModel::deserialize(&table).map_err(|e| {
        let tagged = table.as_object().expect("made an object");
        array_at_fault(tagged).unwrap_or((None, e.to_string()))
    })
}

/// The key of a custom model's table that is unknown or not of its type, and why:
/// serde's message for the whole table names no key (`treshold = …` was blamed on
/// the population's `model`).
fn custom_key_at_fault(
    params: &serde_json::Map<String, serde_json::Value>,
) -> Option<(Option<String>, String)> {
    use std::collections::BTreeMap;
    let fault = |key: &str, value: &serde_json::Value| -> Option<String> {
        let e = match key {
            "name" | "update" | "threshold" | "reset" => String::deserialize(value).err(),
            "parameters" | "state" => <BTreeMap<String, f64>>::deserialize(value).err(),
            "refractory_ms" => f64::deserialize(value).err(),
            "receptors" => <Vec<String>>::deserialize(value).err(),
            _ => {
                return Some(improve(&format!(
                    "unknown field `{key}`, expected one of `name`, `parameters`, `state`, \
                     `update`, `threshold`, `reset`, `refractory_ms`, `receptors`"
                )))
            }
        };
        e.map(|e| e.to_string())
    };
    params
        .iter()
        .find_map(|(key, value)| Some((Some(key.clone()), fault(key, value)?)))
}

/// The array parameter of a neuron model's table that is not of its type, and why:
/// serde's message for the whole table names no field (`events = [[2.0, -1]]` was
/// blamed on the population's `model`).
fn array_at_fault(
    tagged: &serde_json::Map<String, serde_json::Value>,
) -> Option<(Option<String>, String)> {
    let value = |key: &str| tagged.get(key);
    let message = if let Some(Err(e)) = value("events").map(<Vec<(f64, u32)>>::deserialize) {
        (
            "events",
            format!("{e}: events are [time in ms, neuron index] pairs"),
        )
    } else if let Some(Err(e)) = value("spike_times_ms").map(<Vec<Vec<f64>>>::deserialize) {
        ("spike_times_ms", e.to_string())
    } else {
        return None;
    };
    Some((Some(message.0.to_string()), message.1))
}

/// " (did you mean `x`?)" for the closest candidate, if it is close enough.
pub fn suggestion(word: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| {
            let (word, candidate) = (word.to_lowercase(), c.to_lowercase());
            // A name without its unit (`delay` for `delay_ms`) is as near as a typo.
            let unit_left_out = word.len() >= 3 && candidate.starts_with(&format!("{word}_"));
            let distance = if unit_left_out {
                1
            } else {
                strsim::damerau_levenshtein(&word, &candidate)
            };
            (distance, *c)
        })
        // Near enough, and not a different word altogether (`mu` is not `sd`).
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < word.chars().count())
        .min()
        .map_or(String::new(), |(_, c)| format!(" (did you mean `{c}`?)"))
}

/// The file's text, for parsing and for locating fields.
struct Source<'a> {
    text: &'a str,
    toml: bool,
}

type ParseFailure = (Option<(usize, usize)>, Option<String>, String);

impl<'a> Source<'a> {
    fn new(path: &Path, text: &'a str) -> Self {
        let toml = path.extension().is_none_or(|e| e != "json");
        Self { text, toml }
    }

    fn parse(&self) -> Result<ModelFile, ParseFailure> {
        if self.toml {
            toml::from_str(self.text).map_err(|e| {
                let at = e.span().map(|s| s.start);
                let field = at.and_then(|at| self.field_at(at));
                let message = improve(e.message());
                if let Some((field, location)) = (field.as_deref()).and_then(|field| {
                    self.toml_element_at_fault(field, &message)
                        .or_else(|| self.toml_key_at_fault(field, &message))
                }) {
                    return (location, Some(field), message);
                }
                (at.map(|a| line_column(self.text, a)), field, message)
            })
        } else {
            serde_json::from_str(self.text).map_err(|e| {
                let message = improve(&e.to_string());
                // A tagged table's error is reported at the end of its array, unnamed.
                let field = serde_json::from_str::<serde_json::Value>(self.text)
                    .ok()
                    .and_then(|document| {
                        TAGGED_ARRAYS.iter().find_map(|array| {
                            let elements = document.get(*array)?.as_array()?;
                            element_at_fault(array, elements, &message)
                        })
                    });
                // Found, the field says where; the position (the array's end) would not.
                let at = field.is_none().then(|| (e.line(), e.column()));
                (at, field, message)
            })
        }
    }

    /// The element and key behind an error the TOML parser reports for a whole array
    /// of tagged tables (see `element_at_fault`), located.
    fn toml_element_at_fault(
        &self,
        field: &str,
        message: &str,
    ) -> Option<(String, Option<(usize, usize)>)> {
        // `stimuli[0]` (an array of tables), or `stimuli` (an inline array).
        let array = field.split('[').next()?;
        let document: toml::Table = toml::from_str(self.text).ok()?;
        let elements = document.get(array)?.as_array()?;
        let field = element_at_fault(array, elements, message)?;
        let location = self.locate(&field);
        Some((field, location))
    }

    /// The key of the table at `field` that an error the parser reports for the
    /// whole table is about (a tagged table, read through a buffer without positions:
    /// `connectivity = { rule = "fixed_probability", p = "x" }`, a weight's
    /// distribution): the unknown field the message names, or the one key whose value
    /// it quotes; located.
    fn toml_key_at_fault(
        &self,
        field: &str,
        message: &str,
    ) -> Option<(String, Option<(usize, usize)>)> {
        let document: toml::Value = toml::from_str(self.text).ok()?;
        let mut value = &document;
        for segment in split_path(field) {
            value = match segment {
                Segment::Key(key) => value.get(key)?,
                Segment::Index(i) => value.get(i)?,
            };
        }
        let keys = value.keys();
        let unknown = (message.strip_prefix("unknown field `"))
            .and_then(|rest| rest.split('`').next())
            .filter(|key| keys.iter().any(|k| k == key));
        let key = match unknown {
            Some(key) => key.to_string(),
            None => {
                let quoted: Vec<&String> = (keys.iter())
                    .filter(|key| !value.quoted(key, message).is_empty())
                    .collect();
                match quoted.as_slice() {
                    [key] => value.quoted_path(key, message),
                    _ => return None,
                }
            }
        };
        let field = format!("{field}.{key}");
        let location = self.locate(&field);
        Some((field, location))
    }

    /// The line and column of a field path in a TOML file.
    fn locate(&self, field: &str) -> Option<(usize, usize)> {
        if !self.toml {
            return None;
        }
        let root = toml::de::DeTable::parse(self.text).ok()?;
        let mut span = root.span();
        let mut value: Option<&toml::de::DeValue<'_>> = None;
        let mut table = Some(root.get_ref());
        for segment in split_path(field) {
            let next = match (segment, table, value) {
                (Segment::Key(key), Some(t), _) => t
                    .iter()
                    .find(|(k, _)| k.get_ref().as_ref() == key)
                    .map(|(k, v)| (k.span(), v)),
                (Segment::Index(i), _, Some(toml::de::DeValue::Array(a))) => {
                    a.get(i).map(|v| (v.span(), v))
                }
                _ => None,
            };
            let Some((at, v)) = next else { break };
            span = at;
            value = Some(v.get_ref());
            table = match v.get_ref() {
                toml::de::DeValue::Table(t) => Some(t),
                _ => None,
            };
        }
        Some(line_column(self.text, span.start))
    }

    /// The path of the field that byte `at` belongs to (TOML): in every table, the
    /// entry whose key starts last before `at`; in every array, the element that
    /// starts last before it. (Spans of `[[array]]` tables cover only their header, so
    /// "starts before" finds the enclosing entry where "contains" would not.)
    fn field_at(&self, at: usize) -> Option<String> {
        let root = toml::de::DeTable::parse(self.text).ok()?;
        let mut path = String::new();
        let mut value: &toml::de::DeValue<'_> = &toml::de::DeValue::Table(root.get_ref().clone());
        // Where a key's entry starts: a `[[table]]` or `[table]` header's brackets
        // come before its key (and the keys of its parents, in
        // `[projections.connectivity]`), and an error about the table points at them.
        let entry_start = |key_start: usize| {
            let line = self.text[..key_start].rfind('\n').map_or(0, |i| i + 1);
            match self.text[line..key_start].trim_start().starts_with('[') {
                true => line,
                false => key_start,
            }
        };
        loop {
            let next = match value {
                toml::de::DeValue::Table(t) => t
                    .iter()
                    .filter(|(k, _)| entry_start(k.span().start) <= at)
                    .max_by_key(|(k, _)| k.span().start)
                    .map(|(k, v)| (format!(".{}", k.get_ref().as_ref()), v)),
                toml::de::DeValue::Array(a) => a
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.span().start <= at)
                    .max_by_key(|(_, v)| v.span().start)
                    .map(|(i, v)| (format!("[{i}]"), v)),
                _ => None,
            };
            let Some((segment, v)) = next else { break };
            path.push_str(&segment);
            value = v.get_ref();
        }
        let path = path.trim_start_matches('.').to_string();
        (!path.is_empty()).then_some(path)
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `a.b[2].c` into keys and indices.
fn split_path(path: &str) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            segments.push(Segment::Key(&rest[..open]));
            rest = &rest[open..];
            while let Some(close) = rest.find(']') {
                if let Ok(i) = rest[1..close].parse() {
                    segments.push(Segment::Index(i));
                }
                rest = &rest[close + 1..];
            }
        } else {
            segments.push(Segment::Key(rest));
        }
    }
    segments
}

fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// Adds a "did you mean" to serde's "unknown field `x`, expected one of `a`, `b`".
fn improve(message: &str) -> String {
    let message = message.trim();
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    format!("{message}{}", suggestion(unknown, &candidates))
}

/// The arrays whose elements are tagged tables (a `kind`, `record` or `sweep` key
/// chooses the type): serde reads them through a buffer that loses the positions, so
/// an error inside one is reported for the whole array (`every_steps = 2.5` in the
/// third recorder was reported at the first one's header; in JSON, at the array's end).
const TAGGED_ARRAYS: [&str; 3] = ["stimuli", "recorders", "sweeps"];

/// One element of an array of tagged tables, as TOML or JSON reads it.
trait TaggedElement: Sized {
    /// Its error as a `T` (None: it reads).
    fn error_of<T: serde::de::DeserializeOwned>(&self) -> Option<String>;
    fn keys(&self) -> Vec<String>;
    /// The element's value of `key`, if it is one.
    fn get_key(&self, key: &str) -> Option<&Self>;
    /// The elements of an array.
    fn items(&self) -> Option<&[Self]>;
    /// A scalar as a parser's error quotes it.
    fn unexpected(&self) -> Option<serde::de::Unexpected<'_>>;
    fn without(&self, key: &str) -> Self;

    /// Its error as an element of `array`.
    fn error_as(&self, array: &str) -> Option<String> {
        match array {
            "stimuli" => self.error_of::<Stimulus>(),
            "recorders" => self.error_of::<Recorder>(),
            _ => self.error_of::<Sweep>(),
        }
    }

    /// The parts of `key`'s value that `message` quotes (`floating point `2.5``,
    /// `string "x"`, a tag's `unknown variant `x``): `""` for the value itself, `"[i]"`
    /// for element i of an array (`neurons = [0, 1.5]`).
    fn quoted(&self, key: &str, message: &str) -> Vec<String> {
        let is_quoted = |value: &Self| {
            value.unexpected().is_some_and(|unexpected| {
                let tag = matches!(unexpected, serde::de::Unexpected::Str(s)
                    if message.contains(&format!("`{s}`")));
                tag || message.contains(&unexpected.to_string())
            })
        };
        let Some(value) = self.get_key(key) else {
            return Vec::new();
        };
        match value.items() {
            Some(items) => (items.iter().enumerate())
                .filter(|(_, item)| is_quoted(item))
                .map(|(i, _)| format!("[{i}]"))
                .collect(),
            None => match is_quoted(value) {
                true => vec![String::new()],
                false => Vec::new(),
            },
        }
    }

    /// `key` and, where its value is an array, the one element `message` quotes.
    fn quoted_path(&self, key: &str, message: &str) -> String {
        match self.quoted(key, message).as_slice() {
            [part] => format!("{key}{part}"),
            _ => key.to_string(),
        }
    }
}

/// The field of an error in `array` that the parser could not place: the first element
/// that fails on its own, and in it the key whose value the message quotes and without
/// which the error changes (another key may hold the same value); the element alone
/// where no one key is found. `None` where no element fails (the error is elsewhere).
fn element_at_fault<E: TaggedElement>(
    array: &str,
    elements: &[E],
    message: &str,
) -> Option<String> {
    if !TAGGED_ARRAYS.contains(&array) {
        return None;
    }
    let (k, element, own) = (elements.iter().enumerate())
        .find_map(|(k, e)| Some((k, e, e.error_as(array)?)))
        // The parser's error is this element's (not one elsewhere in the file).
        .filter(|(_, _, own)| message.contains(own.trim()))?;
    let culprits: Vec<String> = (element.keys().into_iter())
        .filter(|key| !element.quoted(key, message).is_empty())
        .filter(|key| element.without(key).error_as(array).as_ref() != Some(&own))
        .collect();
    Some(match culprits.as_slice() {
        [key] => format!("{array}[{k}].{}", element.quoted_path(key, message)),
        _ => format!("{array}[{k}]"),
    })
}

/// `get_key` and `items`, which TOML's and JSON's values spell alike.
macro_rules! element_access {
    () => {
        fn get_key(&self, key: &str) -> Option<&Self> {
            self.get(key)
        }

        fn items(&self) -> Option<&[Self]> {
            self.as_array().map(Vec::as_slice)
        }
    };
}

impl TaggedElement for toml::Value {
    fn error_of<T: serde::de::DeserializeOwned>(&self) -> Option<String> {
        (self.clone().try_into::<T>().err()).map(|e| e.message().to_string())
    }

    fn keys(&self) -> Vec<String> {
        self.as_table()
            .map_or(Vec::new(), |t| t.keys().cloned().collect())
    }

    element_access!();

    fn unexpected(&self) -> Option<serde::de::Unexpected<'_>> {
        use serde::de::Unexpected;
        Some(match self {
            toml::Value::Float(x) => Unexpected::Float(*x),
            toml::Value::Integer(i) => Unexpected::Signed(*i),
            toml::Value::Boolean(b) => Unexpected::Bool(*b),
            toml::Value::String(s) => Unexpected::Str(s),
            _ => return None,
        })
    }

    fn without(&self, key: &str) -> Self {
        let mut table = self.as_table().cloned().unwrap_or_default();
        table.remove(key);
        toml::Value::Table(table)
    }
}

impl TaggedElement for serde_json::Value {
    fn error_of<T: serde::de::DeserializeOwned>(&self) -> Option<String> {
        serde_json::from_value::<T>(self.clone())
            .err()
            .map(|e| e.to_string())
    }

    fn keys(&self) -> Vec<String> {
        self.as_object()
            .map_or(Vec::new(), |o| o.keys().cloned().collect())
    }

    element_access!();

    fn unexpected(&self) -> Option<serde::de::Unexpected<'_>> {
        use serde::de::Unexpected;
        Some(match self {
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Unexpected::Signed(i),
                (None, Some(u)) => Unexpected::Unsigned(u),
                _ => Unexpected::Float(n.as_f64()?),
            },
            serde_json::Value::Bool(b) => Unexpected::Bool(*b),
            serde_json::Value::String(s) => Unexpected::Str(s),
            _ => return None,
        })
    }

    fn without(&self, key: &str) -> Self {
        let mut object = self.as_object().cloned().unwrap_or_default();
        object.remove(key);
        serde_json::Value::Object(object)
    }
}
