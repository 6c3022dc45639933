//! The GPU backend: adapter selection, shader assembly and validation, buffers and
//! pipelines made from a `Plan`, and batched stepping with streamed readback.

mod build;
mod custom;
mod custom_rule;
mod device;
mod engine;
mod features;
mod kernel;
mod memory;
mod ring;
mod shader_hooks;
mod shaders;
mod table;
mod train;
mod uniform_tables;
mod user_code;

pub use custom::generate as custom_model_files;
pub use custom_rule::generate as custom_rule_files;
pub use device::{
    adapters, choose_adapter, cuts_long_loops, describe, limits_of, rank, GpuContext,
    MAX_BINDING_VAR,
};
pub(crate) use engine::{check_memory, GpuEngine};
pub use features::NeuronFeatures;
pub use kernel::run_kernel;
pub use memory::{device_memory, DEVICE_MEMORY_VAR};
pub use ring::READ_FIRST_REACH_BYTES;
pub use shader_hooks::{DUMP_VARIABLE, OVERRIDE_VARIABLE};
pub use shaders::{
    neuron_model_file, neuron_update_with, AssembledShader, ShaderError, ShaderFile, Stage, COMMON,
    FAULTS, FIXED_POINT, LOOP_LIMIT, LOOP_LIMIT_NONE, MATH, MUL_HI, MUL_HI_INT64,
    PLASTICITY_CUSTOM, RNG, ROUNDING,
};
pub use train::{
    train_shader, GpuTrainer, GpuTrainerSizes, Readback, TrainConfig, TrainStep, TRAIN_BACKWARD,
    TRAIN_COMMON, TRAIN_EPROP, TRAIN_FORWARD, TRAIN_OPTIMIZE, TRAIN_OUTPUT,
};
pub use uniform_tables::{
    GroupReads, NeuronTables, TableSpace, MAX_UNIFORM_TABLE_VAR, UNROLLED_POPULATIONS,
};
pub use user_code::check_user_code;
