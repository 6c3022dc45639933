//! The raster plot: spikes of a subsample of each population (coloured and labelled)
//! above the population rate histogram, drawn with plotters into a PNG. It keeps only
//! the subsampled neurons' spikes and one count per bin, not the whole recording.

use std::path::Path;

use plotters::prelude::*;

use super::SpikeRecord;

/// Neurons shown per population at most.
pub const RASTER_NEURONS: u32 = 100;
/// Bins of the rate histogram over the run.
pub const RATE_BINS: usize = 200;

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
}

impl RasterPlot {
    /// A plot of `populations` (name, size) over a run from `start_ms` (0, or a
    /// checkpoint's time) to `end_ms`.
    pub fn new(populations: &[(String, u32)], start_ms: f64, end_ms: f64, dt_ms: f64) -> Self {
        let tracks = populations
            .iter()
            .map(|(name, size)| Track {
                name: name.clone(),
                size: *size,
                stride: size.div_ceil(RASTER_NEURONS).max(1),
                points: Vec::new(),
                bins: vec![0; RATE_BINS],
            })
            .collect();
        Self {
            tracks,
            start_ms,
            end_ms: end_ms.max(start_ms + dt_ms),
            dt_ms,
        }
    }

    fn bin_ms(&self) -> f64 {
        (self.end_ms - self.start_ms) / RATE_BINS as f64
    }

    /// Adds the next stretch of spikes of the population at `index`.
    pub fn add(&mut self, index: usize, record: &SpikeRecord) {
        let (start_ms, bin_ms) = (self.start_ms, self.bin_ms());
        let track = &mut self.tracks[index];
        for (&step, &neuron) in record.steps.iter().zip(&record.neurons) {
            let t = (step + 1) as f64 * self.dt_ms;
            let bin = (((t - start_ms) / bin_ms).max(0.0) as usize).min(RATE_BINS - 1);
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

        // The bins the run reached, each with the time it covered.
        let bin_ms = self.bin_ms();
        let covered: Vec<(f64, f64)> = (0..RATE_BINS)
            .map(|b| self.start_ms + b as f64 * bin_ms)
            // A sliver of a bin left by rounding is no bin.
            .take_while(|&from| from < until_ms - self.dt_ms / 2.0)
            .map(|from| (from, (from + bin_ms).min(until_ms) - from))
            .collect();
        let rate =
            |t: &Track, b: usize| t.bins[b] as f64 / (f64::from(t.size) * covered[b].1 / 1000.0);
        let peak = self
            .tracks
            .iter()
            .flat_map(|t| (0..covered.len()).map(move |b| rate(t, b)))
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
        for (i, track) in self.tracks.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            rates
                .draw_series(LineSeries::new(
                    covered
                        .iter()
                        .enumerate()
                        .map(|(b, &(from, width))| (from + width / 2.0, rate(track, b))),
                    colour,
                ))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())
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
