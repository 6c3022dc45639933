//! Studies as grids: a `[sweep]` table (or `neurodyn run --sweep/--seeds`) expands
//! into the instances of one run, whose outputs go to one folder per instance with a
//! table and plots over the grid — and each instance equals the combination run alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use neurodyn::model::file;
use neurodyn::run::{run_model, RunOptions};
use neurodyn::Backend;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neurodyn-sweeps-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A deterministic network (constant initial state, drive from i_offset, fixed
/// connectivity shared by the instances), so instance b equals its combination alone.
fn model_text(params: &str, sweep: &str) -> String {
    format!(
        r#"name = "driven"

[simulation]
dt_ms = 0.1
duration_ms = 150.0
seed = 9

[[populations]]
name = "E"
size = 200
model = "iaf_psc_exp"
params = {{ tau_refrac = 2.0{params} }}

[[projections]]
pre = "E"
post = "E"
connectivity = {{ rule = "fixed_probability", p = 0.1 }}
weight = -0.05
delay_ms = 1.5
receptor = "inhibitory"

[[recorders]]
record = "spikes"
population = "E"
{sweep}"#
    )
}

const GRID: &str = r#"
[sweep]

[[sweep.axes]]
parameter = "E.i_offset"
values = [1.1, 1.4]

[[sweep.axes]]
name = "membrane time constant"
scale = { "E.tau_m" = 1.0 }
from = 15.0
to = 25.0
steps = 3
"#;

fn run(path: &Path, out: &Path) -> neurodyn::run::RunReport {
    let model = file::load(path).unwrap_or_else(|e| panic!("{e}"));
    run_model(
        &model,
        &RunOptions::new(out.to_path_buf(), Backend::Gpu),
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn a_two_by_three_grid_writes_six_instances_each_equal_to_its_combination_alone() {
    let dir = temp_dir("grid");
    let path = dir.join("grid.toml");
    std::fs::write(&path, model_text("", GRID)).unwrap();
    let out = dir.join("out");
    let report = run(&path, &out);
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "instance,membrane time constant,repeat,E.i_offset,E.tau_m,E.rate_hz,E.cv_isi"
    );
    assert_eq!(lines.len(), 7, "{csv}");
    let mut rates = Vec::new();
    for (b, line) in lines[1..].iter().enumerate() {
        let (i_offset, tau_m) = ([1.1, 1.4][b / 3], [15.0, 20.0, 25.0][b % 3]);
        let cells: Vec<f64> = line
            .split(',')
            .map(|c| c.parse().unwrap_or(f64::NAN))
            .collect();
        assert_eq!(
            cells[..5],
            [b as f64, tau_m, 0.0, i_offset, tau_m],
            "{line}"
        );

        // The combination alone, from its own model file.
        let single = dir.join(format!("single_{b}.toml"));
        let params = format!(", i_offset = {i_offset}, tau_m = {tau_m}");
        std::fs::write(&single, model_text(&params, "")).unwrap();
        let alone = dir.join(format!("alone_{b}"));
        let single_report = run(&single, &alone);
        let folder = out.join(format!("instance_{b}"));
        assert_eq!(
            std::fs::read(folder.join("spikes_E.npy")).unwrap(),
            std::fs::read(alone.join("spikes_E.npy")).unwrap(),
            "instance {b} ({i_offset} nA, {tau_m} ms)"
        );
        let rate = single_report.summary.populations["E"].rate_hz;
        assert_eq!(cells[5], rate, "{line}");
        assert!(rate > 1.0, "instance {b} must fire to be compared: {line}");
        rates.push(rate);

        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(summary["instance"], b);
        assert_eq!(summary["swept"]["E.i_offset"], i_offset);
        assert_eq!(summary["coordinates"]["membrane time constant"], tau_m);
        assert_eq!(summary["populations"]["E"]["rate_hz"], rate);
        assert!(folder.join("raster.png").exists());
    }
    // A stronger drive fires faster at every time constant.
    assert!((0..3).all(|j| rates[3 + j] > rates[j]), "{rates:?}");
    assert_eq!(report.summary.populations.len(), 6);
    for statistic in ["rate_hz", "cv_isi"] {
        let png = out.join(format!("sweep_E_{statistic}.png"));
        assert!(
            std::fs::metadata(&png).unwrap().len() > 1000,
            "{}",
            png.display()
        );
    }
    // Nothing per instance at the top.
    assert!(!out.join("spikes_E.npy").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_command_line_adds_axes_and_repeats() {
    let dir = temp_dir("cli");
    let path = dir.join("driven.toml");
    // With Poisson input, so that repeats differ.
    let poisson = r#"
[[stimuli]]
kind = "poisson"
target = "E"
rate_hz = 2000.0
weight = 0.05
receptor = "excitatory"
"#;
    std::fs::write(&path, model_text("", poisson)).unwrap();
    let out = dir.join("out");
    let run = |extra: &[&str], out: &Path| {
        let status = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
            .args(["run", path.to_str().unwrap(), "--quiet", "--duration", "50"])
            .args(["--sweep", "E.i_offset=0.6:1.4:3", "--seeds", "2"])
            .args(extra)
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    run(&[], &out);
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 6, "{csv}");
    // Repeats of a point share its value and differ in their random streams.
    for (b, row) in rows.iter().enumerate() {
        assert_eq!(row[1], (b % 2).to_string());
        assert_eq!(row[2].parse::<f64>().unwrap(), [0.6, 1.0, 1.4][b / 2]);
    }
    let spikes = |b: u32| std::fs::read(out.join(format!("instance_{b}/spikes_E.npy"))).unwrap();
    assert_ne!(spikes(2), spikes(3), "repeats of a point differ");
    assert!(out.join("sweep_E_rate_hz.png").exists());
    // One instance rerun alone gives the same spikes as in the whole run.
    let alone = dir.join("alone");
    run(&["--instance", "3"], &alone);
    assert_eq!(
        std::fs::read(alone.join("spikes_E.npy")).unwrap(),
        spikes(3)
    );

    for (bad, needle) in [
        ("E.i_offset=1:2", "FROM:TO:STEPS"),
        ("E.nonsense=1,2", "nonsense"),
        ("projections[4].weight=1,2", "projections[4]"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
            .args(["run", path.to_str().unwrap(), "--sweep", bad])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains(needle), "{bad}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_grid_in_a_file_is_located() {
    let dir = temp_dir("bad");
    for (grid, needle) in [
        (
            "\n[sweep]\n[[sweep.axes]]\nparameter = \"E.i_offset\"\nfrom = 1.0\n",
            "sweep.axes[0]",
        ),
        (
            "\n[sweep]\nseeds = 0\n[[sweep.axes]]\nparameter = \"E.i_offset\"\nvalues = [1.0]\n",
            "sweep.seeds",
        ),
        (
            "\n[sweep]\n[[sweep.axes]]\nparameter = \"E.tau_m\"\nvalues = [-1.0]\n",
            "tau_m",
        ),
        // A path an axis scales is named as that axis's (it was `sweeps`, at line 1).
        (
            "\n[sweep]\n[[sweep.axes]]\nname = \"x\"\nvalues = [1.0, 2.0]\n\
             scale = { \"E.bogus\" = 0.1 }\n",
            ":30:1: `sweep.axes[0].scale.E.bogus`: `iaf_psc_exp` has no parameter `bogus`",
        ),
        // An axis named as a column sweep.csv has already (its values were lost): a
        // path a `[[sweeps]]` entry sweeps, a population's statistic.
        (
            "\n[[sweeps]]\nsweep = \"neuron\"\npopulation = \"E\"\nparameter = \"tau_m\"\n\
             values = [18.0, 22.0]\n[sweep]\n[[sweep.axes]]\nname = \"E.tau_m\"\n\
             values = [1.0, 1.2]\nscale = { \"E.i_offset\" = 1.0 }\n",
            "`sweep.axes[0].name`: `E.tau_m` names a column of sweep.csv already (the swept \
             values of sweeps[0])",
        ),
        (
            "\n[sweep]\n[[sweep.axes]]\nname = \"E.rate_hz\"\nvalues = [1.0, 1.2]\n\
             scale = { \"E.i_offset\" = 1.0 }\n",
            "(a statistic of population `E`)",
        ),
    ] {
        let path = dir.join("bad.toml");
        std::fs::write(&path, model_text("", grid)).unwrap();
        let e = file::load(&path).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
        assert!(e.contains("bad.toml"), "{e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
