// One invocation between the neuron update and propagate: hands this step's spike
// count to propagate (as its indirect dispatch size, so no host round trip), notes
// where this step's recorded spikes end, and advances the clock.
// Twin: src/cpu/propagate_prepare.rs.

@group(0) @binding(0) var<uniform> batch: BatchInfo;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
@group(0) @binding(2) var<storage, read_write> dispatch: DispatchArgs;
@group(0) @binding(3) var<storage, read_write> step_ends: array<u32>;

@compute @workgroup_size(1)
fn main() {
    let step = atomicLoad(&counters.step);
    let count = atomicLoad(&counters.spike_count);
    atomicStore(&counters.prop_count, count);
    atomicStore(&counters.prop_step, step);
    atomicStore(&counters.spike_count, 0u);
    atomicStore(&counters.step, step + 1u);
    step_ends[step - batch.first_step] = atomicLoad(&counters.record_count);
    // One workgroup per spiking neuron, on a 2-D grid within the per-dimension limit.
    dispatch.x = min(count, MAX_WORKGROUPS_PER_DIM);
    dispatch.y = (count + MAX_WORKGROUPS_PER_DIM - 1u) / MAX_WORKGROUPS_PER_DIM;
    dispatch.z = 1u;
}
