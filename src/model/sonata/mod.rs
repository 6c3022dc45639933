//! SONATA networks (the HDF5 node and edge tables of the Allen Institute's and Blue
//! Brain's toolchains, written by BMTK and read by NEST): point-neuron circuits read
//! into populations and list projections. Needs the `sonata` feature (the `hdf5`
//! crate and the system's libhdf5).
//!
//! What is read: every node population of the circuit's node files, split into one
//! neurodyn population per node type, named `<population>.<pop_name>` (the node
//! type's `pop_name`, or its `node_type_id` where that is absent or shared);
//! `virtual` nodes become spike sources with the spike trains of the simulation
//! config's `inputs` (SONATA spike files; a node's k-th spike within one step in a
//! copy `<population>.<pop_name>~k` with the node's synapses), point neurons the NEST model their
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
use super::validate::spike_time_range;
use super::{Network, NeuronModel, Population, Projection, Receptor, SpikeSourceArray, Value};

/// An error in `path` (no line: the files are binary or JSON).
fn error(path: &Path, message: impl Into<String>) -> DataError {
    DataError {
        path: path.to_path_buf(),
        location: None,
        message: message.into(),
    }
}

/// A row of a SONATA types table: its line, type id, `population` (where the table
/// has that column) and its cells by column (`NULL` and empty cells left out).
struct TypeRow {
    line: u64,
    id: u64,
    population: Option<String>,
    values: BTreeMap<String, String>,
}

/// A SONATA types table (node types or edge types).
struct TypeTable {
    rows: Vec<TypeRow>,
}

impl TypeTable {
    /// The row of type `id` for the node or edge population `population`: type ids are
    /// unique, or made unique by the `population` column.
    fn row(&self, id: u64, population: &str) -> Option<&BTreeMap<String, String>> {
        self.rows
            .iter()
            .find(|r| r.id == id && r.population.as_deref().is_none_or(|p| p == population))
            .map(|r| &r.values)
    }
}

/// `text` with each run of spaces outside double quotes made one space and each line
/// trimmed: a types table's columns are separated by "one or multiple spaces", which
/// the CSV reader (one delimiter character) does not take.
fn single_spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let (mut quoted, mut space) = (false, false);
        for c in line.trim().chars() {
            quoted ^= c == '"';
            if c == ' ' && !quoted {
                if !space {
                    out.push(' ');
                }
                space = true;
            } else {
                out.push(c);
                space = false;
            }
        }
        out.push('\n');
    }
    out
}

/// A space-separated SONATA types table whose type ids are in column `id`.
fn read_types(path: &Path, id: &str) -> Result<TypeTable, DataError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| error(path, format!("cannot read: {e}")))?;
    let text = single_spaced(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b' ')
        .from_reader(text.as_bytes());
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
    let mut rows: Vec<TypeRow> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| error(path, e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        let values: BTreeMap<String, String> = header
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty() && *v != "NULL")
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        let type_id = values
            .get(id)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| error(path, format!("line {line}: `{id}` is not a type id")))?;
        let population = values.get("population").cloned();
        // Two rows of one id are one type listed twice, unless their populations differ.
        if let Some(other) = rows.iter().find(|r| {
            r.id == type_id
                && match (&r.population, &population) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        }) {
            return Err(error(
                path,
                format!(
                    "lines {} and {line} both define {id} {type_id} (type ids are unique, or \
                     made unique by a `population` column)",
                    other.line
                ),
            ));
        }
        rows.push(TypeRow {
            line,
            id: type_id,
            population,
            values,
        });
    }
    Ok(TypeTable { rows })
}

/// A `dynamics_params` JSON object from `folder`, or, where the config names no
/// models folder, from the folder of the type table `types` that names it (not the
/// working directory, which would make the circuit read differently from elsewhere).
fn dynamics(
    folder: Option<&Path>,
    file: &str,
    types: &Path,
) -> Result<Map<String, Json>, DataError> {
    let beside_types = types.parent().unwrap_or(Path::new(""));
    let path = folder.unwrap_or(beside_types).join(file);
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

/// A string attribute of `dataset` (variable- or fixed-length, UTF-8 or ASCII): `None`
/// where it has none, an error where it has one that is not a string.
fn string_attr(
    dataset: &hdf5::Dataset,
    name: &str,
    path: &Path,
) -> Result<Option<String>, DataError> {
    use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor};
    if !dataset
        .attr_names()
        .map_err(h5(path))?
        .iter()
        .any(|n| n == name)
    {
        return Ok(None);
    }
    let attr = dataset.attr(name).map_err(h5(path))?;
    let descriptor = attr
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(h5(path))?;
    let text = match descriptor {
        TypeDescriptor::VarLenUnicode => attr
            .read_scalar::<VarLenUnicode>()
            .map(|s| s.as_str().to_string()),
        TypeDescriptor::VarLenAscii => attr
            .read_scalar::<VarLenAscii>()
            .map(|s| s.as_str().to_string()),
        TypeDescriptor::FixedAscii(_) => attr
            .read_scalar::<FixedAscii<1024>>()
            .map(|s| s.as_str().to_string()),
        TypeDescriptor::FixedUnicode(_) => attr
            .read_scalar::<FixedUnicode<1024>>()
            .map(|s| s.as_str().to_string()),
        other => {
            return Err(error(
                path,
                format!(
                    "{}'s attribute `{name}` is {other}, not a string",
                    dataset.name()
                ),
            ))
        }
    }
    .map_err(h5(path))?;
    Ok(Some(text.trim_end_matches(['\0', ' ']).to_string()))
}

/// An HDF5 dataset of ids or indices, of any integer type: refused where it holds
/// other numbers or a negative one (HDF5's own conversion would silently make -1 or
/// 0.9 node 0).
fn integers(dataset: &hdf5::Dataset, path: &Path) -> Result<Vec<u64>, DataError> {
    use hdf5::types::TypeDescriptor;
    let name = dataset.name();
    match dataset
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(h5(path))?
    {
        TypeDescriptor::Unsigned(_) => dataset.read_raw().map_err(h5(path)),
        TypeDescriptor::Integer(_) => {
            let values: Vec<i64> = dataset.read_raw().map_err(h5(path))?;
            values
                .iter()
                .enumerate()
                .map(|(row, &v)| {
                    u64::try_from(v).map_err(|_| {
                        error(
                            path,
                            format!("{name}[{row}] = {v}: ids and indices are never negative"),
                        )
                    })
                })
                .collect()
        }
        other => Err(error(path, format!("{name} holds {other}, not integers"))),
    }
}

/// The integer dataset `column` of `group`.
fn integer_column(group: &hdf5::Group, column: &str, path: &Path) -> Result<Vec<u64>, DataError> {
    integers(&group.dataset(column).map_err(h5(path))?, path)
}

/// `(pre, post, weight, delay_ms)`, as `Projection::from_list` takes them.
type ListSynapse = (u32, u32, f64, f64);

/// A node population's nodes: per node (row), its neurodyn population and index.
struct NodeMap {
    nodes: Vec<(usize, u32)>,
    /// The nodes file the population is in.
    file: PathBuf,
}

/// Reads the SONATA circuit of `config` (paths in it relative to the config's
/// folder) and appends its populations and projections to `network`.
pub fn attach(network: &mut Network, config: &Path) -> Result<(), Vec<DataError>> {
    // Failures come back as errors naming the file; libhdf5's own printing of its
    // error stack to stderr would only repeat them.
    hdf5::silence_errors(true);
    let sonata = SonataConfig::read(config).map_err(|m| vec![error(config, m)])?;
    let (first, first_projection) = (network.populations.len(), network.projections.len());
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
    for input in &sonata.spike_inputs {
        // The config names a population the circuit lacks: the config is at fault.
        if !maps.contains_key(&input.population) {
            let known: Vec<&str> = maps.keys().map(String::as_str).collect();
            errors.push(error(
                &input.config,
                format!(
                    "`{}.node_set`: no node population `{}` (the circuit's: {})",
                    input.key,
                    input.population,
                    known.join(", ")
                ),
            ));
            continue;
        }
        if let Err(e) = read_spikes(network, &input.file, &input.population, &maps) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        split_spikes_within_a_step(network, first, first_projection);
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
        if let Some(other) = maps.get(&name) {
            return Err(error(
                path,
                format!(
                    "node population `{name}` is also in {}: a population's nodes are in one file",
                    other.file.display()
                ),
            ));
        }
        let group = root.group(&name).map_err(h5(path))?;
        let type_ids = integer_column(&group, "node_type_id", path)?;
        if let Ok(ids) = group.dataset("node_id") {
            let ids = integers(&ids, path)?;
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
                    .row(*t, &name)
                    .and_then(|row| row.get("pop_name"))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let mut firsts: BTreeMap<u64, usize> = BTreeMap::new();
        for (k, &type_id) in order.iter().enumerate() {
            let row = types.row(type_id, &name).ok_or_else(|| {
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
        maps.insert(
            name,
            NodeMap {
                nodes,
                file: path.to_path_buf(),
            },
        );
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
    for TypeRow {
        id, values: row, ..
    } in &types.rows
    {
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
            let population = string_attr(&dataset, "node_population", path)?.ok_or_else(|| {
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
            Ok((map, integers(&dataset, path)?))
        };
        let (sources, source_ids) = ends("source_node_id")?;
        let (targets, target_ids) = ends("target_node_id")?;
        let (type_ids, group_ids, group_index) = (
            integer_column(&group, "edge_type_id", path)?,
            integer_column(&group, "edge_group_id", path)?,
            integer_column(&group, "edge_group_index", path)?,
        );
        // One entry per edge in each (the specification's `Dataset{N_total_edges}`).
        for (column, len) in [
            ("target_node_id", target_ids.len()),
            ("edge_type_id", type_ids.len()),
            ("edge_group_id", group_ids.len()),
            ("edge_group_index", group_index.len()),
        ] {
            if len != source_ids.len() {
                return Err(error(
                    path,
                    format!(
                        "edges/{name}/{column} has {len} entries, source_node_id {}: one per edge",
                        source_ids.len()
                    ),
                ));
            }
        }
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
            let row = types.row(type_ids[e], &name).ok_or_else(|| {
                error(
                    types_path,
                    format!(
                        "edge type {} (used in {}) is not listed",
                        type_ids[e],
                        path.display()
                    ),
                )
            })?;
            let (g, index) = (group_ids[e], group_index[e]);
            let own = columns.get(&g).ok_or_else(|| {
                error(
                    path,
                    format!("edges/{name}: edge {e}'s edge_group_id is {g}, a group it lacks"),
                )
            })?;
            // The edge's own value where its group has the column, else its type's.
            let value = |column: &str| -> Result<Option<f64>, DataError> {
                if let Some(values) = own.get(column) {
                    return values
                        .get(index as usize)
                        .copied()
                        .map(Some)
                        .ok_or_else(|| {
                            error(
                                path,
                                format!(
                                    "edges/{name}: edge {e}'s edge_group_index is {index}, beyond \
                                 the {} values of {name}/{g}/{column}",
                                    values.len()
                                ),
                            )
                        });
                }
                row.get(column)
                    .map(|v| {
                        v.parse().map_err(|_| {
                            error(
                                types_path,
                                format!(
                                    "edge type {}: {column} `{v}` is not a number",
                                    type_ids[e]
                                ),
                            )
                        })
                    })
                    .transpose()
            };
            let missing = |column: &str| {
                error(
                    path,
                    format!("edges/{name}: edge {e} has no {column} (in its group or edge type)"),
                )
            };
            let syn_weight = value("syn_weight")?.ok_or_else(|| missing("syn_weight"))?;
            let delay = value("delay")?.ok_or_else(|| missing("delay"))?;
            // NEST, which SONATA's point-neuron circuits are built for, refuses a
            // delay under its resolution; neurodyn would lengthen it to one step.
            let dt = network.dt_ms;
            if !(delay.is_finite() && delay >= dt * (1.0 - 1e-9)) {
                return Err(error(
                    path,
                    format!(
                        "edges/{name}: edge {e}'s delay {delay} ms is shorter than one step \
                         ({dt} ms), which NEST refuses too"
                    ),
                ));
            }
            let nsyns = value("nsyns")?.unwrap_or(1.0);
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

/// Spike trains of a SONATA spike file for the virtual nodes of `population`, added
/// to those of earlier inputs (a node may receive several).
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
    } else if spikes.link_exists("gids") {
        (spikes, "gids")
    } else {
        return Err(error(
            path,
            format!("no spikes/{population} group (nor the older spikes/gids layout)"),
        ));
    };
    let times = group.dataset("timestamps").map_err(h5(path))?;
    let scale = match string_attr(&times, "units", path)?.as_deref() {
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
    let nodes = integer_column(&group, ids, path)?;
    if nodes.len() != times.len() {
        return Err(error(
            path,
            format!(
                "{} timestamps and {} {ids}: one node per spike",
                times.len(),
                nodes.len()
            ),
        ));
    }
    let mut trains: BTreeMap<usize, Vec<Vec<f64>>> = BTreeMap::new();
    let (earliest, latest) = spike_time_range(network.dt_ms);
    for (&t, &node) in times.iter().zip(&nodes) {
        if !(t * scale >= earliest && t * scale <= latest) {
            return Err(error(
                path,
                format!(
                    "node {node} of `{population}` spikes at {} ms: spike times must lie \
                     between {earliest} ms (half a step) and {latest} ms",
                    t * scale
                ),
            ));
        }
        let &(p, i) = map.nodes.get(node as usize).ok_or_else(|| {
            error(
                path,
                format!(
                    "a spike of node {node}, beyond the {} nodes of `{population}`",
                    map.nodes.len()
                ),
            )
        })?;
        let NeuronModel::SpikeSourceArray(earlier) = &network.populations[p].neuron else {
            return Err(error(
                path,
                format!("spikes for node {node} of `{population}`, which is not virtual"),
            ));
        };
        let size = network.populations[p].size as usize;
        trains.entry(p).or_insert_with(|| {
            // An earlier input's trains (one per node), or none yet (one shared empty list).
            match earlier.spike_times_ms.len() {
                n if n == size => earlier.spike_times_ms.clone(),
                _ => vec![Vec::new(); size],
            }
        })[i as usize]
            .push(t * scale);
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

/// Keeps every spike of a virtual node that has several in one step. NEST's
/// spike_generator delivers them as one spike of that multiplicity (its weight times
/// the count); a neurodyn spike source spikes at most once a step. So the k-th spike
/// of a step (k ≥ 2) of the virtual populations from `first` on moves to a copy of its
/// population, `<population>.<pop_name>~k`, with the circuit's synapses of the nodes
/// that have such spikes (the SONATA projections from `first_projection` on; the same
/// input arrives, since fixed-point adds are exact and order-free). The population's
/// own raster shows one spike per step; projections the model file itself makes from
/// it see that one.
fn split_spikes_within_a_step(network: &mut Network, first: usize, first_projection: usize) {
    let dt = network.dt_ms;
    for p in first..network.populations.len() {
        let NeuronModel::SpikeSourceArray(array) = &network.populations[p].neuron else {
            continue;
        };
        // layers[k]: per neuron, its spikes that are the (k+1)-th of their step.
        let mut layers: Vec<Vec<Vec<f64>>> = Vec::new();
        for (i, list) in array.spike_times_ms.iter().enumerate() {
            let mut k = 0;
            for (j, &t) in list.iter().enumerate() {
                let same = j > 0 && super::spike_step(list[j - 1], dt) == super::spike_step(t, dt);
                k = if same { k + 1 } else { 0 };
                if layers.len() <= k {
                    layers.push(vec![Vec::new(); array.spike_times_ms.len()]);
                }
                layers[k][i].push(t);
            }
        }
        if layers.len() < 2 {
            continue;
        }
        let name = network.populations[p].name.clone();
        let size = network.populations[p].size;
        let mut layers = layers.into_iter();
        network.populations[p].neuron = NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: layers.next().expect("two layers or more"),
        });
        let outgoing: Vec<Projection> = network.projections[first_projection..]
            .iter()
            .filter(|projection| projection.pre == name)
            .cloned()
            .collect();
        for (k, lists) in layers.enumerate() {
            let copy = format!("{name}~{}", k + 2);
            // Only the synapses of nodes with a spike in this layer.
            let active: Vec<bool> = lists.iter().map(|l| !l.is_empty()).collect();
            network.add_population(Population::new(
                &copy,
                size,
                NeuronModel::SpikeSourceArray(SpikeSourceArray {
                    spike_times_ms: lists,
                }),
            ));
            for projection in &outgoing {
                let (
                    super::Connectivity::FromList { pairs },
                    Value::Array { values: weights },
                    Value::Array { values: delays },
                ) = (
                    &projection.connectivity,
                    &projection.weight,
                    &projection.delay_ms,
                )
                else {
                    unreachable!("SONATA edges are list projections with a value per synapse")
                };
                let synapses: Vec<ListSynapse> = pairs
                    .iter()
                    .zip(weights.iter().zip(delays))
                    .filter(|((i, _), _)| active[*i as usize])
                    .map(|(&(i, j), (&w, &d))| (i, j, w, d))
                    .collect();
                if !synapses.is_empty() {
                    network.projections.push(Projection::from_list(
                        &copy,
                        &projection.post,
                        &synapses,
                        projection.receptor,
                    ));
                }
            }
        }
    }
}
