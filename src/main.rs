//! `neurodyn`: run, validate and inspect spiking network models from the command line.
//! The work is done by the library (`neurodyn::run`, `neurodyn::model::file`); this
//! file only reads arguments and prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use neurodyn::model::file::{self, LoadedModel};
use neurodyn::run::{run_model, RunOptions};
use neurodyn::{gpu, Backend, Error, Plan};

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
    },
    /// List the GPU adapters and their limits, marking the one `run` would choose.
    Devices,
    /// Time every kernel of a model with the GPU's timestamp queries and print where the
    /// time goes: per kernel kind, calls, total ms, µs per step and share.
    Profile {
        /// The model file (.toml or .json).
        model: PathBuf,
        /// Steps to profile.
        #[arg(long, default_value_t = 2000)]
        steps: u64,
        /// Use the GPU adapter whose name contains this text.
        #[arg(long, value_name = "NAME")]
        adapter: Option<String>,
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
        /// The directory of the model files.
        #[arg(long, value_name = "DIR", default_value = "models")]
        models: PathBuf,
        /// Where to simulate.
        #[arg(long, value_enum, default_value_t = BackendArg::Gpu)]
        backend: BackendArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SuiteArg {
    Quick,
    Standard,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The model file (.toml or .json).
    model: PathBuf,
    /// Simulated time in ms (default: the file's `simulation.duration_ms`).
    #[arg(long, value_name = "MS")]
    duration: Option<f64>,
    /// Integration step in ms (default: the file's `simulation.dt_ms`).
    #[arg(long, value_name = "MS")]
    dt: Option<f64>,
    /// Seed of every random draw (default: the file's `simulation.seed`).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Directory for the outputs (default: ./neurodyn-out/<model name>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Use the GPU adapter whose name contains this text (see `neurodyn devices`).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,
    /// Where to simulate: the GPU, or the CPU reference implementation.
    #[arg(long, value_enum, default_value_t = BackendArg::Gpu)]
    backend: BackendArg,
    /// Do not draw raster.png.
    #[arg(long)]
    no_plot: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Log what the library does (repeat for more).
    #[arg(short, action = clap::ArgAction::Count)]
    verbose: u8,
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
    match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { model } => validate(&model),
        Command::Devices => devices(),
        Command::Profile {
            model,
            steps,
            adapter,
        } => profile(&model, steps, adapter),
        Command::Bench {
            suite,
            out,
            models,
            backend,
        } => bench(suite, out, &models, backend),
    }
}

/// Invalid input: exit 2. Anything else that fails at run time: exit 1.
fn fail(error: &Error) -> ExitCode {
    eprintln!("error: {error}");
    match error {
        Error::Model(_) | Error::Plan(_) => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn load(path: &Path) -> Result<LoadedModel, ExitCode> {
    file::load(path).map_err(|errors| {
        for e in &errors.0 {
            eprintln!("error: {e}");
        }
        ExitCode::from(2)
    })
}

fn run(args: RunArgs) -> ExitCode {
    let level = match (args.quiet, args.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(format!("neurodyn={level}"))
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut model = match load(&args.model) {
        Ok(model) => model,
        Err(code) => return code,
    };
    if let Some(d) = args.duration {
        model.duration_ms = d;
    }
    if let Some(dt) = args.dt {
        model.network.dt_ms = dt;
    }
    if let Some(seed) = args.seed {
        model.network.seed = seed;
    }
    if !(model.duration_ms.is_finite() && model.duration_ms >= 0.0) {
        eprintln!(
            "error: --duration {} ms: must be a finite, non-negative time",
            model.duration_ms
        );
        return ExitCode::from(2);
    }
    let backend = args.backend.backend(args.adapter);
    let options = RunOptions {
        out_dir: args
            .out
            .unwrap_or_else(|| PathBuf::from("neurodyn-out").join(&model.name)),
        backend,
        plot: !args.no_plot,
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
        let simulated_s = p.steps_done as f64 * p.dt_ms / 1000.0;
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
        Err(e) => return fail(&e),
    };
    if !args.quiet {
        let s = &report.summary;
        println!(
            "{} on {}: {} neurons, {} synapses, {} ms simulated",
            s.model, s.device, report.neurons, report.synapses, s.duration_ms
        );
        println!(
            "{:<12} {:>9} {:>10} {:>10} {:>8}",
            "population", "neurons", "spikes", "rate (Hz)", "CV ISI"
        );
        for (name, p) in &s.populations {
            let cv = p.cv_isi.map_or("-".into(), |cv| format!("{cv:.3}"));
            println!(
                "{name:<12} {:>9} {:>10} {:>10.3} {:>8}",
                p.size, p.spikes, p.rate_hz, cv
            );
        }
        println!(
            "build {:.3} s, run {:.3} s, real-time factor {:.3} (wall / simulated)",
            s.build_s, s.run_s, s.realtime_factor
        );
        println!("outputs in {}", options.out_dir.display());
    }
    ExitCode::SUCCESS
}

fn validate(path: &Path) -> ExitCode {
    let model = match load(path) {
        Ok(model) => model,
        Err(code) => return code,
    };
    let plan = match Plan::new(&model.network) {
        Ok(plan) => plan,
        Err(e) => return fail(&e.into()),
    };
    println!("{}: valid", path.display());
    println!(
        "{} populations, {} neurons, {} synapses, ring of {} steps, {} ms simulated at dt = {} ms",
        plan.populations.len(),
        plan.n_neurons(),
        plan.synapses.len(),
        plan.config.ring_depth,
        model.duration_ms,
        plan.dt_ms
    );
    println!(
        "device memory estimate: {:.1} MiB",
        plan.memory_bytes() as f64 / (1 << 20) as f64
    );
    ExitCode::SUCCESS
}

fn devices() -> ExitCode {
    let adapters = gpu::adapters();
    if adapters.is_empty() {
        eprintln!(
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
        println!("{mark} {}", gpu::describe(&info));
        println!("    driver: {} {}", info.driver, info.driver_info);
        println!(
            "    max buffer {} MiB, max storage binding {} MiB, storage buffers per stage {}, timestamps: {}",
            limits.max_buffer_size >> 20,
            limits.max_storage_buffer_binding_size >> 20,
            limits.max_storage_buffers_per_shader_stage,
            if adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY) { "yes" } else { "no" }
        );
    }
    println!("(* = the adapter `neurodyn run` uses; set NEURODYN_ADAPTER or --adapter to choose)");
    ExitCode::SUCCESS
}

fn bench(suite: SuiteArg, out: Option<PathBuf>, models: &Path, backend: BackendArg) -> ExitCode {
    let suite = match suite {
        SuiteArg::Quick => neurodyn::bench::Suite::Quick,
        SuiteArg::Standard => neurodyn::bench::Suite::Standard,
    };
    let backend = backend.backend(None);
    let results = match neurodyn::bench::run_suite(suite, models, &backend) {
        Ok(results) => results,
        Err(e) => return fail(&e),
    };
    if let Some(device) = results.first().map(|r| r.device.clone()) {
        println!("on {device}\n");
    }
    print!("{}", neurodyn::bench::markdown(&results));
    if let Some(path) = out {
        let json = serde_json::to_string_pretty(&results).expect("results serialise");
        if let Err(e) = std::fs::write(&path, json + "\n") {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

fn profile(path: &Path, steps: u64, adapter: Option<String>) -> ExitCode {
    let model = match load(path) {
        Ok(model) => model,
        Err(code) => return code,
    };
    let backend = BackendArg::Gpu.backend(adapter);
    let mut sim = match neurodyn::Simulation::new(&model.network, backend) {
        Ok(sim) => sim,
        Err(e) => return fail(&e),
    };
    let start = std::time::Instant::now();
    let times = match sim.profile(steps) {
        Ok(times) => times,
        Err(e) => return fail(&e),
    };
    let wall_s = start.elapsed().as_secs_f64();
    let simulated_s = steps as f64 * sim.plan().dt_ms / 1000.0;
    println!("{} on {}: {steps} steps", model.name, sim.device());
    let Some(times) = times else {
        println!("this adapter has no timestamp queries (TIMESTAMP_QUERY_INSIDE_PASSES): no per-kernel times");
        println!(
            "wall {wall_s:.3} s, real-time factor {:.3}",
            wall_s / simulated_s
        );
        return ExitCode::SUCCESS;
    };
    let gpu_ns: f64 = times.iter().map(|t| t.total_ns).sum();
    println!(
        "{:<30} {:>8} {:>10} {:>10} {:>7}",
        "kernel", "calls", "total ms", "µs/step", "share"
    );
    for t in &times {
        println!(
            "{:<30} {:>8} {:>10.3} {:>10.2} {:>6.1}%",
            t.kernel,
            t.calls,
            t.total_ns / 1e6,
            t.total_ns / 1e3 / steps as f64,
            100.0 * t.total_ns / gpu_ns
        );
    }
    let dispatches: u64 = times.iter().map(|t| t.calls).sum();
    println!(
        "GPU {:.3} ms ({:.2} µs/step), wall {wall_s:.3} s, real-time factor {:.3}, {:.2} dispatches per step",
        gpu_ns / 1e6,
        gpu_ns / 1e3 / steps as f64,
        wall_s / simulated_s,
        dispatches as f64 / steps as f64
    );
    ExitCode::SUCCESS
}
