//! Hooks for kernel experiments, read whenever the engine builds a stage's pipeline.
//! `NEURODYN_DUMP_SHADERS=DIR` writes each stage's module, exactly as compiled (its
//! generated tables and constants included), to `DIR/<stage label>.wgsl`.
//! `NEURODYN_SHADER_OVERRIDE=DIR` builds a stage from `DIR/<stage label>.wgsl` instead,
//! where that file exists. A one-line variant of a dumped module, counted with
//! `bench/jit_instructions.sh`, is how BENCHMARKS.md measures what a construct
//! costs inside the real kernel without a rebuild. An overridden stage is validated
//! by naga like any other (errors name the file, line and column), takes the
//! bindings its own `main` uses, and is announced as a warning: its results are the
//! experiment's, not neurodyn's.

use super::shaders::{AssembledShader, ShaderFile};
use crate::error::Error;

/// Where the engine writes each stage's module.
pub const DUMP_VARIABLE: &str = "NEURODYN_DUMP_SHADERS";
/// Where the engine looks for modules to build stages from instead.
pub const OVERRIDE_VARIABLE: &str = "NEURODYN_SHADER_OVERRIDE";

/// The module the stage `label` is built from: `assembled`, written out where
/// [`DUMP_VARIABLE`] names a directory, or the file of [`OVERRIDE_VARIABLE`]'s
/// directory for this stage where there is one.
pub fn stage_module(label: &str, assembled: AssembledShader) -> Result<AssembledShader, Error> {
    let file = format!("{}.wgsl", file_stem(label));
    if let Some(dir) = std::env::var_os(DUMP_VARIABLE) {
        let path = std::path::Path::new(&dir).join(&file);
        std::fs::write(&path, &assembled.source)
            .map_err(|e| hook_error(DUMP_VARIABLE, &path, e))?;
    }
    let Some(dir) = std::env::var_os(OVERRIDE_VARIABLE) else {
        return Ok(assembled);
    };
    let path = std::path::Path::new(&dir).join(&file);
    if !path.exists() {
        return Ok(assembled);
    }
    let text =
        std::fs::read_to_string(&path).map_err(|e| hook_error(OVERRIDE_VARIABLE, &path, e))?;
    tracing::warn!(
        stage = label,
        path = %path.display(),
        "{OVERRIDE_VARIABLE}: the stage is built from this file, not from neurodyn's shaders"
    );
    // Validated with the stage's bindings where the pipeline is built
    // (`AssembledShader::used_bindings`), errors located in this file.
    Ok(AssembledShader::new([ShaderFile::text(
        path.display().to_string(),
        text,
    )]))
}

/// A hook's file that could not be written or read.
fn hook_error(variable: &'static str, path: &std::path::Path, e: std::io::Error) -> Error {
    Error::ShaderHook {
        variable,
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// A stage label as a file name: letters, digits, `_`, `-` and `.` kept, anything
/// else (a custom model's name may hold spaces or slashes) as `_`.
fn file_stem(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_labels_become_plain_file_names() {
        assert_eq!(file_stem("iaf_psc_exp"), "iaf_psc_exp");
        assert_eq!(file_stem("my model/v2"), "my_model_v2");
    }
}
