// Spike propagation through stored synapses (CSR rows by presynaptic neuron). One
// workgroup per neuron that spiked in the step; its invocations stride along the
// row and add each fixed-point weight into the ring slot `delay` steps ahead.
// Integer atomics make the sum independent of the order of arrival.
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
    let gid = spikes[k];
    let instance = gid / config.n_neurons;
    let pre = gid - instance * config.n_neurons;
    let step = atomicLoad(&counters.prop_step);
    let slot_stride = config.n_receptors * config.n_neurons;
    let row_end = row_start[pre + 1u];
    for (var s = row_start[pre] + local; s < row_end; s = s + PROPAGATE_WORKGROUP) {
        let slot = (step + syn_delay[s]) % config.ring_depth;
        let index = (slot * config.n_instances + instance) * slot_stride + syn_target[s];
        let w = syn_weight[s];
        let before = atomicAdd(&ring[index], w);
        if (overflowed(before, w, before + w)) {
            report_saturation(step + syn_delay[s], index % (config.n_instances * slot_stride));
        }
    }
}
