//! Every shader parses and validates with naga, errors point into the right file,
//! and the structs and layout constants shared with the host are the same on both
//! sides.

use neurodyn::gpu::{
    AssembledShader, GroupReads, NeuronTables, ShaderFile, Stage, TableSpace, COMMON, FAULTS,
    LOOP_LIMIT, LOOP_LIMIT_NONE, ROUNDING,
};
use neurodyn::plan::layout::{
    BuildPass, Config, Counters, DispatchArgs, KindInfo, PlasticRule, PopulationInfo, ProbeEntry,
    ProceduralProjection, StimulusParams, SynapseChunk,
};
use neurodyn::plan::NeuronKind;
use std::mem::{offset_of, size_of};

#[test]
fn every_stage_validates() {
    for stage in Stage::all() {
        if let Err(e) = stage.assemble().validate() {
            panic!("{} does not validate:\n{e}", stage.name());
        }
    }
}

/// The stages validate without the loop-limit check too, as devices whose drivers run
/// every loop whole compile them (CI's lavapipe never does).
#[test]
fn every_stage_validates_without_the_loop_limit_check() {
    for stage in Stage::all() {
        let files = stage.files().into_iter().map(|f| {
            if f.path == LOOP_LIMIT.path {
                LOOP_LIMIT_NONE
            } else {
                f
            }
        });
        if let Err(e) = AssembledShader::new(files).validate() {
            panic!("{} does not validate:\n{e}", stage.name());
        }
    }
}

/// The stages validate with their tables in uniform buffers too (the engine
/// generates those declarations per plan; `every_stage_validates` checks storage).
#[test]
fn every_stage_validates_with_its_tables_in_uniform_buffers() {
    let uniform = TableSpace::Uniform(3);
    let mut replaced = 0;
    for stage in Stage::all() {
        let table = match stage {
            Stage::NeuronUpdate(_) => NeuronTables {
                populations: uniform,
                params: uniform,
                stimuli: uniform,
            }
            .file(&GroupReads::ANY),
            Stage::PropagateProcedural | Stage::BuildCount | Stage::BuildFill => {
                stage.procedural_table(uniform)
            }
            Stage::PropagatePlastic
            | Stage::PlasticPost
            | Stage::PlasticSweep
            | Stage::PlasticFlush => stage.rule_table(uniform),
            _ => continue,
        };
        let files = stage.files().into_iter().map(|f| {
            if f.path == table.path {
                table.clone()
            } else {
                f
            }
        });
        let shader = AssembledShader::new(files);
        assert!(shader.source.contains("var<uniform>"), "{}", stage.name());
        if let Err(e) = shader.validate() {
            panic!(
                "{} with uniform tables does not validate:\n{e}",
                stage.name()
            );
        }
        replaced += 1;
    }
    assert!(
        replaced >= 7 + NeuronKind::BUILT_IN.len(),
        "{replaced} stages"
    );
}

#[test]
fn an_error_is_reported_at_its_file_line_and_column() {
    let broken = ShaderFile::text(
        "shaders/broken.wgsl",
        "fn ok() -> u32 {\n    return 1u;\n}\nfn bad() -> u32 {\n    return nope;\n}\n",
    );
    let shader = AssembledShader::new(COMMON.iter().cloned().chain([broken]));
    let error = shader.validate().expect_err("unknown identifier");
    assert_eq!(error.file, "shaders/broken.wgsl");
    assert_eq!(error.line, 5);
    assert_eq!(error.column, 12);
    assert!(
        error.to_string().starts_with("shaders/broken.wgsl:5:12:"),
        "{error}"
    );
}

#[test]
fn a_validation_error_is_located_too() {
    // Parses, but fails validation: a u32 returned where f32 is declared.
    let broken = ShaderFile::text(
        "shaders/typed.wgsl",
        "fn f() -> f32 {\n    let x = 1u;\n    return x;\n}\n",
    );
    let error = AssembledShader::new([broken])
        .validate()
        .expect_err("type error");
    assert_eq!(error.file, "shaders/typed.wgsl");
    assert!(error.line >= 1 && error.line <= 4, "{error}");
}

#[test]
fn faults_need_the_counters_of_a_stage() {
    // The fault helpers refer to the stage's `counters` binding, so they are only
    // assembled into stages that declare it.
    for needs_a_binding in [FAULTS, ROUNDING] {
        let path = needs_a_binding.path.clone();
        let alone = AssembledShader::new(COMMON.iter().cloned().chain([needs_a_binding]));
        assert!(alone.validate().is_err(), "{path}");
    }
}

/// (WGSL name, Rust offset) of every non-padding member, and the Rust size.
fn check_struct(module: &naga::Module, name: &str, members: &[(&str, usize)], size: usize) {
    let (_, ty) = module
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("struct {name} not in the shader"));
    let naga::TypeInner::Struct {
        members: wgsl,
        span,
    } = &ty.inner
    else {
        panic!("{name} is not a struct");
    };
    assert_eq!(*span as usize, size, "size of {name}");
    let named: Vec<_> = wgsl
        .iter()
        .filter(|m| !m.name.as_deref().unwrap_or("").starts_with("_pad"))
        .collect();
    assert_eq!(named.len(), members.len(), "members of {name}");
    for (m, (rust_name, offset)) in named.iter().zip(members) {
        assert_eq!(
            m.name.as_deref(),
            Some(*rust_name),
            "member order of {name}"
        );
        assert_eq!(m.offset as usize, *offset, "offset of {name}.{rust_name}");
    }
}

macro_rules! members {
    ($t:ty: $($field:ident),*) => {
        &[$((stringify!($field), offset_of!($t, $field))),*]
    };
}

#[test]
fn host_structs_match_the_shaders() {
    // A module that uses every shared struct, so none is dropped from the IR.
    let user = ShaderFile::text("tests/layout_user.wgsl", "
@group(0) @binding(0) var<uniform> c: Config;
@group(0) @binding(2) var<storage, read_write> k: Counters;
@group(0) @binding(3) var<storage, read> p: array<PopulationInfo>;
@group(0) @binding(7) var<uniform> g: KindInfo;
@group(0) @binding(4) var<storage, read> s: array<StimulusParams>;
@group(0) @binding(5) var<storage, read> e: array<ProbeEntry>;
@group(0) @binding(6) var<storage, read_write> d: DispatchArgs;
@group(0) @binding(8) var<storage, read> q: array<ProceduralProjection>;
@group(0) @binding(9) var<uniform> h: SynapseChunk;
@group(0) @binding(10) var<storage, read> r: array<PlasticRule>;
@group(0) @binding(11) var<uniform> u: BuildPass;
@compute @workgroup_size(1)
fn main() {
    d.x = c.n_neurons + k.step + p[0].first + s[0].kind + e[0].every + g.size + q[0].rule + h.first + r[0].kind + u.rows;
}
");
    let module = AssembledShader::new(COMMON.iter().cloned().chain([user]))
        .validate()
        .expect("valid");
    check_struct(
        &module,
        "Config",
        members!(Config: n_neurons, n_instances, ring_depth, n_receptors, n_populations, seed_lo, seed_hi, record_capacity, zero, n_procedural, params_stride, stimuli_stride, n_plastic, history_depth, n_sweep, post_lanes, synapse_words, stored_per_instance, first_instance, rules_per_instance, rule_param_words, n_astrocytes, n_astrocyte_inputs, astrocyte_base, n_probes, n_gap, n_three_factor, window_steps),
        size_of::<Config>(),
    );
    check_struct(
        &module,
        "Counters",
        members!(Counters: step, prop_count, prop_step, record_count, batch_step, batch_len, saturation_count, saturation_first_step, saturation_min_target, nonfinite_count, nonfinite_first_step, nonfinite_min_neuron, loop_cut_count, loop_cut_stage, rule_nonfinite_count, rule_nonfinite_first_step, rule_nonfinite_min_rule, spike_counts, prop_ends),
        size_of::<Counters>(),
    );
    check_struct(
        &module,
        "PopulationInfo",
        members!(PopulationInfo: first, size, stim_first, stim_count, param_offset, refractory_steps, record, param_stride, input_unit, ip_eta, ip_step, refractory_word, readout_base, readout_decay),
        size_of::<PopulationInfo>(),
    );
    check_struct(
        &module,
        "KindInfo",
        members!(KindInfo: first_neuron, size, first_pop, pop_count, state_base),
        size_of::<KindInfo>(),
    );
    check_struct(
        &module,
        "StimulusParams",
        members!(StimulusParams: kind, receptor, start_step, stop_step, amplitude, chunks, weight_fixed, stream_row, cdf),
        size_of::<StimulusParams>(),
    );
    check_struct(
        &module,
        "ProbeEntry",
        members!(ProbeEntry: state_index, every, group_base, group_size, local),
        size_of::<ProbeEntry>(),
    );
    check_struct(
        &module,
        "ProceduralProjection",
        members!(ProceduralProjection: pre_first, pre_size, post_first, post_size, rule, target_base, exclude_self, row_offset, stream, inv_log_q, weight_kind, weight_a, weight_b, weight_low, weight_high, weight_scale, delay_kind, delay_a, delay_b, delay_low, delay_high, per_instance, built),
        size_of::<ProceduralProjection>(),
    );
    check_struct(
        &module,
        "SynapseChunk",
        members!(SynapseChunk: first, end, delay_shift),
        size_of::<SynapseChunk>(),
    );
    check_struct(
        &module,
        "BuildPass",
        members!(BuildPass: first_row, rows, batch_first, first, end, delay_shift),
        size_of::<BuildPass>(),
    );
    check_struct(
        &module,
        "PlasticRule",
        members!(PlasticRule: kind, nearest, pre_decay, post_decay, w_max, inv_w_max, c, weight_scale, w_min, modulator, m, inv_tau_n, vt_first, vt_size, own_words),
        size_of::<PlasticRule>(),
    );
    check_struct(
        &module,
        "DispatchArgs",
        members!(DispatchArgs: x, y, z),
        size_of::<DispatchArgs>(),
    );
}

#[test]
fn every_neuron_shader_declares_the_state_count_the_plan_uses() {
    for kind in NeuronKind::BUILT_IN {
        let module = Stage::NeuronUpdate(kind)
            .assemble()
            .validate()
            .expect("valid");
        let (_, constant) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some("STATE_COUNT"))
            .unwrap_or_else(|| panic!("{} declares no STATE_COUNT", kind.name()));
        let naga::Expression::Literal(naga::Literal::U32(count)) =
            module.global_expressions[constant.init]
        else {
            panic!("STATE_COUNT of {} is not a u32 literal", kind.name());
        };
        assert_eq!(Some(count), kind.built_in_state_count(), "{}", kind.name());
        assert!(count as usize <= neurodyn::plan::MAX_STATE);
    }
}

#[test]
fn training_stages_validate_and_their_structs_match_the_host() {
    use neurodyn::cpu::train_optimize::OptimizeConfig;
    use neurodyn::gpu::{
        train_shader, TrainConfig, TrainStep, TRAIN_BACKWARD, TRAIN_EPROP, TRAIN_FORWARD,
        TRAIN_OPTIMIZE, TRAIN_OUTPUT,
    };
    use neurodyn::train::plan::{ConnectionPlan, LayerParams};
    for stage in [TRAIN_BACKWARD, TRAIN_EPROP, TRAIN_OUTPUT] {
        let path = stage.path.clone();
        if let Err(e) = train_shader(stage).validate() {
            panic!("{path}: {e}");
        }
    }
    let backward = train_shader(TRAIN_BACKWARD).validate();
    assert!(
        backward.is_ok(),
        "train_backward: {}",
        backward.unwrap_err()
    );
    let optimize = train_shader(TRAIN_OPTIMIZE)
        .validate()
        .expect("train_optimize validates");
    check_struct(
        &optimize,
        "OptimizeConfig",
        members!(OptimizeConfig: zero, kind, count, instances, stride, component, inv_instances, learning_rate, beta1, one_minus_beta1, beta2, one_minus_beta2, epsilon, inv_correction1, inv_correction2, floor),
        size_of::<OptimizeConfig>(),
    );
    let module = train_shader(TRAIN_FORWARD)
        .validate()
        .expect("train_forward validates");
    check_struct(
        &module,
        "TrainConfig",
        members!(TrainConfig: zero, instances, steps, neurons, words, layers, connections, synapses, depth, gamma, output, inv_steps, active_first, active_count),
        size_of::<TrainConfig>(),
    );
    check_struct(
        &module,
        "TrainStep",
        members!(TrainStep: step),
        size_of::<TrainStep>(),
    );
    check_struct(
        &module,
        "LayerParams",
        members!(LayerParams: offset, size, role, p22, p21, p11, theta, v_reset, inv_tau_m, inv_cm, inv_tau_syn, rho, beta, inv_range),
        size_of::<LayerParams>(),
    );
    check_struct(
        &module,
        "ConnectionPlan",
        members!(ConnectionPlan: pre_layer, post_layer, synapse_offset, delay),
        size_of::<ConnectionPlan>(),
    );
}

#[test]
fn the_layout_constants_match_the_host() {
    use neurodyn::plan::layout as l;
    let module = AssembledShader::new(COMMON.iter().cloned())
        .validate()
        .expect("valid");
    let constant = |name: &str| {
        let (_, c) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("layout.wgsl declares no {name}"));
        match module.global_expressions[c.init] {
            naga::Expression::Literal(naga::Literal::U32(v)) => v,
            ref other => panic!("{name} is not a u32 literal: {other:?}"),
        }
    };
    for (name, host) in [
        ("MODULATOR_COUNT", l::MODULATOR_COUNT),
        ("MODULATOR_PENDING_STEP", l::MODULATOR_PENDING_STEP),
        ("MODULATOR_PENDING_VALUE", l::MODULATOR_PENDING_VALUE),
        ("MODULATOR_HEAD", l::MODULATOR_HEAD),
        ("MODULATOR_LAW", l::MODULATOR_LAW),
        ("MODULATOR_DECAY", l::MODULATOR_DECAY),
        ("MODULATOR_JUMP", l::MODULATOR_JUMP),
        ("MODULATOR_HEADER", l::MODULATOR_HEADER),
        ("MODULATOR_HISTORY", l::MODULATOR_HISTORY),
        ("MODULATOR_WORDS", l::MODULATOR_WORDS),
        ("MODULATOR_LEVEL", l::MODULATOR_LEVEL),
        ("MODULATOR_TRACE", l::MODULATOR_TRACE),
        ("PLASTIC_DOPAMINE", l::PLASTIC_DOPAMINE),
        ("SYNAPSE_WORDS", l::SYNAPSE_WORDS),
        ("MAX_WINDOW_STEPS", neurodyn::plan::window::MAX_WINDOW_STEPS),
    ] {
        assert_eq!(constant(name), host, "{name}");
    }
}
