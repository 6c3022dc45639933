//! The outputs that describe an ensemble as a study: each instance's `summary.json`
//! (its swept values and place on the grid), one `sweep.csv`/`sweep.json` row per
//! instance, and a plot of each population's rate and CV ISI over a 1-D or 2-D grid
//! (a heat map for two axes: Brunel's phase diagram over g × η).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{
    file_safe, instance_dir, instance_key, write_bytes, write_whole, PopulationSummary, Summary,
};
use crate::error::Error;
use crate::model::{GridPoint, Network};
use crate::record::{line_plot, HeatMap, Series};

/// Where an instance stands in its ensemble's study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstancePlace {
    /// Each swept parameter's value in this instance, by path.
    pub swept: BTreeMap<String, f64>,
    /// The instance's value on each axis of the grid, by axis name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<BTreeMap<String, f64>>,
    /// Which repeat of its grid point the instance is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<u32>,
}

/// Instance `b`'s place in the study `network` describes (its sweeps and grid).
pub fn instance_place(network: &Network, b: u32) -> InstancePlace {
    let grid_points = network.grid.as_ref().and_then(|g| g.grid_points().ok());
    place(network, b, grid_points.as_deref())
}

fn place(network: &Network, b: u32, grid_points: Option<&[GridPoint]>) -> InstancePlace {
    let point = grid_points.and_then(|all| all.get(b as usize));
    InstancePlace {
        swept: network
            .sweeps
            .iter()
            .map(|s| (s.label(), s.values()[b as usize]))
            .collect(),
        coordinates: point.map(|p| {
            network
                .grid
                .iter()
                .flat_map(|g| g.axes.iter().map(|a| a.label()))
                .zip(p.values.iter().copied())
                .collect()
        }),
        repeat: point.map(|p| p.seed),
    }
}

/// `instance_<b>/summary.json`.
#[derive(Debug, Serialize)]
struct InstanceSummary<'a> {
    model: &'a str,
    instance: u32,
    /// The network's seed; the instance's streams are keyed by (seed, instance).
    seed: u64,
    #[serde(flatten)]
    place: InstancePlace,
    dt_ms: f64,
    duration_ms: f64,
    complete: bool,
    /// The first step in the outputs (a resumed run's checkpoint step): the
    /// statistics cover `first_step..last_step`, as in the run's own summary.
    first_step: u64,
    last_step: u64,
    /// Why the run stopped early (as the run's own summary).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    populations: BTreeMap<String, &'a PopulationSummary>,
}

/// The statistics each population contributes to the table and the plots.
const STATISTICS: [(&str, &str); 2] = [("rate_hz", "rate (Hz)"), ("cv_isi", "CV ISI")];

fn statistic(s: &PopulationSummary, name: &str) -> Option<f64> {
    match name {
        "rate_hz" => Some(s.rate_hz),
        _ => s.cv_isi,
    }
}

/// Writes the per-instance summaries, the sweep table and (with `plot`) the sweep
/// plots; returns the files written.
pub(super) fn write(
    dir: &Path,
    network: &Network,
    summary: &Summary,
    plot: bool,
) -> Result<Vec<PathBuf>, Error> {
    let instances = network.instances;
    let populations: Vec<&String> = summary
        .populations
        .keys()
        .filter(|name| !name.contains('['))
        .collect();
    let labels: Vec<String> = network.sweeps.iter().map(|s| s.label()).collect();
    let grid_points = network.grid.as_ref().and_then(|g| g.grid_points().ok());
    let axes: Vec<String> = network
        .grid
        .iter()
        .flat_map(|g| g.axes.iter().map(|a| a.label()))
        .collect();
    // An axis named by its parameter is already a column of swept values.
    let axis_columns: Vec<usize> = (network.grid.iter())
        .flat_map(|g| g.axes.iter().enumerate())
        .filter(|(_, axis)| axis.parameter.as_ref() != Some(&axis.label()))
        .map(|(a, _)| a)
        .collect();
    let stats_of = |b: u32| -> BTreeMap<String, &PopulationSummary> {
        populations
            .iter()
            .map(|p| ((*p).clone(), &summary.populations[&instance_key(p, b)]))
            .collect()
    };

    let mut files = Vec::new();
    let mut csv = String::from("instance");
    for &a in &axis_columns {
        csv += &format!(",{}", csv_field(&axes[a]));
    }
    if network.grid.is_some() {
        csv += ",repeat";
    }
    for label in &labels {
        csv += &format!(",{}", csv_field(label));
    }
    for p in &populations {
        for (name, _) in STATISTICS {
            csv += &format!(",{}", csv_field(&format!("{p}.{name}")));
        }
    }
    csv.push('\n');
    let mut rows = Vec::new();
    for b in 0..instances {
        let place = place(network, b, grid_points.as_deref());
        let stats = stats_of(b);
        csv += &b.to_string();
        if let (Some(coordinates), Some(repeat)) = (&place.coordinates, place.repeat) {
            for &a in &axis_columns {
                csv += &format!(",{}", coordinates[&axes[a]]);
            }
            csv += &format!(",{repeat}");
        }
        for label in &labels {
            csv += &format!(",{}", place.swept[label]);
        }
        for p in &populations {
            for (name, _) in STATISTICS {
                let value = statistic(stats[*p], name);
                csv += &format!(",{}", value.map_or(String::new(), |v| v.to_string()));
            }
        }
        csv.push('\n');
        let mine = InstanceSummary {
            model: &summary.model,
            instance: b,
            seed: summary.seed,
            place: place.clone(),
            dt_ms: summary.dt_ms,
            duration_ms: summary.duration_ms,
            complete: summary.complete,
            first_step: summary.first_step,
            last_step: summary.last_step,
            error: summary.error.as_deref(),
            populations: stats.clone(),
        };
        let path = instance_dir(dir, b, instances).join("summary.json");
        let json = serde_json::to_string_pretty(&mine).expect("a summary serialises");
        files.push(write_bytes(&path, (json + "\n").as_bytes())?);
        rows.push(serde_json::json!({
            "instance": b,
            "swept": place.swept,
            "coordinates": place.coordinates,
            "repeat": place.repeat,
            "populations": stats,
        }));
    }
    files.push(write_bytes(&dir.join("sweep.csv"), csv.as_bytes())?);
    let json = serde_json::to_string_pretty(&rows).expect("the table serialises");
    files.push(write_bytes(
        &dir.join("sweep.json"),
        (json + "\n").as_bytes(),
    )?);
    if plot {
        files.extend(plot_grid(dir, network, summary, &populations)?);
    }
    Ok(files)
}

/// `sweep_<pop>_<statistic>.png` over a grid of one axis (a line) or two (a heat
/// map), each point the mean over its repeats of the instances where the statistic
/// is defined.
fn plot_grid(
    dir: &Path,
    network: &Network,
    summary: &Summary,
    populations: &[&String],
) -> Result<Vec<PathBuf>, Error> {
    let Some(grid) = &network.grid else {
        return Ok(Vec::new());
    };
    if grid.axes.is_empty() || grid.axes.len() > 2 {
        return Ok(Vec::new());
    }
    let grid_error =
        |(field, message): (String, String)| Error::Output(format!("{field}: {message}"));
    let axes: Vec<Vec<f64>> = grid
        .axes
        .iter()
        .enumerate()
        .map(|(a, axis)| axis.points(&format!("sweep.axes[{a}]")))
        .collect::<Result<_, _>>()
        .map_err(grid_error)?;
    let grid_points = grid.grid_points().map_err(grid_error)?;
    let ny = axes.get(1).map_or(1, Vec::len);
    let mut files = Vec::new();
    for p in populations {
        for (name, description) in STATISTICS {
            // Sum and count of the defined values at each grid point.
            let mut sums = vec![vec![(0.0, 0u32); ny]; axes[0].len()];
            for (b, point) in (0..network.instances).zip(&grid_points) {
                let (i, j) = (point.indices[0], point.indices.get(1).copied().unwrap_or(0));
                if let Some(v) = statistic(&summary.populations[&instance_key(p, b)], name) {
                    sums[i][j].0 += v;
                    sums[i][j].1 += 1;
                }
            }
            let means: Vec<Vec<Option<f64>>> = sums
                .iter()
                .map(|column| {
                    column
                        .iter()
                        .map(|&(sum, n)| (n > 0).then(|| sum / f64::from(n)))
                        .collect()
                })
                .collect();
            let path = dir.join(format!("sweep_{}_{name}.png", file_safe(p)));
            let title = format!("{}: {p} {description}", summary.model);
            let draw = |partial: &Path| {
                if axes.len() == 2 {
                    HeatMap {
                        title,
                        x_label: grid.axes[0].label(),
                        y_label: grid.axes[1].label(),
                        value_label: format!("{p} {description}"),
                        x: axes[0].clone(),
                        y: axes[1].clone(),
                        values: means,
                    }
                    .draw(partial)
                } else {
                    // Drawn in the order of x, whatever the order the axis was given in.
                    let mut points: Vec<(f64, f64)> = axes[0]
                        .iter()
                        .zip(&means)
                        .filter_map(|(&x, column)| column[0].map(|y| (x, y)))
                        .collect();
                    points.sort_by(|a, b| a.0.total_cmp(&b.0));
                    line_plot(
                        partial,
                        &title,
                        &grid.axes[0].label(),
                        description,
                        &[Series {
                            name: p.to_string(),
                            points,
                        }],
                    )
                }
            };
            files.push(write_whole(&path, draw)?);
        }
    }
    Ok(files)
}

/// A header field of `sweep.csv` as RFC 4180 writes it: quoted where it holds a comma,
/// a quote or a line break (an axis named "drive, scaled").
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
