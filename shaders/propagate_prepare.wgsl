// One invocation between the neuron update and propagate: hands this window's spike
// count to propagate (as its indirect dispatch size, so no host round trip), notes
// where the window's recorded spikes end, and advances the clock over the window
// (src/plan/window.rs; one step wherever the stages below have work). With plasticity it
// also keeps the step's spike count in the history and sizes the postsynaptic walk
// over the spikes of the last `history_depth − 1` steps. With astrocytes it
// advances each one's level over the previous step's counted spikes; with
// three-factor rules it extends each modulator's history over the previous step.
// Twin: src/cpu/propagate_prepare.rs.

@group(0) @binding(0) var<storage, read_write> counters: Counters;
// [0]: propagation; [1]: the postsynaptic plasticity walk.
@group(0) @binding(1) var<storage, read_write> dispatch: array<DispatchArgs, 2>;
@group(0) @binding(2) var<storage, read_write> step_ends: array<u32>;
@group(0) @binding(3) var<uniform> config: Config;
@group(0) @binding(4) var<storage, read_write> history: array<u32>;
// Three-factor rules' modulator histories (common/modulator.wgsl); from
// `Config::astrocyte_base` on, astrocyte levels, then their inputs' spike counts.
@group(0) @binding(5) var<storage, read_write> modulators: array<u32>;
// Per astrocyte [e^(−dt/τ), bias (1 − e^(−dt/τ))], then per input [first neuron,
// size, astrocyte, weight] (src/plan/astrocyte.rs).
@group(0) @binding(6) var<storage, read> astrocytes: array<u32>;

fn modulator_word(i: u32) -> u32 {
    return modulators[i];
}

// Each three-factor rule's modulator (every instance) over step k = step − 1: where
// the host set a level from k on (n_k = that level decayed over one step) or spikes
// of the modulating population were counted in k (each adds 1/τ_n to a trace), n_k
// is not what the law gives from the last entry, so it becomes an entry. Then the
// count starts again from 0 for the spikes propagate_plastic counts in this step.
fn advance_modulators(step: u32) {
    for (var at = 0u; at < config.astrocyte_base; at = at + MODULATOR_WORDS) {
        let law = modulators[at + MODULATOR_LAW];
        let spikes = modulators[at + MODULATOR_COUNT];
        modulators[at + MODULATOR_COUNT] = 0u;
        let pending = modulators[at + MODULATOR_PENDING_STEP];
        if (law == 0u || step == 0u) {
            continue;
        }
        let k = step - 1u;
        let decay = bitcast<f32>(modulators[at + MODULATOR_DECAY]);
        let host_set = pending != 0u && pending - 1u <= k;
        let counted = law == MODULATOR_TRACE && spikes > 0u;
        if (!host_set && !counted) {
            continue;
        }
        let head = modulators[at + MODULATOR_HEAD];
        var n = 0.0;
        if (host_set) {
            n = rounded(bitcast<f32>(modulators[at + MODULATOR_PENDING_VALUE]) * det_exp(decay));
            modulators[at + MODULATOR_PENDING_STEP] = 0u;
        } else {
            n = modulator_from(history_entry(at, head - 1u), k, decay);
        }
        if (counted) {
            n = rounded(n + rounded(f32(spikes) * bitcast<f32>(modulators[at + MODULATOR_JUMP])));
        }
        let slot = at + MODULATOR_HEADER + 2u * (head % MODULATOR_HISTORY);
        modulators[slot] = k + 1u;
        modulators[slot + 1u] = bitcast<u32>(n);
        modulators[at + MODULATOR_HEAD] = next_head(head);
    }
}

// A ← A e^(−dt/τ) + bias (1 − e^(−dt/τ)) + Σ_inputs weight · spikes, each astrocyte of
// each instance, its inputs in table order; then the counts start again from 0 for
// the spikes propagate_plastic counts in this step.
fn advance_astrocytes() {
    let n = config.n_instances;
    let counts = config.astrocyte_base + config.n_astrocytes * n;
    for (var a = 0u; a < config.n_astrocytes; a = a + 1u) {
        let decay = bitcast<f32>(astrocytes[2u * a]);
        let rest = bitcast<f32>(astrocytes[2u * a + 1u]);
        for (var b = 0u; b < n; b = b + 1u) {
            let at = config.astrocyte_base + a * n + b;
            var level = rounded(rounded(bitcast<f32>(modulators[at]) * decay) + rest);
            for (var j = 0u; j < config.n_astrocyte_inputs; j = j + 1u) {
                let input = 2u * config.n_astrocytes + 4u * j;
                if (astrocytes[input + 2u] == a) {
                    let weight = bitcast<f32>(astrocytes[input + 3u]);
                    level = rounded(level + rounded(weight * f32(modulators[counts + j * n + b])));
                }
            }
            modulators[at] = bitcast<u32>(level);
        }
    }
    for (var j = 0u; j < config.n_astrocyte_inputs * n; j = j + 1u) {
        modulators[counts + j] = 0u;
    }
}

// One workgroup per item on a 2-D grid within the per-dimension limit.
fn size_grid(i: u32, count: u32) {
    dispatch[i].x = min(count, MAX_WORKGROUPS_PER_DIM);
    dispatch[i].y = (count + MAX_WORKGROUPS_PER_DIM - 1u) / MAX_WORKGROUPS_PER_DIM;
    dispatch[i].z = 1u;
}

@compute @workgroup_size(1)
fn main() {
    let step = counters.step;
    let steps = window_len();
    // The window's spikes numbered step by step (delivery.wgsl `propagated_spike`).
    var count = 0u;
    for (var k = 0u; k < steps; k = k + 1u) {
        count = count + atomicLoad(&counters.spike_counts[k]);
        atomicStore(&counters.spike_counts[k], 0u);
        counters.prop_ends[k] = count;
    }
    atomicStore(&counters.prop_count, count);
    atomicStore(&counters.prop_step, step);
    counters.step = step + steps;
    // The window's recorded spikes are its first step's part of the recording (each
    // names its own step); its other steps' parts are empty.
    let end = atomicLoad(&counters.record_count);
    for (var k = 0u; k < steps; k = k + 1u) {
        step_ends[counters.batch_step + k] = end;
    }
    counters.batch_step = counters.batch_step + steps;
    size_grid(0u, count);
    advance_modulators(step);
    advance_astrocytes();
    let depth = config.history_depth;
    if (depth > 0u) {
        history[step % depth] = count;
        // Prefix sums over steps step − 1, step − 2, …: history[depth + d] counts the
        // spikes of the d steps before this one (steps before 0 had none).
        var total = 0u;
        history[depth] = 0u;
        for (var d = 1u; d < depth; d = d + 1u) {
            if (d <= step) {
                total = total + history[(step - d) % depth];
            }
            history[depth + d] = total;
        }
        // plastic_post: PROPAGATE_WORKGROUP / post_lanes spikes per workgroup.
        let per_group = PROPAGATE_WORKGROUP / config.post_lanes;
        size_grid(1u, (total + per_group - 1u) / per_group);
    }
    check_loop_limit(STAGE_PROPAGATE_PREPARE);
}
