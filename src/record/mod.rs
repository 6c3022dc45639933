//! Outputs of a run: spike rasters and sampled state, as typed structs with the
//! statistics the field reports (rates, CV of inter-spike intervals), streaming `.npy`
//! writers, the raster plot, line plots and heat maps.

mod branching;
mod heat_map;
mod line_plot;
mod output;
mod raster;
mod spike_record;
mod state_record;
mod stats;

pub use branching::{activity, branching_ratio, BranchingRatio, BranchingSeries, BranchingWindow};
pub use heat_map::HeatMap;
pub use line_plot::{line_plot, Series};
pub use output::{partial_name, NpyStream, SpikeRow};
pub use raster::RasterPlot;
pub use spike_record::SpikeRecord;
pub use state_record::StateRecord;
pub use stats::SpikeStats;
