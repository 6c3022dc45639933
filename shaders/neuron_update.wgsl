// Neuron update of every iaf_psc_exp neuron (all populations, all instances) for one
// step. Twin: src/cpu/neuron_update.rs. Equations and scheme: model::IafPscExp.
//
// Reads and clears this step's input ring slot, adds Poisson input, integrates with
// the exact propagators, tests the threshold, and appends spikes to the spike list
// (for propagate) and to the batch's recording buffer.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
@group(0) @binding(2) var<storage, read> populations: array<PopulationParams>;
@group(0) @binding(3) var<storage, read> stimuli: array<StimulusParams>;
@group(0) @binding(4) var<storage, read_write> state: array<f32>;
@group(0) @binding(5) var<storage, read_write> refractory: array<u32>;
// Plain (not atomic) here: in this dispatch only neuron n touches its entries of the
// current slot, and propagate, which adds with atomics, runs in another dispatch and
// never writes the current slot. Plain access is measurably cheaper on lavapipe.
@group(0) @binding(6) var<storage, read_write> ring: array<i32>;
@group(0) @binding(7) var<storage, read_write> spike_list: array<u32>;
@group(0) @binding(8) var<storage, read_write> record: array<u32>;

fn population_of(neuron: u32) -> u32 {
    var found = 0u;
    for (var i = 1u; i < config.n_populations; i = i + 1u) {
        if (neuron >= populations[i].first) {
            found = i;
        }
    }
    return found;
}

@compute @workgroup_size(NEURON_WORKGROUP)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let gid = (wg.y * groups.x + wg.x) * NEURON_WORKGROUP + local;
    let total = config.n_neurons * config.n_instances;
    if (gid >= total) {
        return;
    }
    let instance = gid / config.n_neurons;
    let neuron = gid - instance * config.n_neurons;
    let p = populations[population_of(neuron)];
    let step = atomicLoad(&counters.step);

    // This step's input, and the slot cleared for the step ring_depth ahead.
    let slot = step % config.ring_depth;
    let ring_ex = ((slot * config.n_instances + instance) * config.n_receptors) * config.n_neurons + neuron;
    let ring_in = ring_ex + config.n_neurons;
    var input = array<i32, 2>(ring[ring_ex], ring[ring_in]);
    ring[ring_ex] = 0;
    ring[ring_in] = 0;

    // External drive.
    var current = p.i_offset;
    let key = vec2<u32>(config.seed_lo, config.seed_hi);
    for (var s = p.stim_first; s < p.stim_first + p.stim_count; s = s + 1u) {
        let stim = stimuli[s];
        if (step < stim.start_step || step >= stim.stop_step) {
            continue;
        }
        if (stim.kind == STIMULUS_DC) {
            current = current + stim.amplitude;
        } else {
            let drawn = poisson_events(stim, input[stim.receptor], key, gid, step, STREAM_STIMULUS + s);
            input[stim.receptor] = drawn.x;
            if (drawn.y != 0) {
                let target_index = (instance * config.n_receptors + stim.receptor) * config.n_neurons + neuron;
                report_saturation(step, target_index);
            }
        }
    }

    // Exact integration (V relative to rest).
    var v = state[STATE_V * total + gid];
    var i_ex = state[STATE_I_EX * total + gid];
    var i_in = state[STATE_I_IN * total + gid];
    var r = refractory[gid];
    if (r == 0u) {
        v = fma(p.p22, v, fma(p.p21_ex, i_ex, fma(p.p21_in, i_in, p.p20 * current)));
    } else {
        r = r - 1u;
    }
    i_ex = fma(p.p11_ex, i_ex, f32(input[0]) * p.input_unit_ex);
    i_in = fma(p.p11_in, i_in, f32(input[1]) * p.input_unit_in);
    let spiked = v >= p.theta;
    if (spiked) {
        v = p.v_reset;
        r = p.refractory_steps;
    }
    state[STATE_V * total + gid] = v;
    state[STATE_I_EX * total + gid] = i_ex;
    state[STATE_I_IN * total + gid] = i_in;
    refractory[gid] = r;

    if (spiked) {
        spike_list[atomicAdd(&counters.spike_count, 1u)] = gid;
        if (p.record != 0u) {
            let at = atomicAdd(&counters.record_count, 1u);
            if (at < config.record_capacity) {
                record[at] = gid;
            }
        }
    }
}
