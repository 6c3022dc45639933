//! Connectivity from data files: a network's own stored synapses written as an edge
//! list and read back give the identical raster; neuron tables name neurons; duplicate
//! edges are refused or summed; bad files are refused naming file, line and column.

use std::path::{Path, PathBuf};

use neurodyn::model::edge_list::{self, Duplicates, EdgeList};
use neurodyn::model::file;
use neurodyn::{
    Backend, Connectivity, IafPscExp, Network, NeuronModel, Plan, Population, Projection, Receptor,
    Simulation, Stimulus, Value,
};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neurodyn-edges-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// E and I, Poisson-driven, with drawn weights and delays.
fn network() -> Network {
    let mut net = Network::new(0.1, 17);
    for (name, size) in [("E", 160), ("I", 40)] {
        net.add_population(
            Population::new(name, size, NeuronModel::IafPscExp(IafPscExp::default()))
                .with_initial_v(Value::uniform(-65.0, -55.0)),
        );
        net.add_stimulus(Stimulus::Poisson {
            target: name.into(),
            rate_hz: 8000.0,
            weight: 0.09,
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        });
    }
    let p = |p: f64| Connectivity::FixedProbability {
        p,
        allow_autapses: false,
    };
    for (pre, post, connectivity, weight, receptor) in [
        (
            "E",
            "E",
            p(0.1),
            Value::uniform(0.2, 0.4),
            Receptor::Excitatory,
        ),
        (
            "E",
            "I",
            p(0.2),
            Value::uniform(0.1, 0.5),
            Receptor::Excitatory,
        ),
        (
            "I",
            "E",
            p(0.2),
            Value::uniform(-1.0, -0.2),
            Receptor::Inhibitory,
        ),
        ("I", "I", p(0.1), Value::from(-0.5), Receptor::Inhibitory),
    ] {
        net.add_projection(Projection::new(
            pre,
            post,
            connectivity,
            weight,
            Value::uniform(0.5, 4.0),
            receptor,
        ));
    }
    net.record_spikes("E");
    net.record_spikes("I");
    net
}

fn rasters(net: &Network) -> Vec<Vec<(u64, u32)>> {
    let mut sim = Simulation::new(net, Backend::Cpu).unwrap();
    sim.run(3000).unwrap();
    ["E", "I"]
        .iter()
        .map(|p| sim.spikes(p).unwrap().pairs())
        .collect()
}

fn list(file: &str) -> EdgeList {
    EdgeList {
        file: file.into(),
        delay_ms: 1.0,
        receptor: Receptor::Excitatory,
        duplicates: Duplicates::Reject,
        columns: Default::default(),
        receptors: Default::default(),
        weight_scale: Default::default(),
        graded: None,
        graded_from: Default::default(),
        junction_ends: Default::default(),
    }
}

#[test]
fn a_network_written_as_an_edge_list_and_read_back_gives_the_same_raster() {
    let dir = temp_dir("round-trip");
    let net = network();
    let plan = Plan::new(&net).unwrap();
    let edges = plan.stored_edges();
    assert_eq!(edges.len() as f64, plan.synapse_count());
    edge_list::write_edges(&dir.join("edges.csv"), &["E", "I"], &edges).unwrap();
    let mut read = net.clone();
    read.projections.clear();
    edge_list::attach(&mut read, &[], &[list("edges.csv")], &dir).unwrap();
    // One projection per (pre, post, receptor) group, as the original.
    assert_eq!(read.projections.len(), 4);
    let original = rasters(&net);
    assert!(original[0].len() > 200, "E fires: {}", original[0].len());
    assert_eq!(rasters(&read), original);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes `files` into a fresh folder with a model file that names them; loads it.
fn load(name: &str, edge_list: &str, files: &[(&str, &str)]) -> Result<file::LoadedModel, String> {
    let dir = temp_dir(name);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let model = format!(
        r#"
[simulation]
duration_ms = 10.0

[[populations]]
name = "sensory"
size = 2
model = "iaf_psc_exp"

[[populations]]
name = "motor"
size = 2
model = "iaf_psc_exp"

[[populations]]
name = "relay"
size = 1
model = "parrot_neuron"

[[neuron_tables]]
file = "neurons.csv"

[[edge_lists]]
{edge_list}
"#
    );
    let path = dir.join("model.toml");
    std::fs::write(&path, model).unwrap();
    let result = file::load(Path::new(&path)).map_err(|e| e.to_string());
    std::fs::remove_dir_all(&dir).unwrap();
    result
}

const NEURONS: &str = "name,population\nASHL,sensory\nASHR,sensory\nVA1,motor\nVB1,motor\n";

#[test]
fn named_neurons_become_list_projections_by_population_pair_and_receptor() {
    let edges = "pre,post,weight,delay_ms,receptor\n\
                 ASHL,VA1,0.5,2.0,excitatory\n\
                 ASHR,VB1,0.25,,excitatory\n\
                 VA1,VB1,-0.3,1.5,inhibitory\n\
                 ASHL,VB1,0.125,3.0,excitatory\n\
                 sensory:1,motor:0,0.75,1.0,0\n";
    let model = load(
        "named",
        "file = \"edges.csv\"\ndelay_ms = 4.0",
        &[("neurons.csv", NEURONS), ("edges.csv", edges)],
    )
    .unwrap();
    let p = &model.network.projections;
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(
        (p[0].pre.as_str(), p[0].post.as_str()),
        ("sensory", "motor")
    );
    assert_eq!(
        p[0].connectivity,
        Connectivity::FromList {
            pairs: vec![(0, 0), (1, 1), (0, 1), (1, 0)]
        }
    );
    assert_eq!(p[0].weight, Value::array(vec![0.5, 0.25, 0.125, 0.75]));
    assert_eq!(p[0].delay_ms, Value::array(vec![2.0, 4.0, 3.0, 1.0]));
    assert_eq!(
        (p[1].pre.as_str(), p[1].receptor),
        ("motor", Receptor::Inhibitory)
    );
    assert_eq!(p[1].weight, Value::array(vec![-0.3]));
}

#[test]
fn other_columns_of_a_neuron_table_are_per_neuron_parameters() {
    let neurons = "name,population,i_offset,tau_m\n\
                   ASHL,sensory,0.5,12.5\n\
                   ASHR,sensory,0.25,15\n\
                   VA1,motor,,\n\
                   VB1,motor,,\n";
    let edges = "pre,post,weight\nASHL,VA1,0.5\n";
    let model = load(
        "parameters",
        "file = \"edges.csv\"",
        &[("neurons.csv", neurons), ("edges.csv", edges)],
    )
    .unwrap();
    let (sensory, motor) = (&model.network.populations[0], &model.network.populations[1]);
    assert_eq!(
        sensory.heterogeneous["i_offset"],
        Value::array(vec![0.5, 0.25])
    );
    assert_eq!(
        sensory.heterogeneous["tau_m"],
        Value::array(vec![12.5, 15.0])
    );
    assert!(
        motor.heterogeneous.is_empty(),
        "empty cells: the model's values"
    );
    let partial =
        "name,population,i_offset\nASHL,sensory,0.5\nASHR,sensory,\nVA1,motor,\nVB1,motor,\n";
    let e = load(
        "partial",
        "file = \"edges.csv\"",
        &[("neurons.csv", partial), ("edges.csv", edges)],
    )
    .unwrap_err();
    assert!(
        e.contains("neurons.csv:3:3: no `i_offset` here, but other neurons of population `sensory` have one"),
        "{e}"
    );
    let unknown = "name,population,tau_q\nASHL,sensory,1\nASHR,sensory,2\nVA1,motor,\nVB1,motor,\n";
    let e = load(
        "unknown",
        "file = \"edges.csv\"",
        &[("neurons.csv", unknown), ("edges.csv", edges)],
    )
    .unwrap_err();
    assert!(e.contains("tau_q"), "{e}");
    // A value the model refuses is named at its cell (it was the population's
    // `params.tau_m`, at its line in the model file).
    let negative = neurons.replace("ASHR,sensory,0.25,15", "ASHR,sensory,0.25,-15");
    let e = load(
        "negative",
        "file = \"edges.csv\"",
        &[("neurons.csv", negative.as_str()), ("edges.csv", edges)],
    )
    .unwrap_err();
    assert!(
        e.contains("neurons.csv:3:4: `populations[0].heterogeneous.tau_m[1]` = -15: must be greater than 0"),
        "{e}"
    );
}

#[test]
fn electrical_edges_become_gap_junctions_listed_from_either_end() {
    let edges = "pre,post,weight,receptor\n\
                 ASHL,VA1,0.5,excitatory\n\
                 ASHL,ASHR,0.1,electrical\n\
                 VA1,VB1,0.2,gap\n\
                 ASHR,ASHL,0.1,electrical\n\
                 VB1,VA1,0.2,Electrical\n";
    let model = load(
        "electrical",
        "file = \"edges.csv\"",
        &[("neurons.csv", NEURONS), ("edges.csv", edges)],
    )
    .unwrap();
    let net = &model.network;
    assert_eq!(net.projections.len(), 1);
    assert_eq!(net.gap_junctions.len(), 2, "{:#?}", net.gap_junctions);
    let (s, m) = (&net.gap_junctions[0], &net.gap_junctions[1]);
    assert_eq!(
        (s.a.as_str(), s.b.as_str(), &s.pairs),
        ("sensory", "sensory", &vec![(0, 1)])
    );
    assert_eq!(s.g_us, Value::array(vec![0.1]));
    assert_eq!(
        (m.a.as_str(), m.b.as_str(), &m.pairs),
        ("motor", "motor", &vec![(0, 1)])
    );
    // Listed again from the other end with another conductance: a duplicate.
    let clash = "pre,post,weight,receptor\nASHL,ASHR,0.1,electrical\nASHR,ASHL,0.3,electrical\n";
    let e = load(
        "clash",
        "file = \"edges.csv\"",
        &[("neurons.csv", NEURONS), ("edges.csv", clash)],
    )
    .unwrap_err();
    assert!(
        e.contains(
            "edges.csv:3:3: the junction ASHR – ASHL is listed again from its other end \
             with another conductance (0.3 against 0.1 on line 2); set \
             `junction_ends = \"mean\"`"
        ),
        "{e}"
    );
    // A table that lists each end's own count: one junction of the mean conductance;
    // a third listing is a duplicate again.
    let entry = "file = \"edges.csv\"\njunction_ends = \"mean\"";
    let model = load(
        "mean",
        entry,
        &[("neurons.csv", NEURONS), ("edges.csv", clash)],
    )
    .unwrap();
    let junctions = &model.network.gap_junctions;
    assert_eq!(junctions.len(), 1);
    assert_eq!(
        (&junctions[0].pairs, &junctions[0].g_us),
        (&vec![(0, 1)], &Value::array(vec![0.2]))
    );
    let thrice = format!("{clash}ASHL,ASHR,0.2,electrical\n");
    let e = load(
        "thrice",
        entry,
        &[("neurons.csv", NEURONS), ("edges.csv", &thrice)],
    )
    .unwrap_err();
    assert!(
        e.contains("edges.csv:4:1: the edge ASHL → ASHR is listed again"),
        "{e}"
    );
}

#[test]
fn a_connectome_table_with_its_own_column_names_and_types_is_read() {
    // As c302's White (1986) table: tab-separated pre, post, type, synapses.
    let edges = "pre\tpost\ttype\tsynapses\n\
                 ASHL\tVA1\tchemical\t3\n\
                 ASHL\tASHR\telectrical\t2\n\
                 ASHR\tASHL\telectrical\t2\n";
    let entry = "file = \"edges.tsv\"\n\
                 columns = { weight = \"synapses\", receptor = \"type\" }\n\
                 receptors = { chemical = \"excitatory\" }\n\
                 weight_scale = { excitatory = 0.25, electrical = 0.05 }";
    let model = load(
        "connectome",
        entry,
        &[("neurons.csv", NEURONS), ("edges.tsv", edges)],
    )
    .unwrap();
    let net = &model.network;
    assert_eq!(net.projections[0].weight, Value::array(vec![0.75]));
    assert_eq!(net.gap_junctions[0].pairs, vec![(0, 1)]);
    assert_eq!(net.gap_junctions[0].g_us, Value::array(vec![0.1]));
    // A factor's key is read as a receptor value is: case aside, a port by number,
    // `gap` for electrical; two keys for the same edges are refused.
    let scaled = |scale: &str| {
        let entry = entry.replace("{ excitatory = 0.25, electrical = 0.05 }", scale);
        load(
            "scale-keys",
            &entry,
            &[("neurons.csv", NEURONS), ("edges.tsv", edges)],
        )
    };
    for scale in [
        "{ Excitatory = 0.25, GAP = 0.05 }",
        "{ \"0\" = 0.25, Electrical = 0.05 }",
    ] {
        let net = scaled(scale).unwrap().network;
        assert_eq!(
            net.projections[0].weight,
            Value::array(vec![0.75]),
            "{scale}"
        );
        assert_eq!(
            net.gap_junctions[0].g_us,
            Value::array(vec![0.1]),
            "{scale}"
        );
    }
    let e = scaled("{ excitatory = 0.25, \"00\" = 0.5 }").unwrap_err();
    assert!(
        e.contains("`weight_scale.excitatory` and `weight_scale.00` name the same edges"),
        "{e}"
    );
    let e = load(
        "bad-columns",
        "file = \"edges.tsv\"\ncolumns = { wieght = \"synapses\" }",
        &[("neurons.csv", NEURONS), ("edges.tsv", edges)],
    )
    .unwrap_err();
    assert!(
        e.contains("`columns` names `wieght`, which is not a column"),
        "{e}"
    );
    let e = load(
        "missing",
        "file = \"edges.tsv\"",
        &[("neurons.csv", NEURONS), ("edges.tsv", edges)],
    )
    .unwrap_err();
    assert!(
        e.contains("edges.tsv:1:1: no column `weight` (columns: pre, post, type, synapses)"),
        "{e}"
    );
}

#[test]
fn duplicate_edges_are_refused_or_summed() {
    let edges = "pre,post,weight\nASHL,VA1,0.5\nASHR,VB1,0.25\nASHL,VA1,0.125\n";
    let files = [("neurons.csv", NEURONS), ("edges.csv", edges)];
    let e = load("duplicate", "file = \"edges.csv\"", &files).unwrap_err();
    assert!(
        e.contains("edges.csv:4:1: the edge ASHL → VA1 is listed again (first on line 2)"),
        "{e}"
    );
    let model = load("sum", "file = \"edges.csv\"\nduplicates = \"sum\"", &files).unwrap();
    assert_eq!(
        model.network.projections[0].weight,
        Value::array(vec![0.625, 0.25])
    );
}

#[test]
fn bad_tables_and_edge_lists_are_refused_naming_file_line_and_column() {
    let cases: [(&str, &str, &[&str]); 15] = [
        // A CR-only file with a comment: every row read (those after the comment
        // were lost), each at its line.
        (
            NEURONS,
            "pre,post,weight\r# c\rASHL,VA1,0.5\rASHL,VC9,0.5\r",
            &["edges.csv:4:2: `VC9`"],
        ),
        // A byte-order mark before a comment line: the header is still line 2.
        (
            "\u{feff}# cells\nnome,population\n",
            "pre,post,weight\n",
            &["neurons.csv:2:1: no column `name`"],
        ),
        // `population:index` in digits only; a table name of that form is refused.
        (
            NEURONS,
            "pre,post,weight\nsensory:+1,VA1,0.5\n",
            &["edges.csv:2:1: `sensory:+1` is neither a neuron named"],
        ),
        (
            "name,population\nmotor:0,sensory\nASHR,sensory\nVA1,motor\nVB1,motor\n",
            "pre,post,weight\n",
            &["neurons.csv:2:1: the name `motor:0` is also neuron 0 of population `motor`"],
        ),
        // A junction's or graded synapse's delay is not read (a table's placeholder).
        (
            NEURONS,
            "pre,post,weight,delay_ms,receptor\nASHL,ASHR,0.1,-,electrical\nASHL,VA1,0.1,x,0\n",
            &["edges.csv:3:4: delay `x` is not a finite number"],
        ),
        // Values the validation would refuse, named at their row.
        (
            NEURONS,
            "pre,post,weight,receptor\nASHL,ASHR,0.1,electrical\nVA1,VB1,-0.1,gap\n\
             ASHL,VA1,1e39,excitatory\n",
            &[
                "edges.csv:3:3: conductance -0.1 µS (scaled) cannot be negative",
                "edges.csv:4:3: weight 1000000000000000000000000000000000000000 (scaled) \
                 does not fit a 32-bit float",
            ],
        ),
        // Lines as an editor counts them, whatever ends them and whatever the
        // reader skips: CRLF (a Windows export), a lone CR, comment and blank lines.
        (
            NEURONS,
            "pre,post,weight\r\nASHL,VA1,0.5\r\nASHL,VA1,0.5\r\nASHL,VC9,0.5\r\n",
            &[
                "edges.csv:3:1: the edge ASHL → VA1 is listed again (first on line 2)",
                "edges.csv:4:2: `VC9`",
            ],
        ),
        (
            NEURONS,
            "pre,post,weight\r# one\r\n\n# two\n\r\nASHL,VC9,0.5\n",
            &["edges.csv:6:2: `VC9`"],
        ),
        (
            "# cells\r\nname,population\r\n\r\nASHL,sensory\r\nASHR,muscle\r\n",
            "pre,post,weight\n",
            &["neurons.csv:5:2: no population `muscle` in the model"],
        ),
        (
            NEURONS,
            "# edges\n\npre,post\nASHL,VA1\n",
            &["edges.csv:3:1: no column `weight` (columns: pre, post)"],
        ),
        (
            NEURONS,
            "pre,post,weight\nASHL,VA1,0.5\nASHL,VC9,0.5\n",
            &["edges.csv:3:2: `VC9` is neither a neuron named in a neuron table"],
        ),
        (
            NEURONS,
            "pre,post\nASHL,VA1\n",
            &["edges.csv:1:1: no column `weight` (columns: pre, post)"],
        ),
        (
            NEURONS,
            "pre,post,weight\nASHL,VA1,heavy\nASHL,VA1,0.5,2\n",
            &[
                "edges.csv:2:3: weight `heavy` is not a finite number",
                "edges.csv:3:1:",
            ],
        ),
        (
            "name,population\nASHL,sensory\nASHL,motor\nVA1,muscle\n",
            "pre,post,weight\n",
            &[
                "neurons.csv:3:1: neuron `ASHL` is named again (first on line 2)",
                "neurons.csv:4:2: no population `muscle` in the model",
                "neurons.csv: names 1 neurons of population `sensory`, whose size is 2",
            ],
        ),
        (
            NEURONS,
            "pre,post,weight,receptor\nASHL,VA1,0.5,gaba\n",
            &["edges.csv:2:4: receptor `gaba` is not excitatory, inhibitory, a port number, electrical or graded"],
        ),
    ];
    for (k, (neurons, edges, needles)) in cases.iter().enumerate() {
        let e = load(
            &format!("bad{k}"),
            "file = \"edges.csv\"",
            &[("neurons.csv", neurons), ("edges.csv", edges)],
        )
        .unwrap_err();
        for needle in *needles {
            assert!(e.contains(needle), "case {k}: {needle}\n{e}");
        }
    }
    // The junction's placeholder delay alone: accepted.
    let edges = "pre,post,weight,delay_ms,receptor\nASHL,ASHR,0.1,-,electrical\n";
    let model = load(
        "gap-delay",
        "file = \"edges.csv\"",
        &[("neurons.csv", NEURONS), ("edges.csv", edges)],
    );
    assert!(model.is_ok(), "{:?}", model.err());
    // A name in two tables: an edge list would have found the second only.
    let e = load(
        "two-tables",
        "file = \"edges.csv\"\n[[neuron_tables]]\nfile = \"more.csv\"",
        &[
            ("neurons.csv", NEURONS),
            ("more.csv", "name,population\nASHL,motor\n"),
            ("edges.csv", "pre,post,weight\n"),
        ],
    )
    .unwrap_err();
    assert!(
        e.contains("more.csv:2:1: neuron `ASHL` is already named by an earlier neuron table"),
        "{e}"
    );
}

#[test]
fn errors_the_validation_finds_in_listed_projections_name_the_list() {
    // A positive weight onto the inhibitory receptor passes the list's reader but
    // not the network's validation: the error names the edge list (it named the model
    // file, at line 1, with a field the file does not have). So does an error in the
    // gap junctions a list makes.
    for (name, row, field) in [
        ("wrong-sign", "ASHL,VA1,0.5,inhibitory", "projections[0]"),
        (
            "gap-to-a-parrot",
            "ASHL,relay:0,0.1,electrical",
            "gap_junctions[0].b",
        ),
    ] {
        let edges = format!("pre,post,weight,receptor\n{row}\n");
        let e = load(
            name,
            "file = \"edges.csv\"",
            &[("neurons.csv", NEURONS), ("edges.csv", &edges)],
        )
        .unwrap_err();
        assert!(e.contains("edges.csv") && e.contains(field), "{e}");
        assert!(!e.contains("model.toml"), "{e}");
    }
    // A list named `.TSV` is tab-separated too.
    let model = load(
        "upper-tsv",
        "file = \"edges.TSV\"",
        &[
            ("neurons.csv", NEURONS),
            ("edges.TSV", "pre\tpost\tweight\nASHL\tVA1\t0.5\n"),
        ],
    )
    .unwrap();
    assert_eq!(model.network.projections.len(), 1);
}
