// Spike propagation through stored synapses (CSR rows by presynaptic neuron). One
// workgroup per neuron that spiked in the step; its invocations stride along the
// row and add each fixed-point weight into the ring slot `delay` steps ahead.
// Integer atomics make the sum independent of the order of arrival.
// Synapse arrays larger than one storage binding are split into chunks, one dispatch
// each: this dispatch walks the part of each row that lies in its chunk.
// Twin: src/cpu/propagate.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
// This step's spike list is the start of the spikes buffer.
@group(0) @binding(2) var<storage, read> spikes: array<u32>;
@group(0) @binding(3) var<storage, read> row_start: array<u32>;
@group(0) @binding(4) var<storage, read> syn_target: array<u32>;
@group(0) @binding(5) var<storage, read> syn_weight: array<i32>;
@group(0) @binding(6) var<storage, read> syn_delay: array<u32>;
@group(0) @binding(7) var<storage, read_write> ring: array<atomic<i32>>;
@group(0) @binding(8) var<uniform> chunk: SynapseChunk;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let k = wg.y * groups.x + wg.x;
    if (k >= atomicLoad(&counters.prop_count)) {
        return;
    }
    let spike = propagated_spike(k);
    let instance = spike.x;
    let pre = spike.y;
    let step = spike.z;
    // The row's synapses within this chunk, indexed from the chunk's start (each
    // instance's own row where connectivity is drawn per instance).
    let row = pre + select(0u, instance * config.n_neurons, config.stored_per_instance != 0u);
    let row_begin = max(row_start[row], chunk.first);
    let row_end = min(row_start[row + 1u], chunk.end);
    for (var t = row_begin + local; t < row_end; t = t + PROPAGATE_WORKGROUP) {
        let s = t - chunk.first;
        deliver_to_ring(instance, step, syn_delay[s], syn_target[s], syn_weight[s]);
    }
}
