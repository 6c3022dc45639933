//! The whole C. elegans hermaphrodite as a graded circuit (`models/celegans/`): all
//! 448 cells of Cook et al. (2019)'s connectome table as passive, non-spiking
//! membranes, wired by its 4681 chemical edges as graded synapses (GABAergic ones
//! inhibitory) and its electrical edges as 1359 gap junctions. A current step into
//! the anterior touch receptors (ALML, ALMR, AVM) from 200 to 600 ms spreads through
//! the command interneurons to the motor neurons. Prints the resting, peak and final
//! potential of named neurons and plots their potentials over time into
//! `celegans.png` (or `--out FILE`).
//!
//! `cargo run --release --example celegans [-- --cpu] [-- --ms 1000] [-- --out FILE]
//! [-- --neurons AVAL,DA01,...]`

#[path = "common/args.rs"]
mod args;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use neurodyn::record::{line_plot, Series};
use neurodyn::Simulation;

/// The neurons plotted unless `--neurons` names others: backward (AVA, AVD) and
/// forward (AVB) command interneurons, A- and B-type motor neurons, a GABAergic one.
const PLOTTED: &str = "AVAL,AVDL,AVBL,DA01,VA01,DB01,VB01,DD01";

/// Every cell's (population, index) by name, as the model's neuron table lists them.
fn cell_names(folder: &Path) -> Result<HashMap<String, (String, u32)>, Box<dyn std::error::Error>> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_path(folder.join("cells.csv"))?;
    let mut next: HashMap<String, u32> = HashMap::new();
    let mut names = HashMap::new();
    for row in reader.records() {
        let row = row?;
        let (name, population) = (row[0].to_string(), row[1].to_string());
        let index = next.entry(population.clone()).or_insert(0);
        names.insert(name, (population, *index));
        *index += 1;
    }
    Ok(names)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    let folder = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/models/celegans"));
    let model = neurodyn::model::file::load(&folder.join("celegans.toml"))?;
    let mut net = model.network;
    let ms: f64 = args.value("--ms", model.duration_ms)?;
    let out = PathBuf::from(args.text("--out").unwrap_or("celegans.png"));
    let names = cell_names(folder)?;
    let plotted: Vec<&str> = args
        .text("--neurons")
        .unwrap_or(PLOTTED)
        .split(',')
        .collect();

    // One state recorder per population with plotted neurons, sampled every 1 ms.
    let every = (1.0 / net.dt_ms).round().max(1.0) as u32;
    net.recorders.clear();
    let mut by_population: Vec<(String, Vec<u32>)> = Vec::new();
    for name in &plotted {
        let (population, index) = names
            .get(*name)
            .ok_or_else(|| format!("`{name}` is not a cell of the connectome table"))?;
        match by_population.iter_mut().find(|(p, _)| p == population) {
            Some((_, list)) => list.push(*index),
            None => by_population.push((population.clone(), vec![*index])),
        }
    }
    for (population, neurons) in &by_population {
        net.record_state(population, "v", neurons.clone(), every);
    }
    let junctions: usize = net.gap_junctions.iter().map(|g| g.pairs.len()).sum();
    let graded: usize = net.graded_synapses.iter().map(|g| g.pairs.len()).sum();
    println!(
        "C. elegans (Cook et al. 2019): {} cells, {graded} graded synapses, {junctions} gap \
         junctions; touch receptors stimulated 200-600 ms",
        names.len()
    );

    neurodyn::lavapipe::ThreadChoice::at_start().apply(&net);
    let mut sim = Simulation::new(&net, args.backend())?;
    let start = std::time::Instant::now();
    sim.run((ms / net.dt_ms).round() as u64)?;
    println!(
        "{ms} ms simulated in {:.2} s on {}",
        start.elapsed().as_secs_f64(),
        sim.device()
    );

    println!(
        "{:>7} {:>10} {:>10} {:>10}",
        "neuron", "at 200 ms", "peak", "end"
    );
    let mut series = Vec::new();
    for name in &plotted {
        let (population, index) = &names[*name];
        let record = sim.state_record(population, "v")?;
        let column = record
            .neurons
            .iter()
            .position(|n| n == index)
            .expect("recorded");
        let points: Vec<(f64, f64)> = record
            .times_ms()
            .into_iter()
            .zip(record.trace(column))
            .map(|(t, v)| (t, f64::from(v)))
            .collect();
        let at = |t: f64| {
            points
                .iter()
                .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
                .map_or(f64::NAN, |p| p.1)
        };
        let peak = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let end = points.last().map_or(f64::NAN, |p| p.1);
        println!(
            "{name:>7} {:>7.2} mV {:>7.2} mV {:>7.2} mV",
            at(200.0),
            peak,
            end
        );
        series.push(Series {
            name: name.to_string(),
            points,
        });
    }
    line_plot(
        &out,
        "C. elegans: touch receptors stimulated 200-600 ms",
        "time (ms)",
        "membrane potential (mV)",
        &series,
    )?;
    println!("plot in {}", out.display());
    Ok(())
}
