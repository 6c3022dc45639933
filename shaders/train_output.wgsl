// Gathers what the loss reads of a trial: per instance, step and neuron of the
// output layer, its recorded value and whether it spiked. One invocation per entry.
// Twin: src/cpu/train_output.rs.

@group(0) @binding(0) var<uniform> config: TrainConfig;
@group(0) @binding(1) var<storage, read> layers: array<LayerParams>;
@group(0) @binding(2) var<storage, read> spikes: array<u32>;
@group(0) @binding(3) var<storage, read> recorded: array<f32>;
// [instance][step][output neuron].
@group(0) @binding(4) var<storage, read_write> values: array<f32>;
@group(0) @binding(5) var<storage, read_write> spiked: array<u32>;

@compute @workgroup_size(TRAIN_WORKGROUP)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
    let id = (wg.y * groups.x + wg.x) * TRAIN_WORKGROUP + local;
    let out = layers[config.output];
    if (id >= config.instances * config.steps * out.size) {
        return;
    }
    let k = id % out.size;
    let row = id / out.size;
    let j = out.offset + k;
    values[id] = recorded[row * config.neurons + j];
    spiked[id] = spike_bit(spikes[row * config.words + j / 32u], j);
}
