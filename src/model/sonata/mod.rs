//! SONATA networks (the HDF5 node and edge tables of the Allen Institute's and Blue
//! Brain's toolchains, written by BMTK and read by NEST): point-neuron circuits read
//! into populations and list projections. Needs the `sonata` feature (the `hdf5`
//! crate and the system's libhdf5).
//!
//! What is read: every node population of the circuit's node files, split into one
//! neurodyn population per node type, named `<population>.<pop_name>` (the node
//! type's `pop_name`, or its `node_type_id` where that is absent or shared);
//! `virtual` nodes become spike sources with the spike trains of the simulation
//! config's `inputs` (SONATA spike files), point neurons the NEST model their
//! `model_template` names (`nest:iaf_psc_alpha`, …, see `nest::SUPPORTED`) with
//! their `dynamics_params` file converted from NEST's names, units and defaults; an
//! edge's weight is `syn_weight × nsyns` (as BMTK's PointNet), its delay `delay`
//! (ms), each from the edge's group or its edge type, onto the excitatory receptor
//! when positive and the inhibitory one when negative. What is not supported is an
//! error naming it, never skipped: other models and model types, per-node dynamics
//! parameters, synapse models other than `static_synapse` or with parameters,
//! weight functions, gap junction files, inputs other than spike files. Node
//! attributes that do not enter a point-neuron simulation (positions, labels) are
//! read past.

mod config;
mod nest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hdf5::types::{VarLenAscii, VarLenUnicode};
use serde_json::{Map, Value as Json};

pub use config::SonataConfig;
pub use nest::{neuron as nest_neuron, NestNeuron, SUPPORTED as SUPPORTED_NEST_MODELS};

use super::edge_list::DataError;
use super::{Network, NeuronModel, Population, Projection, Receptor, SpikeSourceArray, Value};

/// An error in `path` (no line: the files are binary or JSON).
fn error(path: &Path, message: impl Into<String>) -> DataError {
    DataError {
        path: path.to_path_buf(),
        location: None,
        message: message.into(),
    }
}

/// A space-separated SONATA types table: one map of column → value per row, by the
/// row's type id (`NULL` and empty cells left out).
fn read_types(path: &Path, id: &str) -> Result<BTreeMap<u64, BTreeMap<String, String>>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b' ')
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| error(path, format!("cannot read: {e}")))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| error(path, format!("cannot read the header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if !header.iter().any(|h| h == id) {
        return Err(error(
            path,
            format!("no `{id}` column (columns: {})", header.join(", ")),
        ));
    }
    let mut types = BTreeMap::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| error(path, format!("row {}: {e}", row + 2)))?;
        let values: BTreeMap<String, String> = header
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty() && *v != "NULL")
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        let type_id = values
            .get(id)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| error(path, format!("row {}: `{id}` is not a type id", row + 2)))?;
        types.insert(type_id, values);
    }
    Ok(types)
}

/// A `dynamics_params` JSON object from `folder`.
fn dynamics(
    folder: Option<&Path>,
    file: &str,
    types: &Path,
) -> Result<Map<String, Json>, DataError> {
    let path = folder.unwrap_or(Path::new("")).join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        error(
            types,
            format!("dynamics_params `{}`: cannot read: {e}", path.display()),
        )
    })?;
    match serde_json::from_str(&text) {
        Ok(Json::Object(map)) => Ok(map),
        _ => Err(error(&path, "dynamics_params must be a JSON object")),
    }
}

/// An HDF5 error in `path`.
fn h5(path: &Path) -> impl Fn(hdf5::Error) -> DataError + '_ {
    move |e| error(path, e.to_string())
}

/// A string attribute (variable-length UTF-8 or ASCII, as h5py writes them).
fn string_attr(location: &hdf5::Dataset, name: &str) -> Option<String> {
    let attr = location.attr(name).ok()?;
    attr.read_scalar::<VarLenUnicode>()
        .map(|s| s.as_str().to_string())
        .or_else(|_| {
            attr.read_scalar::<VarLenAscii>()
                .map(|s| s.as_str().to_string())
        })
        .ok()
}

/// `(pre, post, weight, delay_ms)`, as `Projection::from_list` takes them.
type ListSynapse = (u32, u32, f64, f64);

/// A node population's nodes: per node (row), its neurodyn population and index.
struct NodeMap {
    nodes: Vec<(usize, u32)>,
}

/// Reads the SONATA circuit of `config` (paths in it relative to the config's
/// folder) and appends its populations and projections to `network`.
pub fn attach(network: &mut Network, config: &Path) -> Result<(), Vec<DataError>> {
    // Failures come back as errors naming the file; libhdf5's own printing of its
    // error stack to stderr would only repeat them.
    hdf5::silence_errors(true);
    let sonata = SonataConfig::read(config).map_err(|m| vec![error(config, m)])?;
    let mut maps: BTreeMap<String, NodeMap> = BTreeMap::new();
    // Neurons' weight conversion, by neurodyn population.
    let mut units: BTreeMap<usize, (f64, bool)> = BTreeMap::new();
    let mut errors = Vec::new();
    for (nodes, types) in &sonata.nodes {
        if let Err(e) = read_nodes(network, &sonata, nodes, types, &mut maps, &mut units) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for (edges, types) in &sonata.edges {
        match read_edges(network, &sonata, edges, types, &maps, &units) {
            Ok(projections) => network.projections.extend(projections),
            Err(e) => errors.push(e),
        }
    }
    for (file, population) in &sonata.spike_inputs {
        if let Err(e) = read_spikes(network, file, population, &maps) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn read_nodes(
    network: &mut Network,
    sonata: &SonataConfig,
    path: &Path,
    types_path: &Path,
    maps: &mut BTreeMap<String, NodeMap>,
    units: &mut BTreeMap<usize, (f64, bool)>,
) -> Result<(), DataError> {
    let types = read_types(types_path, "node_type_id")?;
    let file = hdf5::File::open(path).map_err(h5(path))?;
    let root = file.group("nodes").map_err(h5(path))?;
    for name in root.member_names().map_err(h5(path))? {
        let group = root.group(&name).map_err(h5(path))?;
        let type_ids: Vec<u64> = group
            .dataset("node_type_id")
            .and_then(|d| d.read_raw())
            .map_err(h5(path))?;
        if let Ok(ids) = group.dataset("node_id").and_then(|d| d.read_raw::<u64>()) {
            if ids.iter().enumerate().any(|(row, &id)| id != row as u64) {
                return Err(error(
                    path,
                    format!("nodes/{name}/node_id: node ids other than the row numbers are not supported"),
                ));
            }
        }
        // Per-node values of what defines a node's dynamics are not supported.
        for g in group.member_names().map_err(h5(path))? {
            let Ok(node_group) = group.group(&g) else {
                continue;
            };
            for column in node_group.member_names().map_err(h5(path))? {
                if matches!(
                    column.as_str(),
                    "dynamics_params" | "model_template" | "model_type" | "model_processing"
                ) {
                    return Err(error(
                        path,
                        format!("nodes/{name}/{g}/{column}: per-node {column} is not supported"),
                    ));
                }
            }
        }
        // One neurodyn population per node type, in order of first appearance.
        let mut order: Vec<u64> = Vec::new();
        for &t in &type_ids {
            if !order.contains(&t) {
                order.push(t);
            }
        }
        let labels: Vec<String> = order
            .iter()
            .map(|t| {
                types
                    .get(t)
                    .and_then(|row| row.get("pop_name"))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let mut firsts: BTreeMap<u64, usize> = BTreeMap::new();
        for (k, &type_id) in order.iter().enumerate() {
            let row = types.get(&type_id).ok_or_else(|| {
                error(
                    types_path,
                    format!(
                        "node type {type_id} (used in {}) is not listed",
                        path.display()
                    ),
                )
            })?;
            let label = &labels[k];
            let unique = !label.is_empty() && labels.iter().filter(|l| *l == label).count() == 1;
            let population = if unique {
                format!("{name}.{label}")
            } else {
                format!("{name}.{type_id}")
            };
            let size = type_ids.iter().filter(|&&t| t == type_id).count() as u32;
            let at = |m: String| error(types_path, format!("node type {type_id}: {m}"));
            let model_type = row.get("model_type").map(String::as_str).unwrap_or("");
            let neuron = match model_type {
                "virtual" => None,
                "point_process" | "point_neuron" => {
                    let template = row
                        .get("model_template")
                        .ok_or_else(|| at("no model_template".into()))?;
                    let model = template.strip_prefix("nest:").unwrap_or(template);
                    let params = match row.get("dynamics_params") {
                        Some(file) => {
                            dynamics(sonata.point_neuron_models_dir.as_deref(), file, types_path)?
                        }
                        None => Map::new(),
                    };
                    Some(nest::neuron(model, &params).map_err(at)?)
                }
                other => {
                    return Err(at(format!(
                        "model_type `{other}` is not supported (point_process, point_neuron, \
                         virtual are)"
                    )))
                }
            };
            let p = match &neuron {
                None => Population::new(
                    &population,
                    size,
                    NeuronModel::SpikeSourceArray(SpikeSourceArray {
                        spike_times_ms: vec![Vec::new()],
                    }),
                ),
                Some(n) => Population::new(&population, size, n.model.clone())
                    .with_initial_v(Value::constant(n.v_init)),
            };
            firsts.insert(type_id, network.populations.len());
            if let Some(n) = &neuron {
                units.insert(network.populations.len(), (n.weight_factor, n.conductance));
            }
            network.add_population(p);
        }
        let mut next: BTreeMap<u64, u32> = BTreeMap::new();
        let nodes = type_ids
            .iter()
            .map(|t| {
                let index = next.entry(*t).or_insert(0);
                *index += 1;
                (firsts[t], *index - 1)
            })
            .collect();
        maps.insert(name, NodeMap { nodes });
    }
    Ok(())
}

/// Reads edges: `(source, target, weight, delay)` per edge in neurodyn's units,
/// grouped into list projections.
fn read_edges(
    network: &Network,
    sonata: &SonataConfig,
    path: &Path,
    types_path: &Path,
    maps: &BTreeMap<String, NodeMap>,
    units: &BTreeMap<usize, (f64, bool)>,
) -> Result<Vec<Projection>, DataError> {
    let types = read_types(types_path, "edge_type_id")?;
    for (id, row) in &types {
        let at = |m: String| error(types_path, format!("edge type {id}: {m}"));
        let template = row
            .get("model_template")
            .map_or("static_synapse", String::as_str);
        if template.strip_prefix("nest:").unwrap_or(template) != "static_synapse" {
            return Err(at(format!(
                "synapse model `{template}` is not supported (static_synapse is)"
            )));
        }
        if row.contains_key("weight_function") {
            return Err(at(
                "weight functions are not supported: give syn_weight".into()
            ));
        }
        if let Some(file) = row.get("dynamics_params") {
            let params = dynamics(sonata.synaptic_models_dir.as_deref(), file, types_path)?;
            if !params.is_empty() {
                let keys: Vec<&str> = params.keys().map(String::as_str).collect();
                return Err(at(format!(
                    "synapse parameters are not supported ({}): give syn_weight and delay",
                    keys.join(", ")
                )));
            }
        }
    }
    let file = hdf5::File::open(path).map_err(h5(path))?;
    let root = file.group("edges").map_err(h5(path))?;
    let mut projections = Vec::new();
    for name in root.member_names().map_err(h5(path))? {
        let group = root.group(&name).map_err(h5(path))?;
        let ends = |column: &str| -> Result<(&NodeMap, Vec<u64>), DataError> {
            let dataset = group.dataset(column).map_err(h5(path))?;
            let population = string_attr(&dataset, "node_population").ok_or_else(|| {
                error(
                    path,
                    format!("edges/{name}/{column}: no node_population attribute"),
                )
            })?;
            let map = maps.get(&population).ok_or_else(|| {
                error(
                    path,
                    format!("edges/{name}/{column}: unknown node population `{population}`"),
                )
            })?;
            Ok((map, dataset.read_raw().map_err(h5(path))?))
        };
        let (sources, source_ids) = ends("source_node_id")?;
        let (targets, target_ids) = ends("target_node_id")?;
        let read = |column: &str| -> Result<Vec<u64>, DataError> {
            group
                .dataset(column)
                .and_then(|d| d.read_raw())
                .map_err(h5(path))
        };
        let (type_ids, group_ids, group_index) = (
            read("edge_type_id")?,
            read("edge_group_id")?,
            read("edge_group_index")?,
        );
        // Each edge group's own columns.
        let mut columns: BTreeMap<u64, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        for g in group.member_names().map_err(h5(path))? {
            let (Ok(id), Ok(edge_group)) = (g.parse::<u64>(), group.group(&g)) else {
                continue;
            };
            let mut values = BTreeMap::new();
            for column in edge_group.member_names().map_err(h5(path))? {
                match column.as_str() {
                    "syn_weight" | "delay" | "nsyns" => {
                        let data: Vec<f64> = edge_group
                            .dataset(&column)
                            .and_then(|d| d.read_raw())
                            .map_err(h5(path))?;
                        values.insert(column, data);
                    }
                    "dynamics_params" | "model_template" | "weight_function" => {
                        return Err(error(
                            path,
                            format!(
                                "edges/{name}/{g}/{column}: per-edge {column} is not supported"
                            ),
                        ))
                    }
                    _ => {}
                }
            }
            columns.insert(id, values);
        }
        let mut grouped: BTreeMap<(usize, usize, u8), Vec<ListSynapse>> = BTreeMap::new();
        for e in 0..source_ids.len() {
            let node = |map: &NodeMap, id: u64, end: &str| {
                map.nodes.get(id as usize).copied().ok_or_else(|| {
                    error(
                        path,
                        format!("edges/{name}: edge {e}'s {end} node {id} does not exist"),
                    )
                })
            };
            let (pre, i) = node(sources, source_ids[e], "source")?;
            let (post, j) = node(targets, target_ids[e], "target")?;
            let row = types.get(&type_ids[e]).ok_or_else(|| {
                error(
                    types_path,
                    format!(
                        "edge type {} (used in {}) is not listed",
                        type_ids[e],
                        path.display()
                    ),
                )
            })?;
            let value = |column: &str| -> Option<f64> {
                let own = columns
                    .get(&group_ids[e])
                    .and_then(|c| c.get(column))
                    .and_then(|v| v.get(group_index[e] as usize).copied());
                own.or_else(|| row.get(column).and_then(|v| v.parse().ok()))
            };
            let missing = |column: &str| {
                error(
                    path,
                    format!("edges/{name}: edge {e} has no {column} (in its group or edge type)"),
                )
            };
            let syn_weight = value("syn_weight").ok_or_else(|| missing("syn_weight"))?;
            let delay = value("delay").ok_or_else(|| missing("delay"))?;
            let nsyns = value("nsyns").unwrap_or(1.0);
            let Some(&(factor, conductance)) = units.get(&post) else {
                return Err(error(
                    path,
                    format!(
                        "edges/{name}: edge {e} targets `{}`, a virtual node",
                        network.populations[post].name
                    ),
                ));
            };
            let weight = syn_weight * nsyns * factor;
            let receptor = if weight < 0.0 {
                Receptor::Inhibitory
            } else {
                Receptor::Excitatory
            };
            let weight = if conductance { weight.abs() } else { weight };
            grouped
                .entry((pre, post, receptor.index() as u8))
                .or_default()
                .push((i, j, weight, delay));
        }
        for ((pre, post, receptor), synapses) in grouped {
            projections.push(Projection::from_list(
                &network.populations[pre].name,
                &network.populations[post].name,
                &synapses,
                Receptor::from_index(receptor),
            ));
        }
    }
    Ok(projections)
}

/// Spike trains of a SONATA spike file for the virtual nodes of `population`.
fn read_spikes(
    network: &mut Network,
    path: &PathBuf,
    population: &str,
    maps: &BTreeMap<String, NodeMap>,
) -> Result<(), DataError> {
    let map = maps.get(population).ok_or_else(|| {
        error(
            path,
            format!("spike input for unknown node population `{population}`"),
        )
    })?;
    let file = hdf5::File::open(path).map_err(h5(path))?;
    let spikes = file.group("spikes").map_err(h5(path))?;
    // SONATA: spikes/<population>/{timestamps, node_ids}; older files spikes/{timestamps, gids}.
    let (group, ids) = if spikes.link_exists(population) {
        (spikes.group(population).map_err(h5(path))?, "node_ids")
    } else {
        (spikes, "gids")
    };
    let times = group.dataset("timestamps").map_err(h5(path))?;
    let scale = match string_attr(&times, "units").as_deref() {
        None | Some("ms") => 1.0,
        Some("s") => 1000.0,
        Some(other) => {
            return Err(error(
                path,
                format!("timestamps in `{other}`: ms or s are read"),
            ))
        }
    };
    let times: Vec<f64> = times.read_raw().map_err(h5(path))?;
    let nodes: Vec<u64> = group
        .dataset(ids)
        .and_then(|d| d.read_raw())
        .map_err(h5(path))?;
    let mut trains: BTreeMap<usize, Vec<Vec<f64>>> = BTreeMap::new();
    for (&t, &node) in times.iter().zip(&nodes) {
        let &(p, i) = map.nodes.get(node as usize).ok_or_else(|| {
            error(
                path,
                format!(
                    "a spike of node {node}, beyond the {} nodes of `{population}`",
                    map.nodes.len()
                ),
            )
        })?;
        let NeuronModel::SpikeSourceArray(_) = network.populations[p].neuron else {
            return Err(error(
                path,
                format!("spikes for node {node} of `{population}`, which is not virtual"),
            ));
        };
        let size = network.populations[p].size as usize;
        trains.entry(p).or_insert_with(|| vec![Vec::new(); size])[i as usize].push(t * scale);
    }
    for (p, mut lists) in trains {
        for list in &mut lists {
            list.sort_by(f64::total_cmp);
        }
        network.populations[p].neuron = NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: lists,
        });
    }
    Ok(())
}
