//! The GPU backend: adapter selection, shader assembly and validation, buffers and
//! pipelines made from a `Plan`, and batched stepping with streamed readback.

mod device;
mod engine;
mod kernel;
mod shaders;

pub use device::{adapters, choose_adapter, describe, rank, GpuContext};
pub(crate) use engine::GpuEngine;
pub use kernel::run_kernel;
pub use shaders::{
    neuron_model_file, AssembledShader, ShaderError, ShaderFile, Stage, COMMON, FAULTS, ROUNDING,
};
