//! `neurodyn`: run, validate and inspect spiking network models from the command line.
//! The work is done by the library (`neurodyn::run`, `neurodyn::model::file`); this
//! file only reads arguments and prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use neurodyn::model::file::{self, LoadedModel};
use neurodyn::model::SweepAxis;
use neurodyn::plan::memory::format_bytes;
use neurodyn::run::{run_model, RunOptions};
use neurodyn::{gpu, lavapipe, Backend, Error, KernelTiming, Plan};

/// Standard output is closed for the rest of the command once a write to it failed.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// A write to standard output failed other than by its reader going away: the
/// command's output is incomplete, and it exits with a failure.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// `eprintln!` that goes on where standard error's reader has gone (`neurodyn
/// validate m.toml 2>&1 | head -1`; `eprintln!` would panic): the exit status still
/// says what happened.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Writes to standard output. Where its reader has gone (`neurodyn devices | head -1`)
/// the rest of the output is dropped and the command goes on, so that the files it
/// writes after printing (`bench --out`, `profile --json`) are still written; `print!`
/// would panic. Any other write error (a full disk) is reported once on standard
/// error, and the command goes on but exits with a failure (`main`).
fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().write_fmt(args) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            STDOUT_FAILED.store(true, Ordering::Relaxed);
            errln!("error: cannot write to standard output: {e}");
        }
    }
}

/// `print!` through [`write_out`].
macro_rules! out {
    ($($arg:tt)*) => { write_out(format_args!($($arg)*)) };
}

/// `println!` through [`write_out`].
macro_rules! outln {
    ($($arg:tt)*) => { write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// GPU simulation of spiking neural networks, from model files.
#[derive(Parser)]
#[command(name = "neurodyn", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a model file and write spikes, state samples, a summary and a raster plot.
    Run(RunArgs),
    /// Check a model file and print the size of the network; exit 2 if it is invalid.
    Validate {
        /// The model file (.toml or .json).
        model: PathBuf,
        /// Checked as `run` would take it with these.
        #[command(flatten)]
        set: FileSettings,
    },
    /// List the GPU adapters and their limits, marking the one `run` would choose.
    Devices,
    /// Show where a model's time goes: per kernel kind calls, time, bytes moved,
    /// achieved GB/s against the device's copy bandwidth, neuron updates/s and synaptic
    /// events/s; then the real-time factor and the wall time split into build, upload,
    /// simulate and readback.
    Profile {
        /// The model file (.toml or .json).
        model: PathBuf,
        /// Steps to run plain, then again profiled.
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
        steps: u64,
        /// Use the GPU adapter whose name contains this text.
        #[arg(long, value_name = "NAME")]
        adapter: Option<String>,
        /// Time kernels on the host clock (one submission per dispatch) even where the
        /// adapter has timestamp queries.
        #[arg(long)]
        host_timing: bool,
        /// Also write the report as JSON to this file.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write the host's tracing spans as a Chrome trace (chrome://tracing, Perfetto).
        #[arg(long, value_name = "FILE")]
        trace: Option<PathBuf>,
    },
    /// Run the standard models and report real-time factor, synaptic events/s and
    /// neuron updates/s, as a Markdown table (and JSON with --out).
    Bench {
        /// `quick`: short runs of small networks; `standard`: the published sizes, 1 s.
        #[arg(long, value_enum, default_value_t = SuiteArg::Quick)]
        suite: SuiteArg,
        /// Write the results as JSON to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Read the suites' model files (cuba.toml, …) from this directory instead of
        /// the copies built into neurodyn.
        #[arg(long, value_name = "DIR")]
        models: Option<PathBuf>,
        /// Where to simulate.
        #[arg(long, value_enum, default_value_t = BackendArg::Gpu)]
        backend: BackendArg,
        /// The seed of every model (connectivity, initial state, inputs).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Run only these cases (comma-separated ids, e.g. cuba,brunel_12500).
        #[arg(long, value_delimiter = ',', value_name = "IDS")]
        only: Option<Vec<String>>,
        /// Simulated time of every case instead of the suite's (ms).
        #[arg(long, value_name = "MS", value_parser = positive_ms, allow_negative_numbers = true)]
        duration: Option<f64>,
        /// Run every case as an ensemble of B instances (throughput in instance·s / s).
        #[arg(long, value_name = "B", value_parser = clap::value_parser!(u32).range(1..))]
        instances: Option<u32>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SuiteArg {
    Quick,
    Standard,
}

/// What the command line sets over a model file, for `run` and `validate` alike.
#[derive(clap::Args)]
struct FileSettings {
    /// Simulated time in ms (default: the file's `simulation.duration_ms`).
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    duration: Option<f64>,
    /// Integration step in ms (default: the file's `simulation.dt_ms`).
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    dt: Option<f64>,
    /// Seed of every random draw (default: the file's `simulation.seed`).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Sweep a parameter over the instances of this run: PATH=V1,V2,… or
    /// PATH=FROM:TO:STEPS (e.g. E.i_offset=0.5:1.5:5, stimuli[0].rate_hz=1e4,2e4);
    /// repeat for a grid. Adds to the file's `[sweep]` axes.
    #[arg(long, value_name = "PATH=VALUES")]
    sweep: Vec<SweepAxis>,
    /// Instances per sweep point, differing only in their random streams.
    #[arg(long, value_name = "N")]
    seeds: Option<u32>,
}

impl FileSettings {
    /// Sets `--duration` over the file's and checks the run's length (exit 2).
    fn set_duration(&self, model: &mut LoadedModel) -> Result<(), ExitCode> {
        if let Some(d) = self.duration {
            model.duration_ms = d;
        }
        neurodyn::model::run_steps(model.duration_ms, model.network.dt_ms).map_err(|reason| {
            errln!("error: --duration {reason}");
            ExitCode::from(2)
        })?;
        Ok(())
    }

    fn overrides(&self) -> file::Overrides {
        file::Overrides {
            dt_ms: self.dt,
            seed: self.seed,
            axes: self.sweep.clone(),
            seeds: self.seeds,
        }
    }
}

#[derive(clap::Args)]
struct RunArgs {
    /// The model file (.toml or .json), or with `--format sonata` a SONATA config.
    model: PathBuf,
    /// What `model` is: a neurodyn model file, or a SONATA circuit or simulation
    /// config (run for its `run.tstop` at `run.dt`, every population's spikes
    /// recorded; needs the `sonata` feature).
    #[arg(long, value_enum, default_value_t = Format::Model)]
    format: Format,
    #[command(flatten)]
    set: FileSettings,
    /// Run instance K of the ensemble alone: its swept values and random streams, so
    /// its outputs equal instance_<K>/ of the whole run.
    #[arg(long, value_name = "K")]
    instance: Option<u32>,
    /// Directory for the outputs (default: ./neurodyn-out/<model name>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Use the GPU adapter whose name contains this text (see `neurodyn devices`).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,
    /// Where to simulate: the GPU, or the CPU reference implementation.
    #[arg(long, value_enum, default_value_t = BackendArg::Gpu)]
    backend: BackendArg,
    /// Do not draw raster.png (or the sweep plots).
    #[arg(long)]
    no_plot: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Log what the library does (repeat for more).
    #[arg(short, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Write the host's tracing spans as a Chrome trace (chrome://tracing, Perfetto).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Save the whole simulation state to OUT/checkpoint.ndck every MS of simulated time
    /// and at the run's end (Ctrl-C included).
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    checkpoint_every: Option<f64>,
    /// Continue from a checkpoint of the same model; outputs start at its step.
    #[arg(long, value_name = "FILE")]
    resume: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Model,
    Sonata,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    Gpu,
    Cpu,
}

impl BackendArg {
    /// The library's backend, on the adapter named `adapter` where given.
    fn backend(self, adapter: Option<String>) -> Backend {
        match (self, adapter) {
            (BackendArg::Cpu, _) => Backend::Cpu,
            (BackendArg::Gpu, Some(name)) => Backend::GpuNamed(name),
            (BackendArg::Gpu, None) => Backend::Gpu,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // lavapipe's thread count, chosen per network unless the user set it. SAFETY of
    // its `set_var` (`unsafe` from edition 2024): `apply` runs on the main thread
    // before each network's GPU context, when no thread that could read the
    // environment is alive (the only other one, with --trace, writes the trace file;
    // the Ctrl-C handler starts after it; a previous context's driver threads ended
    // with it).
    let threads = lavapipe::ThreadChoice::at_start();
    let code = command(cli.command, threads);
    if code == ExitCode::SUCCESS && STDOUT_FAILED.load(Ordering::Relaxed) {
        return ExitCode::FAILURE;
    }
    code
}

/// Runs one subcommand.
fn command(command: Command, threads: lavapipe::ThreadChoice) -> ExitCode {
    match command {
        Command::Run(args) => run(args, threads),
        Command::Validate { model, set } => validate(&model, &set),
        Command::Devices => devices(),
        Command::Profile {
            model,
            steps,
            adapter,
            host_timing,
            json,
            trace,
        } => {
            let _trace = match init_tracing("warn", trace.as_deref()) {
                Ok(guard) => guard,
                Err(code) => return code,
            };
            let timing = if host_timing {
                KernelTiming::Host
            } else {
                KernelTiming::Auto
            };
            profile(&model, steps, adapter, timing, json.as_deref(), threads)
        }
        Command::Bench {
            suite,
            out,
            models,
            backend,
            seed,
            only,
            duration,
            instances,
        } => {
            let options = neurodyn::bench::SuiteOptions {
                models_dir: models,
                backend: backend.backend(None),
                seed,
                only,
                duration_ms: duration,
                instances,
            };
            bench(suite, out, options, threads)
        }
    }
}

/// A time in ms that is finite and above 0 (a benchmark of no time has no rate).
fn positive_ms(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(ms) if ms.is_finite() && ms > 0.0 => Ok(ms),
        Ok(ms) => Err(format!("{ms} ms: must be a finite time above 0")),
        Err(e) => Err(e.to_string()),
    }
}

/// A flag Ctrl-C sets, and SIGTERM and SIGHUP (what `timeout`, Slurm, `docker stop`
/// and a closed terminal send; ctrlc's `termination`): the run then stops after its
/// current stretch, finishing its outputs (they were left as `.partial` files with a
/// row count of 0), or, while the network is still being built, once it is built,
/// writing nothing. A second signal exits at once (130). A SIGHUP that was ignored
/// (`nohup`) stays ignored.
fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = flag.clone();
    let nohup = hangup_ignored();
    let handler = move || {
        if handler_flag.swap(true, Ordering::Relaxed) {
            std::process::exit(130);
        }
    };
    if let Err(e) = ctrlc::set_handler(handler) {
        errln!("warning: cannot catch Ctrl-C ({e}); an interrupted run loses its last files");
    }
    if nohup {
        ignore_hangup();
    }
    flag
}

/// Whether SIGHUP is ignored (`nohup`), before ctrlc replaces its disposition.
#[cfg(unix)]
fn hangup_ignored() -> bool {
    // SAFETY: sigaction with a null new action only reads the current one into `old`.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

#[cfg(unix)]
fn ignore_hangup() {
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn hangup_ignored() -> bool {
    false
}

#[cfg(not(unix))]
fn ignore_hangup() {}

/// A time in ms as a person reads it: whole steps times dt, without the binary
/// fraction's tail (99.9, not 99.89999999999999).
fn shown_ms(ms: f64) -> f64 {
    neurodyn::model::as_written(ms, ms.abs())
}

/// As `fail`, for an error of the model file at `path`: a WGSL error is in a
/// snippet of that file, which the message then names.
fn fail_in(path: &Path, error: &Error) -> ExitCode {
    if let Error::Shader(e) = error {
        // At the snippet's own line and column in the file, where it is found there.
        let at = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| e.line_in(&text))
            .map_or(String::new(), |(line, column)| format!(":{line}:{column}"));
        errln!("error: {}{at}: {error}", path.display());
        return exit_code(error);
    }
    fail(error)
}

/// Invalid input: exit 2; interrupted: 130 (as a shell reports SIGINT). Anything else
/// that fails at run time: exit 1.
fn fail(error: &Error) -> ExitCode {
    errln!("error: {error}");
    exit_code(error)
}

fn exit_code(error: &Error) -> ExitCode {
    match error {
        Error::Interrupted { .. } => ExitCode::from(130),
        // A user's WGSL is input too (`validate` reports it the same way).
        // So are a checkpoint that cannot be resumed and a backend or length the
        // model cannot run with.
        Error::Model(_)
        | Error::Plan(_)
        | Error::OutputNames { .. }
        | Error::OutputNameTooLong { .. }
        | Error::Shader(_)
        | Error::CheckpointRefused { .. }
        | Error::CustomModelOnCpu { .. }
        | Error::CustomRuleOnCpu { .. }
        | Error::BenchmarkModel { .. }
        | Error::TooManySteps { .. }
        | Error::TooLong { .. } => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn load(path: &Path) -> Result<LoadedModel, ExitCode> {
    load_with(path, file::Overrides::default())
}

/// A model file with what the command line sets over it.
fn load_with(path: &Path, overrides: file::Overrides) -> Result<LoadedModel, ExitCode> {
    let from_command_line = !overrides.axes.is_empty() || overrides.seeds.is_some();
    file::load_with(path, overrides).map_err(|errors| {
        for e in &errors.0 {
            errln!("error: {e}");
            // A grid error may be in an axis given on the command line.
            if from_command_line && e.field.as_deref().is_some_and(|f| f.starts_with("sweep")) {
                errln!(
                    "note: the grid holds the file's `[sweep]` axes, then each --sweep in \
                     order; --seeds sets its repeats"
                );
            }
        }
        ExitCode::from(2)
    })
}

/// A model around the SONATA config at `path`: its circuit, its run's step and length
/// (or `duration`), the spikes of every population that is not a spike source.
fn load_sonata(
    path: &Path,
    duration: Option<f64>,
    overrides: file::Overrides,
) -> Result<LoadedModel, ExitCode> {
    let fail = |message: String| {
        errln!("error: {}: {message}", path.display());
        ExitCode::from(2)
    };
    let (dt, tstop) = sonata_run(path).map_err(fail)?;
    let duration = duration
        .or(tstop)
        .ok_or_else(|| fail("the config has no `run.tstop`: give --duration".into()))?;
    let name = path
        .file_stem()
        .map_or("sonata".into(), |s| s.to_string_lossy().into_owned());
    let text = format!(
        "name = {name:?}\n[simulation]\ndt_ms = {:?}\nduration_ms = {duration:?}\n\
         [network]\nsonata = {:?}\n",
        dt.unwrap_or(0.1),
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let mut model = file::load_text_with(&path.with_extension("neurodyn.toml"), &text, overrides)
        .map_err(|errors| {
        for e in &errors.0 {
            errln!("error: {e}");
        }
        ExitCode::from(2)
    })?;
    let recorded: Vec<String> = model
        .network
        .populations
        .iter()
        .filter(|p| !matches!(p.neuron, neurodyn::NeuronModel::SpikeSourceArray(_)))
        .map(|p| p.name.clone())
        .collect();
    for name in recorded {
        model.network.record_spikes(&name);
    }
    Ok(model)
}

/// The SONATA config's `run.dt` and `run.tstop` (ms).
#[cfg(feature = "sonata")]
fn sonata_run(path: &Path) -> Result<(Option<f64>, Option<f64>), String> {
    let config = neurodyn::model::sonata::SonataConfig::read(path)?;
    Ok((config.dt_ms, config.tstop_ms))
}

#[cfg(not(feature = "sonata"))]
fn sonata_run(_: &Path) -> Result<(Option<f64>, Option<f64>), String> {
    Err(file::NO_SONATA.into())
}

fn run(args: RunArgs, threads: lavapipe::ThreadChoice) -> ExitCode {
    let level = match (args.quiet, args.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    let _trace = match init_tracing(level, args.trace.as_deref()) {
        Ok(guard) => guard,
        Err(code) => return code,
    };
    // Applied to the file before it is validated: an instance's network (its input
    // units, which depend on the connectivity drawn), a grid's validation (a delay's
    // steps, a recorder of an instance only the grid makes) depend on them.
    let overrides = args.set.overrides();
    let loaded = match args.format {
        Format::Model => load_with(&args.model, overrides),
        Format::Sonata => load_sonata(&args.model, args.set.duration, overrides),
    };
    let mut model = match loaded {
        Ok(model) => model,
        Err(code) => return code,
    };
    let mut instance = None;
    if let Some(k) = args.instance {
        match Plan::instance_network(&model.network, k) {
            Ok(alone) => {
                instance = Some((k, neurodyn::run::instance_place(&model.network, k)));
                model.network = alone;
            }
            Err(e) => {
                errln!("error: --instance {k}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(ms) = args
        .checkpoint_every
        .filter(|ms| !(ms.is_finite() && *ms > 0.0))
    {
        errln!("error: --checkpoint-every {ms}: must be a positive time in ms");
        return ExitCode::from(2);
    }
    if let Err(code) = args.set.set_duration(&mut model) {
        return code;
    }
    if matches!(args.backend, BackendArg::Gpu) {
        threads.apply(&model.network);
    }
    let backend = args.backend.backend(args.adapter);
    let options = RunOptions {
        out_dir: args
            .out
            .unwrap_or_else(|| PathBuf::from("neurodyn-out").join(&model.name)),
        backend,
        plot: !args.no_plot,
        checkpoint_every_ms: args.checkpoint_every,
        resume: args.resume,
        interrupt: Some(interrupt_flag()),
        instance,
    };
    let bar = (!args.quiet).then(|| {
        let bar = ProgressBar::new((model.duration_ms / model.network.dt_ms).round() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {msg}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar
    });
    let result = run_model(&model, &options, &mut |p| {
        let Some(bar) = &bar else { return };
        // Only runs that last more than a second show a bar.
        if p.elapsed_s < 1.0 && p.steps_done < p.steps_total {
            return;
        }
        // Since the checkpoint after a resume, as the spikes counted.
        let simulated_s = (p.steps_done - p.first_step) as f64 * p.dt_ms / 1000.0;
        bar.set_position(p.steps_done);
        let rate = p.spikes as f64 / (p.recorded_neurons.max(1) as f64 * simulated_s.max(1e-12));
        bar.set_message(format!(
            "{:.0} / {:.0} ms simulated, real-time factor {:.2}, {rate:.2} Hz mean rate",
            p.steps_done as f64 * p.dt_ms,
            p.steps_total as f64 * p.dt_ms,
            p.elapsed_s / simulated_s.max(1e-12),
        ));
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(report) => report,
        Err(e) => return fail_in(&args.model, &e),
    };
    if !args.quiet {
        let s = &report.summary;
        let simulated = match s.first_step {
            0 => format!("{} ms simulated", shown_ms(s.duration_ms)),
            first => format!(
                "{} ms simulated, resumed at {} ms",
                shown_ms((s.last_step - first) as f64 * s.dt_ms),
                shown_ms(first as f64 * s.dt_ms)
            ),
        };
        outln!(
            "{} on {}: {} neurons, {} synapses, {simulated}",
            s.model,
            s.device,
            report.neurons,
            report.synapses,
        );
        outln!(
            "{:<12} {:>9} {:>10} {:>10} {:>8}",
            "population",
            "neurons",
            "spikes",
            "rate (Hz)",
            "CV ISI"
        );
        for (name, p) in s.populations_in_order() {
            let cv = p.cv_isi.map_or("-".into(), |cv| format!("{cv:.3}"));
            outln!(
                "{name:<12} {:>9} {:>10} {:>10.3} {:>8}",
                p.size,
                p.spikes,
                p.rate_hz,
                cv
            );
        }
        let factor = match s.last_step > s.first_step {
            true => format!("{:.3} (wall / simulated)", s.realtime_factor),
            false => "- (no step simulated)".into(),
        };
        outln!(
            "build {:.3} s, run {:.3} s, real-time factor {factor}",
            s.build_s,
            s.run_s,
        );
        outln!("outputs in {}", options.out_dir.display());
    }
    ExitCode::SUCCESS
}

fn validate(path: &Path, set: &FileSettings) -> ExitCode {
    let mut model = match load_with(path, set.overrides()) {
        Ok(model) => model,
        Err(code) => return code,
    };
    if let Err(code) = set.set_duration(&mut model) {
        return code;
    }
    let as_run = neurodyn::run::with_default_recorders(&model.network);
    if let Err(e) = neurodyn::run::check_output_file_names(&as_run) {
        errln!("error: {}: {e}", path.display());
        return ExitCode::from(2);
    }
    // The network as `run` plans it (its default recorders included: their buffers
    // count).
    let plan = match Plan::new(&as_run) {
        Ok(plan) => plan,
        Err(e) => {
            errln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    // A user's WGSL is input too: exit 2, with the snippet's line and column.
    if let Err(e) = gpu::check_user_code(&plan) {
        return fail_in(path, &Error::Shader(e));
    }
    let steps = neurodyn::model::run_steps(model.duration_ms, plan.dt_ms).unwrap_or_default();
    let adapter = gpu::choose_adapter(None).ok();
    let binding = adapter.as_ref().map(|adapter| {
        let limits = gpu::limits_of(adapter);
        (limits.max_buffer_size).min(limits.max_storage_buffer_binding_size)
    });
    // As `run` refuses it before allocating anything (reported after the tables).
    let over = binding.and_then(|limit| neurodyn::plan::memory::over_binding(&plan.buffers, limit));
    match over {
        None => outln!("{}: valid", path.display()),
        Some(_) => outln!(
            "{}: a valid model, too large for this device (below)",
            path.display()
        ),
    }
    outln!(
        "{} population(s), {} neurons, {} synapses ({} stored static, {} with weights of their own per instance (plastic or swept), {} procedural projections, {} built on the device), ring of {} steps, {} ms simulated ({} steps) at dt = {} ms",
        plan.populations.len(),
        plan.n_neurons(),
        plan.synapse_count().round(),
        plan.stored_static_per_instance().round(),
        plan.plastic.len(),
        plan.procedural.iter().filter(|q| q.built == 0).count(),
        plan.procedural.iter().filter(|q| q.built != 0).count(),
        plan.config.ring_depth,
        shown_ms(steps as f64 * plan.dt_ms),
        steps,
        plan.dt_ms
    );
    let count = |lists: &mut dyn Iterator<Item = usize>| lists.sum::<usize>();
    let (junctions, graded) = (
        count(&mut model.network.gap_junctions.iter().map(|g| g.pairs.len())),
        count(&mut model.network.graded_synapses.iter().map(|g| g.pairs.len())),
    );
    if junctions + graded > 0 {
        outln!("{junctions} gap junctions, {graded} graded synapses");
    }
    let report = neurodyn::plan::memory::MemoryReport {
        buffers: plan.buffers.clone(),
        exact: true,
    };
    outln!("\ndevice memory by buffer:\n{}", report.table());
    let instances = model.network.instances;
    if instances > 1 {
        outln!("{instances} instances (an ensemble); the counts above are per instance");
    }
    // Estimates at a few sizes: recording buffers hold fewer steps per batch as
    // instances grow, so an instance costs less in a larger ensemble.
    let mut counts = vec![1, 16, 256, instances];
    counts.sort_unstable();
    counts.dedup();
    let sizes: Vec<String> = counts
        .into_iter()
        .map(|b| {
            let bytes = neurodyn::plan::memory::with_instances(&as_run, b);
            format!("{b}: {}", format_bytes(bytes))
        })
        .collect();
    let fits = (adapter.as_ref())
        .and_then(gpu::device_memory)
        .zip(binding)
        .map_or(String::new(), |(available, binding)| {
            format!(
                "; at most {} instances fit in the device's {} with no buffer that must \
                 fit one binding over {}",
                neurodyn::plan::memory::largest_ensemble(&as_run, available, binding),
                format_bytes(available),
                format_bytes(binding)
            )
        });
    outln!(
        "device memory by instances (estimate) {}{fits}",
        sizes.join(", ")
    );
    if let Some(b) = over {
        errln!(
            "error: {}: buffer `{}` needs {}, more than the {} one storage binding of the \
             device may hold: `run` refuses it (a smaller network, or fewer instances)",
            path.display(),
            b.name,
            format_bytes(b.bytes),
            format_bytes(binding.unwrap_or_default())
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn devices() -> ExitCode {
    let adapters = gpu::adapters();
    if adapters.is_empty() {
        errln!(
            "error: {}",
            Error::NoAdapter {
                detail: "no adapter on any backend".into()
            }
        );
        return ExitCode::from(1);
    }
    let chosen = gpu::choose_adapter(None).ok().map(|a| a.get_info());
    for adapter in adapters {
        let info = adapter.get_info();
        let limits = adapter.limits();
        let mark = if chosen.as_ref() == Some(&info) {
            "*"
        } else {
            " "
        };
        outln!("{mark} {}", gpu::describe(&info));
        outln!(
            "    memory {}, max buffer {} MiB, max storage binding {} MiB, storage buffers per stage {}, timestamps: {}",
            gpu::device_memory(&adapter)
                .map_or("unknown".to_string(), neurodyn::plan::memory::format_bytes),
            limits.max_buffer_size >> 20,
            limits.max_storage_buffer_binding_size >> 20,
            limits.max_storage_buffers_per_shader_stage,
            if adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY) { "yes" } else { "no" }
        );
    }
    outln!("(* = the adapter `neurodyn run` uses; set NEURODYN_ADAPTER or --adapter to choose)");
    ExitCode::SUCCESS
}

fn bench(
    suite: SuiteArg,
    out: Option<PathBuf>,
    options: neurodyn::bench::SuiteOptions,
    threads: lavapipe::ThreadChoice,
) -> ExitCode {
    let suite = match suite {
        SuiteArg::Quick => neurodyn::bench::Suite::Quick,
        SuiteArg::Standard => neurodyn::bench::Suite::Standard,
    };
    let known = neurodyn::bench::case_ids(suite);
    if let Some(unknown) = options
        .only
        .iter()
        .flatten()
        .find(|id| !known.contains(&id.as_str()))
    {
        errln!(
            "error: --only: no case `{unknown}` in this suite (cases: {})",
            known.join(", ")
        );
        return ExitCode::from(2);
    }
    // A real-time factor divides by the simulated time (1e-300 ms ran no step and
    // printed an infinite one).
    if let Some(ms) = options.duration_ms.filter(|ms| *ms < 1.0) {
        errln!("error: --duration {ms:e}: a benchmark needs at least 1 ms");
        return ExitCode::from(2);
    }
    let choose = &mut |network: &neurodyn::Network| {
        if matches!(options.backend, Backend::Gpu) {
            threads.apply(network);
        }
    };
    let results = match neurodyn::bench::run_suite(suite, &options, choose) {
        Ok(results) => results,
        Err(e) => return fail(&e),
    };
    out!("{}", neurodyn::bench::device_lines(&results));
    out!("{}", neurodyn::bench::markdown(&results));
    if let Some(path) = out {
        let json = serde_json::to_string_pretty(&results).expect("results serialise");
        if let Err(e) = std::fs::write(&path, json + "\n") {
            errln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

fn profile(
    path: &Path,
    steps: u64,
    adapter: Option<String>,
    timing: KernelTiming,
    json: Option<&Path>,
    threads: lavapipe::ThreadChoice,
) -> ExitCode {
    let model = match load(path) {
        Ok(model) => model,
        Err(code) => return code,
    };
    threads.apply(&model.network);
    let backend = BackendArg::Gpu.backend(adapter);
    let report = match neurodyn::profile::profile_network(
        &model.name,
        &model.network,
        backend,
        steps,
        timing,
    ) {
        Ok(report) => report,
        Err(e) => return fail_in(path, &e),
    };
    out!("{}", neurodyn::profile::format(&report));
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report).expect("report serialises");
        if let Err(e) = std::fs::write(path, text + "\n") {
            errln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

/// Log lines to stderr at `level` (or as `RUST_LOG` says), and with `trace` the
/// host's spans as a Chrome trace; the returned guard writes the trace when dropped.
/// A trace file that cannot be created is an error (exit 1) before anything runs.
fn init_tracing(
    level: &str,
    trace: Option<&Path>,
) -> Result<Option<tracing_chrome::FlushGuard>, ExitCode> {
    use std::io::IsTerminal;
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("neurodyn={level}")));
    // Colour codes only for a terminal, not in a log file or a pipe.
    let log = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(filter);
    let (chrome, guard) = match trace {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| {
                errln!("error: --trace {}: {e}", path.display());
                ExitCode::from(1)
            })?;
            let (layer, guard) = tracing_chrome::ChromeLayerBuilder::new()
                .writer(file)
                .include_args(true)
                .build();
            let spans = tracing_subscriber::filter::Targets::new()
                .with_target("neurodyn", tracing::Level::TRACE);
            (Some(layer.with_filter(spans)), Some(guard))
        }
        None => (None, None),
    };
    tracing_subscriber::registry().with(log).with(chrome).init();
    Ok(guard)
}
