//! SONATA configuration files: a circuit config (`networks`: node and edge files,
//! `components`: model directories), a simulation config (`run`, `inputs`), or a
//! top-level config naming both (`network`, `simulation`, as BMTK writes
//! `config.json`); each with a `manifest` of `$NAME` paths (used as `$NAME` or
//! `${NAME}`), `${configdir}` being the file's own folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// The files of a SONATA circuit and of the inputs and run a simulation config gives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SonataConfig {
    /// (nodes file, node types file) per node file.
    pub nodes: Vec<(PathBuf, PathBuf)>,
    /// (edges file, edge types file) per edge file.
    pub edges: Vec<(PathBuf, PathBuf)>,
    /// Where `dynamics_params` files of neurons and synapses are.
    pub point_neuron_models_dir: Option<PathBuf>,
    pub synaptic_models_dir: Option<PathBuf>,
    /// `run`: step and end (ms).
    pub dt_ms: Option<f64>,
    pub tstop_ms: Option<f64>,
    /// Spike trains for virtual nodes.
    pub spike_inputs: Vec<SpikeInput>,
}

/// A simulation config's spike-file input.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeInput {
    /// The input's key in its simulation config (`inputs.<key>`) and that config,
    /// for errors.
    pub key: String,
    pub config: PathBuf,
    /// The SONATA spike file.
    pub file: PathBuf,
    /// The node population its `node_set` names (itself, or a node set of the
    /// `node_sets_file` that is one whole population).
    pub population: String,
}

/// The longest a manifest entry may become once expanded.
const MAX_EXPANDED: usize = 4096;

/// A config file read, with its manifest applied to every string in it.
fn read(path: &Path) -> Result<Json, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let json: Json = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let folder = path
        .parent()
        .unwrap_or(Path::new(""))
        .to_string_lossy()
        .into_owned();
    let mut manifest: BTreeMap<String, String> = BTreeMap::new();
    manifest.insert("${configdir}".into(), folder.clone());
    if let Some(entries) = json.get("manifest").and_then(Json::as_object) {
        for (name, value) in entries {
            let value = value
                .as_str()
                .ok_or_else(|| format!("manifest entry `{name}` is not a string"))?;
            // A name without `$` would be replaced wherever its letters occur.
            if !name.starts_with('$') {
                return Err(format!(
                    "manifest entry `{name}`: a manifest name begins with `$` (`${name}`)"
                ));
            }
            manifest.insert(name.clone(), value.to_string());
        }
    }
    // Entries refer to each other: expand until nothing changes (a cycle is an error).
    for _ in 0..=manifest.len() {
        let before = manifest.clone();
        for (name, value) in manifest.iter_mut() {
            *value = expand(value, &before);
            // Entries that double each other grow exponentially (40 of them would
            // ask for a terabyte): a path is never this long.
            if value.len() > MAX_EXPANDED {
                return Err(format!(
                    "manifest entry `{name}` expands to more than {MAX_EXPANDED} characters"
                ));
            }
        }
        if manifest == before {
            let mut json = json;
            substitute(&mut json, &manifest);
            return Ok(json);
        }
    }
    Err("the manifest's entries refer to each other in a cycle".into())
}

/// `text` with every manifest name replaced by its value, written `$NAME` or
/// `${NAME}` (the specification's own examples use both), longest names first (so
/// `$BASE_DIR_2` is not read as `$BASE_DIR` + `_2`).
fn expand(text: &str, manifest: &BTreeMap<String, String>) -> String {
    let mut names: Vec<&String> = manifest.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.into_iter().fold(text.to_string(), |t, name| {
        let value = &manifest[name];
        let t = match name.strip_prefix('$').filter(|n| !n.starts_with('{')) {
            Some(bare) => t.replace(&format!("${{{bare}}}"), value),
            None => t,
        };
        t.replace(name.as_str(), value)
    })
}

fn substitute(json: &mut Json, manifest: &BTreeMap<String, String>) {
    match json {
        Json::String(s) => *s = expand(s, manifest),
        Json::Array(items) => items.iter_mut().for_each(|j| substitute(j, manifest)),
        Json::Object(map) => map.values_mut().for_each(|j| substitute(j, manifest)),
        _ => {}
    }
}

/// A path from a config string: relative ones are relative to the config's folder.
fn resolve(value: &Json, folder: &Path, field: &str) -> Result<PathBuf, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("`{field}` is not a path"))?;
    Ok(folder.join(text))
}

impl SonataConfig {
    /// Reads `path`: a circuit config, a simulation config naming its circuit in
    /// `network`, or a top-level config naming both.
    pub fn read(path: &Path) -> Result<Self, String> {
        // Absolute, so `${configdir}` paths and relative ones resolve alike.
        let path = &std::fs::canonicalize(path).map_err(|e| format!("cannot read: {e}"))?;
        let folder = path.parent().unwrap_or(Path::new(""));
        let json = read(path)?;
        let (circuit, circuit_folder, simulation, simulation_path) =
            if json.get("networks").is_some() {
                (
                    json.clone(),
                    folder.to_path_buf(),
                    Some(json),
                    path.to_path_buf(),
                )
            } else if let Some(network) = json.get("network") {
                let network_path = resolve(network, folder, "network")?;
                let circuit =
                    read(&network_path).map_err(|e| format!("{}: {e}", network_path.display()))?;
                let simulation = match json.get("simulation") {
                    Some(s) => {
                        let p = resolve(s, folder, "simulation")?;
                        let sim = read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                        (sim, p)
                    }
                    None => (json.clone(), path.to_path_buf()),
                };
                let circuit_folder = network_path.parent().unwrap_or(Path::new("")).to_path_buf();
                (circuit, circuit_folder, Some(simulation.0), simulation.1)
            } else {
                return Err(
                    "neither a circuit config (`networks`) nor a config naming one (`network`)"
                        .into(),
                );
            };
        let mut config = Self::default();
        let networks = &circuit["networks"];
        for entry in networks["nodes"].as_array().into_iter().flatten() {
            config.nodes.push((
                resolve(
                    &entry["nodes_file"],
                    &circuit_folder,
                    "networks.nodes[].nodes_file",
                )?,
                resolve(
                    &entry["node_types_file"],
                    &circuit_folder,
                    "networks.nodes[].node_types_file",
                )?,
            ));
        }
        for entry in networks["edges"].as_array().into_iter().flatten() {
            config.edges.push((
                resolve(
                    &entry["edges_file"],
                    &circuit_folder,
                    "networks.edges[].edges_file",
                )?,
                resolve(
                    &entry["edge_types_file"],
                    &circuit_folder,
                    "networks.edges[].edge_types_file",
                )?,
            ));
        }
        if config.nodes.is_empty() {
            return Err("the circuit lists no node files (`networks.nodes`)".into());
        }
        // A file listed twice would add its nodes or synapses twice.
        for (kind, files) in [
            (
                "nodes",
                config.nodes.iter().map(|f| &f.0).collect::<Vec<_>>(),
            ),
            ("edges", config.edges.iter().map(|f| &f.0).collect()),
        ] {
            if let Some((k, file)) =
                (files.iter().enumerate()).find(|(k, file)| files[..*k].contains(file))
            {
                return Err(format!(
                    "`networks.{kind}[{k}]`: {} is listed twice",
                    file.display()
                ));
            }
        }
        if networks
            .get("gap_juncs")
            .and_then(Json::as_array)
            .is_some_and(|g| !g.is_empty())
        {
            return Err("`networks.gap_juncs` (gap junction files) is not supported".into());
        }
        let components = &circuit["components"];
        for (key, slot) in [
            (
                "point_neuron_models_dir",
                &mut config.point_neuron_models_dir,
            ),
            ("synaptic_models_dir", &mut config.synaptic_models_dir),
        ] {
            if let Some(dir) = components.get(key) {
                *slot = Some(resolve(dir, &circuit_folder, &format!("components.{key}"))?);
            }
        }
        if let Some(sim) = simulation {
            // Its errors name its own file where it is not the one read.
            config
                .read_simulation(&sim, &simulation_path, &circuit, &circuit_folder)
                .map_err(|m| {
                    if simulation_path == *path {
                        m
                    } else {
                        format!("{}: {m}", simulation_path.display())
                    }
                })?;
        }
        Ok(config)
    }

    /// The run and the inputs of the simulation config `sim` (at `sim_path`).
    fn read_simulation(
        &mut self,
        sim: &Json,
        sim_path: &Path,
        circuit: &Json,
        circuit_folder: &Path,
    ) -> Result<(), String> {
        let simulation_folder = sim_path.parent().unwrap_or(Path::new(""));
        let run = &sim["run"];
        // A value that is there must be a number (a string was silently ignored).
        let number = |key: &str| -> Result<Option<f64>, String> {
            match run.get(key) {
                None | Some(Json::Null) => Ok(None),
                Some(value) => value
                    .as_f64()
                    .map(Some)
                    .ok_or_else(|| format!("`run.{key}` = {value} is not a number")),
            }
        };
        self.dt_ms = number("dt")?;
        self.tstop_ms = number("tstop")?;
        if number("tstart")?.is_some_and(|t| t != 0.0) {
            return Err("`run.tstart` other than 0 is not supported".into());
        }
        // The simulation's node sets file, else the circuit's.
        let node_sets = match (sim.get("node_sets_file"), circuit.get("node_sets_file")) {
            (Some(file), _) => {
                NodeSets::read(&resolve(file, simulation_folder, "node_sets_file")?)?
            }
            (None, Some(file)) => {
                NodeSets::read(&resolve(file, circuit_folder, "node_sets_file")?)?
            }
            (None, None) => NodeSets::default(),
        };
        for (name, input) in sim["inputs"].as_object().into_iter().flatten() {
            let field = format!("inputs.{name}");
            let kind = input["input_type"].as_str().unwrap_or("");
            let module = input["module"].as_str().unwrap_or("");
            if kind != "spikes" || !matches!(module, "sonata" | "h5" | "hdf5") {
                return Err(format!(
                    "`{field}`: input_type `{kind}` with module `{module}` is not \
                     supported (spike trains from SONATA HDF5 files are)"
                ));
            }
            let set = input["node_set"].as_str().ok_or_else(|| {
                format!("`{field}.node_set`: a node population's or node set's name is supported")
            })?;
            self.spike_inputs.push(SpikeInput {
                key: field.clone(),
                config: sim_path.to_path_buf(),
                file: resolve(
                    &input["input_file"],
                    simulation_folder,
                    &format!("{field}.input_file"),
                )?,
                population: node_sets
                    .population(set)
                    .map_err(|m| format!("`{field}.node_set` = `{set}`: {m}"))?,
            });
        }
        Ok(())
    }
}

/// A node sets file: names for selections of nodes. Spike inputs are read for whole
/// node populations, so only a set that is one (`{"population": "thalamus"}`) is
/// resolved; a name that is no set is taken as a population's own.
#[derive(Debug, Default)]
struct NodeSets {
    file: Option<PathBuf>,
    sets: serde_json::Map<String, Json>,
}

impl NodeSets {
    fn read(path: &Path) -> Result<Self, String> {
        let fail = |m: String| format!("{}: {m}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let json: Json = serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
        let Json::Object(sets) = json else {
            return Err(fail(
                "a node sets file is a JSON object of named node sets".into(),
            ));
        };
        Ok(Self {
            file: Some(path.to_path_buf()),
            sets,
        })
    }

    /// The node population the set `name` is.
    fn population(&self, name: &str) -> Result<String, String> {
        let Some(set) = self.sets.get(name) else {
            return Ok(name.to_string());
        };
        let file = self.file.as_deref().unwrap_or(Path::new("")).display();
        match set.as_object() {
            Some(rule) if rule.len() == 1 => (rule.get("population"))
                .and_then(Json::as_str)
                .map(str::to_string)
                .ok_or_else(|| unsupported(name, &file.to_string(), rule)),
            Some(rule) => Err(unsupported(name, &file.to_string(), rule)),
            None => Err(format!(
                "the node set in {file} is a compound or not an object: an input's node set \
                 must be one whole node population (`{{\"population\": …}}`)"
            )),
        }
    }
}

fn unsupported(name: &str, file: &str, rule: &serde_json::Map<String, Json>) -> String {
    let keys: Vec<&str> = rule.keys().map(String::as_str).collect();
    format!(
        "node set `{name}` of {file} selects by {}: an input's node set must be one whole \
         node population (`{{\"population\": …}}`)",
        keys.join(", ")
    )
}
