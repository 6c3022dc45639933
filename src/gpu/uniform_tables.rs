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
use crate::plan::{NeuronKind, Plan};

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

    /// The bindings (3, 4, 5 of the neuron update) and `param` as a WGSL file.
    pub fn file(self) -> ShaderFile {
        let mut text = String::from(
            "// Where this kernel's read-only tables live (src/gpu/uniform_tables.rs).\n",
        );
        text += &self.populations.declare(3, "populations", "PopulationInfo");
        text += &self.stimuli.declare(5, "stimuli", "StimulusParams");
        text += &match self.params {
            TableSpace::Uniform(_) => format!(
                "{}fn param(i: u32) -> f32 {{ return params[i >> 2u][i & 3u]; }}\n",
                self.params.declare(4, "params", "vec4<f32>")
            ),
            TableSpace::Storage => format!(
                "{}fn param(i: u32) -> f32 {{ return params[i]; }}\n",
                self.params.declare(4, "params", "f32")
            ),
        };
        ShaderFile::text(NEURON_TABLES_FILE, text)
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
            .file()
            .source
            .into_owned();
        assert!(
            text.contains("var<uniform> populations: array<PopulationInfo, 1>;"),
            "{text}"
        );
        assert!(text.contains("fn param(i: u32)"), "{text}");
        let text = NeuronTables::STORAGE.file().source.into_owned();
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
}
