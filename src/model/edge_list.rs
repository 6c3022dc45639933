//! Connectivity from data: neuron tables that give neurons names, and edge lists that
//! become list projections. A neuron table is a CSV file with the columns `name` and
//! `population`: each row names the next neuron of its population (in row order), and
//! the population's size must equal its rows; any other column is a parameter of the
//! neuron model with a value per neuron (`Population::heterogeneous`), left at the
//! model's value for a population whose cells in it are all empty. An edge list is a CSV file (TSV when
//! its name ends in `.tsv`, any case) with the columns `pre`, `post` and `weight` and,
//! optionally, `delay_ms` and `receptor` (`excitatory`, `inhibitory`, a port
//! number, `electrical`/`gap` for a gap junction of conductance `weight` µS, or
//! `graded` for a graded synapse of conductance `weight` µS with the list's `graded`
//! kinetics); `pre` and `post` are neuron names from the tables or
//! `population:index`. Gap junctions become `GapJunctions` per population pair; one
//! listed again from its other end with the same conductance is the same junction
//! (connectomes list electrical synapses both ways); with `junction_ends = "mean"`
//! two different listings make one junction of their mean conductance. Graded edges
//! become `GradedSynapses` per (pre, post) population pair, with the list's kinetics
//! or those of their presynaptic population (`graded_from`). The other edges become one
//! `from_list` projection per (pre population, post population, receptor), in the
//! order the groups first appear, the edges in file order. An edge listed twice (same pre, post and receptor) is refused
//! or, with `duplicates = "sum"`, merged by adding the weights (the delays must
//! agree). Errors name the file, the line and the column.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{GapJunctions, GradedSynapses, Network, Projection, Receptor, Value};

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
    /// A gap junction listed from both ends with two conductances.
    #[serde(default)]
    pub junction_ends: JunctionEnds,
    /// The file's own names of the columns, by ours (`pre`, `post`, `weight`,
    /// `delay_ms`, `receptor`), where they differ: `{ pre = "Source" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// The file's own receptor values, translated: `{ chemical = "excitatory" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub receptors: BTreeMap<String, String>,
    /// A factor on the weight by the edge's receptor (`excitatory`, `inhibitory`, a
    /// port number, `electrical`, `graded`; keys read as the receptor column is, so
    /// `Excitatory` and `0` are one key), e.g. from synapse counts to nA or µS
    /// (default 1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub weight_scale: BTreeMap<String, f64>,
    /// The kinetics of the list's `graded` edges (required when it has any) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graded: Option<GradedKinetics>,
    /// … or, for graded edges from these presynaptic populations, theirs: e.g.
    /// `{ gaba = { e_rev = -48.0, … } }` for inhibitory transmitter populations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub graded_from: BTreeMap<String, GradedKinetics>,
}

/// How the two listings of a gap junction listed from both ends combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JunctionEnds {
    /// They must agree (one junction); two conductances make a duplicate, which
    /// `duplicates` refuses or sums.
    #[default]
    Same,
    /// One junction of the mean conductance: tables such as Cook et al. (2019) list
    /// each junction from both ends with a contact count per end, and a few differ.
    Mean,
}

/// `graded = { e_rev = …, v_th = …, delta = … }`: the sigmoid and reversal potential
/// of an edge list's graded synapses (mV; see `GradedSynapses`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradedKinetics {
    pub e_rev: f64,
    pub v_th: f64,
    pub delta: f64,
}

/// What an edge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// A spiking synapse onto the edge's receptor.
    Chemical,
    /// A gap junction: `weight` is its conductance (µS); `receptor` and `delay_ms` do
    /// not apply.
    Electrical,
    /// A graded synapse: `weight` is its conductance (µS), with the list's kinetics;
    /// `receptor` and `delay_ms` do not apply.
    Graded,
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

/// What the data files added: each edge list with the projections, gap junction and
/// graded synapse lists it made, and each neuron table's parameter columns.
pub struct Attached {
    pub lists: Vec<(PathBuf, [usize; 3])>,
    pub columns: Vec<TableColumn>,
}

/// A neuron table's column of per-neuron values: the population and parameter it
/// sets (`Population::heterogeneous`), its file, its column (from 1) and each
/// neuron's line, so that an error in one value names its cell.
pub struct TableColumn {
    pub population: usize,
    pub parameter: String,
    pub path: PathBuf,
    pub column: usize,
    pub lines: Vec<usize>,
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
    pub kind: EdgeKind,
    /// In the projection's unit (nA for current-based receptors).
    pub weight: f64,
    pub delay_ms: f64,
}

impl Edge {
    /// What makes two edges the same synapse: for a gap junction, its two ends in
    /// either order.
    fn key(&self) -> (usize, u32, usize, u32, EdgeKind, Option<Receptor>) {
        let (from, to) = (
            (self.pre_population, self.pre),
            (self.post_population, self.post),
        );
        match self.kind {
            EdgeKind::Electrical => {
                let (low, high) = (from.min(to), from.max(to));
                (low.0, low.1, high.0, high.1, self.kind, None)
            }
            EdgeKind::Graded => (from.0, from.1, to.0, to.1, self.kind, None),
            EdgeKind::Chemical => (from.0, from.1, to.0, to.1, self.kind, Some(self.receptor)),
        }
    }
}

/// Reads the neuron tables and edge lists (paths relative to `folder`) and adds their
/// projections to `network`, after its own; returns each list's path and the number of
/// projections it added, in order (so errors found later can name the file).
pub fn attach(
    network: &mut Network,
    tables: &[NeuronTable],
    lists: &[EdgeList],
    folder: &Path,
) -> Result<Attached, Vec<DataError>> {
    let mut names = Names::new();
    let mut errors = Vec::new();
    let mut columns = Vec::new();
    for table in tables {
        let path = folder.join(&table.file);
        if let Err(mut e) = read_table(network, &path, &mut names, &mut columns) {
            errors.append(&mut e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut added = Vec::new();
    for list in lists {
        let path = folder.join(&list.file);
        match read_edges(network, &names, list, &path) {
            Ok(Coupled {
                projections,
                junctions,
                graded,
            }) => {
                added.push((path, [projections.len(), junctions.len(), graded.len()]));
                network.projections.extend(projections);
                network.gap_junctions.extend(junctions);
                network.graded_synapses.extend(graded);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(Attached {
            lists: added,
            columns,
        })
    } else {
        Err(errors)
    }
}

/// A data file opened: its reader (at the first row), the positions of the columns
/// asked for (`None` for an optional one that is absent) and the header.
struct Opened {
    /// The file's bytes.
    bytes: Vec<u8>,
    /// Where each of its lines starts (`line_starts`).
    line_starts: Vec<usize>,
    tsv: bool,
    columns: Vec<Option<usize>>,
    header: Vec<String>,
}

/// A reader of a data file's `bytes` (tab-separated where `tsv`), at its header.
fn reader(bytes: &[u8], tsv: bool) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(if tsv { b'\t' } else { b',' })
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(bytes)
}

/// Where each line of `bytes` starts (after each `\n`; `lone_cr_as_newline` made
/// every line end one).
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let ends = bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n');
    std::iter::once(0).chain(ends.map(|(i, _)| i + 1)).collect()
}

/// A lone `\r` (old Mac line ends) made a `\n`, byte for byte, so that offsets stay
/// those of the file: the `csv` reader ends a comment only at a `\n`, and the rows
/// after a comment in a CR-only file were lost.
fn lone_cr_as_newline(bytes: &mut [u8]) {
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
}

/// The (1-based) line of the record the `csv` reader places at `offset` in `opened`.
/// The reader's own line numbers count a `\r\n` as no line and skip the comment and
/// blank lines after the header, and its offset is where it began looking: before
/// the `\n` of a `\r\n` and before the lines it skipped. So the record starts at the
/// first byte from `offset` on that is neither a line end nor in a comment line (a
/// line starting with `#`, after a byte-order mark on the first).
fn line_at(opened: &Opened, offset: u64) -> usize {
    let bytes = &opened.bytes;
    let first = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut at = (offset as usize).clamp(first, bytes.len().max(first));
    loop {
        match bytes.get(at) {
            Some(b'\r' | b'\n') => at += 1,
            Some(b'#') if at == first || bytes[at - 1] == b'\n' => {
                while !matches!(bytes.get(at), None | Some(b'\n')) {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    opened.line_starts.partition_point(|&start| start <= at)
}

/// Opens `path` (tab-separated for `.tsv`) and finds its columns; an absent required
/// one is an error.
fn open(path: &Path, required: &[&str], optional: &[&str]) -> Result<Opened, DataError> {
    let fail = |location, message: String| DataError {
        path: path.to_path_buf(),
        location,
        message,
    };
    let tsv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let mut bytes = std::fs::read(path).map_err(|e| fail(None, format!("cannot read: {e}")))?;
    lone_cr_as_newline(&mut bytes);
    let mut opened = Opened {
        line_starts: line_starts(&bytes),
        bytes,
        tsv,
        columns: Vec::new(),
        header: Vec::new(),
    };
    let header = match reader(&opened.bytes, tsv).headers() {
        Ok(header) => header.clone(),
        Err(e) => {
            let line = e.position().map_or(1, |p| line_at(&opened, p.byte()));
            return Err(fail(
                Some((line, 1)),
                format!("cannot read the header: {e}"),
            ));
        }
    };
    let header_line = header.position().map_or(1, |p| line_at(&opened, p.byte()));
    let find = |name: &str| header.iter().position(|h| h == name);
    let mut columns = Vec::new();
    for name in required {
        columns.push(Some(find(name).ok_or_else(|| {
            fail(
                Some((header_line, 1)),
                format!(
                    "no column `{name}` (columns: {}); needed: {}",
                    header.iter().collect::<Vec<_>>().join(", "),
                    required.join(", ")
                ),
            )
        })?));
    }
    columns.extend(optional.iter().map(|name| find(name)));
    opened.columns = columns;
    opened.header = header.iter().map(str::to_string).collect();
    Ok(opened)
}

/// Every row of `reader` with its line; the rows the file's own syntax breaks are
/// errors instead, at their line.
fn rows(path: &Path, opened: &Opened) -> (Vec<(usize, csv::StringRecord)>, Vec<DataError>) {
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    let line = |p: &csv::Position| line_at(opened, p.byte());
    for record in reader(&opened.bytes, opened.tsv).records() {
        match record {
            Ok(r) => rows.push((r.position().map_or(0, line), r)),
            Err(e) => errors.push(DataError {
                location: e.position().map(|p| (line(p), 1)),
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
fn read_table(
    network: &mut Network,
    path: &Path,
    names: &mut Names,
    sources: &mut Vec<TableColumn>,
) -> Result<(), Vec<DataError>> {
    let opened = open(path, &["name", "population"], &[]).map_err(|e| vec![e])?;
    let (columns, header) = (opened.columns.clone(), opened.header.clone());
    let (name_at, pop_at) = (columns[0].expect("required"), columns[1].expect("required"));
    let parameters: Vec<usize> = (0..header.len())
        .filter(|&c| c != name_at && c != pop_at)
        .collect();
    // Per population and parameter column: each neuron's value (None: empty) and line.
    let mut values: HashMap<(usize, usize), Vec<Cell>> = HashMap::new();
    let mut counts = vec![0u32; network.populations.len()];
    let mut first_line = HashMap::new();
    let (table, mut errors) = rows(path, &opened);
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
        if let Some((q, i)) = population_index(network, name) {
            // An edge list's `S:0` would mean this neuron, not population S's first.
            errors.push(at(
                name_at,
                format!(
                    "the name `{name}` is also neuron {i} of population `{}` in edge \
                     lists' `population:index` form; name it otherwise",
                    network.populations[q].name
                ),
            ));
            continue;
        }
        if let Some(earlier) = first_line.insert(name.to_string(), line) {
            errors.push(at(
                name_at,
                format!("neuron `{name}` is named again (first on line {earlier})"),
            ));
            continue;
        }
        if names.contains_key(name) {
            // Edge lists would find only one of the two.
            errors.push(at(
                name_at,
                format!("neuron `{name}` is already named by an earlier neuron table"),
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
        sources.push(TableColumn {
            population: p,
            parameter: header[c].clone(),
            path: path.to_path_buf(),
            column: c + 1,
            lines: column.iter().map(|&(_, line)| line).collect(),
        });
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

/// What an edge list's edges become.
struct Coupled {
    projections: Vec<Projection>,
    junctions: Vec<GapJunctions>,
    graded: Vec<GradedSynapses>,
}

fn read_edges(
    network: &Network,
    names: &Names,
    list: &EdgeList,
    path: &Path,
) -> Result<Coupled, Vec<DataError>> {
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
    // Each factor by the kind it scales, however its key is written (`Excitatory`,
    // `0`, `gap`), so none is accepted and then never applied.
    let mut scales: HashMap<ScaleKey, (f64, &str)> = HashMap::new();
    for (key, &factor) in &list.weight_scale {
        let Some(scaled) = scale_key(key).filter(|_| factor.is_finite()) else {
            return Err(fail(format!(
                "`weight_scale.{key}` = {factor}: a finite factor for excitatory, \
                 inhibitory, a port number, electrical or graded"
            )));
        };
        if let Some((_, first)) = scales.insert(scaled, (factor, key)) {
            return Err(fail(format!(
                "`weight_scale.{key}` and `weight_scale.{first}` name the same edges"
            )));
        }
    }
    if let Some(unknown) = list
        .graded_from
        .keys()
        .find(|k| !network.populations.iter().any(|p| &p.name == *k))
    {
        return Err(fail(format!(
            "`graded_from.{unknown}` names no population of the network"
        )));
    }
    let name = |ours: &'static str| list.columns.get(ours).map_or(ours, String::as_str);
    let file_columns: Vec<&str> = EDGE_COLUMNS.iter().map(|c| name(c)).collect();
    let opened = open(path, &file_columns[..3], &file_columns[3..]).map_err(|e| vec![e])?;
    let columns = opened.columns.clone();
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
    // Gap junctions already met from their other end (by their first listing).
    let mut ends_met = std::collections::HashSet::new();
    let (table, mut errors) = rows(path, &opened);
    for (line, record) in table {
        let at = |column: usize, message: String| error_at(path, line, column, message);
        let neuron = |column: usize| -> Result<(usize, u32), DataError> {
            let text = &record[column];
            if let Some(&found) = names.get(text) {
                return Ok(found);
            }
            population_index(network, text).ok_or_else(|| {
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
            let raw = receptor_at.map_or("", |c| &record[c]);
            let text = list.receptors.get(raw).map_or(raw, String::as_str);
            let kind = match text.to_ascii_lowercase().as_str() {
                "electrical" | "gap" => EdgeKind::Electrical,
                "graded" => EdgeKind::Graded,
                _ => EdgeKind::Chemical,
            };
            // Junctions and graded synapses act without delay: a row's delay (a
            // table's placeholder such as `-` or `n/a`) is not read.
            let delay = match delay_at {
                Some(c) if kind == EdgeKind::Chemical && !record[c].is_empty() => {
                    number(c, "delay")?
                }
                _ => list.delay_ms,
            };
            if kind == EdgeKind::Graded && kinetics(list, network, pre_pop).is_none() {
                return Err(at(
                    receptor_at.unwrap_or(pre_at),
                    format!(
                        "a graded edge needs the list's kinetics: `graded = {{ e_rev = …, \
                         v_th = …, delta = … }}`, or `graded_from.{}`",
                        network.populations[pre_pop].name
                    ),
                ));
            }
            let receptor = match receptor_at {
                Some(c) if kind == EdgeKind::Chemical && !text.is_empty() => receptor(text)
                    .ok_or_else(|| {
                        at(
                            c,
                            format!(
                                "receptor `{text}` is not excitatory, inhibitory, a port \
                                 number, electrical or graded"
                            ),
                        )
                    })?,
                _ => list.receptor,
            };
            let scaled = match kind {
                EdgeKind::Chemical => ScaleKey::Receptor(receptor.index()),
                kind => ScaleKey::Kind(kind),
            };
            let weight = weight * scales.get(&scaled).map_or(1.0, |&(factor, _)| factor);
            // Checked here, where the row is known, rather than by the validation of
            // the list it becomes (which could name only the list).
            if !(weight as f32).is_finite() {
                return Err(at(
                    weight_at,
                    format!("weight {weight} (scaled) does not fit a 32-bit float"),
                ));
            }
            if kind != EdgeKind::Chemical && weight < 0.0 {
                return Err(at(
                    weight_at,
                    format!("conductance {weight} µS (scaled) cannot be negative"),
                ));
            }
            Ok(Edge {
                pre_population: pre_pop,
                pre,
                post_population: post_pop,
                post,
                receptor,
                kind,
                weight,
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
        let from_other_end = |first: &Edge| {
            edge.kind == EdgeKind::Electrical
                && first.pre_population == edge.post_population
                && first.pre == edge.post
                && !ends_met.contains(&(
                    first.pre_population,
                    first.pre,
                    first.post_population,
                    first.post,
                ))
        };
        match seen.get(&edge.key()) {
            // A gap junction listed again from its other end: the same one.
            Some(&k) if from_other_end(&edges[k].0) && edges[k].0.weight == edge.weight => {
                let e = &edges[k].0;
                ends_met.insert((e.pre_population, e.pre, e.post_population, e.post));
            }
            Some(&k) if from_other_end(&edges[k].0) && list.junction_ends == JunctionEnds::Mean => {
                let e = &mut edges[k].0;
                ends_met.insert((e.pre_population, e.pre, e.post_population, e.post));
                e.weight = (e.weight + edge.weight) / 2.0;
            }
            Some(&k) => match list.duplicates {
                Duplicates::Reject if from_other_end(&edges[k].0) => errors.push(at(
                    weight_at,
                    format!(
                        "the junction {} – {} is listed again from its other end with \
                         another conductance ({} against {} on line {}); set \
                         `junction_ends = \"mean\"` for one junction of their mean, or \
                         `duplicates = \"sum\"` for two junctions",
                        &record[pre_at],
                        &record[post_at],
                        edge.weight,
                        edges[k].0.weight,
                        edges[k].1
                    ),
                )),
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
    let edges: Vec<Edge> = edges.into_iter().map(|(edge, _)| edge).collect();
    let of = |kind| edges.iter().filter(move |e| e.kind == kind).copied();
    let name = |p: usize| network.populations[p].name.clone();
    Ok(Coupled {
        projections: projections(network, of(EdgeKind::Chemical)),
        junctions: by_population_pair(of(EdgeKind::Electrical))
            .into_iter()
            .map(|g| GapJunctions {
                a: name(g[0].pre_population),
                b: name(g[0].post_population),
                pairs: g.iter().map(|e| (e.pre, e.post)).collect(),
                g_us: Value::array(g.iter().map(|e| e.weight).collect()),
            })
            .collect(),
        graded: by_population_pair(of(EdgeKind::Graded))
            .into_iter()
            .map(|g| {
                let kinetics = kinetics(list, network, g[0].pre_population).expect("checked");
                GradedSynapses {
                    pre: name(g[0].pre_population),
                    post: name(g[0].post_population),
                    pairs: g.iter().map(|e| (e.pre, e.post)).collect(),
                    g_us: Value::array(g.iter().map(|e| e.weight).collect()),
                    e_rev: kinetics.e_rev,
                    v_th: kinetics.v_th,
                    delta: kinetics.delta,
                }
            })
            .collect(),
    })
}

/// The kinetics of `list`'s graded edges from population `pre`.
fn kinetics(list: &EdgeList, network: &Network, pre: usize) -> Option<GradedKinetics> {
    let name = &network.populations[pre].name;
    list.graded_from.get(name).copied().or(list.graded)
}

/// Edges grouped by (pre population, post population), in order of first appearance.
fn by_population_pair(edges: impl IntoIterator<Item = Edge>) -> Vec<Vec<Edge>> {
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

/// The neuron `text` names in the `population:index` form (the index in decimal
/// digits, within the population's size), if it is one.
fn population_index(network: &Network, text: &str) -> Option<(usize, u32)> {
    let (population, index) = text.rsplit_once(':')?;
    let p = network
        .populations
        .iter()
        .position(|q| q.name == population)?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: u32 = index.parse().ok()?;
    (i < network.populations[p].size).then_some((p, i))
}

/// What a `weight_scale` factor applies to: the chemical edges onto one receptor
/// (by index), or the electrical or graded edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ScaleKey {
    Receptor(usize),
    Kind(EdgeKind),
}

/// The edges a `weight_scale` key names, read as a receptor column's value is
/// (case aside, `gap` for `electrical`, a port by its number).
fn scale_key(key: &str) -> Option<ScaleKey> {
    match key.to_ascii_lowercase().as_str() {
        "electrical" | "gap" => Some(ScaleKey::Kind(EdgeKind::Electrical)),
        "graded" => Some(ScaleKey::Kind(EdgeKind::Graded)),
        other => receptor(other).map(|r| ScaleKey::Receptor(r.index())),
    }
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
            match e.kind {
                EdgeKind::Electrical => "electrical".to_string(),
                EdgeKind::Graded => "graded".to_string(),
                EdgeKind::Chemical => e.receptor.index().to_string(),
            },
        ])?;
    }
    writer.flush()
}
