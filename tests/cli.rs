//! The `neurodyn` command line: outputs of `run`, `validate`, `devices`, and bad model
//! files that must exit 2 with a located message and never panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use neurodyn::model::file;
use neurodyn::record::SpikeRow;
use neurodyn::run::{run_model, RunOptions, Summary};
use neurodyn::{Backend, Simulation};

/// The command as a user without `LP_NUM_THREADS` in the environment runs it.
fn neurodyn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neurodyn"))
        .args(args)
        .env_remove(neurodyn::lavapipe::THREADS_VARIABLE)
        .output()
        .expect("the neurodyn binary runs")
}

/// `neurodyn` with `args` then `extra`, which must succeed.
fn succeeds(args: &[&str], extra: &[&str]) {
    let all: Vec<&str> = args.iter().chain(extra).copied().collect();
    let output = neurodyn(&all);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neurodyn-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read_npy<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec().unwrap())
}

#[test]
fn run_writes_spikes_states_summary_and_raster_equal_to_the_library() {
    let out = temp_dir("run");
    let output = neurodyn(&[
        "run",
        "models/cuba.toml",
        "--duration",
        "300",
        "--seed",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "run failed: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("real-time factor"), "{stdout}");

    // The same model, seed and duration through the library.
    let mut model = file::load(Path::new("models/cuba.toml")).unwrap();
    model.network.seed = 5;
    let mut sim = Simulation::new(&model.network, Backend::Gpu).unwrap();
    sim.run(3000).unwrap();

    for population in ["E", "I"] {
        let (shape, rows) = read_npy::<SpikeRow>(&out.join(format!("spikes_{population}.npy")));
        let record = sim.spikes(population).unwrap();
        assert_eq!(shape, vec![record.len() as u64]);
        let expected: Vec<SpikeRow> = record
            .times_ms()
            .into_iter()
            .zip(&record.neurons)
            .map(|(time_ms, &neuron)| SpikeRow { time_ms, neuron })
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(
            rows, expected,
            "spikes_{population}.npy differs from the library's record"
        );
    }
    let (shape, values) = read_npy::<f32>(&out.join("state_E_v.npy"));
    let probe = sim.state_record("E", "v").unwrap();
    assert_eq!(shape, vec![probe.len() as u64, 5]);
    assert_eq!(values, probe.values);
    let (_, times) = read_npy::<f64>(&out.join("state_E_v_times.npy"));
    assert_eq!(times, probe.times_ms());
    let (_, neurons) = read_npy::<u32>(&out.join("state_E_v_neurons.npy"));
    assert_eq!(neurons, vec![0, 1, 2, 3, 4]);

    let json = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in [
        "model",
        "device",
        "backend",
        "seed",
        "dt_ms",
        "duration_ms",
        "build_s",
        "run_s",
        "realtime_factor",
        "populations",
    ] {
        assert!(value.get(key).is_some(), "summary.json lacks `{key}`");
    }
    let summary: Summary = serde_json::from_str(&json).unwrap();
    assert_eq!(summary.model, "cuba");
    assert_eq!(summary.seed, 5);
    assert_eq!(summary.duration_ms, 300.0);
    let e = &summary.populations["E"];
    assert_eq!(e.spikes, sim.spikes("E").unwrap().len() as u64);
    assert_eq!(e.cv_isi, sim.spikes("E").unwrap().cv_isi());

    let png = std::fs::read(out.join("raster.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 10_000, "the raster has content");
    assert!(std::fs::read_dir(&out).unwrap().all(|f| !f
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".partial")));
}

#[test]
fn a_small_network_runs_on_one_lavapipe_thread_unless_the_user_sets_the_count() {
    let run = |name: &str, threads: Option<&str>| {
        let out = temp_dir(name);
        let mut command = Command::new(env!("CARGO_BIN_EXE_neurodyn"));
        command
            .args([
                "run",
                "models/cuba.toml",
                "--duration",
                "100",
                "--no-plot",
                "-q",
            ])
            .arg("--out")
            .arg(&out)
            .env_remove(neurodyn::lavapipe::THREADS_VARIABLE);
        if let Some(threads) = threads {
            command.env(neurodyn::lavapipe::THREADS_VARIABLE, threads);
        }
        let output = command.output().expect("the neurodyn binary runs");
        assert!(output.status.success(), "{output:?}");
        let summary: Summary =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        (
            summary.device,
            std::fs::read(out.join("spikes_E.npy")).unwrap(),
        )
    };
    let (chosen, chosen_spikes) = run("lavapipe-chosen", None);
    let (set, set_spikes) = run("lavapipe-set", Some("2"));
    if chosen.starts_with("llvmpipe") {
        assert!(chosen.ends_with(", LP_NUM_THREADS=0"), "{chosen}");
        assert!(set.ends_with(", LP_NUM_THREADS=2"), "{set}");
    }
    // The thread count changes the speed, never the raster.
    assert_eq!(chosen_spikes, set_spikes);
}

#[test]
fn validate_and_devices_succeed() {
    let output = neurodyn(&["validate", "models/cuba.toml"]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("4000 neurons"), "{stdout}");
    assert!(stdout.contains("synapses"), "{stdout}");
    assert!(stdout.contains("MiB"), "{stdout}");
    let output = neurodyn(&["devices"]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("* "), "marks the chosen adapter: {stdout}");
    assert!(stdout.contains("max storage binding"), "{stdout}");
}

/// `validate` reports the memory of the network `run` plans: with the spike
/// recorders a file without recorders gets (it left their buffers out).
#[test]
fn validate_reports_the_memory_of_the_network_run_plans() {
    let dir = temp_dir("cli-validate-memory");
    let path = dir.join("bare.toml");
    let text = "name = \"bare\"\n[simulation]\nduration_ms = 10.0\n[[populations]]\n\
                name = \"E\"\nsize = 100000\nmodel = \"iaf_psc_exp\"\n";
    std::fs::write(&path, text).unwrap();
    let output = neurodyn(&["validate", path.to_str().unwrap()]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let network = neurodyn::model::file::load(&path).unwrap().network;
    let plan = neurodyn::Plan::new(&neurodyn::run::with_default_recorders(&network)).unwrap();
    let total: u64 = plan.buffers.iter().map(|b| b.bytes).sum();
    let line = format!("total {:>12}", neurodyn::plan::memory::format_bytes(total));
    assert!(
        stdout.lines().any(|l| l
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .starts_with(&line.split_whitespace().collect::<Vec<_>>().join(" "))),
        "{line}\n{stdout}"
    );
    // 9·10^6 neurons' state (137 MiB) exceeds lavapipe's 128 MiB storage binding: the
    // first line says so, never "valid" before the refusal; where it fits, "valid".
    let path = dir.join("big.toml");
    std::fs::write(&path, text.replace("size = 100000", "size = 9000000")).unwrap();
    let output = neurodyn(&["validate", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    if output.status.success() {
        assert!(first.ends_with("big.toml: valid"), "{stdout}");
    } else {
        assert_eq!(output.status.code(), Some(1), "{stdout}");
        assert!(
            first.ends_with("big.toml: a valid model, too large for this device (below)"),
            "{stdout}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("`run` refuses it"), "{stderr}");
    }
}

/// A copy of cuba.toml with `from` replaced by `to` (first occurrence).
fn broken(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string("models/cuba.toml").unwrap();
    assert!(text.contains(from), "{from}");
    let path = dir.join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

fn expect_invalid(path: &Path, command: &str, needles: &[&str]) {
    let output = neurodyn(&[command, path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}: {stderr}",
        path.display()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "`{needle}` not in: {stderr}");
    }
}

#[test]
fn bad_model_files_exit_2_naming_file_line_and_field() {
    let dir = temp_dir("bad");
    let file_name = |p: &PathBuf| p.display().to_string();
    let cases = [
        (
            broken(
                &dir,
                "missing_population.toml",
                "post = \"E\"",
                "post = \"X\"",
            ),
            vec![":27:1:", "`projections[0].post`", "unknown population `X`"],
        ),
        (
            broken(&dir, "misspelled.toml", "tau_m = 20.0", "tau_mem = 20.0"),
            vec![
                ":15:",
                "`populations[0].params.tau_mem`",
                "did you mean `tau_m`?",
            ],
        ),
        (
            broken(&dir, "wrong_type.toml", "size = 3200", "size = \"many\""),
            vec![":13:8:", "`populations[0].size`", "expected u32"],
        ),
        (
            broken(&dir, "negative.toml", "tau_m = 20.0", "tau_m = -20.0"),
            vec![":15:", "`populations[0].params.tau_m`", "-20"],
        ),
        (
            broken(&dir, "not_a_number.toml", "tau_m = 20.0", "tau_m = nan"),
            vec![
                ":15:",
                "`populations[0].params.tau_m`",
                "not a finite number",
            ],
        ),
        (
            broken(
                &dir,
                "unknown_model.toml",
                "model = \"iaf_psc_exp\"",
                "model = \"iaf_psc_exq\"",
            ),
            vec![
                ":14:1:",
                "`populations[0].model`",
                "did you mean `iaf_psc_exp`?",
            ],
        ),
        (
            broken(&dir, "section_typo.toml", "dt_ms = 0.1", "dt_msx = 0.1"),
            vec![":7:1:", "`simulation.dt_msx`", "did you mean `dt_ms`?"],
        ),
        // In a tagged table (a recorder), at its key: it was the first recorder's
        // header (`recorders[0]`, line 57).
        (
            broken(
                &dir,
                "tagged_type.toml",
                "every_steps = 10",
                "every_steps = 2.5",
            ),
            vec![
                ":70:1:",
                "`recorders[2].every_steps`",
                "floating point `2.5`",
            ],
        ),
        (
            // An element of an array in it: it was the recorder (`recorders[2]`).
            broken(
                &dir,
                "tagged_array.toml",
                "neurons = [0, 1, 2, 3, 4]",
                "neurons = [0, 1, 2.5, 3, 4]",
            ),
            vec![
                ":69:18:",
                "`recorders[2].neurons[2]`",
                "floating point `2.5`",
            ],
        ),
        (
            broken(
                &dir,
                "tagged_variant.toml",
                "record = \"state\"",
                "record = \"stat\"",
            ),
            vec![":66:", "`recorders[2].record`", "unknown variant `stat`"],
        ),
        (
            // Unknown fields of projections, their connectivity and recorders are
            // errors too, not silently ignored (a unit left out is suggested).
            broken(
                &dir,
                "projection_typo.toml",
                "delay_ms = 0.1",
                "delay = 0.1",
            ),
            vec![
                ":30:1:",
                "`projections[0].delay`",
                "did you mean `delay_ms`?",
            ],
        ),
        (
            broken(
                &dir,
                "connectivity_typo.toml",
                "allow_autapses = false",
                "allow_autapse = false",
            ),
            vec![
                ":28:56:",
                "`projections[0].connectivity.allow_autapse`",
                "did you mean `allow_autapses`?",
            ],
        ),
        // In a tagged inline table (a rule, a distribution), at its key: it was the
        // table (`projections[0].connectivity`, at its brace).
        (
            broken(&dir, "connectivity_type.toml", "p = 0.02", "p = \"x\""),
            vec![":28:46:", "`projections[0].connectivity.p`", "string \"x\""],
        ),
        (
            broken(
                &dir,
                "distribution_type.toml",
                "weight = 0.081",
                "weight = { distribution = \"normal\", mean = 0.081, sd = true }",
            ),
            vec![":29:51:", "`projections[0].weight.sd`", "boolean `true`"],
        ),
        (
            // A `[projections.connectivity]` table: it was blamed on the key before
            // its header (`projections[0].receptor`).
            {
                let path = broken(
                    &dir,
                    "connectivity_table.toml",
                    "receptor = \"excitatory\"\n",
                    "receptor = \"excitatory\"\n[projections.connectivity]\n\
                     rule = \"fixed_probability\"\np = 0.02\nallow_self = false\n",
                );
                let text = std::fs::read_to_string(&path).unwrap();
                let inline = "connectivity = { rule = \"fixed_probability\", p = 0.02, \
                              allow_autapses = false }\n";
                std::fs::write(&path, text.replacen(inline, "", 1)).unwrap();
                path
            },
            vec![
                ":34:1:",
                "`projections[0].connectivity.allow_self`",
                "unknown field `allow_self`",
            ],
        ),
        (
            broken(
                &dir,
                "recorder_typo.toml",
                "population = \"E\"",
                "population = \"E\"\nevery = 2",
            ),
            vec!["`recorders[0]", "unknown field `every`"],
        ),
        (
            // A distribution's table names its own unknown key and distribution.
            broken(&dir, "distribution_key.toml", "low = -60.0", "lo = -60.0"),
            vec![
                ":16:45:",
                "`populations[0].initial.v.lo`",
                "unknown field `lo`",
                "did you mean `low`?",
            ],
        ),
        (
            broken(
                &dir,
                "distribution_name.toml",
                "distribution = \"uniform\"",
                "distribution = \"uniforn\"",
            ),
            vec![":16:", "unknown variant `uniforn`", "`normal`"],
        ),
        (
            // The name makes the output folder: never a path out of it.
            broken(
                &dir,
                "name_path.toml",
                "name = \"cuba\"",
                "name = \"../up\"",
            ),
            vec![":4:1:", "`name`", "one folder name"],
        ),
        (
            // 2^32 − 1 steps: validate refuses what run would (its last batch must
            // end below 2^32).
            broken(
                &dir,
                "too_long.toml",
                "duration_ms = 1000.0",
                "duration_ms = 429496729.5",
            ),
            vec![":8:1:", "`simulation.duration_ms`", "4294966795 steps"],
        ),
        (
            broken(&dir, "syntax.toml", "size = 3200", "size = = 3200"),
            vec![":13:"],
        ),
        (
            // A missing field is reported at its table's `[[projections]]` header.
            broken(&dir, "missing_field.toml", "receptor = \"excitatory\"", ""),
            vec![":25:1:", "`projections[0]`", "missing field `receptor`"],
        ),
    ];
    for (path, needles) in &cases {
        let mut needles = needles.clone();
        let name = file_name(path);
        needles.push(&name);
        expect_invalid(path, "validate", &needles);
        expect_invalid(path, "run", &needles);
    }
    // A value the command line set is blamed on its flag, not on the file's line.
    for (flags, needle) in [
        (["--dt", "0"], "cuba.toml: --dt: `simulation.dt_ms` = 0"),
        (["--seeds", "0"], "cuba.toml: --seeds: `sweep.seeds`"),
        // Which --sweep, by its path (it was `--sweep: `sweeps``).
        (
            ["--sweep", "E.tau_mem=1,2"],
            "cuba.toml: --sweep E.tau_mem: `sweep.axes[0].parameter`",
        ),
        (
            ["--sweep", "E.i_offset=0:1:70000"],
            "cuba.toml: --sweep E.i_offset: `sweep.axes[0].steps`",
        ),
        // A swept value the validation refuses, by its flag's path too.
        (
            ["--sweep", "projections[2].weight=0.1,0.2"],
            "cuba.toml: --sweep projections[2].weight: `sweeps`:",
        ),
    ] {
        // `validate` takes the same flags and checks the file as `run` would.
        for command in ["run", "validate"] {
            let output = neurodyn(&[&[command, "models/cuba.toml"][..], &flags].concat());
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
            assert!(stderr.contains(needle), "`{needle}` not in: {stderr}");
        }
    }
    let output = neurodyn(&[
        "validate",
        "models/cuba.toml",
        "--dt",
        "0.2",
        "--seeds",
        "2",
    ]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("at dt = 0.2 ms"));
    // A --duration beyond the clock is an argument error naming the flag.
    for command in ["run", "validate"] {
        let output = neurodyn(&[command, "models/cuba.toml", "--duration", "1e12"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--duration") && stderr.contains("steps one run can count"));
    }
    let missing = dir.join("does_not_exist.toml");
    expect_invalid(
        &missing,
        "validate",
        &["does_not_exist.toml", "cannot read"],
    );
    let json = dir.join("model.json");
    std::fs::write(&json, r#"{"simulation": {"duration_ms": 10}, "populations": [{"name": "A", "size": 2, "model": "iaf_psc_exp", "params": {"tau_m": "x"}}]}"#).unwrap();
    expect_invalid(&json, "validate", &["model.json", "tau_m"]);
}

#[test]
fn validate_locates_an_error_in_a_custom_models_wgsl() {
    let dir = temp_dir("custom-wgsl");
    let model = dir.join("custom.toml");
    let text = |update: &str| {
        format!(
            "name = \"custom\"\n[simulation]\nduration_ms = 5.0\n[[populations]]\n\
             name = \"C\"\nsize = 1\nmodel = \"custom\"\nparams = {{ name = \"c\", \
             parameters = {{ decay = 0.9 }}, state = {{ v = 0.0 }}, update = \"{update}\", \
             threshold = \"v > 1.0\", reset = \"v = 0.0;\" }}\n"
        )
    };
    std::fs::write(&model, text("v = v + ;")).unwrap();
    let output = neurodyn(&["validate", model.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("custom model `c`, update:1:9"), "{stderr}");
    // The message names the model file the snippet is in, at the snippet's own line
    // and column there (line 8, the snippet's ninth character), for run as for
    // validate.
    let line = text("v = v + ;").lines().nth(7).unwrap().to_string();
    let column = line.find("v = v + ;").unwrap() + 9;
    let at = format!("custom.toml:8:{column}: shader error");
    assert!(stderr.contains(&at), "{at}: {stderr}");
    let output = neurodyn(
        &["run", model.to_str().unwrap(), "-q", "--no-plot", "--out"]
            .into_iter()
            .chain([dir.join("out").to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{at}: custom model `c`, update:1:9")),
        "{stderr}"
    );
    std::fs::write(&model, text("v = decay * v;")).unwrap();
    assert!(neurodyn(&["validate", model.to_str().unwrap()])
        .status
        .success());
    // Refused by the backend (the CPU cannot run WGSL): no output folder made.
    let out = dir.join("refused");
    let output = neurodyn(&[
        "run",
        model.to_str().unwrap(),
        "--backend",
        "cpu",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!out.exists(), "a refused run made its output folder");
}

#[test]
fn the_json_form_runs_like_the_toml_form() {
    let model = file::load(Path::new("models/cuba.toml")).unwrap();
    let dir = temp_dir("json");
    let path = dir.join("cuba.json");
    std::fs::write(&path, serde_json::to_string_pretty(&model.file).unwrap()).unwrap();
    let again = file::load(&path).unwrap();
    assert_eq!(again.network, model.network);
}

#[test]
fn memory_does_not_grow_with_the_number_of_steps() {
    let dir = temp_dir("long");
    let path = dir.join("driven.toml");
    std::fs::write(
        &path,
        r#"
[simulation]
duration_ms = 10000.0

[[populations]]
name = "P"
size = 50
model = "iaf_psc_exp"
params = { tau_refrac = 2.0 }

[[stimuli]]
kind = "poisson"
target = "P"
rate_hz = 3000.0
weight = 0.3
receptor = "excitatory"
"#,
    )
    .unwrap();
    let run = |ms: f64| {
        let mut model = file::load(&path).unwrap();
        model.duration_ms = ms;
        let options = RunOptions {
            plot: false,
            ..RunOptions::new(dir.join(format!("out{ms}")), Backend::Gpu)
        };
        run_model(&model, &options, &mut |_| {}).unwrap()
    };
    let long = run(10_000.0); // 100,000 steps
    let short = run(1_000.0);
    assert!(long.summary.populations["P"].spikes > 10 * short.summary.populations["P"].spikes / 2);
    // Spikes are held only between two flushes: the long run holds no more at once
    // than a short one (up to the spread of a random count), far below its total.
    assert!(long.max_buffered_spikes * 20 < long.summary.populations["P"].spikes as usize);
    assert!(
        long.max_buffered_spikes < 2 * short.max_buffered_spikes.max(1),
        "{} vs {}",
        long.max_buffered_spikes,
        short.max_buffered_spikes
    );
}

#[test]
fn the_quick_benchmark_suite_writes_valid_json() {
    let dir = temp_dir("bench");
    let path = dir.join("bench.json");
    let output = neurodyn(&[
        "bench",
        "--suite",
        "quick",
        "--seed",
        "7",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("| model | seed | instances | neurons |"),
        "{stdout}"
    );
    let results: Vec<neurodyn::bench::BenchResult> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["cuba", "coba", "brunel_2500"]);
    // On lavapipe CUBA and COBA ran on one thread and Brunel, 15 steps a dispatch, on
    // the driver's default (`neurodyn::lavapipe`), each chosen as its case began.
    if results[0].device.starts_with("llvmpipe") {
        let one_thread: Vec<bool> = results
            .iter()
            .map(|r| r.device.ends_with("LP_NUM_THREADS=0"))
            .collect();
        assert_eq!(one_thread, [true, true, false], "{results:?}");
        assert!(
            stdout.contains("LP_NUM_THREADS=0: cuba, coba\n"),
            "{stdout}"
        );
    }
    for r in &results {
        assert_eq!((r.simulator.as_str(), r.seed), ("neurodyn", 7));
        assert!(r.spikes > 0 && r.synaptic_events_per_s > 0.0, "{r:?}");
        assert!(r.device_memory_bytes > 4 * r.synapses, "{r:?}");
        assert!(
            r.peak_memory_bytes.unwrap() > r.device_memory_bytes,
            "{r:?}"
        );
        let names: Vec<&str> = r.populations.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["E", "I"]);
        let rate = r
            .populations
            .iter()
            .map(|p| p.rate_hz * f64::from(p.size))
            .sum::<f64>()
            * r.simulated_ms
            / 1000.0;
        assert!((rate - r.spikes as f64).abs() < 1e-6 * rate, "{r:?}");
        let expected = r.run_s / (r.simulated_ms / 1000.0);
        assert!(
            (r.realtime_factor - expected).abs() < 1e-9 * expected.max(1.0),
            "{r:?}"
        );
        let updates = r.neurons as f64 * (r.simulated_ms / 0.1).round() / r.run_s;
        assert!(
            (r.neuron_updates_per_s - updates).abs() < 1e-9 * updates,
            "{r:?}"
        );
    }
}

#[test]
fn the_benchmark_runs_only_the_cases_asked_for_and_names_unknown_ones() {
    let dir = temp_dir("bench-only");
    let path = dir.join("bench.json");
    let output = neurodyn(&["bench", "--only", "cuba", "--out", path.to_str().unwrap()]);
    assert!(output.status.success());
    let results: Vec<neurodyn::bench::BenchResult> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].id, "cuba");
    let output = neurodyn(&["bench", "--only", "cuda"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no case `cuda`") && stderr.contains("cuba"),
        "{stderr}"
    );
    // A duration with no step in it would give an infinite real-time factor.
    let output = neurodyn(&["bench", "--only", "cuba", "--duration", "1e-300"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1e-300: a benchmark needs at least 1 ms"),
        "{stderr}"
    );
}

/// An installed `neurodyn` has no `models/` beside it: the suites' model files are
/// compiled in, and `--models DIR` reads them from a directory instead.
#[test]
fn the_benchmark_runs_outside_the_repository_and_reads_models_where_told() {
    let dir = temp_dir("bench-elsewhere");
    let output = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
        .args(["bench", "--only", "cuba", "--duration", "20"])
        .current_dir(&dir)
        .env_remove(neurodyn::lavapipe::THREADS_VARIABLE)
        .output()
        .expect("the neurodyn binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("| CUBA |"));

    let empty = dir.to_str().unwrap();
    let output = neurodyn(&[
        "bench",
        "--only",
        "cuba",
        "--duration",
        "20",
        "--models",
        empty,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("benchmark case `cuba`") && stderr.contains("cuba.toml"),
        "{stderr}"
    );
    assert!(!stderr.contains("cannot write the outputs"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // A model whose step is longer than the duration runs no step: refused (it
    // printed an infinite real-time factor, exit 0).
    let text = std::fs::read_to_string("models/cuba.toml").unwrap();
    std::fs::write(
        dir.join("cuba.toml"),
        text.replace("dt_ms = 0.1", "dt_ms = 3.0"),
    )
    .unwrap();
    let output = neurodyn(&[
        "bench",
        "--only",
        "cuba",
        "--duration",
        "1",
        "--models",
        empty,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("benchmark case `cuba`: 1 ms is no step of 3 ms"),
        "{stderr}"
    );
}

#[test]
fn a_run_resumed_from_a_checkpoint_in_a_new_process_continues_the_raster() {
    let dir = temp_dir("resume");
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let run = |extra: &[&str]| {
        succeeds(
            &["run", "models/cuba.toml", "--seed", "3", "--no-plot", "-q"],
            extra,
        )
    };
    let (whole, first, second) = (out("whole"), out("first"), out("second"));
    run(&["--duration", "200", "--out", &whole]);
    // Every 30 ms, and at the end: the checkpoint is the one at 100 ms.
    run(&[
        "--duration",
        "100",
        "--checkpoint-every",
        "30",
        "--out",
        &first,
    ]);
    let checkpoint = dir.join("first").join("checkpoint.ndck");
    assert!(checkpoint.exists());
    run(&[
        "--duration",
        "200",
        "--resume",
        checkpoint.to_str().unwrap(),
        "--out",
        &second,
    ]);
    // The summary says where the outputs begin: the statistics cover 100–200 ms.
    let summary: Summary = serde_json::from_str(
        &std::fs::read_to_string(dir.join("second").join("summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!((summary.first_step, summary.last_step), (1000, 2000));
    for population in ["E", "I"] {
        let file = format!("spikes_{population}.npy");
        let (_, all) = read_npy::<SpikeRow>(&dir.join("whole").join(&file));
        let (_, resumed) = read_npy::<SpikeRow>(&dir.join("second").join(&file));
        let later: Vec<SpikeRow> = all.into_iter().filter(|r| r.time_ms > 100.0).collect();
        assert!(later.len() > 100);
        assert_eq!(resumed, later, "{population}: the resumed raster differs");
    }
    // Resumed into its own folder, it would replace the recordings before it: refused,
    // and those recordings are untouched; so is a run that ends before the checkpoint.
    let before = std::fs::read(dir.join("first").join("spikes_E.npy")).unwrap();
    for (duration, out_dir, reason) in [
        ("200", first.as_str(), "give another --out"),
        ("80", second.as_str(), "give a longer duration"),
    ] {
        let output = neurodyn(&[
            "run",
            "models/cuba.toml",
            "--seed",
            "3",
            "--duration",
            duration,
            "--resume",
            checkpoint.to_str().unwrap(),
            "--out",
            out_dir,
        ]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{stderr}");
    }
    assert_eq!(
        std::fs::read(dir.join("first").join("spikes_E.npy")).unwrap(),
        before
    );
    // An interval under half a step (0.1 ms) would checkpoint every step.
    let output = neurodyn(&[
        "run",
        "models/cuba.toml",
        "--checkpoint-every",
        "0.04",
        "--out",
        &out("every_step"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("0.04 ms, must be a finite time of at least half a step"));
    assert!(!dir.join("every_step").exists(), "refused before the run");
    // A checkpoint of CUBA does not restore into another seed.
    let output = neurodyn(&[
        "run",
        "models/cuba.toml",
        "--seed",
        "4",
        "--resume",
        checkpoint.to_str().unwrap(),
        "--out",
        &out("refused"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("another model"));
    // An ensemble's per-instance summaries say where a resumed run's statistics begin
    // too (they gave 20 ms and the last step only).
    let ensemble = ["run", "models/cuba.toml", "--seeds", "2", "--no-plot", "-q"];
    let first = out("ensemble_first");
    succeeds(
        &ensemble,
        &[
            "--duration",
            "10",
            "--checkpoint-every",
            "10",
            "--out",
            &first,
        ],
    );
    let checkpoint = dir.join("ensemble_first").join("checkpoint.ndck");
    let resumed = out("ensemble_resumed");
    let resume = ["--duration", "20", "--resume", checkpoint.to_str().unwrap()];
    succeeds(&ensemble, &[&resume[..], &["--out", &resumed]].concat());
    let instance: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("ensemble_resumed/instance_1/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        (&instance["first_step"], &instance["last_step"]),
        (&100.into(), &200.into()),
        "{instance}"
    );
}

#[test]
fn run_writes_the_final_plastic_weights_equal_to_the_library() {
    let out = temp_dir("weights");
    let output = neurodyn(&[
        "run",
        "models/izhikevich2006.toml",
        "--duration",
        "500",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "run failed: {stderr}");

    let model = file::load(Path::new("models/izhikevich2006.toml")).unwrap();
    let mut sim = Simulation::new(&model.network, Backend::Gpu).unwrap();
    sim.run_ms(500.0).unwrap();
    for k in 0..2 {
        let (shape, weights) = read_npy::<f32>(&out.join(format!("weights_{k}.npy")));
        let expected = sim.weights(k).unwrap();
        assert_eq!(shape, vec![expected.len() as u64]);
        assert_eq!(weights, expected, "projection {k}");
        let (shape, pairs) = read_npy::<u32>(&out.join(format!("synapses_{k}.npy")));
        assert_eq!(shape, vec![expected.len() as u64, 2]);
        let p = sim.plastic_projection(k).unwrap();
        assert_eq!(pairs[0..2], [p.pre[0], p.post[0]]);
    }
    // The static inhibitory projection has no weights file.
    assert!(!out.join("weights_2.npy").exists());
}

#[test]
fn a_bad_plasticity_table_is_located() {
    let dir = temp_dir("bad-plasticity");
    let text = std::fs::read_to_string("models/izhikevich2006.toml").unwrap();
    for (name, from, to, needles) in [
        (
            "typo.toml",
            "tau_plus = 20.0",
            "tau_pluss = 20.0",
            vec!["typo.toml:39:", "unknown field `tau_pluss`"],
        ),
        (
            "rule.toml",
            "model = \"stdp_synapse\"",
            "model = \"stdp_synapsе\"",
            vec!["rule.toml:39:", "unknown variant"],
        ),
        (
            "bound.toml",
            "w_max = 10.0",
            "w_max = 5.0",
            vec!["bound.toml:", "within [0, 5]"],
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let path = dir.join(name);
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        expect_invalid(&path, "validate", &needles);
    }
}

#[test]
fn an_ensemble_run_writes_a_sweep_table() {
    let out = temp_dir("sweep-table");
    let mut model = file::load(Path::new("models/cuba.toml")).unwrap();
    model.duration_ms = 200.0;
    model.network.instances = 3;
    model.network.sweeps.push(neurodyn::model::Sweep::Neuron {
        population: "E".into(),
        parameter: "i_offset".into(),
        values: vec![0.0, 0.3, 0.6],
    });
    let report = run_model(
        &model,
        &RunOptions::new(out.clone(), Backend::Gpu),
        &mut |_| {},
    )
    .unwrap();
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "instance,E.i_offset,E.rate_hz,E.cv_isi,I.rate_hz,I.cv_isi"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    for (b, line) in lines[1..].iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], b.to_string());
        assert_eq!(cells[1].parse::<f64>().unwrap(), [0.0, 0.3, 0.6][b]);
        let key = if b == 0 {
            "E".to_string()
        } else {
            format!("E[{b}]")
        };
        let rate: f64 = cells[2].parse().unwrap();
        assert_eq!(rate, report.summary.populations[&key].rate_hz, "{line}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json[2]["swept"]["E.i_offset"], 0.6);
    assert!(
        json[2]["populations"]["E"]["rate_hz"].as_f64().unwrap()
            > json[0]["populations"]["E"]["rate_hz"].as_f64().unwrap()
    );
}

/// A reader that goes away (`neurodyn profile … | head -1`) ends the printing, not the
/// command: no panic, exit 0, and the files written after the printing are written.
#[test]
fn output_into_a_closed_pipe_neither_panics_nor_loses_the_files() {
    let out = temp_dir("closed-pipe");
    let json = out.join("profile.json");
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
        .args(["profile", "models/cuba.toml", "--steps", "20", "--json"])
        .arg(&json)
        .stdout(writer)
        .output()
        .expect("the neurodyn binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = std::fs::read_to_string(&json).expect("the JSON report is written");
    assert!(report.contains("neuron_update"), "{report}");
}

/// Errors into a closed standard error (`neurodyn validate m.toml 2>&1 | head -1`)
/// still exit 2: `eprintln!` panicked (exit 101).
#[test]
fn errors_into_a_closed_pipe_still_exit_2() {
    let dir = temp_dir("closed-stderr");
    let path = dir.join("empty.toml");
    let mut text = String::from("[simulation]\nduration_ms = 1.0\n");
    for i in 0..300 {
        text += &format!("[[populations]]\nname = \"P{i}\"\nsize = 0\nmodel = \"iaf_psc_exp\"\n");
    }
    std::fs::write(&path, text).unwrap();
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let status = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
        .arg("validate")
        .arg(&path)
        .stderr(writer)
        .status()
        .expect("the neurodyn binary runs");
    assert_eq!(status.code(), Some(2));
}

/// Output that cannot be written for another reason (a full disk) is an error: said
/// once on standard error, and the command exits with a failure.
#[test]
fn output_that_cannot_be_written_fails_the_command() {
    let full = std::fs::File::create("/dev/full").expect("Linux has /dev/full");
    let output = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
        .args(["validate", "models/cuba.toml"])
        .stdout(full)
        .output()
        .expect("the neurodyn binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("cannot write to standard output").count(),
        1,
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `NEURODYN_DUMP_SHADERS` writes each stage's module as compiled;
/// `NEURODYN_SHADER_OVERRIDE` builds a stage from an edited copy, with a warning, and
/// a broken copy is an error located in it.
#[test]
fn an_output_that_cannot_be_written_leaves_the_others_and_the_summary() {
    // A file-size limit (as a full disk) stops spikes_E.npy (about 230 kB for 1 s of
    // CUBA) part way; spikes_I.npy (about 56 kB) and the summary fit.
    let out = temp_dir("file-limit");
    let output = Command::new("bash")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 100; exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_neurodyn"),
            "run",
            "models/cuba.toml",
            "--no-plot",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ])
        .env_remove(neurodyn::lavapipe::THREADS_VARIABLE)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("spikes_E.npy"),
        "the error names the file: {stderr}"
    );
    assert!(!out.join("spikes_E.npy").exists());
    let (_, inhibitory) = read_npy::<SpikeRow>(&out.join("spikes_I.npy"));
    let summary: Summary =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(!summary.complete);
    assert!(summary.error.unwrap().contains("spikes_E.npy"));
    assert_eq!(summary.populations["I"].spikes, inhibitory.len() as u64);
    // spikes_I.npy holds every spike up to `last_step`, the batch in which
    // spikes_E.npy failed included: the same as a run without the limit.
    let whole = temp_dir("file-limit-whole");
    let output = neurodyn(&[
        "run",
        "models/cuba.toml",
        "--no-plot",
        "-q",
        "--out",
        whole.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let (_, all) = read_npy::<SpikeRow>(&whole.join("spikes_I.npy"));
    let until_ms = summary.last_step as f64 * 0.1 + 1e-9;
    let expected: Vec<SpikeRow> = all.into_iter().filter(|r| r.time_ms <= until_ms).collect();
    assert!(summary.last_step > 0 && summary.last_step < 10_000);
    assert_eq!(inhibitory, expected);
}

#[test]
fn populations_whose_spike_files_would_collide_are_refused() {
    let dir = temp_dir("collide");
    let model = dir.join("collide.toml");
    let population = |name: &str| {
        format!("[[populations]]\nname = \"{name}\"\nsize = 4\nmodel = \"iaf_psc_exp\"\n")
    };
    let out = dir.join("out");
    // Refused (exit 2) with the message `refused` returns.
    let refused = |body: String| {
        let text = format!("name = \"collide\"\n[simulation]\nduration_ms = 10.0\n{body}");
        std::fs::write(&model, text).unwrap();
        let output = neurodyn(&[
            "run",
            model.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2));
        // `validate` refuses what `run` would.
        let checked = neurodyn(&["validate", model.to_str().unwrap()]);
        assert_eq!(checked.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&checked.stderr).contains("collide.toml"));
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    let stderr = refused(population("a.b") + &population("a_b"));
    assert!(
        stderr.contains("population `a.b` and population `a_b`"),
        "{stderr}"
    );
    assert!(stderr.contains("spikes_a_b.npy"), "{stderr}");
    assert!(!out.exists(), "nothing is written before the check");
    // Two branching estimates of one population in one folder.
    let branching = "[[recorders]]\nrecord = \"branching\"\npopulation = \"a.b\"\n\
                     window_ms = 5.0\nbin_ms = 0.1\nmax_lag = 2\n";
    let stderr = refused(population("a.b") + branching + branching);
    assert!(stderr.contains("branching_a_b.csv"), "{stderr}");
}

#[test]
fn an_instance_of_a_sweep_takes_the_seed_given_on_the_command_line() {
    // The instance's network (its input units, which depend on the connectivity
    // drawn) is built with the seed of `--seed`: the same files as that instance of
    // the whole ensemble run with that seed. (CUBA's unit with seed 7 is coarser than
    // with the file's seed 1: built with seed 1, the instance was refused.)
    let dir = temp_dir("instance-seed");
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let run = |extra: &[&str]| {
        let args = [
            "run",
            "models/cuba.toml",
            "--duration",
            "50",
            "--sweep",
            "E.i_offset=0,0.1,0.2",
            "--seed",
            "7",
            "--no-plot",
            "-q",
        ];
        succeeds(&args, extra)
    };
    let (whole, alone) = (out("whole"), out("alone"));
    run(&["--out", &whole]);
    run(&["--instance", "2", "--out", &alone]);
    for population in ["E", "I"] {
        let file = format!("spikes_{population}.npy");
        assert_eq!(
            std::fs::read(dir.join("whole").join("instance_2").join(&file)).unwrap(),
            std::fs::read(dir.join("alone").join(&file)).unwrap(),
            "{file}"
        );
    }
    // The summary says which instance the run was, and its swept values as the
    // ensemble's instance_2/summary.json does; a whole run's does not.
    let summary = |path: PathBuf| {
        let text = std::fs::read_to_string(path.join("summary.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let (alone, whole) = (summary(dir.join("alone")), summary(dir.join("whole")));
    assert_eq!(alone["instance"], serde_json::json!(2));
    assert_eq!(whole["instance"], serde_json::Value::Null);
    let swept = serde_json::json!({ "E.i_offset": 0.2 });
    assert_eq!(alone["swept"], swept);
    assert_eq!(
        summary(dir.join("whole").join("instance_2"))["swept"],
        swept
    );
}

#[test]
fn a_command_line_grid_gives_the_instances_a_recorder_names() {
    // The file records instance 3, which only the grid given on the command line
    // makes: it joins the file's grid before validation.
    let dir = temp_dir("cli-grid");
    let model = dir.join("st.toml");
    std::fs::write(
        &model,
        "name = \"st\"\n[simulation]\nduration_ms = 20.0\n[[populations]]\nname = \"E\"\n\
         size = 5\nmodel = \"iaf_psc_exp\"\nparams = { i_offset = 1.0 }\n[[recorders]]\n\
         record = \"state\"\npopulation = \"E\"\nvariable = \"v\"\nneurons = [0, 1]\n\
         every_steps = 10\ninstance = 3\n",
    )
    .unwrap();
    let out = dir.join("out");
    succeeds(
        &["run", model.to_str().unwrap(), "--no-plot", "-q"],
        &[
            "--sweep",
            "E.i_offset=0.8,1.2",
            "--seeds",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let (shape, _) = read_npy::<f32>(&out.join("instance_3").join("state_E_v.npy"));
    assert_eq!(shape, vec![20, 2]);
    // A grid of one point runs alone, its value in the summary (it was nowhere).
    let one = dir.join("one");
    std::fs::write(
        &model,
        "name = \"st\"\n[simulation]\nduration_ms = 20.0\n[[populations]]\nname = \"E\"\n\
         size = 5\nmodel = \"iaf_psc_exp\"\nparams = { i_offset = 1.0 }\n",
    )
    .unwrap();
    succeeds(
        &["run", model.to_str().unwrap(), "--no-plot", "-q"],
        &["--sweep", "E.i_offset=1.2", "--out", one.to_str().unwrap()],
    );
    assert!(!one.join("sweep.csv").exists());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["coordinates"]["E.i_offset"], 1.2, "{summary}");
    assert_eq!(summary["repeat"], 0, "{summary}");
    // The grid is validated at the step given on the command line: 600 ms is 3000
    // steps of 0.2 ms (within 4096), 6000 of the file's 0.1 ms.
    let delayed = dir.join("delayed.toml");
    std::fs::write(
        &delayed,
        "name = \"delayed\"\n[simulation]\nduration_ms = 2.0\n[[populations]]\nname = \"E\"\n\
         size = 2\nmodel = \"iaf_psc_exp\"\n[[projections]]\npre = \"E\"\npost = \"E\"\n\
         connectivity = { rule = \"all_to_all\" }\nweight = 0.1\ndelay_ms = 1.0\n\
         receptor = \"excitatory\"\n",
    )
    .unwrap();
    succeeds(
        &["run", delayed.to_str().unwrap(), "--no-plot", "-q"],
        &[
            "--dt",
            "0.2",
            "--sweep",
            "projections[0].delay_ms=100,600",
            "--out",
            dir.join("delayed").to_str().unwrap(),
        ],
    );
}

#[test]
fn a_sweep_table_quotes_an_axis_name_with_a_comma() {
    let dir = temp_dir("csv-quote");
    let model = dir.join("quote.toml");
    std::fs::write(
        &model,
        "name = \"quote\"\n[simulation]\nduration_ms = 20.0\n[[populations]]\nname = \"E\"\n\
         size = 5\nmodel = \"iaf_psc_exp\"\n[sweep]\n[[sweep.axes]]\n\
         name = \"drive, scaled\"\nvalues = [0.5, 1.0]\nscale = { \"E.i_offset\" = 1.0 }\n",
    )
    .unwrap();
    let out = dir.join("out");
    succeeds(
        &["run", model.to_str().unwrap(), "--no-plot", "-q"],
        &["--out", out.to_str().unwrap()],
    );
    let mut table = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
    let header = table.headers().unwrap().clone();
    assert_eq!(&header[1], "drive, scaled");
    for row in table.records() {
        assert_eq!(row.unwrap().len(), header.len());
    }
}

#[test]
fn a_trace_file_that_cannot_be_created_is_an_error_not_a_panic() {
    let output = neurodyn(&[
        "run",
        "models/cuba.toml",
        "--duration",
        "1",
        "--trace",
        "/nonexistent-dir/trace.json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--trace /nonexistent-dir/trace.json"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_stage_is_dumped_and_built_from_an_edited_copy() {
    use neurodyn::gpu::{DUMP_VARIABLE, OVERRIDE_VARIABLE};
    let dir = temp_dir("shader-hooks");
    let (dump, edited) = (dir.join("dump"), dir.join("edited"));
    std::fs::create_dir_all(&dump).unwrap();
    std::fs::create_dir_all(&edited).unwrap();
    let run = |variable: &str, value: &Path, out: &str| {
        Command::new(env!("CARGO_BIN_EXE_neurodyn"))
            .args([
                "run",
                "models/cuba.toml",
                "--duration",
                "50",
                "--no-plot",
                "--out",
            ])
            .arg(dir.join(out))
            .env(variable, value)
            .env_remove(neurodyn::lavapipe::THREADS_VARIABLE)
            .output()
            .expect("the neurodyn binary runs")
    };
    let output = run(DUMP_VARIABLE, &dump, "plain");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let update = std::fs::read_to_string(dump.join("iaf_psc_exp.wgsl")).unwrap();
    assert!(dump.join("propagate.wgsl").exists());

    // The update without its synaptic input (and so without the ring binding).
    let read_input = "ring_take(ring_base + port * config.n_neurons)";
    assert!(update.contains(read_input));
    let copy = edited.join("iaf_psc_exp.wgsl");
    std::fs::write(&copy, update.replace(read_input, "0")).unwrap();
    let output = run(OVERRIDE_VARIABLE, &edited, "edited");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(OVERRIDE_VARIABLE), "{stderr}");
    let spikes = |out: &str| std::fs::read(dir.join(out).join("spikes_E.npy")).unwrap();
    assert_ne!(spikes("plain"), spikes("edited"));

    std::fs::write(&copy, format!("{update}not wgsl\n")).unwrap();
    let output = run(OVERRIDE_VARIABLE, &edited, "broken");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let line = update.lines().count() + 1;
    assert!(
        stderr.contains(&format!("{}:{line}:1", copy.display())),
        "{stderr}"
    );

    // A dump directory that does not exist is an error naming the variable and file.
    let output = run(DUMP_VARIABLE, &dir.join("missing"), "no-dump");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(DUMP_VARIABLE) && stderr.contains("missing"),
        "{stderr}"
    );
}

#[test]
fn an_ensemble_records_more_files_than_the_process_may_hold_open() {
    // 150 instances × 2 recorded populations: 300 spike files, written by a
    // process allowed 200 open files (all were held open at once: EMFILE, exit 1).
    let dir = temp_dir("many-files");
    let model = dir.join("many.toml");
    std::fs::write(
        &model,
        "name = \"many\"\n[simulation]\nduration_ms = 60.0\n[[populations]]\nname = \"E\"\n\
         size = 3\nmodel = \"iaf_psc_exp\"\nparams = { i_offset = 1.0 }\n[[populations]]\n\
         name = \"I\"\nsize = 2\nmodel = \"iaf_psc_exp\"\nparams = { i_offset = 0.9 }\n",
    )
    .unwrap();
    let out = dir.join("out");
    let output = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 200 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_neurodyn"))
        .args(["run", model.to_str().unwrap(), "--no-plot", "-q"])
        .args(["--seeds", "150", "--out", out.to_str().unwrap()])
        .env_remove(neurodyn::lavapipe::THREADS_VARIABLE)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = read_npy::<SpikeRow>(&out.join("instance_0").join("spikes_E.npy"));
    assert!(!expected.1.is_empty());
    for b in [1, 77, 149] {
        let at = out.join(format!("instance_{b}"));
        // The same drive in every instance: the same spikes.
        assert_eq!(read_npy::<SpikeRow>(&at.join("spikes_E.npy")), expected);
        let (_, rows) = read_npy::<SpikeRow>(&at.join("spikes_I.npy"));
        assert!(!rows.is_empty());
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["complete"], true);
}

#[test]
fn a_name_too_long_for_a_file_is_refused_before_the_run() {
    // `spikes_<name>.npy.partial` is the longest file a lone population's recorder
    // writes: 19 bytes around the name, 255 at most.
    let dir = temp_dir("long-name");
    let model = |length: usize| {
        let path = dir.join(format!("long{length}.toml"));
        std::fs::write(
            &path,
            format!(
                "name = \"long\"\n[simulation]\nduration_ms = 2.0\n[[populations]]\n\
                 name = \"{}\"\nsize = 2\nmodel = \"iaf_psc_exp\"\n",
                "N".repeat(length)
            ),
        )
        .unwrap();
        path
    };
    let too_long = model(237);
    let too_long = too_long.to_str().unwrap();
    let out = dir.join("out");
    let out = out.to_str().unwrap();
    for args in [
        &["validate", too_long][..],
        &["run", too_long, "--out", out][..],
    ] {
        let output = neurodyn(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("256 bytes: longer than the 255 a file name may have"),
            "{stderr}"
        );
    }
    assert!(!dir.join("out").exists());
    succeeds(
        &["run", model(236).to_str().unwrap(), "--no-plot", "-q"],
        &["--out", out],
    );
    assert!(dir
        .join("out")
        .join(format!("spikes_{}.npy", "N".repeat(236)))
        .exists());
}

/// SIGTERM (what `timeout`, Slurm and `docker stop` send) and SIGINT stop a run as
/// Ctrl-C does: every file finished with what was recorded, `summary.json` saying it
/// is incomplete, exit 130. SIGTERM killed it with only `.partial` files left, whose
/// headers said 0 rows.
#[test]
fn a_terminated_run_finishes_its_outputs() {
    let dir = temp_dir("terminated");
    for signal in ["-TERM", "-INT"] {
        let out = dir.join(&signal[1..]);
        let mut child = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
            .args([
                "run",
                "models/cuba.toml",
                "--backend",
                "cpu",
                "--no-plot",
                "-q",
            ])
            .args(["--duration", "1000000", "--out", out.to_str().unwrap()])
            .spawn()
            .expect("the neurodyn binary runs");
        // Running once its first stretch has reached the file.
        let partial = out.join("spikes_E.npy.partial");
        let started = std::time::Instant::now();
        while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 10_000 {
            assert!(started.elapsed().as_secs() < 120, "the run never started");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{signal}");
        let summary: Summary =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        assert!(!summary.complete && summary.last_step > 0, "{signal}");
        let (shape, spikes) = read_npy::<SpikeRow>(&out.join("spikes_E.npy"));
        assert!(
            shape[0] > 0 && shape[0] as usize == spikes.len(),
            "{signal}"
        );
        assert!(!partial.exists(), "{signal}");
    }
    // Under `nohup` (SIGHUP ignored) a hangup leaves the run going: it was stopped.
    let out = dir.join("nohup");
    let command = format!(
        "trap '' HUP; exec {} run models/cuba.toml --backend cpu --no-plot -q \
         --duration 1000000 --out {}",
        env!("CARGO_BIN_EXE_neurodyn"),
        out.display()
    );
    let mut child = Command::new("sh").args(["-c", &command]).spawn().unwrap();
    let partial = out.join("spikes_E.npy.partial");
    let started = std::time::Instant::now();
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 10_000 {
        assert!(started.elapsed().as_secs() < 120, "the run never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = child.id().to_string();
    let kill = |signal: &str| {
        let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(sent.success());
    };
    kill("-HUP");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "a hangup under nohup stopped the run"
    );
    kill("-TERM");
    assert_eq!(child.wait().unwrap().code(), Some(130));
}
