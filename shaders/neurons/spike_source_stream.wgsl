// spike_source_stream: see src/model/neuron.rs (SpikeSourceStream). Twin:
// src/cpu/neurons/spike_source_stream.rs. No state, no parameters: the neuron spikes
// in a step its row of the batch's event table (`stream`: the number of rows R, R + 1
// row starts, then each row's steps in increasing order) lists, found by binary
// search.

const STATE_COUNT: u32 = 0u;

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let base = stream[0] + 2u;
    var low = stream[1u + stream_row];
    let end = stream[2u + stream_row];
    var high = end;
    while (low < high) {
        let mid = low + (high - low) / 2u;
        if (stream[base + mid] < step) {
            low = mid + 1u;
        } else {
            high = mid;
        }
    }
    return low < end && stream[base + low] == step;
}
