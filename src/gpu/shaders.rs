//! The shader stages and their assembly: each stage is `shaders/<stage>.wgsl` after
//! the shared files of `shaders/common/`. Sources are embedded at build time; naga
//! parses and validates each assembled module, and an error is reported at the file,
//! line and column where it occurs, not at the position in the assembled text.

use std::borrow::Cow;

use thiserror::Error;

use super::features::NeuronFeatures;
use super::ring::{ring_file, RingAccess, RingChunks};
use super::uniform_tables::{
    procedural_table_file, rule_table_file, GroupReads, NeuronTables, TableSpace,
};
use crate::plan::NeuronKind;

/// A WGSL source: a file of `shaders/`, or a piece of a user's model (named after
/// the model and the snippet, so errors point into what the user wrote).
#[derive(Debug, Clone)]
pub struct ShaderFile {
    pub path: Cow<'static, str>,
    pub source: Cow<'static, str>,
}

impl ShaderFile {
    /// A piece of WGSL text called `path` in error messages.
    pub fn text(path: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            path: Cow::Owned(path.into()),
            source: Cow::Owned(source.into()),
        }
    }
}

macro_rules! shader_file {
    ($path:literal) => {
        ShaderFile {
            path: Cow::Borrowed($path),
            source: Cow::Borrowed(include_str!(concat!("../../", $path))),
        }
    };
}

pub const LAYOUT: ShaderFile = shader_file!("shaders/common/layout.wgsl");
/// Needs a `mul_hi` file before it: MUL_HI, or MUL_HI_INT64 where the device has
/// SHADER_INT64 (the GPU engine swaps them).
pub const RNG: ShaderFile = shader_file!("shaders/common/rng.wgsl");
pub const MUL_HI: ShaderFile = shader_file!("shaders/common/mul_hi.wgsl");
pub const MUL_HI_INT64: ShaderFile = shader_file!("shaders/common/mul_hi_int64.wgsl");
pub const FIXED_POINT: ShaderFile = shader_file!("shaders/common/fixed_point.wgsl");
/// Needs the neuron update's `params` and `rounded`.
pub const CONDUCTANCE: ShaderFile = shader_file!("shaders/common/conductance.wgsl");
/// Needs `rounded` (ROUNDING) and so the including stage's `config`.
pub const MATH: ShaderFile = shader_file!("shaders/common/math.wgsl");
/// Needs `rounded` (ROUNDING) and so the including stage's `config`.
pub const POISSON: ShaderFile = shader_file!("shaders/common/poisson.wgsl");
/// Needs the including stage to declare `counters`.
pub const FAULTS: ShaderFile = shader_file!("shaders/common/faults.wgsl");
/// Before FAULTS. On adapters whose drivers run every loop whole, LOOP_LIMIT_NONE
/// takes its place (`device::cuts_long_loops`).
pub const LOOP_LIMIT: ShaderFile = shader_file!("shaders/common/loop_limit.wgsl");
pub const LOOP_LIMIT_NONE: ShaderFile = shader_file!("shaders/common/loop_limit_none.wgsl");
/// Needs the including stage to declare `config` and `counters`.
pub const WINDOW: ShaderFile = shader_file!("shaders/common/window.wgsl");
/// Needs `config`, `counters`, `ring`, FIXED_POINT and FAULTS.
pub const DELIVERY: ShaderFile = shader_file!("shaders/common/delivery.wgsl");
/// Needs `config`, RNG, ROUNDING and MATH.
pub const DRAWS: ShaderFile = shader_file!("shaders/common/draws.wgsl");
/// Needs `config`, DRAWS and the stage's `row_lengths`.
pub const PROCEDURAL_ROW: ShaderFile = shader_file!("shaders/common/procedural_row.wgsl");
/// Needs `config`, ROUNDING, MATH and the stage's `modulator_word`.
pub const MODULATOR: ShaderFile = shader_file!("shaders/common/modulator.wgsl");
/// Needs `config`, `syn_state`, ROUNDING, MATH, MODULATOR and PLASTICITY_CUSTOM.
pub const PLASTICITY: ShaderFile = shader_file!("shaders/common/plasticity.wgsl");
/// The entry points of user-written plasticity rules, empty; replaced by the rules'
/// generated code (`gpu::custom_rule`) where a plan has some.
pub const PLASTICITY_CUSTOM: ShaderFile = shader_file!("shaders/common/plasticity_custom.wgsl");
/// Needs the including stage to declare `config`.
pub const ROUNDING: ShaderFile = shader_file!("shaders/common/rounding.wgsl");

/// The shared files that make sense without a stage's bindings.
pub const COMMON: [ShaderFile; 4] = [LAYOUT, MUL_HI, RNG, FIXED_POINT];

/// The compute stages of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Gap junction and graded synapse currents from the potentials at the start of
    /// the step.
    GapCoupling,
    /// The neuron update of one model: `neuron_update.wgsl` after `neurons/<model>.wgsl`.
    NeuronUpdate(NeuronKind),
    PropagatePrepare,
    Propagate,
    PropagateProcedural,
    /// Propagation through plastic synapses with their presynaptic update.
    PropagatePlastic,
    /// The postsynaptic side of plasticity.
    PlasticPost,
    /// The per-step weight change of Hebbian, scaling, error-modulated and custom
    /// rules.
    PlasticSweep,
    /// Every three-factor synapse brought up to date (every `FLUSH_STEPS` steps).
    PlasticFlush,
    Probe,
    /// Building the rows of projections built on the device, before the run: the
    /// synapses of each row part, then the synapses themselves.
    BuildCount,
    BuildFill,
}

impl Stage {
    /// Every stage, with a neuron update per model.
    pub fn all() -> Vec<Stage> {
        NeuronKind::BUILT_IN
            .iter()
            .map(|&k| Stage::NeuronUpdate(k))
            .chain([
                Stage::GapCoupling,
                Stage::PropagatePrepare,
                Stage::Propagate,
                Stage::PropagateProcedural,
                Stage::PropagatePlastic,
                Stage::PlasticPost,
                Stage::PlasticSweep,
                Stage::PlasticFlush,
                Stage::Probe,
                Stage::BuildCount,
                Stage::BuildFill,
            ])
            .collect()
    }

    /// The stage's own file.
    pub fn file(self) -> ShaderFile {
        match self {
            Stage::GapCoupling => shader_file!("shaders/gap_coupling.wgsl"),
            Stage::NeuronUpdate(_) => shader_file!("shaders/neuron_update.wgsl"),
            Stage::PropagatePrepare => shader_file!("shaders/propagate_prepare.wgsl"),
            Stage::Propagate => shader_file!("shaders/propagate.wgsl"),
            Stage::PropagateProcedural => shader_file!("shaders/propagate_procedural.wgsl"),
            Stage::PropagatePlastic => shader_file!("shaders/propagate_plastic.wgsl"),
            Stage::PlasticPost => shader_file!("shaders/plastic_post.wgsl"),
            Stage::PlasticSweep => shader_file!("shaders/plastic_sweep.wgsl"),
            Stage::PlasticFlush => shader_file!("shaders/plastic_flush.wgsl"),
            Stage::Probe => shader_file!("shaders/probe.wgsl"),
            Stage::BuildCount => shader_file!("shaders/build_count.wgsl"),
            Stage::BuildFill => shader_file!("shaders/build_fill.wgsl"),
        }
    }

    /// The stage's ring file for `chunks`: chunk 0 at the stage's ring binding, the
    /// others after the stage's own bindings (`None`: the stage has no ring).
    pub fn ring_bindings(self) -> Option<(u32, u32, RingAccess)> {
        match self {
            Stage::NeuronUpdate(_) => Some((7, 14, RingAccess::Take)),
            Stage::Propagate => Some((6, 8, RingAccess::Add)),
            Stage::PropagateProcedural => Some((5, 6, RingAccess::Add)),
            Stage::PropagatePlastic => Some((8, 12, RingAccess::Add)),
            _ => None,
        }
    }

    /// The generated ring file of this stage (see `ring_bindings`).
    pub fn ring(self, chunks: RingChunks) -> ShaderFile {
        let (binding, extra, access) = self.ring_bindings().expect("a stage with a ring");
        ring_file(binding, extra, chunks, access)
    }

    /// The stage's table of procedural projections in `space` (generated file).
    pub fn procedural_table(self, space: TableSpace) -> ShaderFile {
        let binding = match self {
            Stage::PropagateProcedural => 3,
            Stage::BuildCount | Stage::BuildFill => 1,
            _ => panic!("{} reads no procedural projections", self.name()),
        };
        procedural_table_file(space, binding)
    }

    /// The stage's table of plasticity rules in `space` (generated file).
    pub fn rule_table(self, space: TableSpace) -> ShaderFile {
        let binding = match self {
            Stage::PropagatePlastic => 5,
            Stage::PlasticPost => 6,
            Stage::PlasticSweep | Stage::PlasticFlush => 4,
            _ => panic!("{} reads no plasticity rules", self.name()),
        };
        rule_table_file(space, binding)
    }

    /// A short name, used as the pipeline label.
    pub fn name(self) -> &'static str {
        match self {
            Stage::GapCoupling => "gap_coupling",
            Stage::NeuronUpdate(kind) => kind.name(),
            Stage::PropagatePrepare => "propagate_prepare",
            Stage::Propagate => "propagate",
            Stage::PropagateProcedural => "propagate_procedural",
            Stage::PropagatePlastic => "propagate_plastic",
            Stage::PlasticPost => "plastic_post",
            Stage::PlasticSweep => "plastic_sweep",
            Stage::PlasticFlush => "plastic_flush",
            Stage::Probe => "probe",
            Stage::BuildCount => "build_count",
            Stage::BuildFill => "build_fill",
        }
    }

    /// The files the stage is assembled from, in order. A user model's neuron update
    /// is assembled by `neuron_update_with` from its generated pieces instead.
    pub fn files(self) -> Vec<ShaderFile> {
        match self {
            Stage::NeuronUpdate(kind) => {
                neuron_update_with(neuron_model_file(kind).into_iter().collect())
            }
            Stage::Propagate => vec![
                LAYOUT,
                FIXED_POINT,
                LOOP_LIMIT,
                FAULTS,
                self.ring(RingChunks::ONE),
                DELIVERY,
                self.file(),
            ],
            Stage::PropagateProcedural => vec![
                LAYOUT,
                MUL_HI,
                RNG,
                FIXED_POINT,
                LOOP_LIMIT,
                FAULTS,
                ROUNDING,
                MATH,
                DRAWS,
                PROCEDURAL_ROW,
                self.procedural_table(TableSpace::Storage),
                self.ring(RingChunks::ONE),
                DELIVERY,
                self.file(),
            ],
            Stage::BuildCount | Stage::BuildFill => vec![
                LAYOUT,
                LOOP_LIMIT,
                MUL_HI,
                RNG,
                ROUNDING,
                MATH,
                DRAWS,
                PROCEDURAL_ROW,
                self.procedural_table(TableSpace::Storage),
                self.file(),
            ],
            Stage::PropagatePlastic => vec![
                LAYOUT,
                FIXED_POINT,
                LOOP_LIMIT,
                FAULTS,
                ROUNDING,
                MATH,
                MODULATOR,
                PLASTICITY,
                PLASTICITY_CUSTOM,
                self.rule_table(TableSpace::Storage),
                self.ring(RingChunks::ONE),
                DELIVERY,
                self.file(),
            ],
            Stage::PlasticPost | Stage::PlasticSweep | Stage::PlasticFlush => vec![
                LAYOUT,
                LOOP_LIMIT,
                FAULTS,
                ROUNDING,
                MATH,
                MODULATOR,
                PLASTICITY,
                PLASTICITY_CUSTOM,
                self.rule_table(TableSpace::Storage),
                self.file(),
            ],
            Stage::PropagatePrepare => {
                vec![
                    LAYOUT,
                    LOOP_LIMIT,
                    FAULTS,
                    ROUNDING,
                    MATH,
                    MODULATOR,
                    WINDOW,
                    self.file(),
                ]
            }
            Stage::GapCoupling => vec![LAYOUT, LOOP_LIMIT, FAULTS, ROUNDING, MATH, self.file()],
            Stage::Probe => vec![LAYOUT, self.file()],
        }
    }

    /// The assembled module source.
    pub fn assemble(self) -> AssembledShader {
        AssembledShader::new(self.files())
    }
}

/// The neuron update stage around a model's pieces (which declare `STATE_COUNT` and
/// `neuron_step`), with every optional path (`NeuronFeatures::ALL`), its tables in
/// storage buffers (`NeuronTables::STORAGE`) and one ring chunk.
pub fn neuron_update_with(model: Vec<ShaderFile>) -> Vec<ShaderFile> {
    let mut files = vec![
        LAYOUT,
        MUL_HI,
        RNG,
        FIXED_POINT,
        POISSON,
        LOOP_LIMIT,
        FAULTS,
        WINDOW,
        ROUNDING,
        MATH,
        CONDUCTANCE,
    ];
    files.extend(model);
    files.push(NeuronFeatures::ALL.file());
    files.push(NeuronTables::STORAGE.file(&GroupReads::ANY));
    files.push(Stage::NeuronUpdate(NeuronKind::IafPscExp).ring(RingChunks::ONE));
    files.push(shader_file!("shaders/neuron_update.wgsl"));
    files
}

/// `shaders/neurons/<model>.wgsl`: a built-in model's `STATE_COUNT` and
/// `neuron_step` (`None` for a custom model, whose code `gpu::custom` generates).
pub fn neuron_model_file(kind: NeuronKind) -> Option<ShaderFile> {
    match kind {
        NeuronKind::IafPscExp => Some(shader_file!("shaders/neurons/iaf_psc_exp.wgsl")),
        NeuronKind::IafPscDelta => Some(shader_file!("shaders/neurons/iaf_psc_delta.wgsl")),
        NeuronKind::Izhikevich => Some(shader_file!("shaders/neurons/izhikevich.wgsl")),
        NeuronKind::IafCondExp => Some(shader_file!("shaders/neurons/iaf_cond_exp.wgsl")),
        NeuronKind::IafPscAlpha => Some(shader_file!("shaders/neurons/iaf_psc_alpha.wgsl")),
        NeuronKind::AeifCondExp => Some(shader_file!("shaders/neurons/aeif_cond_exp.wgsl")),
        NeuronKind::HhCondExpTraub => Some(shader_file!("shaders/neurons/hh_cond_exp_traub.wgsl")),
        NeuronKind::SpikeSourceArray => {
            Some(shader_file!("shaders/neurons/spike_source_array.wgsl"))
        }
        NeuronKind::ParrotNeuron => Some(shader_file!("shaders/neurons/parrot_neuron.wgsl")),
        NeuronKind::IafCondAlpha => Some(shader_file!("shaders/neurons/iaf_cond_alpha.wgsl")),
        NeuronKind::SpikeSourceStream => {
            Some(shader_file!("shaders/neurons/spike_source_stream.wgsl"))
        }
        NeuronKind::Custom(_) => None,
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
            source.push_str(&file.source);
            if !file.source.ends_with('\n') {
                source.push('\n');
            }
            let lines = file.source.lines().count().max(1) as u32;
            parts.push((line, file));
            line += lines;
        }
        Self { source, parts }
    }

    /// Maps a line of the assembled source to (file, line in that file).
    pub fn locate(&self, line: u32) -> (&ShaderFile, u32) {
        let index = self.parts.partition_point(|(start, _)| *start <= line) - 1;
        let (start, file) = &self.parts[index];
        (file, line - start + 1)
    }

    /// Parses and validates with naga.
    pub fn validate(&self) -> Result<naga::Module, ShaderError> {
        self.validate_with_info().map(|(module, _)| module)
    }

    /// The bindings (of group 0) that entry point `main` uses: the pipeline layout
    /// wgpu derives from the shader has only these.
    pub fn used_bindings(&self) -> Result<Vec<u32>, ShaderError> {
        let (module, info) = self.validate_with_info()?;
        let index = module
            .entry_points
            .iter()
            .position(|e| e.name == "main")
            .unwrap_or(0);
        let uses = info.get_entry_point(index);
        Ok(module
            .global_variables
            .iter()
            .filter(|(handle, _)| !uses[*handle].is_empty())
            .filter_map(|(_, variable)| variable.binding.as_ref().map(|b| b.binding))
            .collect())
    }

    /// Parses and validates with naga, keeping the validator's analysis.
    pub fn validate_with_info(
        &self,
    ) -> Result<(naga::Module, naga::valid::ModuleInfo), ShaderError> {
        let module = naga::front::wgsl::parse_str(&self.source)
            .map_err(|e| self.error(e.location(&self.source), e.emit_to_string(&self.source)))?;
        let info = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            // 64-bit integers validate; only devices with SHADER_INT64 are given
            // code that uses them (MUL_HI_INT64).
            naga::valid::Capabilities::SHADER_INT64,
        )
        .validate(&module)
        .map_err(|e| {
            // The validator's first span is the whole function; its innermost (the
            // shortest) is the expression at fault, in the user's snippet where it is one.
            let innermost = (e.spans())
                .filter_map(|(span, _)| Some((span.to_range()?.len(), span)))
                .min_by_key(|(len, _)| *len)
                .map(|(_, span)| span.location(&self.source));
            self.error(
                innermost.or_else(|| e.location(&self.source)),
                e.emit_to_string(&self.source),
            )
        })?;
        Ok((module, info))
    }

    fn error(&self, at: Option<naga::SourceLocation>, message: String) -> ShaderError {
        let (file, piece, line, column) = match at {
            Some(at) => {
                let (file, line) = self.locate(at.line_number);
                let piece = file.source.to_string();
                (file.path.to_string(), piece, line, at.line_position)
            }
            None => ("<assembled shader>".into(), String::new(), 0, 0),
        };
        ShaderError {
            file,
            line,
            column,
            message,
            piece,
        }
    }
}

/// A WGSL error at a place in a shader file.
#[derive(Debug, Clone, Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ShaderError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// The text of the piece the error is in (a user's snippet, or a shader file):
    /// where the piece is a snippet of a model file, the file's own line is found
    /// from it ([`ShaderError::line_in`]).
    pub piece: String,
}

impl ShaderError {
    /// The (1-based) line and column of the error in `text` (a model file), where the
    /// piece it is in occurs there verbatim, once (a snippet in a TOML multi-line or
    /// escape-free string); `None` otherwise (a JSON string with escapes, a generated
    /// or built-in piece).
    pub fn line_in(&self, text: &str) -> Option<(usize, usize)> {
        // Only a piece of several characters locates anything; a snippet's leading
        // newline (TOML trims the one after `"""`) is not part of it.
        if self.piece.trim().len() < 3 || self.line == 0 {
            return None;
        }
        let mut found = text.match_indices(self.piece.as_str());
        let (offset, _) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let before = &text[..offset];
        let start_line = before.matches('\n').count() + 1;
        // Columns in characters, as an editor counts them; naga's are in bytes.
        let start_column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        let snippet_line = self.piece.split('\n').nth(self.line as usize - 1)?;
        let within = (snippet_line.char_indices())
            .take_while(|&(byte, _)| byte + 1 < self.column as usize)
            .count();
        let line = start_line + self.line as usize - 1;
        let column = match self.line {
            1 => start_column + within,
            _ => within + 1,
        };
        Some((line, column))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snippet's error found in the model file: its line and column there, for a
    /// multi-line string and a one-line one; not for a piece found twice or not at all.
    #[test]
    fn a_snippet_error_is_placed_in_the_model_file() {
        let error = |piece: &str, line, column| ShaderError {
            file: "custom model `m`, update".into(),
            line,
            column,
            message: String::new(),
            piece: piece.into(),
        };
        let file = "[x]\nupdate = \"\"\"\nv = v + k;\nv = v + bad;\n\"\"\", reset = \"v = 0.0;\"\n";
        let update = error("v = v + k;\nv = v + bad;\n", 2, 9);
        assert_eq!(update.line_in(file), Some((4, 9)));
        let reset = error("v = 0.0;", 1, 5);
        assert_eq!(reset.line_in(file), Some((5, 19)));
        assert_eq!(reset.line_in(&format!("{file}{file}")), None);
        assert_eq!(error("w = 1.0;", 1, 1).line_in(file), None);
        // Characters, not bytes: `é` is two bytes before and inside the snippet.
        let file = "name = \"é\", update = \"v = é + bad;\"\n";
        assert_eq!(error("v = é + bad;", 1, 10).line_in(file), Some((1, 31)));
    }
}
