//! The shader stages and their assembly: each stage is `shaders/<stage>.wgsl` after
//! the shared files of `shaders/common/`. Sources are embedded at build time; naga
//! parses and validates each assembled module, and an error is reported at the file,
//! line and column where it occurs, not at the position in the assembled text.

use thiserror::Error;

/// A WGSL source file.
#[derive(Debug, Clone, Copy)]
pub struct ShaderFile {
    pub path: &'static str,
    pub source: &'static str,
}

macro_rules! shader_file {
    ($path:literal) => {
        ShaderFile {
            path: $path,
            source: include_str!(concat!("../../", $path)),
        }
    };
}

pub const LAYOUT: ShaderFile = shader_file!("shaders/common/layout.wgsl");
pub const RNG: ShaderFile = shader_file!("shaders/common/rng.wgsl");
pub const FIXED_POINT: ShaderFile = shader_file!("shaders/common/fixed_point.wgsl");
pub const POISSON: ShaderFile = shader_file!("shaders/common/poisson.wgsl");
/// Needs the including stage to declare `counters`.
pub const FAULTS: ShaderFile = shader_file!("shaders/common/faults.wgsl");

/// A device probe, not a simulation stage.
pub const FMA_PROBE: ShaderFile = shader_file!("shaders/device/fma_probe.wgsl");

/// The shared files that make sense without a stage's bindings.
pub const COMMON: [ShaderFile; 4] = [LAYOUT, RNG, FIXED_POINT, POISSON];

/// The compute stages of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    NeuronUpdate,
    PropagatePrepare,
    Propagate,
    Probe,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::NeuronUpdate,
        Stage::PropagatePrepare,
        Stage::Propagate,
        Stage::Probe,
    ];

    /// The stage's own file.
    pub fn file(self) -> ShaderFile {
        match self {
            Stage::NeuronUpdate => shader_file!("shaders/neuron_update.wgsl"),
            Stage::PropagatePrepare => shader_file!("shaders/propagate_prepare.wgsl"),
            Stage::Propagate => shader_file!("shaders/propagate.wgsl"),
            Stage::Probe => shader_file!("shaders/probe.wgsl"),
        }
    }

    /// A short name, used as the pipeline label.
    pub fn name(self) -> &'static str {
        match self {
            Stage::NeuronUpdate => "neuron_update",
            Stage::PropagatePrepare => "propagate_prepare",
            Stage::Propagate => "propagate",
            Stage::Probe => "probe",
        }
    }

    /// The shared files the stage uses, in order.
    pub fn includes(self) -> &'static [ShaderFile] {
        match self {
            Stage::NeuronUpdate => &[LAYOUT, RNG, FIXED_POINT, POISSON, FAULTS],
            Stage::Propagate => &[LAYOUT, FIXED_POINT, FAULTS],
            Stage::PropagatePrepare | Stage::Probe => &[LAYOUT],
        }
    }

    /// The assembled module source.
    pub fn assemble(self) -> AssembledShader {
        AssembledShader::new(self.includes().iter().copied().chain([self.file()]))
    }
}

/// A module assembled from files, remembering where each file starts.
#[derive(Debug, Clone)]
pub struct AssembledShader {
    pub source: String,
    /// (first line in `source`, 1-based; file).
    parts: Vec<(u32, ShaderFile)>,
}

impl AssembledShader {
    pub fn new(files: impl IntoIterator<Item = ShaderFile>) -> Self {
        let mut source = String::new();
        let mut parts = Vec::new();
        let mut line = 1u32;
        for file in files {
            parts.push((line, file));
            source.push_str(file.source);
            if !file.source.ends_with('\n') {
                source.push('\n');
            }
            line += file.source.lines().count() as u32;
        }
        Self { source, parts }
    }

    /// Maps a line of the assembled source to (file, line in that file).
    pub fn locate(&self, line: u32) -> (&'static str, u32) {
        let index = self.parts.partition_point(|(start, _)| *start <= line) - 1;
        let (start, file) = self.parts[index];
        (file.path, line - start + 1)
    }

    /// Parses and validates with naga.
    pub fn validate(&self) -> Result<naga::Module, ShaderError> {
        let module = naga::front::wgsl::parse_str(&self.source)
            .map_err(|e| self.error(e.location(&self.source), e.emit_to_string(&self.source)))?;
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .map_err(|e| self.error(e.location(&self.source), e.emit_to_string(&self.source)))?;
        Ok(module)
    }

    fn error(&self, at: Option<naga::SourceLocation>, message: String) -> ShaderError {
        let (file, line, column) = match at {
            Some(at) => {
                let (file, line) = self.locate(at.line_number);
                (file, line, at.line_position)
            }
            None => ("<assembled shader>", 0, 0),
        };
        ShaderError {
            file,
            line,
            column,
            message,
        }
    }
}

/// A WGSL error at a place in a shader file.
#[derive(Debug, Clone, Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ShaderError {
    pub file: &'static str,
    pub line: u32,
    pub column: u32,
    pub message: String,
}
