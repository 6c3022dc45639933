//! A whole run from a model file, as `neurodyn run` does it: simulate in stretches,
//! stream every stretch's recordings to `.npy` files, keep running statistics, and
//! finish with `summary.json` and `raster.png`. Memory does not grow with the run's
//! length: spikes are held only between two flushes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

mod ensemble;

pub use ensemble::{instance_place, InstancePlace};

use crate::error::Error;
use crate::model::file::LoadedModel;
use crate::model::{Network, Recorder};
use crate::record::{partial_name, BranchingSeries, NpyStream, RasterPlot, SpikeRow, SpikeStats};
use crate::simulation::{Backend, Simulation};

/// How to run a model.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub out_dir: PathBuf,
    pub backend: Backend,
    /// Draw `raster.png`.
    pub plot: bool,
    /// Write `checkpoint.ndck` in the output directory every this much simulated time
    /// (ms, rounded to whole steps as the duration is, at least one), replacing the
    /// previous one.
    pub checkpoint_every_ms: Option<f64>,
    /// Continue from this checkpoint (of the same model) instead of starting at 0;
    /// the outputs then hold the run from the checkpoint's step on.
    pub resume: Option<PathBuf>,
    /// Set (by a Ctrl-C handler, say) to stop the run after the current stretch; the
    /// outputs are finished and the summary marked incomplete.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// The instance of the model file's ensemble this network is (`--instance K`)
    /// and its place in the study, recorded in the summary.
    pub instance: Option<(u32, InstancePlace)>,
}

impl RunOptions {
    /// Outputs in `out_dir` on `backend`, with a raster, no checkpoints.
    pub fn new(out_dir: PathBuf, backend: Backend) -> Self {
        Self {
            out_dir,
            backend,
            plot: true,
            checkpoint_every_ms: None,
            resume: None,
            interrupt: None,
            instance: None,
        }
    }
}

/// Where a run stands, reported after every stretch.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The step the run began at: 0, or the checkpoint's after a resume.
    pub first_step: u64,
    pub steps_done: u64,
    pub steps_total: u64,
    pub dt_ms: f64,
    pub elapsed_s: f64,
    pub spikes: u64,
    /// Neurons whose spikes are counted in `spikes`.
    pub recorded_neurons: u64,
}

/// Per-population figures of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationSummary {
    pub size: u32,
    pub spikes: u64,
    pub rate_hz: f64,
    pub cv_isi: Option<f64>,
}

/// `summary.json`: the same keys every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub model: String,
    pub device: String,
    pub backend: String,
    pub seed: u64,
    pub dt_ms: f64,
    pub duration_ms: f64,
    pub build_s: f64,
    pub run_s: f64,
    pub realtime_factor: f64,
    /// Keyed `E` for instance 0 and `E[b]` for instance b of an ensemble; written to
    /// summary.json in instance order (`E`, `E[1]`, `E[2]`, …, `E[10]`).
    #[serde(serialize_with = "in_instance_order")]
    pub populations: BTreeMap<String, PopulationSummary>,
    /// False when the run stopped early (a fault, a device error, an interrupt): the
    /// outputs then hold every step before `last_step`.
    pub complete: bool,
    /// The first step in the outputs: 0, or the checkpoint's after a resume (the
    /// statistics cover `first_step..last_step`).
    #[serde(default)]
    pub first_step: u64,
    /// Steps simulated (the first step not in the outputs).
    pub last_step: u64,
    /// Why the run stopped early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Which instance of the model file's ensemble was run alone (`--instance K`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<u32>,
    /// That instance's swept values and place on the grid, as in the ensemble's
    /// `instance_<K>/summary.json`; also those of a study of one point (a grid of one
    /// value and seed, or sweeps of one value), which runs alone.
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub place: Option<InstancePlace>,
}

impl Summary {
    /// The populations in instance order: `E`, `E[1]`, …, `E[10]` (the map's own order
    /// is the keys' string order, which puts `E[10]` before `E[2]`).
    pub fn populations_in_order(&self) -> Vec<(&String, &PopulationSummary)> {
        in_order(&self.populations)
    }
}

fn in_order(
    populations: &BTreeMap<String, PopulationSummary>,
) -> Vec<(&String, &PopulationSummary)> {
    let mut entries: Vec<_> = populations.iter().collect();
    entries.sort_by(|a, b| key_order(a.0).cmp(&key_order(b.0)));
    entries
}

/// A summary key as (population, instance): `E[10]` is ("E", 10), `E` is ("E", 0).
fn key_order(key: &str) -> (&str, u32) {
    key.strip_suffix(']')
        .and_then(|k| k.rsplit_once('['))
        .and_then(|(name, b)| Some((name, b.parse().ok()?)))
        .unwrap_or((key, 0))
}

fn in_instance_order<S: serde::Serializer>(
    populations: &BTreeMap<String, PopulationSummary>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(in_order(populations))
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub summary: Summary,
    /// Every file written, in the order written.
    pub files: Vec<PathBuf>,
    /// The most spikes held in memory at once (between two flushes to disk).
    pub max_buffered_spikes: usize,
    pub neurons: u64,
    pub synapses: u64,
}

/// The checkpoint `--checkpoint-every` writes in the output directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.ndck";

/// Runs `model` for its duration, writing outputs into `options.out_dir`.
pub fn run_model(
    model: &LoadedModel,
    options: &RunOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<RunReport, Error> {
    let network = with_default_recorders(&model.network);
    check_output_file_names(&network)?;
    if let Some(path) = &options.resume {
        refuse_resume_into_its_outputs(path, &options.out_dir)?;
    }
    let dt = network.dt_ms;
    let steps_total = (model.duration_ms / dt).round() as u64;
    let checkpoint_steps = match options.checkpoint_every_ms {
        Some(ms) if !(ms.is_finite() && (ms / dt).round() >= 1.0) => {
            return Err(Error::CheckpointRefused {
                path: options.out_dir.join(CHECKPOINT_FILE).display().to_string(),
                reason: format!(
                    "the interval between checkpoints, {ms} ms, must be a finite time of at \
                     least half a step (dt = {dt} ms): it is rounded to whole steps"
                ),
            });
        }
        every => every.map(|ms| (ms / dt).round() as u64),
    };

    if let Some(path) = &options.resume {
        // From the header alone, before a device is opened (the rest is checked when
        // the simulation restores it).
        let step = crate::checkpoint::step_of(path)?;
        if step >= steps_total {
            let ms = |steps: u64| crate::model::as_written(steps as f64 * dt, steps as f64 * dt);
            return Err(Error::CheckpointRefused {
                path: path.display().to_string(),
                reason: format!(
                    "it was taken at {} ms, not before the end of this run ({} ms): give a \
                     longer duration",
                    ms(step),
                    ms(steps_total)
                ),
            });
        }
    }
    // The output folder can be made, before the network is built (minutes for a
    // large one); it is made only when the run goes ahead.
    check_out_dir(&options.out_dir)?;
    let build = Instant::now();
    let mut sim = match &options.resume {
        Some(path) => Simulation::restore(&network, options.backend.clone(), path)?,
        None => Simulation::new(&network, options.backend.clone())?,
    };
    let build_s = build.elapsed().as_secs_f64();
    if steps_total > sim.step_limit() {
        return Err(Error::TooManySteps {
            steps: steps_total,
            limit: sim.step_limit(),
        });
    }
    // Interrupted while the network was built: nothing run, nothing written.
    if (options.interrupt.as_ref()).is_some_and(|flag| flag.load(Ordering::Relaxed)) {
        return Err(Error::Interrupted {
            step: sim.current_step(),
        });
    }
    prepare_out_dir(&options.out_dir)?;
    let mut outputs = Outputs::create(&options.out_dir, &sim, &network, model.duration_ms)?;
    let stretch = u64::from(sim.plan().batch_steps) * 4;
    let mut max_buffered = 0;
    let run = Instant::now();
    let mut done = sim.current_step();
    let first_step = done;
    // A failure stops the loop; what was recorded before it is still written.
    let mut failure: Option<Error> = None;
    while done < steps_total {
        if options
            .interrupt
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
        {
            failure = Some(Error::Interrupted { step: done });
            break;
        }
        let mut steps = stretch.min(steps_total - done);
        if let Some(every) = checkpoint_steps {
            // Stop at the next multiple of the checkpoint interval.
            steps = steps.min(every - done % every);
        }
        if let Err(e) = sim.run(steps) {
            failure = Some(e);
            break;
        }
        done += steps;
        match outputs.flush(&mut sim) {
            Ok(held) => max_buffered = max_buffered.max(held),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
        // Every interval (the run's end below).
        if checkpoint_steps.is_some_and(|every| done % every == 0 && done < steps_total) {
            if let Err(e) = sim.checkpoint(&options.out_dir.join(CHECKPOINT_FILE)) {
                failure = Some(e);
                break;
            }
        }
        progress(Progress {
            first_step,
            steps_done: done,
            steps_total,
            dt_ms: dt,
            elapsed_s: run.elapsed().as_secs_f64(),
            spikes: outputs.stats.iter().map(SpikeStats::spikes).sum(),
            recorded_neurons: outputs.stats.iter().map(|s| u64::from(s.size)).sum(),
        });
    }
    // At the end, from where a longer run can go on: also after a run of no steps,
    // and after Ctrl-C, which stops between stretches, where device and records agree.
    if checkpoint_steps.is_some() && matches!(failure, None | Some(Error::Interrupted { .. })) {
        if let Err(e) = sim.checkpoint(&options.out_dir.join(CHECKPOINT_FILE)) {
            failure.get_or_insert(e);
        }
    }
    if failure.is_some() {
        // The batches read back before the failure are in the records: write what
        // still can be (a stream that failed stays as far as it got).
        let _ = outputs.flush(&mut sim);
        done = sim.recorded_until();
    }
    let run_s = run.elapsed().as_secs_f64();

    let populations = outputs
        .names
        .iter()
        .zip(&outputs.stats)
        .map(|(name, stats)| {
            let summary = PopulationSummary {
                size: stats.size,
                spikes: stats.spikes(),
                rate_hz: stats.mean_rate_hz(),
                cv_isi: stats.cv_isi(),
            };
            (name.clone(), summary)
        })
        .collect();
    // Every output is finished, even after one could not be: the first failure is
    // the run's error, in the summary written last.
    let (mut files, finished) = outputs.finish(&options.out_dir, options.plot, &model.name, done);
    keep_first(&mut failure, finished);
    // After a fault found on the device, or a device error, the device has run on
    // past `last_step` (it runs a batch ahead of the records), so its weights are not
    // those at `last_step`: none are written, and a previous run's in the folder are
    // removed. Other failures (an interrupt, a file that cannot be written) stop
    // between batches, where device and records agree.
    let device_ran_on = matches!(
        failure,
        Some(
            Error::Saturation { .. }
                | Error::NonFinite { .. }
                | Error::RecordOverflow { .. }
                | Error::LoopLimit { .. }
                | Error::Device(_)
        )
    );
    if device_ran_on {
        remove_weights(&options.out_dir, &sim);
    } else {
        match write_weights(&options.out_dir, &mut sim) {
            Ok(weights) => files.extend(weights),
            Err(e) => keep_first(&mut failure, Err(e)),
        }
    }
    let mut summary = Summary {
        model: model.name.clone(),
        device: sim.device(),
        backend: match options.backend {
            Backend::Cpu => "cpu".into(),
            _ => "gpu".into(),
        },
        seed: network.seed,
        dt_ms: dt,
        duration_ms: steps_total as f64 * dt,
        build_s,
        run_s,
        realtime_factor: if done == first_step {
            0.0
        } else {
            run_s / ((done - first_step) as f64 * dt / 1000.0)
        },
        populations,
        complete: failure.is_none(),
        first_step,
        last_step: done,
        error: failure.as_ref().map(|e| e.to_string()),
        instance: options.instance.as_ref().map(|(k, _)| *k),
        place: match &options.instance {
            Some((_, place)) => Some(place.clone()),
            // A study of one point runs alone: its values are recorded as an
            // instance's would be.
            None if network.instances == 1
                && (network.grid.is_some() || !network.sweeps.is_empty()) =>
            {
                Some(ensemble::instance_place(&network, 0))
            }
            None => None,
        },
    };
    if network.instances > 1 {
        match ensemble::write(&options.out_dir, &network, &summary, options.plot) {
            Ok(written) => files.extend(written),
            Err(e) => {
                summary.complete = false;
                summary.error.get_or_insert_with(|| e.to_string());
                keep_first(&mut failure, Err(e));
            }
        }
    }
    let path = options.out_dir.join("summary.json");
    let json = serde_json::to_string_pretty(&summary).expect("a summary serialises");
    match write_bytes(&path, (json + "\n").as_bytes()) {
        Ok(path) => files.push(path),
        // The first failure is the one to report (a full disk: the first file cut).
        Err(e) => keep_first(&mut failure, Err(e)),
    }
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(RunReport {
        summary,
        files,
        max_buffered_spikes: max_buffered,
        neurons: u64::from(sim.plan().n_neurons()),
        synapses: sim.plan().synapse_count().round() as u64,
    })
}

/// The open output files of a run.
struct Outputs {
    names: Vec<String>,
    stats: Vec<SpikeStats>,
    spikes: Vec<NpyStream<SpikeRow>>,
    states: Vec<(NpyStream<f32>, NpyStream<f64>)>,
    /// One raster per instance, and where each spike record's track is in them.
    rasters: Vec<RasterPlot>,
    tracks: Vec<(usize, usize)>,
    /// The branching recorders' estimates, window by window.
    branching: Vec<BranchingSeries>,
    dt_ms: f64,
}

/// The most `.npy` streams a run keeps open between flushes, well under the 1024
/// files a Linux process may hold by default; more are each closed after each write.
const STREAMS_KEPT_OPEN: usize = 256;

impl Outputs {
    fn create(
        dir: &Path,
        sim: &Simulation,
        network: &Network,
        duration_ms: f64,
    ) -> Result<Self, Error> {
        let dt_ms = sim.plan().dt_ms;
        let instances = sim.plan().config.n_instances;
        for b in 0..instances {
            let at = instance_dir(dir, b, instances);
            std::fs::create_dir_all(&at).map_err(|e| io_error(&at, e))?;
        }
        let records = sim.spike_records();
        // Instance b > 0 of an ensemble: `E[b]` in the summary.
        let names: Vec<String> = records
            .iter()
            .map(|r| instance_key(&r.population, r.instance))
            .collect();
        let one_of_many = records.len() + 2 * sim.state_records().len() > STREAMS_KEPT_OPEN;
        let spikes = records
            .iter()
            .map(|r| {
                let path = instance_dir(dir, r.instance, instances)
                    .join(format!("spikes_{}.npy", file_safe(&r.population)));
                opened(NpyStream::one_dimensional(&path), &path, one_of_many)
            })
            .collect::<Result<_, _>>()?;
        let mut states = Vec::new();
        let mut used = Vec::new();
        for r in sim.state_records() {
            let at = instance_dir(dir, r.instance, instances);
            let mut stem = format!(
                "state_{}_{}",
                file_safe(&r.population),
                file_safe(&r.variable)
            );
            let base = stem.clone();
            let mut k = 2;
            while used.contains(&(r.instance, stem.clone())) {
                stem = format!("{base}_{k}");
                k += 1;
            }
            used.push((r.instance, stem.clone()));
            let values = at.join(format!("{stem}.npy"));
            let times = at.join(format!("{stem}_times.npy"));
            let neurons = at.join(format!("{stem}_neurons.npy"));
            let mut index = NpyStream::<u32>::one_dimensional(&neurons)
                .map_err(|e| io_error(&partial_name(&neurons), e))?;
            index
                .extend(r.neurons.iter().copied())
                .map_err(|e| io_error(&partial_name(&neurons), e))?;
            index
                .finish()
                .map_err(|e| io_error(&partial_name(&neurons), e))?;
            states.push((
                opened(
                    NpyStream::two_dimensional(&values, r.neurons.len() as u64),
                    &values,
                    one_of_many,
                )?,
                opened(NpyStream::one_dimensional(&times), &times, one_of_many)?,
            ));
        }
        // One raster per instance, of its own populations.
        let mut rasters = Vec::new();
        let mut tracks = Vec::new();
        for b in 0..instances {
            let mine: Vec<(String, u32)> = records
                .iter()
                .filter(|r| r.instance == b)
                .map(|r| (r.population.clone(), r.size))
                .collect();
            let start_ms = sim.current_step() as f64 * dt_ms;
            rasters.push(RasterPlot::new(&mine, start_ms, duration_ms, dt_ms));
        }
        let mut seen = vec![0; instances as usize];
        for r in records {
            tracks.push((r.instance as usize, seen[r.instance as usize]));
            seen[r.instance as usize] += 1;
        }
        let steps = |ms: f64| ((ms / dt_ms).round() as u64).max(1);
        let branching = network
            .recorders
            .iter()
            .filter_map(|r| match r {
                Recorder::Branching {
                    population,
                    window_ms,
                    bin_ms,
                    max_lag,
                    instance,
                } => Some(BranchingSeries::new(
                    population,
                    *instance,
                    dt_ms,
                    (sim.current_step(), steps(*window_ms), steps(*bin_ms)),
                    *max_lag as usize,
                )),
                _ => None,
            })
            .collect();
        Ok(Self {
            names,
            branching,
            stats: records
                .iter()
                .map(|r| SpikeStats::new(r.size, dt_ms))
                .collect(),
            spikes,
            states,
            rasters,
            tracks,
            dt_ms,
        })
    }

    /// Writes what the simulation recorded since the last flush; returns the number of
    /// spikes that were held in memory. A file that cannot be written does not stop
    /// the others: its error is returned after they are written.
    fn flush(&mut self, sim: &mut Simulation) -> Result<usize, Error> {
        let mut failure = None;
        let records = sim.drain_spikes();
        let held = records.iter().map(|r| r.len()).sum();
        for (i, record) in records.iter().enumerate() {
            self.stats[i].add(record);
            let (instance, track) = self.tracks[i];
            self.rasters[instance].add(track, record);
            let rows = record
                .steps
                .iter()
                .zip(&record.neurons)
                .map(|(&step, &neuron)| SpikeRow {
                    time_ms: (step + 1) as f64 * self.dt_ms,
                    neuron,
                });
            let stream = &mut self.spikes[i];
            let written = stream
                .extend(rows)
                .map_err(|e| io_error(stream.partial_path(), e));
            keep_first(&mut failure, written);
            for series in &mut self.branching {
                if series.population == record.population && series.instance == record.instance {
                    series.add(record);
                }
            }
        }
        for series in &mut self.branching {
            series.close_until(sim.recorded_until());
        }
        for (record, (values, times)) in sim.drain_states().iter().zip(&mut self.states) {
            let written = values
                .extend(record.values.iter().copied())
                .map_err(|e| io_error(values.partial_path(), e));
            keep_first(&mut failure, written);
            let written = times
                .extend(record.times_ms())
                .map_err(|e| io_error(times.partial_path(), e));
            keep_first(&mut failure, written);
        }
        failure.map_or(Ok(held), Err)
    }

    /// Finishes every file, those after one that fails too (the run's records up to
    /// `last_step`); returns the files written and the first failure.
    fn finish(
        self,
        dir: &Path,
        plot: bool,
        title: &str,
        last_step: u64,
    ) -> (Vec<PathBuf>, Result<(), Error>) {
        let mut files = Vec::new();
        let mut failure = None;
        let mut keep = |written: Result<PathBuf, Error>| match written {
            Ok(path) => files.push(path),
            Err(e) => keep_first(&mut failure, Err(e)),
        };
        let streams = self.states.into_iter().flat_map(|(values, times)| {
            [
                values.finish_reporting_path(),
                times.finish_reporting_path(),
            ]
        });
        for written in self
            .spikes
            .into_iter()
            .map(NpyStream::finish_reporting_path)
            .chain(streams)
        {
            keep(written.map_err(|(path, e)| io_error(&path, e)));
        }
        let instances = self.rasters.len() as u32;
        for series in &self.branching {
            let path = instance_dir(dir, series.instance, instances)
                .join(format!("branching_{}.csv", file_safe(&series.population)));
            // Under a temporary name until complete, as the `.npy` streams.
            keep(write_bytes(&path, series.csv().as_bytes()));
        }
        if plot {
            let until_ms = last_step as f64 * self.dt_ms;
            for (b, raster) in self.rasters.iter().enumerate() {
                let path = instance_dir(dir, b as u32, instances).join("raster.png");
                let title = match instances {
                    1 => title.to_string(),
                    _ => format!("{title}, instance {b}"),
                };
                keep(write_whole(&path, |partial| {
                    raster
                        .draw(partial, &title, until_ms)
                        .map_err(|e| e.to_string())
                }));
            }
        }
        (files, failure.map_or(Ok(()), Err))
    }
}

/// A stream just created, its error paired with its name, holding its file open only
/// while appending where it is one of many.
fn opened<T: npyz::AutoSerialize>(
    created: std::io::Result<NpyStream<T>>,
    path: &Path,
    one_of_many: bool,
) -> Result<NpyStream<T>, Error> {
    let partial = partial_name(path);
    let stream = created.map_err(|e| io_error(&partial, e))?;
    match one_of_many {
        true => stream.closing_after_writes(),
        false => Ok(stream),
    }
    .map_err(|e| io_error(&partial, e))
}

/// Writes each plastic projection's final weights, `weights_<k>.npy` (k its index in
/// the model's projections; in each instance's folder for an ensemble), and its
/// synapses' (pre, post) neurons, `synapses_<k>.npy`, in the same order.
fn write_weights(dir: &Path, sim: &mut Simulation) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    let projections: Vec<_> = sim.plan().plastic.projections.clone();
    for p in projections {
        let k = p.projection;
        let path = dir.join(format!("synapses_{k}.npy"));
        let mut pairs = NpyStream::<u32>::two_dimensional(&path, 2)
            .map_err(|e| io_error(&partial_name(&path), e))?;
        pairs
            .extend(p.pre.iter().zip(&p.post).flat_map(|(&i, &j)| [i, j]))
            .map_err(|e| io_error(&partial_name(&path), e))?;
        files.push(
            pairs
                .finish()
                .map_err(|e| io_error(&partial_name(&path), e))?,
        );
        for instance in 0..sim.plan().config.n_instances {
            let path = instance_dir(dir, instance, sim.plan().config.n_instances)
                .join(format!("weights_{k}.npy"));
            let weights = sim.instance_weights(k, instance)?;
            let mut stream = NpyStream::<f32>::one_dimensional(&path)
                .map_err(|e| io_error(&partial_name(&path), e))?;
            stream
                .extend(weights)
                .map_err(|e| io_error(&partial_name(&path), e))?;
            files.push(
                stream
                    .finish()
                    .map_err(|e| io_error(&partial_name(&path), e))?,
            );
        }
    }
    Ok(files)
}

/// Removes the files `write_weights` would write (a previous run's), so that none
/// stand beside a run that could not write its own.
fn remove_weights(dir: &Path, sim: &Simulation) {
    let instances = sim.plan().config.n_instances;
    for p in &sim.plan().plastic.projections {
        let _ = std::fs::remove_file(dir.join(format!("synapses_{}.npy", p.projection)));
        for instance in 0..instances {
            let path = instance_dir(dir, instance, instances)
                .join(format!("weights_{}.npy", p.projection));
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Where instance b's files go: the output directory itself for a single network,
/// `instance_<b>/` in it for an ensemble.
pub fn instance_dir(dir: &Path, instance: u32, instances: u32) -> PathBuf {
    if instances > 1 {
        dir.join(format!("instance_{instance}"))
    } else {
        dir.to_path_buf()
    }
}

/// A population's key in the run's summary: `E` for instance 0, `E[b]` for b > 0.
fn instance_key(population: &str, instance: u32) -> String {
    match instance {
        0 => population.to_string(),
        b => format!("{population}[{b}]"),
    }
}

/// A population or variable name as a file-name part: letters, digits, `-` and `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The network `run` simulates: the file's, recording every population's spikes
/// where it records nothing (a run would have nothing to show).
pub fn with_default_recorders(network: &Network) -> Network {
    let mut network = network.clone();
    if network.recorders.is_empty() {
        let names: Vec<String> = network.populations.iter().map(|p| p.name.clone()).collect();
        for name in names {
            network.record_spikes(&name);
        }
    }
    network
}

/// The longest file name Linux, macOS and Windows file systems take, in bytes (output
/// names are ASCII).
const NAME_MAX: usize = 255;

/// Two recorders whose outputs would share a file: populations whose names give the
/// same spike file (`a.b` and `a_b` both give `spikes_a_b.npy`), or two branching
/// estimates of one instance's populations with the same file name; and a name that
/// makes a file name too long (found before the run, not when its file is opened).
pub fn check_output_file_names(network: &Network) -> Result<(), Error> {
    // (instance folder, where the file is per instance; file) → what writes it.
    let mut seen: BTreeMap<(Option<u32>, String), String> = BTreeMap::new();
    for r in &network.recorders {
        check_name_length(r, network)?;
        let (key, what) = match r {
            Recorder::Spikes { population } => (
                (None, format!("spikes_{}.npy", file_safe(population))),
                format!("population `{population}`"),
            ),
            Recorder::Branching {
                population,
                instance,
                ..
            } => (
                (
                    Some(*instance),
                    format!("branching_{}.csv", file_safe(population)),
                ),
                format!("the branching recorder of `{population}` (instance {instance})"),
            ),
            // Repeated state files are numbered (`state_E_v_2.npy`).
            Recorder::State { .. } => continue,
        };
        match seen.get(&key) {
            // One population's spikes recorded twice are one record.
            Some(first) if *first != what || key.0.is_some() => {
                return Err(Error::OutputNames {
                    first: first.clone(),
                    second: what,
                    file: key.1,
                });
            }
            _ => {
                seen.insert(key, what);
            }
        }
    }
    Ok(())
}

/// The longest name among the files recorder `r` may write (its temporary name, a
/// numbered state file, a sweep plot of its population) in `network`.
fn check_name_length(r: &Recorder, network: &Network) -> Result<(), Error> {
    let (what, longest) = match r {
        Recorder::Spikes { population } => {
            let p = file_safe(population);
            let file = match network.grid {
                Some(_) => format!("sweep_{p}_rate_hz.partial.png"),
                None => format!("spikes_{p}.npy.partial"),
            };
            (format!("population `{population}`"), file)
        }
        Recorder::State {
            population,
            variable,
            ..
        } => (
            format!("the state recorder of `{population}`.`{variable}`"),
            format!(
                "state_{}_{}{}_neurons.npy.partial",
                file_safe(population),
                file_safe(variable),
                // The bound on a repeated state file's number.
                match network.recorders.len() {
                    1 => String::new(),
                    n => format!("_{n}"),
                }
            ),
        ),
        Recorder::Branching { population, .. } => (
            format!("the branching recorder of `{population}`"),
            format!("branching_{}.csv.partial", file_safe(population)),
        ),
    };
    match longest.len() {
        length if length > NAME_MAX => Err(Error::OutputNameTooLong {
            what,
            file: longest,
            length,
            limit: NAME_MAX,
        }),
        _ => Ok(()),
    }
}

/// Keeps `result`'s error in `failure` unless an earlier one is there.
fn keep_first(failure: &mut Option<Error>, result: Result<(), Error>) {
    if let Err(e) = result {
        failure.get_or_insert(e);
    }
}

/// A run resumed into the folder that holds its checkpoint would replace the
/// recordings up to the checkpoint (they are not in it) with its own.
fn refuse_resume_into_its_outputs(checkpoint: &Path, out_dir: &Path) -> Result<(), Error> {
    let folder = checkpoint.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = folder.unwrap_or(Path::new("."));
    let same = match (folder.canonicalize(), out_dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::CheckpointRefused {
            path: checkpoint.display().to_string(),
            reason: format!(
                "it is in the output folder `{}`, whose recordings up to the checkpoint this \
                 run would replace: give another --out",
                out_dir.display()
            ),
        });
    }
    Ok(())
}

/// Whether the output folder can be made and written, without making it: the nearest
/// folder of its path that exists takes a file (created and removed at once).
fn check_out_dir(dir: &Path) -> Result<(), Error> {
    let not_folder = |at: &Path| {
        Error::Output(format!(
            "{}: not a folder (--out names a file, or a path through one)",
            at.display()
        ))
    };
    let mut existing = dir;
    while !existing.as_os_str().is_empty() && !existing.exists() {
        existing = existing.parent().unwrap_or(Path::new(""));
    }
    let existing = if existing.as_os_str().is_empty() {
        Path::new(".")
    } else {
        existing
    };
    if !existing.is_dir() {
        return Err(not_folder(existing));
    }
    let probe = existing.join(format!(".neurodyn-write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| io_error(existing, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Makes the output folder, warning where it holds a previous run's outputs.
fn prepare_out_dir(dir: &Path) -> Result<(), Error> {
    if dir.join("summary.json").exists() {
        // Files this run does not write (another population's spikes, an ensemble's
        // folders, a raster with --no-plot) stay from the previous run.
        tracing::warn!(
            "{} holds a previous run's outputs: the files this run writes replace theirs, \
             the others stay",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    Ok(())
}

/// Writes a whole file under a temporary name (`<name>.partial`; an image
/// `<stem>.partial.png`, whose writer goes by the extension) and renames it when
/// complete: a file under its final name is never cut short by a full disk.
pub(crate) fn write_whole(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<PathBuf, Error> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let partial = match name.strip_suffix(".png") {
        Some(stem) => path.with_file_name(format!("{stem}.partial.png")),
        None => path.with_file_name(format!("{name}.partial")),
    };
    let failed = |e: String| Error::Output(format!("{}: {e}", partial.display()));
    if let Err(e) = write(&partial) {
        // Nor does a previous run's file stay beside this run's outputs.
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(path);
        return Err(failed(e));
    }
    if let Err(e) = std::fs::rename(&partial, path) {
        let _ = std::fs::remove_file(&partial);
        return Err(io_error(&partial, e));
    }
    Ok(path.to_path_buf())
}

/// `write_whole` of bytes.
pub(crate) fn write_bytes(path: &Path, bytes: &[u8]) -> Result<PathBuf, Error> {
    write_whole(path, |partial| {
        std::fs::write(partial, bytes).map_err(|e| e.to_string())
    })
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Output(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ensembles_populations_are_shown_and_written_in_instance_order() {
        let population = PopulationSummary {
            size: 1,
            spikes: 0,
            rate_hz: 0.0,
            cv_isi: None,
        };
        let keys = ["E", "E[1]", "E[2]", "E[10]", "I", "I[1]", "I[2]", "I[10]"];
        let summary = Summary {
            model: "m".into(),
            device: "d".into(),
            backend: "cpu".into(),
            seed: 1,
            dt_ms: 0.1,
            duration_ms: 1.0,
            build_s: 0.0,
            run_s: 0.0,
            realtime_factor: 0.0,
            populations: keys
                .iter()
                .map(|k| (k.to_string(), population.clone()))
                .collect(),
            complete: true,
            first_step: 0,
            last_step: 10,
            error: None,
            instance: None,
            place: None,
        };
        let shown: Vec<&str> = (summary.populations_in_order().iter())
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(shown, keys);
        let json = serde_json::to_string(&summary).unwrap();
        let at: Vec<usize> = (keys.iter())
            .map(|k| json.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
        // Read back whole.
        assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), summary);
    }

    #[test]
    fn a_whole_file_appears_under_its_name_only_when_complete() {
        let dir = std::env::temp_dir().join(format!("neurodyn-whole-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("summary.json");
        // A writer that fails part way (a full disk) leaves neither file: not even a
        // previous run's, which would stand beside this run's outputs.
        std::fs::write(&path, b"{\"complete\": true}").unwrap();
        let e = write_whole(&path, |partial| {
            std::fs::write(partial, b"{\"cut").unwrap();
            Err("No space left on device".into())
        })
        .unwrap_err();
        assert!(e.to_string().contains("summary.json.partial"), "{e}");
        assert!(!path.exists() && !dir.join("summary.json.partial").exists());
        // An image keeps its extension for the writer.
        let png = dir.join("raster.png");
        write_whole(&png, |partial| {
            assert!(partial.ends_with("raster.partial.png"));
            std::fs::write(partial, b"png").map_err(|e| e.to_string())
        })
        .unwrap();
        assert_eq!(std::fs::read(&png).unwrap(), b"png");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
