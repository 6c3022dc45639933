//! The CPU reference: every shader stage again in plain Rust, one file per shader with
//! the same name and the same arithmetic in the same order, run on the same `Plan`.
//! It is the oracle the GPU is tested against (identical rasters, identical
//! fixed-point inputs), not a fast backend.

pub mod arith;
mod buffers;
mod build_count;
mod build_fill;
mod delivery;
pub mod draws;
mod engine;
pub mod fixed_point;
mod gap_coupling;
pub mod math;
pub(crate) mod modulator;
mod neuron_update;
mod neurons;
mod plastic_flush;
mod plastic_post;
mod plastic_sweep;
pub(crate) mod plasticity;
mod poisson;
mod probe;
mod procedural_row;
mod propagate;
mod propagate_plastic;
pub(crate) mod propagate_prepare;
pub mod propagate_procedural;
pub mod rng;
pub mod train_backward;
pub mod train_eprop;
pub mod train_forward;
pub mod train_optimize;
pub mod train_output;

pub(crate) use engine::CpuEngine;
