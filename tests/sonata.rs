//! SONATA import (`--features sonata`): the test network of
//! `tests/data/sonata/make_network.py` (written by BMTK 1.2.0) loads with its node
//! and edge counts, NEST parameters converted to neurodyn's units, weights
//! `syn_weight × nsyns` and the virtual nodes' spike trains; run for 1 s it fires at
//! the rates NEST 3.10 gives the same files through BMTK's PointNet; malformed and
//! unsupported files are refused with the file and what is wrong.
#![cfg(feature = "sonata")]

use std::path::{Path, PathBuf};

use neurodyn::model::file;
use neurodyn::{Backend, NeuronModel, Receptor, Simulation, Value};

const DATA: &str = "tests/data/sonata";

/// `make_network.py --nest` (BMTK 1.2.0, nest-simulator 3.10.0 from PyPI, dt 0.1 ms,
/// 1000 ms; 2026-12-05): spikes per neuron and second of each cortical population.
const NEST_RATES_HZ: [(&str, f64); 2] = [("cortex.exc", 16.375), ("cortex.inh", 9.2)];

fn model() -> file::LoadedModel {
    file::load(&Path::new(DATA).join("model.toml")).unwrap()
}

fn weights(values: &Value) -> Vec<f64> {
    match values {
        Value::Array { values } => values.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_network_loads_with_its_nodes_edges_parameters_and_inputs() {
    let net = model().network;
    let sizes: Vec<(&str, u32)> = net
        .populations
        .iter()
        .map(|p| (p.name.as_str(), p.size))
        .collect();
    assert_eq!(
        sizes,
        [
            ("cortex.exc", 80),
            ("cortex.inh", 20),
            ("thalamus.relay", 50),
            // A node's second spike in one step (NEST: one spike of multiplicity 2).
            ("thalamus.relay~2", 50)
        ]
    );
    // NEST's pF, pA and absolute potentials in neurodyn's nF, nA and mV.
    let NeuronModel::IafPscAlpha(exc) = &net.populations[0].neuron else {
        panic!("{:?}", net.populations[0].neuron);
    };
    assert_eq!(
        (
            exc.cm,
            exc.tau_m,
            exc.tau_refrac,
            exc.v_thresh,
            exc.tau_syn_i,
            exc.i_offset
        ),
        (0.25, 20.0, 2.0, -55.0, 5.0, 0.1)
    );
    assert_eq!(
        net.populations[0].initial.get("v"),
        Some(&Value::constant(-65.0))
    );
    let NeuronModel::IafPscAlpha(inh) = &net.populations[1].neuron else {
        panic!();
    };
    assert_eq!(
        (inh.cm, inh.v_reset, inh.i_offset, inh.tau_syn_e),
        (0.2, -65.0, 0.15, 1.0)
    );
    // The thalamic relay cells carry the spike file's 2004 spikes, a node's second
    // spike in a step in the copy (there are a few at 40 Hz and 0.1 ms).
    let trains = |p: usize| match &net.populations[p].neuron {
        NeuronModel::SpikeSourceArray(relay) => relay.spike_times_ms.clone(),
        other => panic!("{other:?}"),
    };
    let (relay, second) = (trains(2), trains(3));
    assert_eq!((relay.len(), second.len()), (50, 50));
    let count = |t: &[Vec<f64>]| t.iter().map(Vec::len).sum::<usize>();
    assert_eq!(count(&relay) + count(&second), 2004);
    assert!((1..10).contains(&count(&second)), "{}", count(&second));
    let step = |t: f64| neurodyn::model::spike_step(t, 0.1);
    for (first, seconds) in relay.iter().zip(&second) {
        assert!(first.windows(2).all(|w| step(w[0]) < step(w[1])));
        assert!(seconds
            .iter()
            .all(|&t| first.iter().any(|&f| step(f) == step(t))));
    }

    // Edges: 1437 cortical and 963 thalamic, one list projection per population pair
    // and receptor.
    let count = |pre: &str, post: &str, receptor: Receptor| {
        net.projections
            .iter()
            .find(|p| p.pre == pre && p.post == post && p.receptor == receptor)
            .map(|p| weights(&p.weight))
            .unwrap_or_default()
    };
    let ee = count("cortex.exc", "cortex.exc", Receptor::Excitatory);
    let ei = count("cortex.exc", "cortex.inh", Receptor::Excitatory);
    let ie = count("cortex.inh", "cortex.exc", Receptor::Inhibitory);
    let te = count("thalamus.relay", "cortex.exc", Receptor::Excitatory);
    let ti = count("thalamus.relay", "cortex.inh", Receptor::Excitatory);
    assert_eq!(
        [ee.len(), ei.len(), ie.len(), te.len(), ti.len()],
        [641, 318, 478, 754, 209]
    );
    // The copy's synapses are the relay's of the nodes with a second spike in a step.
    let doubled: Vec<u32> = (0..50)
        .filter(|&i| !second[i as usize].is_empty())
        .collect();
    let of_nodes = |all: Vec<Synapse>| -> Vec<Synapse> {
        all.into_iter().filter(|s| doubled.contains(&s.1)).collect()
    };
    assert_eq!(
        synapses(&net, "thalamus.relay~2"),
        of_nodes(synapses(&net, "thalamus.relay"))
    );
    assert!(!synapses(&net, "thalamus.relay~2").is_empty());
    assert_eq!(net.projections.len(), 7);
    // syn_weight (pA) × nsyns, in nA: the nsyns summed over each edge type.
    let total = |w: &[f64]| w.iter().sum::<f64>();
    assert!((total(&ee) - 0.025 * 1258.0).abs() < 1e-9);
    assert!((total(&ei) - 0.060 * 472.0).abs() < 1e-9);
    assert!((total(&ie) + 0.090 * 728.0).abs() < 1e-9);
    assert!(te.iter().all(|&w| (w - 0.06).abs() < 1e-12));
    let delays = |pre: &str, post: &str| {
        let p = net
            .projections
            .iter()
            .find(|p| p.pre == pre && p.post == post)
            .unwrap();
        p.delay_ms.clone()
    };
    assert_eq!(
        delays("cortex.exc", "cortex.exc"),
        Value::array(vec![1.5; 641])
    );
    assert_eq!(
        delays("thalamus.relay", "cortex.inh"),
        Value::array(vec![2.0; 209])
    );
}

#[test]
fn one_second_fires_at_the_rates_nest_gives_the_same_files() {
    let loaded = model();
    let mut sim = Simulation::new(&loaded.network, Backend::Gpu).unwrap();
    sim.run(10_000).unwrap();
    for (population, nest) in NEST_RATES_HZ {
        let size = f64::from(loaded.network.population(population).unwrap().size);
        let rate = sim.spikes(population).unwrap().pairs().len() as f64 / size;
        // Not spike for spike: the recurrent network is chaotic, and NEST and
        // neurodyn put the input spikes on the step grid and order same-step events
        // differently; the population rates agree within 10%.
        assert!(
            (rate / nest - 1.0).abs() < 0.10,
            "{population}: {rate} Hz against NEST's {nest} Hz"
        );
    }
}

/// A copy of the test data in a fresh folder, for damaging.
fn copy() -> PathBuf {
    let to = std::env::temp_dir().join(format!(
        "neurodyn-sonata-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    fn walk(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    walk(Path::new(DATA), &to);
    to
}

/// The errors loading the model of `folder` gives.
fn refused(folder: &Path) -> String {
    let e = file::load(&folder.join("model.toml"))
        .expect_err("refused")
        .to_string();
    std::fs::remove_dir_all(folder).unwrap();
    e
}

/// A copy whose input reads node set `lgn`, defined as `definition` in the
/// simulation config's node sets file.
fn with_node_set(definition: &str) -> PathBuf {
    let dir = copy();
    let config = dir.join("simulation_config.json");
    edit(
        &config,
        "\"node_set\": \"thalamus\"",
        "\"node_set\": \"lgn\"",
    );
    edit(
        &config,
        "\"run\"",
        "\"node_sets_file\": \"$BASE_DIR/node_sets.json\", \"run\"",
    );
    std::fs::write(
        dir.join("node_sets.json"),
        format!("{{\"lgn\": {definition}}}"),
    )
    .unwrap();
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn unsupported_and_malformed_files_are_refused_by_name() {
    // A model neurodyn does not have.
    let dir = copy();
    edit(
        &dir.join("network/cortex_node_types.csv"),
        "nest:iaf_psc_alpha inh",
        "nest:glif_psc inh",
    );
    let e = refused(&dir);
    assert!(
        e.contains("cortex_node_types.csv")
            && e.contains("node type 101")
            && e.contains("`glif_psc` is not supported (supported: iaf_psc_alpha"),
        "{e}"
    );
    // A NEST parameter it does not read.
    let dir = copy();
    edit(
        &dir.join("components/point_neuron_models/exc.json"),
        "\"C_m\"",
        "\"tau_minus\": 20.0, \"C_m\"",
    );
    let e = refused(&dir);
    assert!(
        e.contains("`iaf_psc_alpha` parameters not supported: tau_minus"),
        "{e}"
    );
    // A biophysical cell.
    let dir = copy();
    edit(
        &dir.join("network/cortex_node_types.csv"),
        "point_neuron e",
        "biophysical e",
    );
    assert!(refused(&dir).contains("model_type `biophysical` is not supported"));
    // A plastic synapse model and synapse parameters.
    let dir = copy();
    edit(
        &dir.join("network/cortex_cortex_edge_types.csv"),
        "1.5 static_synapse",
        "1.5 stdp_synapse",
    );
    assert!(refused(&dir).contains("edge type 100: synapse model `stdp_synapse` is not supported"));
    let dir = copy();
    std::fs::write(
        dir.join("components/synaptic_models/static.json"),
        "{\"U\": 0.5}",
    )
    .unwrap();
    assert!(refused(&dir).contains("synapse parameters are not supported (U)"));
    // A missing file, a broken config, an unknown input population.
    let dir = copy();
    std::fs::remove_file(dir.join("network/cortex_nodes.h5")).unwrap();
    let e = refused(&dir);
    assert!(e.contains("cortex_nodes.h5"), "{e}");
    let dir = copy();
    std::fs::write(dir.join("circuit_config.json"), "{\"networks\": ").unwrap();
    assert!(refused(&dir).contains("not JSON"));
    // A file listed twice (its synapses would count twice); a step that is not a number.
    let dir = copy();
    edit(
        &dir.join("circuit_config.json"),
        "thalamus_cortex_edges.h5",
        "cortex_cortex_edges.h5",
    );
    let e = refused(&dir);
    assert!(
        e.contains("`networks.edges[1]`") && e.contains("cortex_cortex_edges.h5 is listed twice"),
        "{e}"
    );
    let dir = copy();
    let text = std::fs::read_to_string(dir.join("simulation_config.json")).unwrap();
    let dt = text.find("\"dt\"").expect("a dt");
    let end = dt + text[dt..].find([',', '\n', '}']).unwrap();
    std::fs::write(
        dir.join("simulation_config.json"),
        format!("{}\"dt\": \"x\"{}", &text[..dt], &text[end..]),
    )
    .unwrap();
    assert!(refused(&dir).contains("`run.dt` = \"x\" is not a number"));
    // Manifest entries that double each other (40 would ask for a terabyte).
    let dir = copy();
    let doubling: Vec<String> = (0..40)
        .map(|i| format!("\"$A{i}\": \"$A{n}$A{n}\"", n = i + 1))
        .collect();
    std::fs::write(
        dir.join("circuit_config.json"),
        format!(
            "{{\"manifest\": {{{}, \"$A40\": \"x\"}}, \"networks\": {{\"nodes\": []}}}}",
            doubling.join(", ")
        ),
    )
    .unwrap();
    let e = refused(&dir);
    assert!(e.contains("expands to more than 4096 characters"), "{e}");
    let dir = copy();
    edit(
        &dir.join("simulation_config.json"),
        "\"node_set\": \"thalamus\"",
        "\"node_set\": \"retina\"",
    );
    let e = refused(&dir);
    assert!(
        e.contains("simulation_config.json")
            && e.contains("`inputs.thalamus_spikes.node_set`: no node population `retina` (the circuit's: cortex, thalamus)"),
        "{e}"
    );
    // A node set that is not one whole population (its spikes would be filtered).
    let dir = with_node_set(r#"{"population": "thalamus", "node_id": [0, 1]}"#);
    let e = refused(&dir);
    assert!(
        e.contains("`inputs.thalamus_spikes.node_set` = `lgn`: node set `lgn` of")
            && e.contains("node_sets.json selects by node_id, population"),
        "{e}"
    );
    // A manifest name without `$` (it was replaced wherever its letters occurred).
    let dir = copy();
    edit(
        &dir.join("circuit_config.json"),
        "\"manifest\": {",
        "\"manifest\": {\"NET\": \"x\",",
    );
    let e = refused(&dir);
    assert!(
        e.contains("manifest entry `NET`: a manifest name begins with `$` (`$NET`)"),
        "{e}"
    );
    // Per-node dynamics parameters.
    let dir = copy();
    {
        let nodes = hdf5::File::open_rw(dir.join("network/cortex_nodes.h5")).unwrap();
        nodes
            .group("nodes/cortex/0")
            .unwrap()
            .create_group("dynamics_params")
            .unwrap();
    }
    assert!(refused(&dir).contains("per-node dynamics_params is not supported"));
}

#[test]
fn the_command_line_runs_a_sonata_config_directly() {
    let out = std::env::temp_dir().join(format!("neurodyn-sonata-cli-{}", std::process::id()));
    let run = |config: &str, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_neurodyn"))
            .args(["run", "--format", "sonata", config, "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    // config.json names the simulation config: its run (dt, tstop = 1000 ms) and
    // inputs; 200 ms here, every cortical population's spikes recorded.
    let output = run("tests/data/sonata/config.json", &["--duration", "200"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("cortex.exc") && stdout.contains("cortex.inh"),
        "{stdout}"
    );
    assert!(out.join("spikes_cortex_exc.npy").exists());
    assert!(!out.join("spikes_thalamus_relay.npy").exists());
    // The circuit config alone has no run: the length must be given.
    let output = run("tests/data/sonata/circuit_config.json", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no `run.tstop`: give --duration"));
    std::fs::remove_dir_all(&out).ok();
}

/// The network the model of `folder` loads (the folder is then removed).
fn loaded(folder: &Path) -> neurodyn::Network {
    let model = file::load(&folder.join("model.toml"));
    std::fs::remove_dir_all(folder).unwrap();
    model.unwrap_or_else(|e| panic!("{e}")).network
}

/// The one edge population of the cortex's edge file, opened for writing.
fn cortex_edges(dir: &Path) -> (hdf5::File, String) {
    let file = hdf5::File::open_rw(dir.join("network/cortex_cortex_edges.h5")).unwrap();
    let name = file.group("edges").unwrap().member_names().unwrap()[0].clone();
    (file, name)
}

/// Replaces dataset `name` of `group` by `values`, with a `node_population`
/// attribute where `population` is given.
fn replace<T: hdf5::H5Type>(
    group: &hdf5::Group,
    name: &str,
    values: &[T],
    population: Option<&str>,
) {
    group.unlink(name).unwrap();
    let dataset = group
        .new_dataset_builder()
        .with_data(values)
        .create(name)
        .unwrap();
    if let Some(population) = population {
        dataset
            .new_attr::<hdf5::types::VarLenUnicode>()
            .create("node_population")
            .unwrap()
            .write_scalar(&population.parse::<hdf5::types::VarLenUnicode>().unwrap())
            .unwrap();
    }
}

/// The thalamic spike file's (timestamps, node ids).
fn thalamic_spikes(dir: &Path) -> (Vec<f64>, Vec<u64>) {
    let file = hdf5::File::open(dir.join("inputs/thalamus_spikes.h5")).unwrap();
    let group = file.group("spikes/thalamus").unwrap();
    (
        group.dataset("timestamps").unwrap().read_raw().unwrap(),
        group.dataset("node_ids").unwrap().read_raw().unwrap(),
    )
}

/// Writes a spike file of `spikes` (ms, node) for the thalamus at `path`.
fn write_spikes(path: &Path, spikes: &[(f64, u64)]) {
    let file = hdf5::File::create(path).unwrap();
    let group = file.create_group("spikes/thalamus").unwrap();
    let times: Vec<f64> = spikes.iter().map(|s| s.0).collect();
    let nodes: Vec<u64> = spikes.iter().map(|s| s.1).collect();
    group
        .new_dataset_builder()
        .with_data(&times)
        .create("timestamps")
        .unwrap();
    group
        .new_dataset_builder()
        .with_data(&nodes)
        .create("node_ids")
        .unwrap();
}

/// Adds a second spike input for the thalamus from `inputs/extra.h5`.
fn add_input(dir: &Path) {
    edit(
        &dir.join("simulation_config.json"),
        "\"inputs\": {",
        "\"inputs\": {\n    \"extra\": { \"input_type\": \"spikes\", \"module\": \"sonata\", \
         \"input_file\": \"$BASE_DIR/inputs/extra.h5\", \"node_set\": \"thalamus\" },",
    );
}

fn train(network: &neurodyn::Network, neuron: usize) -> Vec<f64> {
    match &network.populations[2].neuron {
        NeuronModel::SpikeSourceArray(a) => a.spike_times_ms[neuron].clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn damaged_files_are_refused_and_unusual_valid_ones_read_alike() {
    let original = model().network;
    // Datasets of one edge population with different lengths (panicked).
    let dir = copy();
    {
        let (file, name) = cortex_edges(&dir);
        let group = file.group(&format!("edges/{name}")).unwrap();
        let targets: Vec<u64> = group.dataset("target_node_id").unwrap().read_raw().unwrap();
        replace(&group, "target_node_id", &targets[1..], Some("cortex"));
    }
    let e = refused(&dir);
    assert!(
        e.contains("target_node_id has") && e.contains("one per edge"),
        "{e}"
    );
    // An edge's index beyond its group's values (fell back to the edge type's).
    let dir = copy();
    {
        let (file, name) = cortex_edges(&dir);
        let group = file.group(&format!("edges/{name}")).unwrap();
        let mut index: Vec<u64> = group
            .dataset("edge_group_index")
            .unwrap()
            .read_raw()
            .unwrap();
        index[3] = 1_000_000;
        replace(&group, "edge_group_index", &index, None);
    }
    let e = refused(&dir);
    assert!(
        e.contains("edge 3's edge_group_index is 1000000, beyond the"),
        "{e}"
    );
    // A group the edge names but the file lacks.
    let dir = copy();
    {
        let (file, name) = cortex_edges(&dir);
        let group = file.group(&format!("edges/{name}")).unwrap();
        let mut ids: Vec<u64> = group.dataset("edge_group_id").unwrap().read_raw().unwrap();
        ids[0] = 7;
        replace(&group, "edge_group_id", &ids, None);
    }
    assert!(refused(&dir).contains("edge 0's edge_group_id is 7, a group it lacks"));
    // A negative node id, and fractional ones (HDF5 made them node 0).
    let dir = copy();
    {
        let (file, name) = cortex_edges(&dir);
        let group = file.group(&format!("edges/{name}")).unwrap();
        let mut ids: Vec<i64> = group.dataset("source_node_id").unwrap().read_raw().unwrap();
        ids[2] = -1;
        replace(&group, "source_node_id", &ids, Some("cortex"));
    }
    let e = refused(&dir);
    assert!(
        e.contains("source_node_id[2] = -1: ids and indices are never negative"),
        "{e}"
    );
    let dir = copy();
    {
        let (file, name) = cortex_edges(&dir);
        let group = file.group(&format!("edges/{name}")).unwrap();
        let ids: Vec<f64> = group.dataset("source_node_id").unwrap().read_raw().unwrap();
        replace(&group, "source_node_id", &ids, Some("cortex"));
    }
    assert!(refused(&dir).contains("source_node_id holds float64, not integers"));
    // Spike times and node ids of different lengths (the extra times were dropped).
    let dir = copy();
    {
        let file = hdf5::File::open_rw(dir.join("inputs/thalamus_spikes.h5")).unwrap();
        let group = file.group("spikes/thalamus").unwrap();
        let nodes: Vec<u64> = group.dataset("node_ids").unwrap().read_raw().unwrap();
        replace(&group, "node_ids", &nodes[1..], None);
    }
    assert!(refused(&dir).contains("one node per spike"));
    // An edge type listed twice (the last row won).
    let dir = copy();
    let types = dir.join("network/cortex_cortex_edge_types.csv");
    let text = std::fs::read_to_string(&types).unwrap();
    std::fs::write(
        &types,
        format!("{text}100 * * 3.0 static_synapse static.json 1.0\n"),
    )
    .unwrap();
    let e = refused(&dir);
    assert!(
        e.contains("lines 2 and 5 both define edge_type_id 100"),
        "{e}"
    );

    // An edge delay under one step (it ran as one step; NEST refuses it).
    let dir = copy();
    edit(
        &dir.join("network/cortex_cortex_edge_types.csv"),
        "ei=='e' 1.5",
        "ei=='e' 0.05",
    );
    let e = refused(&dir);
    assert!(
        e.contains("cortex_cortex_edges.h5")
            && e.contains(
                "delay 0.05 ms is shorter than one step (0.1 ms), which NEST refuses too"
            ),
        "{e}"
    );
    // A spike time before the first step, named in its spike file.
    let dir = copy();
    write_spikes(
        &dir.join("inputs/thalamus_spikes.h5"),
        &[(0.03, 5), (10.0, 1)],
    );
    let e = refused(&dir);
    assert!(
        e.contains("thalamus_spikes.h5")
            && e.contains(
                "node 5 of `thalamus` spikes at 0.03 ms: spike times must lie between 0.05 ms"
            ),
        "{e}"
    );
    // One node population in two node files (the second replaced the first's map).
    let dir = copy();
    std::fs::copy(
        dir.join("network/cortex_nodes.h5"),
        dir.join("network/cortex_again.h5"),
    )
    .unwrap();
    edit(
        &dir.join("circuit_config.json"),
        "\"nodes\": [",
        "\"nodes\": [{\"nodes_file\": \"$NETWORK_DIR/cortex_again.h5\", \
         \"node_types_file\": \"$NETWORK_DIR/cortex_node_types.csv\"},",
    );
    let e = refused(&dir);
    assert!(
        e.contains("node population `cortex` is also in") && e.contains("cortex_again.h5"),
        "{e}"
    );

    // Valid files written otherwise read the same network:
    // columns aligned with several spaces, ...
    let dir = copy();
    let types = dir.join("network/cortex_node_types.csv");
    let text = std::fs::read_to_string(&types).unwrap();
    std::fs::write(&types, text.replace(' ', "   ")).unwrap();
    assert!(loaded(&dir) == original, "aligned columns");
    // ... manifest names written `${NAME}`, ...
    let dir = copy();
    edit(
        &dir.join("circuit_config.json"),
        "$NETWORK_DIR/cortex_nodes.h5",
        "${NETWORK_DIR}/cortex_nodes.h5",
    );
    assert!(loaded(&dir) == original, "${{NAME}}");
    // ... an input's node set that is its whole population, ...
    let dir = with_node_set(r#"{"population": "thalamus"}"#);
    assert!(loaded(&dir) == original, "node set");
    // ... and dynamics parameters beside their type table where the config names no
    // models folder (they were looked for in the working directory).
    let dir = copy();
    edit(
        &dir.join("circuit_config.json"),
        "\"point_neuron_models_dir\": \"$COMPONENTS_DIR/point_neuron_models\",",
        "",
    );
    for entry in std::fs::read_dir(dir.join("components/point_neuron_models")).unwrap() {
        let entry = entry.unwrap();
        std::fs::rename(entry.path(), dir.join("network").join(entry.file_name())).unwrap();
    }
    assert!(loaded(&dir) == original, "dynamics beside the types");
    // ... an edge type id repeated for another population (a `population` column), ...
    let dir = copy();
    let (_, name) = cortex_edges(&dir);
    let types = dir.join("network/cortex_cortex_edge_types.csv");
    let text = std::fs::read_to_string(&types).unwrap();
    let mut lines: Vec<String> = text.lines().map(|l| format!("{l} {name}")).collect();
    lines[0] = format!("{} population", text.lines().next().unwrap());
    lines.push("100 * * 3.0 static_synapse static.json 1.0 elsewhere".into());
    std::fs::write(&types, lines.join("\n") + "\n").unwrap();
    assert!(loaded(&dir) == original, "population column");
    // ... and spike times in seconds whose unit is a fixed-length string (read as ms).
    let dir = copy();
    {
        let file = hdf5::File::open_rw(dir.join("inputs/thalamus_spikes.h5")).unwrap();
        let dataset = file.dataset("spikes/thalamus/timestamps").unwrap();
        let ms: Vec<f64> = dataset.read_raw().unwrap();
        let seconds: Vec<f64> = ms.iter().map(|t| t / 1000.0).collect();
        drop(dataset);
        let group = file.group("spikes/thalamus").unwrap();
        replace(&group, "timestamps", &seconds, None);
        group
            .dataset("timestamps")
            .unwrap()
            .new_attr::<hdf5::types::FixedAscii<1>>()
            .create("units")
            .unwrap()
            .write_scalar(&hdf5::types::FixedAscii::<1>::from_ascii("s").unwrap())
            .unwrap();
    }
    let seconds = loaded(&dir);
    for neuron in [0, 17, 49] {
        let (from_s, from_ms) = (train(&seconds, neuron), train(&original, neuron));
        assert_eq!(from_s.len(), from_ms.len());
        for (s, ms) in from_s.iter().zip(&from_ms) {
            assert!((s - ms).abs() < 1e-9, "{s} against {ms}");
        }
    }

    // A second input adds its spikes to the first's (it replaced them).
    let dir = copy();
    add_input(&dir);
    write_spikes(&dir.join("inputs/extra.h5"), &[(1500.0, 0)]);
    let both = loaded(&dir);
    let mut expected = train(&original, 0);
    expected.push(1500.0);
    assert_eq!(train(&both, 0), expected);
    assert_eq!(train(&both, 1), train(&original, 1));
    // Two spikes of a node in one step (one was lost; NEST delivers them as one of
    // multiplicity two): the second moves to a copy of the population with the same
    // outgoing synapses.
    let dir = copy();
    let (times, nodes) = thalamic_spikes(&dir);
    let first = times[nodes.iter().position(|&n| n == 0).unwrap()];
    add_input(&dir);
    write_spikes(
        &dir.join("inputs/extra.h5"),
        &[(first + 0.01, 0), (first + 0.02, 0)],
    );
    let split = loaded(&dir);
    let copies: Vec<&neurodyn::Population> = split
        .populations
        .iter()
        .filter(|p| p.name.starts_with("thalamus.relay~"))
        .collect();
    let names: Vec<&str> = copies.iter().map(|p| p.name.as_str()).collect();
    assert!(
        names.contains(&"thalamus.relay~2") && names.contains(&"thalamus.relay~3"),
        "{names:?}"
    );
    // Only node 0 has a third spike in a step: the third copy carries its synapses.
    let third = synapses(&split, "thalamus.relay~3");
    assert!(!third.is_empty());
    assert_eq!(
        third,
        synapses(&split, "thalamus.relay")
            .into_iter()
            .filter(|s| s.1 == 0)
            .collect::<Vec<_>>()
    );
}

/// A list synapse: (post population, pre, post, weight, delay, receptor).
type Synapse = (String, u32, u32, f64, f64, Receptor);

/// Every list synapse from population `pre`, projection by projection.
fn synapses(net: &neurodyn::Network, pre: &str) -> Vec<Synapse> {
    net.projections
        .iter()
        .filter(|p| p.pre == pre)
        .flat_map(|p| {
            let neurodyn::Connectivity::FromList { pairs } = &p.connectivity else {
                panic!("{:?}", p.connectivity)
            };
            let (weights, delays) = (weights(&p.weight), weights(&p.delay_ms));
            pairs
                .iter()
                .zip(weights.into_iter().zip(delays))
                .map(|(&(i, j), (w, d))| (p.post.clone(), i, j, w, d, p.receptor))
                .collect::<Vec<_>>()
        })
        .collect()
}
