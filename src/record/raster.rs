//! The raster plot: spikes of a subsample of each population (coloured and labelled)
//! above the population rate histogram, drawn with plotters into a PNG. It keeps only
//! the subsampled neurons' spikes and one count per bin, not the whole recording.

use std::path::Path;

use plotters::prelude::*;

use super::SpikeRecord;

/// Neurons shown per population at most.
pub const RASTER_NEURONS: u32 = 100;
/// Bins of the rate histogram over the run, at most: each bin is a whole number of
/// steps (the run's steps / 200, rounded up), so that every bin holds the same
/// number of steps and a rate is its count over its own duration.
pub const RATE_BINS: u64 = 200;

pub(super) const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

struct Track {
    name: String,
    size: u32,
    stride: u32,
    points: Vec<(f64, u32)>,
    bins: Vec<u64>,
}

/// Collects what the raster plot needs while a run streams.
pub struct RasterPlot {
    tracks: Vec<Track>,
    /// The span the rate bins divide: from the run's first step to its planned end.
    start_ms: f64,
    end_ms: f64,
    dt_ms: f64,
    /// The run's first step, its planned steps and the steps of one rate bin.
    first_step: u64,
    steps: u64,
    steps_per_bin: u64,
}

impl RasterPlot {
    /// A plot of `populations` (name, size) over a run from `start_ms` (0, or a
    /// checkpoint's time) to `end_ms`.
    pub fn new(populations: &[(String, u32)], start_ms: f64, end_ms: f64, dt_ms: f64) -> Self {
        let end_ms = end_ms.max(start_ms + dt_ms);
        let steps = (((end_ms - start_ms) / dt_ms).round() as u64).max(1);
        let steps_per_bin = steps.div_ceil(RATE_BINS);
        let tracks = populations
            .iter()
            .map(|(name, size)| Track {
                name: name.clone(),
                size: *size,
                stride: size.div_ceil(RASTER_NEURONS).max(1),
                points: Vec::new(),
                bins: vec![0; steps.div_ceil(steps_per_bin) as usize],
            })
            .collect();
        Self {
            tracks,
            start_ms,
            end_ms,
            dt_ms,
            first_step: (start_ms / dt_ms).round() as u64,
            steps,
            steps_per_bin,
        }
    }

    /// Adds the next stretch of spikes of the population at `index`.
    ///
    /// # Panics
    /// If `index` is not one of the plot's populations.
    pub fn add(&mut self, index: usize, record: &SpikeRecord) {
        let (first, per_bin) = (self.first_step, self.steps_per_bin);
        let track = &mut self.tracks[index];
        let last = track.bins.len() - 1;
        for (&step, &neuron) in record.steps.iter().zip(&record.neurons) {
            let t = (step + 1) as f64 * self.dt_ms;
            let bin = ((step.saturating_sub(first) / per_bin) as usize).min(last);
            track.bins[bin] += 1;
            if neuron % track.stride == 0 {
                track.points.push((t, neuron / track.stride));
            }
        }
    }

    /// Draws the PNG of the run up to `until_ms`: a run that stopped early shows the
    /// time it simulated, not a silence after it.
    pub fn draw(&self, path: &Path, title: &str, until_ms: f64) -> Result<(), String> {
        let until_ms = until_ms.clamp(self.start_ms + self.dt_ms, self.end_ms);
        let span = self.start_ms..until_ms;
        ensure_font();
        let root = BitMapBackend::new(path, (1200, 800)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (upper, lower) = root.split_vertically(540);
        let rows: u32 = self.tracks.iter().map(|t| t.size.div_ceil(t.stride)).sum();
        let mut raster = ChartBuilder::on(&upper)
            .caption(title, ("sans-serif", 24))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(span.clone(), 0u32..rows.max(1))
            .map_err(|e| e.to_string())?;
        raster
            .configure_mesh()
            .disable_mesh()
            .y_desc("neuron (subsampled)")
            .draw()
            .map_err(|e| e.to_string())?;
        let mut offset = 0;
        for (i, track) in self.tracks.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            raster
                .draw_series(
                    track
                        .points
                        .iter()
                        .map(|&(t, row)| Circle::new((t, offset + row), 1, colour.filled())),
                )
                .map_err(|e| e.to_string())?
                .label(format!(
                    "{} ({} of {} neurons)",
                    track.name,
                    track.size.div_ceil(track.stride),
                    track.size
                ))
                .legend(move |(x, y)| Circle::new((x, y), 4, colour.filled()));
            offset += track.size.div_ceil(track.stride);
        }
        raster
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;

        let series: Vec<Vec<(f64, f64)>> = (0..self.tracks.len())
            .map(|i| self.rates(i, until_ms))
            .collect();
        let peak = series
            .iter()
            .flatten()
            .map(|&(_, rate)| rate)
            .fold(1.0f64, f64::max);
        let mut rates = ChartBuilder::on(&lower)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(span, 0.0..peak * 1.1)
            .map_err(|e| e.to_string())?;
        rates
            .configure_mesh()
            .x_desc("time (ms)")
            .y_desc("rate (Hz)")
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, points) in series.into_iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            rates
                .draw_series(LineSeries::new(points, colour))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())
    }

    /// The rate (Hz per neuron) of the population at `index` in each bin the run
    /// reached by `until_ms`, at the bin's middle (ms): its count over the steps it
    /// covered (the last bin reached may hold fewer).
    pub fn rates(&self, index: usize, until_ms: f64) -> Vec<(f64, f64)> {
        let track = &self.tracks[index];
        let run = (((until_ms - self.start_ms) / self.dt_ms).round() as u64).clamp(1, self.steps);
        let per_bin = self.steps_per_bin;
        (0..run.div_ceil(per_bin))
            .map(|b| {
                let (from, to) = (b * per_bin, ((b + 1) * per_bin).min(run));
                let width_ms = (to - from) as f64 * self.dt_ms;
                let middle = self.start_ms + from as f64 * self.dt_ms + width_ms / 2.0;
                let count = track.bins[b as usize] as f64;
                (middle, count / (f64::from(track.size) * width_ms / 1000.0))
            })
            .collect()
    }
}

/// Registers the embedded DejaVu Sans (see `assets/fonts/`) as plotters' sans-serif.
pub(super) fn ensure_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let bytes = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
            .unwrap_or_else(|_| panic!("the embedded font is a valid TrueType file"));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 50 neurons firing every step: every bin shows 10 kHz, whatever the run's
    /// length (25 ms in 200 bins showed 8 and 16 kHz; 0.3 ms lost its last step).
    #[test]
    fn a_constant_rate_is_flat_in_every_bin() {
        for (start_ms, end_ms, until_ms) in [
            (0.0, 25.0, 25.0),
            (0.0, 5.0, 5.0),
            (0.0, 0.3, 0.3),
            (150.0, 250.0, 250.0),
            (0.0, 25.0, 12.3),
        ] {
            let dt = 0.1;
            let mut plot = RasterPlot::new(&[("P".into(), 50)], start_ms, end_ms, dt);
            let first = (start_ms / dt).round() as u64;
            let last = (until_ms / dt).round() as u64;
            let (steps, neurons): (Vec<u64>, Vec<u32>) = (first..last)
                .flat_map(|step| (0..50).map(move |n| (step, n)))
                .unzip();
            let record = SpikeRecord {
                population: "P".into(),
                size: 50,
                dt_ms: dt,
                steps,
                neurons,
                duration_steps: last - first,
                instance: 0,
            };
            plot.add(0, &record);
            let rates = plot.rates(0, until_ms);
            assert!(rates.len() <= RATE_BINS as usize);
            for &(_, rate) in &rates {
                assert!(
                    (rate - 10_000.0).abs() < 1e-6,
                    "{start_ms}..{end_ms}: {rates:?}"
                );
            }
            let covered = rates.len() as f64 * plot.steps_per_bin as f64 * dt;
            assert!(covered >= until_ms - start_ms - 1e-9, "{rates:?}");
        }
    }
}
