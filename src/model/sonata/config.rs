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
    /// Spike trains for virtual nodes: (spike file, node population).
    pub spike_inputs: Vec<(PathBuf, String)>,
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
        let (circuit, circuit_folder, simulation, simulation_folder) =
            if json.get("networks").is_some() {
                (
                    json.clone(),
                    folder.to_path_buf(),
                    Some(json),
                    folder.to_path_buf(),
                )
            } else if let Some(network) = json.get("network") {
                let network_path = resolve(network, folder, "network")?;
                let circuit =
                    read(&network_path).map_err(|e| format!("{}: {e}", network_path.display()))?;
                let simulation = match json.get("simulation") {
                    Some(s) => {
                        let p = resolve(s, folder, "simulation")?;
                        let sim = read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                        (sim, p.parent().unwrap_or(Path::new("")).to_path_buf())
                    }
                    None => (json.clone(), folder.to_path_buf()),
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
            config.dt_ms = number("dt")?;
            config.tstop_ms = number("tstop")?;
            if number("tstart")?.is_some_and(|t| t != 0.0) {
                return Err("`run.tstart` other than 0 is not supported".into());
            }
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
                let population = input["node_set"].as_str().ok_or_else(|| {
                    format!("`{field}.node_set`: a node population's name is supported")
                })?;
                config.spike_inputs.push((
                    resolve(
                        &input["input_file"],
                        &simulation_folder,
                        &format!("{field}.input_file"),
                    )?,
                    population.to_string(),
                ));
            }
        }
        Ok(config)
    }
}
