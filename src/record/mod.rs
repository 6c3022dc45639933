//! Outputs of a run: spike rasters and sampled state, as typed structs with the
//! statistics the field reports (rates, CV of inter-spike intervals).

mod spike_record;
mod state_record;

pub use spike_record::SpikeRecord;
pub use state_record::StateRecord;
