// spike_source_array (NEST spike_generator, PyNN SpikeSourceArray): see
// src/model/neuron.rs (SpikeSourceArray). Twin: src/cpu/neurons/spike_source_array.rs.
// State: next_spike (position in the neuron's list). Parameters: the number of lists
// (1: shared by all neurons), the lists' starts (one more than lists), then every
// spike's step as two exact 16-bit halves.

const STATE_COUNT: u32 = 1u;

fn spike_step_at(b: u32, lists: u32, k: u32) -> u32 {
    let at = b + 2u + lists + 2u * k;
    return u32(param(at)) * 65536u + u32(param(at + 1u));
}

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    let lists = u32(param(b));
    let row = select(0u, neuron, lists > 1u);
    let start = u32(param(b + 1u + row));
    let end = u32(param(b + 2u + row));
    var k = start + u32((*s)[0]);
    var spiked = false;
    loop {
        if (k >= end) {
            break;
        }
        let due = spike_step_at(b, lists, k);
        if (due > step) {
            break;
        }
        // Several times in one step make one spike.
        spiked = spiked || due == step;
        k = k + 1u;
    }
    (*s)[0] = f32(k - start);
    return spiked;
}
