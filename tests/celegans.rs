//! The C. elegans example model (`models/celegans/`): every cell and synapse of the
//! shipped connectome table is loaded (counts and conductances against the table),
//! and one simulated second runs: at rest before the stimulus, a graded response
//! of the command interneurons and motor neurons to the touch receptors' current,
//! relaxation after it, and the same potentials bit for bit on the CPU reference.

use std::collections::HashMap;
use std::path::Path;

use neurodyn::model::file;
use neurodyn::{Backend, Simulation, Value};

const FOLDER: &str = "models/celegans";

/// The table's rows: (pre, post, contacts, type).
fn table() -> Vec<(String, String, f64, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(Path::new(FOLDER).join("cook2019_herm_full_edgelist.csv"))
        .unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].into(), r[1].into(), r[2].parse().unwrap(), r[3].into())
        })
        .collect()
}

fn total(values: &Value) -> f64 {
    match values {
        Value::Array { values } => values.iter().sum(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_cell_and_synapse_of_the_table_is_loaded() {
    let rows = table();
    assert_eq!(rows.len(), 7379);
    let model = file::load(&Path::new(FOLDER).join("celegans.toml")).unwrap();
    let net = &model.network;
    let sizes: Vec<(&str, u32)> = net
        .populations
        .iter()
        .map(|p| (p.name.as_str(), p.size))
        .collect();
    assert_eq!(
        sizes,
        [
            ("touch", 3),
            ("neurons", 271),
            ("gaba", 26),
            ("muscles", 144),
            ("other", 4)
        ]
    );
    // Chemical edges: all graded synapses, 1 pS per contact.
    let chemical: Vec<_> = rows.iter().filter(|r| r.3 == "chemical").collect();
    let graded: usize = net.graded_synapses.iter().map(|g| g.pairs.len()).sum();
    assert_eq!((chemical.len(), graded), (4681, 4681));
    let contacts: f64 = chemical.iter().map(|r| r.2).sum();
    assert_eq!(contacts, 27019.0);
    let g: f64 = net.graded_synapses.iter().map(|s| total(&s.g_us)).sum();
    assert!((g / (contacts * 1e-6) - 1.0).abs() < 1e-12, "{g}");
    // GABAergic synapses inhibit, the others excite.
    for s in &net.graded_synapses {
        assert_eq!(s.e_rev, if s.pre == "gaba" { -48.0 } else { 0.0 });
    }
    // Electrical edges: one junction per unordered pair, at the mean of its ends'
    // counts (0.2 pS per contact).
    let mut pairs: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for r in rows.iter().filter(|r| r.3 == "electrical") {
        let key = if r.0 <= r.1 {
            (r.0.clone(), r.1.clone())
        } else {
            (r.1.clone(), r.0.clone())
        };
        pairs.entry(key).or_default().push(r.2);
    }
    let junctions: usize = net.gap_junctions.iter().map(|g| g.pairs.len()).sum();
    assert_eq!((pairs.len(), junctions), (1359, 1359));
    let expected: f64 = pairs
        .values()
        .map(|ends| ends.iter().sum::<f64>() / ends.len() as f64 * 2e-7)
        .sum();
    let g: f64 = net.gap_junctions.iter().map(|j| total(&j.g_us)).sum();
    assert!((g / expected - 1.0).abs() < 1e-12, "{g} vs {expected}");
    assert_eq!(
        pairs[&("AVAL".to_string(), "VA05".to_string())],
        vec![4.0, 5.0]
    );
}

#[test]
fn one_second_of_the_worm_responds_to_touch_and_matches_the_cpu_reference() {
    let model = file::load(&Path::new(FOLDER).join("celegans.toml")).unwrap();
    assert_eq!(model.duration_ms, 1000.0);
    let run = |backend| {
        let mut sim = Simulation::new(&model.network, backend).unwrap();
        sim.run(10_000).unwrap();
        sim.state_record("neurons", "v").unwrap().clone()
    };
    let gpu = run(Backend::Gpu);
    // The recorder's first 8 neurons: AVAL AVAR AVDL AVDR AVBL AVBR PVCL PVCR, then
    // the A- and B-type motor neurons (celegans.toml), every ms.
    assert_eq!(gpu.len(), 1000);
    let at = |ms: usize, k: usize| f64::from(gpu.sample(ms - 1)[k]);
    for k in 0..gpu.neurons.len() {
        // Near rest before the stimulus, and back near it at the end.
        assert!(
            (at(200, k) + 35.0).abs() < 2.5,
            "neuron {k}: {} mV",
            at(200, k)
        );
        assert!(
            (at(1000, k) + 35.0).abs() < 2.5,
            "neuron {k}: {} mV",
            at(1000, k)
        );
    }
    // The command interneurons depolarise by several mV during the touch.
    for (k, name) in ["AVAL", "AVDL", "AVBL"]
        .iter()
        .enumerate()
        .map(|(i, n)| ([0, 2, 4][i], n))
    {
        let rise = at(600, k) - at(200, k);
        assert!(rise > 5.0, "{name}: {rise} mV");
        assert!(at(1000, k) < at(600, k) - 4.0, "{name} relaxes");
    }
    let cpu = run(Backend::Cpu);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&gpu.values), bits(&cpu.values));
}
