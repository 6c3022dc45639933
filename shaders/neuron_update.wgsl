// Neuron update of one neuron kernel's group (all populations of one model, all
// instances) for one step. Twin: src/cpu/neuron_update.rs.
//
// Assembled after the model's file (shaders/neurons/<model>.wgsl), which declares
// STATE_COUNT and `neuron_step(state, refractory counter, population, synaptic input,
// DC input, neuron index in the population, step)`. This stage does what every model shares: read and
// clear this step's input ring slot, add Poisson and DC input, load and store the
// state, and append spikes to the spike list (for propagate) and to the batch's
// recording.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<uniform> kind: KindInfo;
@group(0) @binding(2) var<storage, read_write> counters: Counters;
@group(0) @binding(3) var<storage, read> populations: array<PopulationInfo>;
@group(0) @binding(4) var<storage, read> params: array<f32>;
@group(0) @binding(5) var<storage, read> stimuli: array<StimulusParams>;
@group(0) @binding(6) var<storage, read_write> state: array<f32>;
@group(0) @binding(7) var<storage, read_write> refractory: array<u32>;
// Plain (not atomic) here: in this dispatch only neuron n touches its entries of the
// current slot, and propagate, which adds with atomics, runs in another dispatch and
// never writes the current slot. Plain access is measurably cheaper on lavapipe.
@group(0) @binding(8) var<storage, read_write> ring: array<i32>;
// [0, neurons × instances): this step's spike list; then the batch's recording.
@group(0) @binding(9) var<storage, read_write> spikes: array<u32>;
// Intrinsic plasticity's bias current per (instance, neuron).
@group(0) @binding(10) var<storage, read_write> bias: array<f32>;
// The batch's streamed events (spike_source_stream only; src/events.rs lays it out).
@group(0) @binding(11) var<storage, read> stream: array<u32>;

// Readouts, per neuron of a population with one (READOUT_WORDS, instance-major): the
// spike count, the step of the last spike, the trace just after it.
@group(0) @binding(12) var<storage, read_write> readouts: array<u32>;

// The batch's streamed currents (src/input.rs lays it out): its first step (low and
// high word), the number of rows R, then per step R values (f32 bits).
@group(0) @binding(13) var<storage, read> currents: array<u32>;
// Per (instance, neuron): the step's gap junction current (gap_coupling.wgsl).
@group(0) @binding(14) var<storage, read> gap_current: array<f32>;

// The invocation's index in its kernel: its row of the stream table.
var<private> stream_row: u32;

// A spike at `step` of a neuron whose readout starts at `at`: one more spike, and
// the trace decayed exactly from the last spike (by e^(decay · steps)) plus 1.
fn update_readout(at: u32, decay: f32, step: u32) {
    readouts[at] = readouts[at] + 1u;
    let last = readouts[at + 1u];
    var trace = 1.0;
    if (last != NEVER) {
        let elapsed = f32(min(step - last, 1u << 24u));
        let before = rounded(bitcast<f32>(readouts[at + 2u]) * det_exp(rounded(elapsed * decay)));
        trace = rounded(before + 1.0);
    }
    readouts[at + 1u] = step;
    readouts[at + 2u] = bitcast<u32>(trace);
}

fn population_of(neuron: u32) -> u32 {
    var found = kind.first_pop;
    for (var i = kind.first_pop + 1u; i < kind.first_pop + kind.pop_count; i = i + 1u) {
        if (neuron >= populations[i].first) {
            found = i;
        }
    }
    return found;
}

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let index = (wg.y * groups.x + wg.x) * NEURON_WORKGROUP + local;
    if (index >= kind.size * config.n_instances) {
        return;
    }
    stream_row = index;
    let instance = index / kind.size;
    let in_group = index - instance * kind.size;
    let neuron = kind.first_neuron + in_group;
    let gid = instance * config.n_neurons + neuron;
    // An instance's swept parameters and stimuli lie a stride after instance 0's.
    var p = populations[population_of(neuron)];
    p.param_offset = p.param_offset + instance * config.params_stride + (neuron - p.first) * p.param_stride;
    p.stim_first = p.stim_first + instance * config.stimuli_stride;
    // A refractory period that varies by neuron or instance is its block's last word.
    if (p.refractory_word != NEVER) {
        p.refractory_steps = u32(params[p.param_offset + p.refractory_word]);
    }
    let step = atomicLoad(&counters.step);

    // This step's input; the slot is cleared for the step ring_depth ahead.
    let slot = step % config.ring_depth;
    let ring_base = ((slot * config.n_instances + instance) * config.n_receptors) * config.n_neurons + neuron;
    var input: array<i32, MAX_RECEPTORS>;
    for (var port = 0u; port < config.n_receptors; port = port + 1u) {
        input[port] = ring[ring_base + port * config.n_neurons];
        ring[ring_base + port * config.n_neurons] = 0;
    }

    // External drive.
    var current = 0.0;
    let key = vec2<u32>(config.seed_lo, config.seed_hi);
    for (var s = p.stim_first; s < p.stim_first + p.stim_count; s = s + 1u) {
        let stim = stimuli[s];
        if (step < stim.start_step || step >= stim.stop_step) {
            continue;
        }
        if (stim.kind == STIMULUS_DC) {
            current = rounded(current + stim.amplitude);
        } else if (stim.kind == STIMULUS_CURRENT_STREAM) {
            let row = stim.stream_row + instance * p.size + neuron - p.first;
            let at = 3u + (step - currents[0]) * currents[2] + row;
            current = rounded(current + bitcast<f32>(currents[at]));
        } else {
            // Keyed by the neuron's place in the whole study and the stimulus's index in
            // one instance's table, so instance b draws as a network of its own would.
            let stream_index = gid + config.first_instance * config.n_neurons;
            let stimulus = s - instance * config.stimuli_stride;
            let drawn = poisson_events(stim, input[stim.receptor], key, stream_index, step, STREAM_STIMULUS + stimulus);
            input[stim.receptor] = drawn.x;
            if (drawn.y != 0) {
                let target_index = (instance * config.n_receptors + stim.receptor) * config.n_neurons + neuron;
                report_saturation(step, target_index);
            }
        }
    }
    if (config.n_gap > 0u) {
        current = rounded(current + gap_current[gid]);
    }
    var synaptic: array<f32, MAX_RECEPTORS>;
    for (var port = 0u; port < config.n_receptors; port = port + 1u) {
        synaptic[port] = fixed_to_float(input[port]) * p.input_unit[port];
    }

    // The model's step, on the state layout [variable][instance][neuron of the group].
    let stride = config.n_instances * kind.size;
    let at = kind.state_base + instance * kind.size + in_group;
    var s: array<f32, MAX_STATE>;
    for (var v = 0u; v < STATE_COUNT; v = v + 1u) {
        s[v] = state[at + v * stride];
    }
    // Intrinsic plasticity: the homeostatic bias joins the external input.
    let homeostatic = p.ip_eta != 0.0;
    if (homeostatic) {
        current = rounded(current + bias[gid]);
    }
    var r = refractory[gid];
    let spiked = neuron_step(&s, &r, p, synaptic, current, neuron - p.first, step);
    if (homeostatic) {
        var next = rounded(bias[gid] + p.ip_step);
        if (spiked) {
            next = rounded(next - p.ip_eta);
        }
        bias[gid] = next;
    }
    var nonfinite = false;
    for (var v = 0u; v < STATE_COUNT; v = v + 1u) {
        state[at + v * stride] = s[v];
        nonfinite = nonfinite || is_nonfinite(s[v]);
    }
    if (nonfinite) {
        report_nonfinite(step, gid);
    }
    refractory[gid] = r;

    if (spiked && p.readout_base != NEVER) {
        update_readout(p.readout_base + (instance * p.size + neuron - p.first) * READOUT_WORDS, p.readout_decay, step);
    }
    if (spiked) {
        spikes[atomicAdd(&counters.spike_count, 1u)] = gid;
        if (p.record != 0u) {
            let k = atomicAdd(&counters.record_count, 1u);
            if (k < config.record_capacity) {
                spikes[config.n_neurons * config.n_instances + k] = gid;
            }
        }
    }
}
