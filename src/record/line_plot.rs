//! A line plot of one or more (x, y) series into a PNG, for the figures examples
//! draw from their results (an STDP window, a weight histogram over time).

use std::path::Path;

use plotters::prelude::*;

use super::raster::{ensure_font, COLOURS};

/// Series of at most this many points are drawn with a marker at each.
const MARKED_POINTS: usize = 50;

/// One named curve.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Draws `series` into `path` (PNG), axes labelled `x_label` and `y_label` and fitted
/// to the data.
pub fn line_plot(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), String> {
    ensure_font();
    let all = || series.iter().flat_map(|s| s.points.iter());
    let bounds = |f: fn(&(f64, f64)) -> f64| {
        let (low, high) = all()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(v), h.max(v))
            });
        if !low.is_finite() {
            (0.0, 1.0)
        } else if high > low {
            let pad = 0.05 * (high - low);
            (low - pad, high + pad)
        } else {
            (low - 1.0, high + 1.0)
        }
    };
    let (x_range, y_range) = (bounds(|p| p.0), bounds(|p| p.1));
    let root = BitMapBackend::new(path, (1000, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style(("sans-serif", 16))
        .draw()
        .map_err(|e| e.to_string())?;
    for (k, s) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                colour.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
        // A short series (a sweep's grid) is marked point by point: one point alone
        // draws no line.
        if s.points.len() <= MARKED_POINTS {
            chart
                .draw_series((s.points.iter()).map(|&point| Circle::new(point, 4, colour.filled())))
                .map_err(|e| e.to_string())?;
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
