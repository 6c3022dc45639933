//! Where kernels read their small read-only tables from: a uniform buffer where the
//! table fits one, a storage buffer otherwise. The declarations are generated per
//! plan and compiled into the kernels: the neuron update's populations, model
//! parameters (read through `param(i)`) and stimuli, the procedural projections
//! (propagate_procedural and the device build) and the plasticity rules (the
//! plasticity stages).
//!
//! Why: lavapipe (Mesa 22.3) turns every storage-buffer access into a loop over the
//! SIMD lanes with an execution-mask test and a bounds test per lane, while a
//! uniform-buffer read is a plain gather (`cargo bench --bench shader_costs`, one
//! lavapipe thread, 12,500 invocations: eight storage loads per invocation cost about
//! 3 ns each, eight uniform-buffer loads about 0.9 ns). A neuron update read some
//! twenty table words per neuron, against a handful of state words; a procedural
//! row's invocation read each projection's 24 words, a plastic synapse its rule's 24.
//! On GPUs these tables are read at the same index by a warp's invocations (one
//! population, one projection, one rule), which constant caches serve well;
//! parameters read at a neuron's own index (a block per neuron, a spike source
//! array's lists) stay in storage, where divergent reads do not serialize, and no
//! table above 64 KiB goes in a uniform buffer.

use super::shaders::ShaderFile;
use crate::plan::layout::{PlasticRule, PopulationInfo, ProceduralProjection, StimulusParams};
use crate::plan::{KindGroup, NeuronKind, Plan};
use std::ops::Range;

/// Caps the size of a table that goes in a uniform buffer below the device's limit
/// (`0`: every table in storage), to exercise the storage path on any device.
pub const MAX_UNIFORM_TABLE_VAR: &str = "NEURODYN_MAX_UNIFORM_TABLE";

/// The largest table put in a uniform buffer: WebGPU's default uniform binding limit,
/// the size GPUs' constant caches are built around (some drivers report limits up to
/// 2 GiB, which would put large tables there).
pub const UNIFORM_TABLE_MAX_BYTES: u64 = 64 << 10;

/// The most bytes a table may have to go in a uniform buffer on a device with
/// `limits`: `UNIFORM_TABLE_MAX_BYTES` or the device's uniform binding limit if lower,
/// or less where `MAX_UNIFORM_TABLE_VAR` says so.
pub fn uniform_budget(limits: &wgpu::Limits) -> u64 {
    let cap = std::env::var(MAX_UNIFORM_TABLE_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    cap.min(UNIFORM_TABLE_MAX_BYTES)
        .min(limits.max_uniform_buffer_binding_size)
}

/// The names of the generated files in assembled shaders (replaced per plan).
pub const NEURON_TABLES_FILE: &str = "generated: neuron update tables";
pub const PROCEDURAL_TABLE_FILE: &str = "generated: procedural projections table";
pub const RULE_TABLE_FILE: &str = "generated: plasticity rules table";

/// One table's buffer kind: a uniform buffer of that many array elements, or storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableSpace {
    Uniform(u64),
    Storage,
}

impl TableSpace {
    /// A table of `count` elements of `element` bytes: uniform if it fits
    /// `max_uniform_bytes` (the device's uniform binding limit). At least one element,
    /// as the buffers have (plan::memory).
    pub fn fitting(count: usize, element: usize, max_uniform_bytes: u64) -> Self {
        let count = count.max(1) as u64;
        if count * element as u64 <= max_uniform_bytes {
            Self::Uniform(count)
        } else {
            Self::Storage
        }
    }

    /// The WGSL declaration of a read-only table `name` of `element`s at `binding`.
    pub fn declare(self, binding: u32, name: &str, element: &str) -> String {
        match self {
            Self::Uniform(n) => {
                format!(
                    "@group(0) @binding({binding}) var<uniform> {name}: array<{element}, {n}>;\n"
                )
            }
            Self::Storage => {
                format!(
                    "@group(0) @binding({binding}) var<storage, read> {name}: array<{element}>;\n"
                )
            }
        }
    }
}

/// The table of procedural projections at `binding` as a WGSL file.
pub fn procedural_table_file(space: TableSpace, binding: u32) -> ShaderFile {
    ShaderFile::text(
        PROCEDURAL_TABLE_FILE,
        format!(
            "// Where this kernel's projections live (src/gpu/uniform_tables.rs).\n{}",
            space.declare(binding, "procedural", "ProceduralProjection")
        ),
    )
}

/// The table of plasticity rules at `binding`, and `rule_table_len()` (its length:
/// a uniform buffer's array has a fixed one), as a WGSL file.
pub fn rule_table_file(space: TableSpace, binding: u32) -> ShaderFile {
    let len = match space {
        TableSpace::Uniform(n) => format!("{n}u"),
        TableSpace::Storage => "arrayLength(&rules)".to_string(),
    };
    ShaderFile::text(
        RULE_TABLE_FILE,
        format!(
            "// Where this kernel's plasticity rules live (src/gpu/uniform_tables.rs).\n{}\
             fn rule_table_len() -> u32 {{ return {len}; }}\n",
            space.declare(binding, "rules", "PlasticRule")
        ),
    )
}

/// Where the plasticity rules of `plan` live (the table of every instance).
pub fn rule_space(plan: &Plan, max_uniform_bytes: u64) -> TableSpace {
    let rules = plan.plastic.device_rules(plan.config.n_instances).len();
    TableSpace::fitting(rules, size_of::<PlasticRule>(), max_uniform_bytes)
}

/// Where the procedural projections of `plan` live (propagate_procedural and the
/// device build read them).
pub fn procedural_space(plan: &Plan, max_uniform_bytes: u64) -> TableSpace {
    TableSpace::fitting(
        plan.procedural.len(),
        size_of::<ProceduralProjection>(),
        max_uniform_bytes,
    )
}

/// Where each of the neuron update's read-only tables lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeuronTables {
    pub populations: TableSpace,
    pub params: TableSpace,
    pub stimuli: TableSpace,
}

impl NeuronTables {
    /// Every table in storage: for validating the stage on its own.
    pub const STORAGE: Self = Self {
        populations: TableSpace::Storage,
        params: TableSpace::Storage,
        stimuli: TableSpace::Storage,
    };

    /// The tables of `plan`, each in a uniform buffer if it fits `max_uniform_bytes`
    /// (`uniform_budget`); parameters only while every neuron of a population reads
    /// the same words: no population has a block per neuron, and no spike source
    /// array (whose shared block holds a spike list per neuron).
    pub fn of(plan: &Plan, max_uniform_bytes: u64) -> Self {
        let space = |count, element| TableSpace::fitting(count, element, max_uniform_bytes);
        let shared_params = plan
            .populations
            .iter()
            .all(|p| p.info.param_stride == 0 && p.kind != NeuronKind::SpikeSourceArray);
        Self {
            populations: space(plan.populations.len(), size_of::<PopulationInfo>()),
            params: if shared_params {
                space(plan.params.len().div_ceil(4), 16)
            } else {
                TableSpace::Storage
            },
            stimuli: space(plan.stimuli.len(), size_of::<StimulusParams>()),
        }
    }

    /// The bindings (3, 4, 5 of the neuron update), `param`, `PARAMS_BAKED` and
    /// `population_of` for `group` as a WGSL file.
    ///
    /// With `group.baked_params` (its one block, `Plan::baked_params`), `param(i)` is
    /// word i of that block compiled in as a constant, and binding 4 is not declared:
    /// the update then reads every neuron's block at offset 0. With
    /// `group.populations` (at most `UNROLLED_POPULATIONS`), `population_of` reads
    /// each population's record at a constant index and picks the neuron's by its
    /// first neuron; otherwise it loops over the kind's populations.
    pub fn file(self, group: &GroupReads<'_>) -> ShaderFile {
        let mut text = String::from(
            "// Where this kernel's read-only tables live (src/gpu/uniform_tables.rs).\n",
        );
        text += &self.populations.declare(3, "populations", "PopulationInfo");
        text += &self.stimuli.declare(5, "stimuli", "StimulusParams");
        text += &match (group.baked_params, self.params) {
            (Some(block), _) => format!(
                "const PARAMS_BAKED: bool = true;\n\
                 const BAKED_PARAM_VALUES = array<f32, {}>({});\n\
                 fn param(i: u32) -> f32 {{ return BAKED_PARAM_VALUES[i]; }}\n",
                block.len(),
                block
                    .iter()
                    .map(|&x| exact_literal(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, TableSpace::Uniform(_)) => format!(
                "const PARAMS_BAKED: bool = false;\n{}\
                 fn param(i: u32) -> f32 {{ return params[i >> 2u][i & 3u]; }}\n",
                self.params.declare(4, "params", "vec4<f32>")
            ),
            (None, TableSpace::Storage) => format!(
                "const PARAMS_BAKED: bool = false;\n{}\
                 fn param(i: u32) -> f32 {{ return params[i]; }}\n",
                self.params.declare(4, "params", "f32")
            ),
        };
        text += &population_of(group.populations.clone());
        ShaderFile::text(NEURON_TABLES_FILE, text)
    }
}

/// The most populations of one kind whose records the update reads each (at a
/// constant index) instead of looping over them.
pub const UNROLLED_POPULATIONS: u32 = 4;

/// What one kind group's update needs to know about the tables.
#[derive(Debug, Clone)]
pub struct GroupReads<'a> {
    /// The group's populations' indices, if known when the kernel is compiled.
    pub populations: Option<Range<u32>>,
    /// The group's one parameter block, if compiled in (`Plan::baked_params`).
    pub baked_params: Option<&'a [f32]>,
}

impl<'a> GroupReads<'a> {
    /// Any group: populations looked up at run time, parameters from the table.
    pub const ANY: Self = Self {
        populations: None,
        baked_params: None,
    };

    /// The reads of `plan`'s group `group`.
    pub fn of(plan: &'a Plan, group: &KindGroup) -> Self {
        let first = group.info.first_pop;
        Self {
            populations: Some(first..first + group.info.pop_count),
            baked_params: plan.baked_params(group),
        }
    }
}

/// WGSL `population_of(neuron) -> PopulationInfo`: the record of the population
/// holding `neuron`. Reading a few records at constant indices and picking one took
/// lavapipe 5% fewer of CUBA's update instructions than the loop over the
/// populations and a read at the index found (BENCHMARKS.md, "Parameters compiled
/// into the update").
fn population_of(populations: Option<Range<u32>>) -> String {
    match populations {
        Some(range) if range.len() as u32 <= UNROLLED_POPULATIONS => {
            let mut text = format!(
                "fn population_of(neuron: u32) -> PopulationInfo {{\n    \
                 var p = populations[{}u];\n",
                range.start
            );
            for i in range.skip(1) {
                text += &format!(
                    "    if (neuron >= populations[{i}u].first) {{\n        \
                     p = populations[{i}u];\n    }}\n"
                );
            }
            text + "    return p;\n}\n"
        }
        _ => "fn population_of(neuron: u32) -> PopulationInfo {\n    \
              var found = kind.first_pop;\n    \
              for (var i = kind.first_pop + 1u; i < kind.first_pop + kind.pop_count; i = i + 1u) {\n        \
              if (neuron >= populations[i].first) {\n            \
              found = i;\n        \
              }\n    \
              }\n    \
              return populations[found];\n\
              }\n"
            .to_string(),
    }
}

/// `x` as a WGSL hexadecimal float literal, which names the f32 exactly (a decimal
/// one would be rounded by the parser). `x` must be finite: WGSL has no literal for
/// infinity or NaN.
fn exact_literal(x: f32) -> String {
    debug_assert!(x.is_finite());
    let bits = x.to_bits();
    let sign = if bits >> 31 == 1 { "-" } else { "" };
    // The 23 fraction bits shifted to fill 6 hex digits (24 bits).
    let fraction = (bits & 0x7f_ffff) << 1;
    match (bits >> 23) & 0xff {
        0 if fraction == 0 => format!("{sign}0.0f"),
        0 => format!("{sign}0x0.{fraction:06x}p-126f"),
        biased => format!("{sign}0x1.{fraction:06x}p{}f", biased as i32 - 127),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IafPscExp, Network, NeuronModel, Population};

    fn plan() -> Plan {
        let mut net = Network::new(0.1, 1);
        net.add_population(Population::new(
            "a",
            10,
            NeuronModel::IafPscExp(IafPscExp::default()),
        ));
        Plan::new(&net).expect("plan")
    }

    #[test]
    fn small_tables_are_uniform_and_large_ones_storage() {
        let plan = plan();
        let tables = NeuronTables::of(&plan, 64 << 10);
        assert_eq!(tables.populations, TableSpace::Uniform(1));
        assert_eq!(tables.stimuli, TableSpace::Uniform(1));
        assert_eq!(
            tables.params,
            TableSpace::Uniform(plan.params.len().div_ceil(4) as u64)
        );
        assert_eq!(NeuronTables::of(&plan, 16), NeuronTables::STORAGE);
    }

    #[test]
    fn the_declarations_are_wgsl() {
        let text = NeuronTables::of(&plan(), 64 << 10)
            .file(&GroupReads::ANY)
            .source
            .into_owned();
        assert!(
            text.contains("var<uniform> populations: array<PopulationInfo, 1>;"),
            "{text}"
        );
        assert!(text.contains("fn param(i: u32)"), "{text}");
        let text = NeuronTables::STORAGE
            .file(&GroupReads::ANY)
            .source
            .into_owned();
        assert!(
            text.contains("var<storage, read> params: array<f32>;"),
            "{text}"
        );
        let text = procedural_table_file(procedural_space(&plan(), 64 << 10), 3).source;
        assert!(
            text.contains("@binding(3) var<uniform> procedural: array<ProceduralProjection, 1>;"),
            "{text}"
        );
        let text = rule_table_file(TableSpace::Uniform(3), 5).source;
        assert!(
            text.contains("@binding(5) var<uniform> rules: array<PlasticRule, 3>;"),
            "{text}"
        );
        assert!(text.contains("return 3u;"), "{text}");
        let text = rule_table_file(TableSpace::Storage, 4).source;
        assert!(text.contains("return arrayLength(&rules);"), "{text}");
    }

    #[test]
    fn a_baked_block_is_constants_and_no_binding() {
        let group = GroupReads {
            populations: None,
            baked_params: Some(&[1.0, -0.5]),
        };
        let text = NeuronTables::STORAGE.file(&group).source.into_owned();
        assert!(text.contains("const PARAMS_BAKED: bool = true;"), "{text}");
        assert!(
            text.contains("array<f32, 2>(0x1.000000p0f, -0x1.000000p-1f)"),
            "{text}"
        );
        assert!(!text.contains("params:"), "{text}");
    }

    /// A group of a few populations reads each record at a constant index; a larger
    /// one, or any group, loops over the kind's populations.
    #[test]
    fn population_of_unrolls_up_to_its_limit() {
        let text = population_of(Some(2..4));
        assert!(text.contains("var p = populations[2u];"), "{text}");
        assert!(
            text.contains("if (neuron >= populations[3u].first)"),
            "{text}"
        );
        assert!(!text.contains("for ("), "{text}");
        let over = 0..UNROLLED_POPULATIONS + 1;
        for text in [population_of(Some(over)), population_of(None)] {
            assert!(text.contains("for (var i = kind.first_pop + 1u;"), "{text}");
        }
    }

    /// naga reads each literal back as the same bits: zeros, subnormals, the
    /// extremes, and values a decimal literal of few digits would not name exactly.
    #[test]
    fn literals_name_their_f32_exactly() {
        let values = [
            0.0f32,
            -0.0,
            1.0,
            -1.5,
            0.1,
            std::f32::consts::PI,
            (-0.1f64 / 20.0).exp() as f32,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::from_bits(0x007f_ffff),
            -f32::from_bits(0x0040_0001),
            f32::MAX,
            f32::MIN,
            1e-30,
        ];
        for x in values {
            let source = format!("const X: f32 = {};", exact_literal(x));
            let module = naga::front::wgsl::parse_str(&source).unwrap_or_else(|e| {
                panic!("{source}: {}", e.emit_to_string(&source));
            });
            let (_, constant) = module.constants.iter().next().expect("one constant");
            match module.global_expressions[constant.init] {
                naga::Expression::Literal(naga::Literal::F32(y)) => {
                    assert_eq!(y.to_bits(), x.to_bits(), "{source}");
                }
                ref other => panic!("{source}: {other:?}"),
            }
        }
    }
}
