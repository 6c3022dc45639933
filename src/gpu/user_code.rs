//! The WGSL a user wrote — custom neuron models' snippets and custom plasticity rules
//! — checked on the host by naga as assembled into their stages (every optional path,
//! tables in storage buffers), so that `neurodyn validate` reports a snippet's error,
//! located in the snippet, without a device. A run checks each stage again as it
//! builds it for its network (with only the paths its populations use).

use super::custom;
use super::engine::plastic_files;
use super::shaders::{neuron_update_with, AssembledShader, ShaderError, Stage};
use super::uniform_tables::TableSpace;
use crate::plan::Plan;

/// The first error in `plan`'s custom models' and custom rules' WGSL.
pub fn check_user_code(plan: &Plan) -> Result<(), ShaderError> {
    for model in &plan.custom_models {
        AssembledShader::new(neuron_update_with(custom::generate(model))).validate()?;
    }
    if !plan.custom_rules.is_empty() {
        for stage in [
            Stage::PropagatePlastic,
            Stage::PlasticPost,
            Stage::PlasticSweep,
            Stage::PlasticFlush,
        ] {
            AssembledShader::new(plastic_files(stage, plan, TableSpace::Storage)).validate()?;
        }
    }
    Ok(())
}
