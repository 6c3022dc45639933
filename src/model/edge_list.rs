//! Connectivity from data: neuron tables that give neurons names, and edge lists that
//! become list projections. A neuron table is a CSV file with the columns `name` and
//! `population`: each row names the next neuron of its population (in row order), and
//! the population's size must equal its rows; any other column is a parameter of the
//! neuron model with a value per neuron (`Population::heterogeneous`), left at the
//! model's value for a population whose cells in it are all empty. An edge list is a CSV file (TSV when
//! its name ends in `.tsv`) with the columns `pre`, `post` and `weight` and,
//! optionally, `delay_ms` and `receptor` (`excitatory`, `inhibitory`, a port
//! number, or `electrical`/`gap` for a gap junction of conductance `weight` µS);
//! `pre` and `post` are neuron names from the tables or `population:index`. Gap
//! junctions become `GapJunctions` per population pair; one listed again from its
//! other end with the same conductance is the same junction (connectomes list
//! electrical synapses both ways). Its edges become one `from_list` projection per (pre
//! population, post population, receptor), in the order the groups first appear, the
//! edges in file order. An edge listed twice (same pre, post and receptor) is refused
//! or, with `duplicates = "sum"`, merged by adding the weights (the delays must
//! agree). Errors name the file, the line and the column.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{GapJunctions, Network, Projection, Receptor, Value};

/// `[[neuron_tables]]`: a CSV file naming neurons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeuronTable {
    /// The file, relative to the model file.
    pub file: String,
}

/// `[[edge_lists]]`: a CSV or TSV file of synapses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeList {
    /// The file, relative to the model file.
    pub file: String,
    /// The delay of edges without a `delay_ms` column (ms).
    #[serde(default = "one_ms")]
    pub delay_ms: f64,
    /// The receptor of edges without a `receptor` column.
    #[serde(default = "excitatory")]
    pub receptor: Receptor,
    #[serde(default)]
    pub duplicates: Duplicates,
    /// The file's own names of the columns, by ours (`pre`, `post`, `weight`,
    /// `delay_ms`, `receptor`), where they differ: `{ pre = "Source" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// The file's own receptor values, translated: `{ chemical = "excitatory" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub receptors: BTreeMap<String, String>,
    /// A factor on the weight by the edge's receptor (`excitatory`, `inhibitory`, a
    /// port number, `electrical`), e.g. from synapse counts to nA or µS (default 1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub weight_scale: BTreeMap<String, f64>,
}

/// The columns of an edge list, by our names: required, then optional.
const EDGE_COLUMNS: [&str; 5] = ["pre", "post", "weight", "delay_ms", "receptor"];

/// What to do with an edge listed twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duplicates {
    /// Refuse the file, naming both lines.
    #[default]
    Reject,
    /// One synapse with the weights added.
    Sum,
}

fn one_ms() -> f64 {
    1.0
}

fn excitatory() -> Receptor {
    Receptor::Excitatory
}

/// An error in a data file: the file, its line and column (1-based), what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    pub path: PathBuf,
    pub location: Option<(usize, usize)>,
    pub message: String,
}

/// Neuron names: name → (population index, neuron index).
type Names = HashMap<String, (usize, u32)>;

/// One synapse as an edge list holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub pre_population: usize,
    pub pre: u32,
    pub post_population: usize,
    pub post: u32,
    pub receptor: Receptor,
    /// A gap junction (`receptor` column `electrical` or `gap`): `weight` is its
    /// conductance (µS), `receptor` and `delay_ms` do not apply.
    pub electrical: bool,
    /// In the projection's unit (nA for current-based receptors).
    pub weight: f64,
    pub delay_ms: f64,
}

impl Edge {
    /// What makes two edges the same synapse: for a gap junction, its two ends in
    /// either order.
    fn key(&self) -> (usize, u32, usize, u32, Option<Receptor>) {
        let (from, to) = (
            (self.pre_population, self.pre),
            (self.post_population, self.post),
        );
        if self.electrical {
            let (low, high) = (from.min(to), from.max(to));
            return (low.0, low.1, high.0, high.1, None);
        }
        (from.0, from.1, to.0, to.1, Some(self.receptor))
    }
}

/// Reads the neuron tables and edge lists (paths relative to `folder`) and adds their
/// projections to `network`, after its own.
pub fn attach(
    network: &mut Network,
    tables: &[NeuronTable],
    lists: &[EdgeList],
    folder: &Path,
) -> Result<(), Vec<DataError>> {
    let mut names = Names::new();
    let mut errors = Vec::new();
    for table in tables {
        if let Err(mut e) = read_table(network, &folder.join(&table.file), &mut names) {
            errors.append(&mut e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for list in lists {
        match read_edges(network, &names, list, &folder.join(&list.file)) {
            Ok((projections, junctions)) => {
                network.projections.extend(projections);
                network.gap_junctions.extend(junctions);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A data file opened: its reader (at the first row), the positions of the columns
/// asked for (`None` for an optional one that is absent) and the header.
struct Opened {
    reader: csv::Reader<std::fs::File>,
    columns: Vec<Option<usize>>,
    header: Vec<String>,
}

/// Opens `path` (tab-separated for `.tsv`) and finds its columns; an absent required
/// one is an error.
fn open(path: &Path, required: &[&str], optional: &[&str]) -> Result<Opened, DataError> {
    let fail = |location, message: String| DataError {
        path: path.to_path_buf(),
        location,
        message,
    };
    let tsv = path.extension().is_some_and(|e| e == "tsv");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if tsv { b'\t' } else { b',' })
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_path(path)
        .map_err(|e| fail(None, format!("cannot read: {e}")))?;
    let header = reader
        .headers()
        .map_err(|e| fail(Some((1, 1)), format!("cannot read the header: {e}")))?
        .clone();
    let find = |name: &str| header.iter().position(|h| h == name);
    let mut columns = Vec::new();
    for name in required {
        columns.push(Some(find(name).ok_or_else(|| {
            fail(
                Some((1, 1)),
                format!(
                    "no column `{name}` (columns: {}); needed: {}",
                    header.iter().collect::<Vec<_>>().join(", "),
                    required.join(", ")
                ),
            )
        })?));
    }
    columns.extend(optional.iter().map(|name| find(name)));
    Ok(Opened {
        reader,
        columns,
        header: header.iter().map(str::to_string).collect(),
    })
}

/// Every row of `reader` with its line; the rows the file's own syntax breaks are
/// errors instead, at their line.
fn rows(
    path: &Path,
    reader: &mut csv::Reader<std::fs::File>,
) -> (Vec<(usize, csv::StringRecord)>, Vec<DataError>) {
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for record in reader.records() {
        match record {
            Ok(r) => rows.push((r.position().map_or(0, |p| p.line() as usize), r)),
            Err(e) => errors.push(DataError {
                location: e.position().map(|p| (p.line() as usize, 1)),
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        }
    }
    (rows, errors)
}

/// An error at `line` and (0-based) `column` of `path`.
fn error_at(path: &Path, line: usize, column: usize, message: String) -> DataError {
    DataError {
        path: path.to_path_buf(),
        location: Some((line, column + 1)),
        message,
    }
}

/// A number in a table (`None`: empty) and its line.
type Cell = (Option<f64>, usize);

/// A neuron table: its names, and its other columns as per-neuron parameters of the
/// populations it covers (`Population::heterogeneous`, in the population's order).
fn read_table(network: &mut Network, path: &Path, names: &mut Names) -> Result<(), Vec<DataError>> {
    let Opened {
        mut reader,
        columns,
        header,
    } = open(path, &["name", "population"], &[]).map_err(|e| vec![e])?;
    let (name_at, pop_at) = (columns[0].expect("required"), columns[1].expect("required"));
    let parameters: Vec<usize> = (0..header.len())
        .filter(|&c| c != name_at && c != pop_at)
        .collect();
    // Per population and parameter column: each neuron's value (None: empty) and line.
    let mut values: HashMap<(usize, usize), Vec<Cell>> = HashMap::new();
    let mut counts = vec![0u32; network.populations.len()];
    let mut first_line = HashMap::new();
    let (table, mut errors) = rows(path, &mut reader);
    for (line, record) in table {
        let at = |column: usize, message: String| error_at(path, line, column, message);
        let (name, population) = (&record[name_at], &record[pop_at]);
        let Some(p) = network
            .populations
            .iter()
            .position(|q| q.name == population)
        else {
            errors.push(at(
                pop_at,
                format!("no population `{population}` in the model"),
            ));
            continue;
        };
        if let Some(earlier) = first_line.insert(name.to_string(), line) {
            errors.push(at(
                name_at,
                format!("neuron `{name}` is named again (first on line {earlier})"),
            ));
            continue;
        }
        names.insert(name.to_string(), (p, counts[p]));
        counts[p] += 1;
        for &c in &parameters {
            let text = &record[c];
            let value = if text.is_empty() {
                None
            } else {
                match text.parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(x),
                    _ => {
                        errors.push(at(
                            c,
                            format!("{} `{text}` is not a finite number", header[c]),
                        ));
                        continue;
                    }
                }
            };
            values.entry((p, c)).or_default().push((value, line));
        }
    }
    let mut keys: Vec<_> = values.keys().copied().collect();
    keys.sort_unstable();
    for (p, c) in keys {
        let column = &values[&(p, c)];
        if column.iter().all(|(v, _)| v.is_none()) {
            continue;
        }
        if let Some((_, line)) = column.iter().find(|(v, _)| v.is_none()) {
            errors.push(error_at(
                path,
                *line,
                c,
                format!(
                    "no `{}` here, but other neurons of population `{}` have one",
                    header[c], network.populations[p].name
                ),
            ));
            continue;
        }
        let array = column.iter().filter_map(|(v, _)| *v).collect();
        network.populations[p]
            .heterogeneous
            .insert(header[c].clone(), Value::array(array));
    }
    for (p, &count) in counts.iter().enumerate() {
        let size = network.populations[p].size;
        if count > 0 && count != size {
            errors.push(DataError {
                path: path.to_path_buf(),
                location: None,
                message: format!(
                    "names {count} neurons of population `{}`, whose size is {size}",
                    network.populations[p].name
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn read_edges(
    network: &Network,
    names: &Names,
    list: &EdgeList,
    path: &Path,
) -> Result<(Vec<Projection>, Vec<GapJunctions>), Vec<DataError>> {
    let fail = |message: String| {
        vec![DataError {
            path: path.to_path_buf(),
            location: None,
            message,
        }]
    };
    if let Some(ours) = list
        .columns
        .keys()
        .find(|k| !EDGE_COLUMNS.contains(&k.as_str()))
    {
        return Err(fail(format!(
            "`columns` names `{ours}`, which is not a column of an edge list ({})",
            EDGE_COLUMNS.join(", ")
        )));
    }
    for (key, &factor) in &list.weight_scale {
        let known = key == "electrical" || receptor(key).is_some();
        if !known || !factor.is_finite() {
            return Err(fail(format!(
                "`weight_scale.{key}` = {factor}: a finite factor for excitatory, \
                 inhibitory, a port number or electrical"
            )));
        }
    }
    let name = |ours: &'static str| list.columns.get(ours).map_or(ours, String::as_str);
    let file_columns: Vec<&str> = EDGE_COLUMNS.iter().map(|c| name(c)).collect();
    let Opened {
        mut reader,
        columns,
        ..
    } = open(path, &file_columns[..3], &file_columns[3..]).map_err(|e| vec![e])?;
    let [pre_at, post_at, weight_at, delay_at, receptor_at] = columns[..] else {
        unreachable!("five columns asked for");
    };
    let (pre_at, post_at, weight_at) = (
        pre_at.expect("required"),
        post_at.expect("required"),
        weight_at.expect("required"),
    );
    // Each edge and its line, and where each synapse was first listed.
    let mut edges: Vec<(Edge, usize)> = Vec::new();
    let mut seen: HashMap<_, usize> = HashMap::new();
    let (table, mut errors) = rows(path, &mut reader);
    for (line, record) in table {
        let at = |column: usize, message: String| error_at(path, line, column, message);
        let neuron = |column: usize| -> Result<(usize, u32), DataError> {
            let text = &record[column];
            if let Some(&found) = names.get(text) {
                return Ok(found);
            }
            let indexed = text.rsplit_once(':').and_then(|(population, index)| {
                let p = network
                    .populations
                    .iter()
                    .position(|q| q.name == population)?;
                let i: u32 = index.parse().ok()?;
                (i < network.populations[p].size).then_some((p, i))
            });
            indexed.ok_or_else(|| {
                at(
                    column,
                    format!(
                        "`{text}` is neither a neuron named in a neuron table nor \
                         `population:index` within a population's size"
                    ),
                )
            })
        };
        let number = |column: usize, what: &str| -> Result<f64, DataError> {
            let text = &record[column];
            text.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| at(column, format!("{what} `{text}` is not a finite number")))
        };
        let parsed = (|| {
            let (pre_pop, pre) = neuron(pre_at)?;
            let (post_pop, post) = neuron(post_at)?;
            let weight = number(weight_at, "weight")?;
            let delay = match delay_at {
                Some(c) if !record[c].is_empty() => number(c, "delay")?,
                _ => list.delay_ms,
            };
            let raw = receptor_at.map_or("", |c| &record[c]);
            let text = list.receptors.get(raw).map_or(raw, String::as_str);
            let electrical = matches!(text.to_ascii_lowercase().as_str(), "electrical" | "gap");
            let receptor = match receptor_at {
                _ if electrical => list.receptor,
                Some(c) if !text.is_empty() => receptor(text).ok_or_else(|| {
                    at(
                        c,
                        format!(
                            "receptor `{text}` is not excitatory, inhibitory, a port number \
                             or electrical"
                        ),
                    )
                })?,
                _ => list.receptor,
            };
            let kind = if electrical {
                "electrical".to_string()
            } else {
                match receptor {
                    Receptor::Port(k) => k.to_string(),
                    r => r.name(),
                }
            };
            Ok(Edge {
                pre_population: pre_pop,
                pre,
                post_population: post_pop,
                post,
                receptor,
                electrical,
                weight: weight * list.weight_scale.get(&kind).copied().unwrap_or(1.0),
                delay_ms: delay,
            })
        })();
        let edge = match parsed {
            Ok(edge) => edge,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match seen.get(&edge.key()) {
            // A gap junction listed again from its other end, alike: the same one.
            Some(&k)
                if edge.electrical
                    && edges[k].0.pre_population == edge.post_population
                    && edges[k].0.pre == edge.post
                    && edges[k].0.weight == edge.weight => {}
            Some(&k) => match list.duplicates {
                Duplicates::Reject => errors.push(at(
                    pre_at,
                    format!(
                        "the edge {} → {} is listed again (first on line {}); set \
                         `duplicates = \"sum\"` to add the weights",
                        &record[pre_at], &record[post_at], edges[k].1
                    ),
                )),
                Duplicates::Sum if edges[k].0.delay_ms != edge.delay_ms => errors.push(at(
                    delay_at.unwrap_or(pre_at),
                    format!(
                        "the edge {} → {} is listed again (first on line {}) with another \
                         delay ({} ms against {} ms)",
                        &record[pre_at],
                        &record[post_at],
                        edges[k].1,
                        edge.delay_ms,
                        edges[k].0.delay_ms
                    ),
                )),
                Duplicates::Sum => edges[k].0.weight += edge.weight,
            },
            None => {
                seen.insert(edge.key(), edges.len());
                edges.push((edge, line));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (gaps, chemical): (Vec<Edge>, Vec<Edge>) = edges
        .into_iter()
        .map(|(edge, _)| edge)
        .partition(|e| e.electrical);
    Ok((projections(network, chemical), gap_junctions(network, gaps)))
}

/// One junction list per (population, population), in order of first appearance.
fn gap_junctions(network: &Network, edges: Vec<Edge>) -> Vec<GapJunctions> {
    let mut groups: Vec<Vec<Edge>> = Vec::new();
    for edge in edges {
        let ends = (edge.pre_population, edge.post_population);
        match groups
            .iter_mut()
            .find(|g| (g[0].pre_population, g[0].post_population) == ends)
        {
            Some(g) => g.push(edge),
            None => groups.push(vec![edge]),
        }
    }
    groups
        .into_iter()
        .map(|g| GapJunctions {
            a: network.populations[g[0].pre_population].name.clone(),
            b: network.populations[g[0].post_population].name.clone(),
            pairs: g.iter().map(|e| (e.pre, e.post)).collect(),
            g_us: Value::array(g.iter().map(|e| e.weight).collect()),
        })
        .collect()
}

/// One `from_list` projection per (pre population, post population, receptor), in
/// order of first appearance, each with its edges in order.
pub fn projections(network: &Network, edges: impl IntoIterator<Item = Edge>) -> Vec<Projection> {
    let mut groups: Vec<Vec<Edge>> = Vec::new();
    for edge in edges {
        let group = |g: &Vec<Edge>| {
            (g[0].pre_population, g[0].post_population, g[0].receptor)
                == (edge.pre_population, edge.post_population, edge.receptor)
        };
        match groups.iter_mut().find(|g| group(g)) {
            Some(g) => g.push(edge),
            None => groups.push(vec![edge]),
        }
    }
    groups
        .into_iter()
        .map(|g| {
            let synapses: Vec<_> = g
                .iter()
                .map(|e| (e.pre, e.post, e.weight, e.delay_ms))
                .collect();
            Projection::from_list(
                &network.populations[g[0].pre_population].name,
                &network.populations[g[0].post_population].name,
                &synapses,
                g[0].receptor,
            )
        })
        .collect()
}

/// `excitatory`, `inhibitory` or a port number.
fn receptor(text: &str) -> Option<Receptor> {
    match text.to_ascii_lowercase().as_str() {
        "excitatory" => Some(Receptor::Excitatory),
        "inhibitory" => Some(Receptor::Inhibitory),
        other => other.parse().ok().map(Receptor::from_index),
    }
}

/// Writes `edges` as an edge list in the format `attach` reads, neurons written
/// `population:index` by the names in `populations`.
pub fn write_edges(path: &Path, populations: &[&str], edges: &[Edge]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(["pre", "post", "weight", "delay_ms", "receptor"])?;
    for e in edges {
        writer.write_record([
            format!("{}:{}", populations[e.pre_population], e.pre),
            format!("{}:{}", populations[e.post_population], e.post),
            e.weight.to_string(),
            e.delay_ms.to_string(),
            if e.electrical {
                "electrical".to_string()
            } else {
                e.receptor.index().to_string()
            },
        ])?;
    }
    writer.flush()
}
