//! A heat map of one statistic over a 2-D grid (a Brunel phase diagram: the mean rate
//! over g × η), drawn with plotters into a PNG: one cell per grid point coloured on
//! the viridis scale, its value written in it, and a colour bar.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::raster::ensure_font;

/// A statistic over a grid: `values[i][j]` at (`x[i]`, `y[j]`); `None` where it is
/// undefined (a CV with too few spikes).
#[derive(Debug, Clone)]
pub struct HeatMap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub value_label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub values: Vec<Vec<Option<f64>>>,
}

impl HeatMap {
    /// Draws the map into `path` (PNG).
    pub fn draw(&self, path: &Path) -> Result<(), String> {
        ensure_font();
        let (nx, ny) = (self.x.len(), self.y.len());
        if nx == 0
            || ny == 0
            || self.values.len() != nx
            || self.values.iter().any(|c| c.len() != ny)
        {
            return Err(format!(
                "a {nx} × {ny} heat map needs {nx} columns of {ny} values"
            ));
        }
        let defined = || self.values.iter().flatten().flatten().copied();
        let low = defined().fold(f64::INFINITY, f64::min);
        let high = defined().fold(f64::NEG_INFINITY, f64::max);
        let (low, high) = if !low.is_finite() {
            (0.0, 1.0)
        } else if high > low {
            (low, high)
        } else {
            (low - 0.5, high + 0.5)
        };
        let root = BitMapBackend::new(path, (1100, 800)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (plot, bar) = root.split_horizontally(960);
        let label = |values: &[f64], i: f64| {
            let k = i.floor() as usize;
            if i.fract() == 0.5 || k >= values.len() {
                // Tick positions are cell centres; other ticks stay blank.
                values.get(k).map_or(String::new(), |&v| short(v))
            } else {
                String::new()
            }
        };
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, ("sans-serif", 26))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(2 * nx + 1)
            .y_labels(2 * ny + 1)
            .x_label_formatter(&|v| label(&self.x, *v))
            .y_label_formatter(&|v| label(&self.y, *v))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(|e| e.to_string())?;
        let colour = |v: f64| ViridisRGB.get_color_normalized(v, low, high);
        for (i, column) in self.values.iter().enumerate() {
            for (j, value) in column.iter().enumerate() {
                let (x0, y0) = (i as f64, j as f64);
                let fill = value.map_or(RGBColor(200, 200, 200), colour);
                chart
                    .draw_series([Rectangle::new(
                        [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                        fill.filled(),
                    )])
                    .map_err(|e| e.to_string())?;
                let text = value.map_or("–".to_string(), |v| format!("{v:.3}"));
                let ink = if value.is_some_and(|v| (v - low) / (high - low) > 0.6) {
                    BLACK
                } else {
                    WHITE
                };
                let style = ("sans-serif", 15)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart
                    .draw_series([Text::new(text, (x0 + 0.5, y0 + 0.5), style)])
                    .map_err(|e| e.to_string())?;
            }
        }
        let mut scale = ChartBuilder::on(&bar)
            .margin_top(60)
            .margin_bottom(70)
            .margin_right(10)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..1.0, low..high)
            .map_err(|e| e.to_string())?;
        scale
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc(&self.value_label)
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        let bands = 100;
        scale
            .draw_series((0..bands).map(|k| {
                let a = low + (high - low) * k as f64 / bands as f64;
                let b = low + (high - low) * (k + 1) as f64 / bands as f64;
                Rectangle::new([(0.0, a), (1.0, b)], colour(a).filled())
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())
    }
}

/// A tick label: at most six significant digits, without trailing zeros.
fn short(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if digits > 6 {
        format!("{v:.4e}")
    } else {
        text.to_string()
    }
}
