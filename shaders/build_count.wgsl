// Building stored rows on the device, first pass: how many synapses each part of
// each row of the built table has. One workgroup per row (row = instance ·
// n_neurons + presynaptic neuron), invocation `local` walking part `local` of the
// row of every projection built on the device (common/procedural_row.wgsl), as
// propagate_procedural would at a spike — where the rule fixes the count (all-to-all,
// fixed total number), without drawing. The host sums the counts into where each
// part starts (plan::built), allocates exactly that, and build_fill writes.
// Twin: src/cpu/build_count.rs.

@group(0) @binding(0) var<uniform> config: Config;
// Binding 1: the projections, `procedural`, in a uniform or storage buffer (generated
// by src/gpu/uniform_tables.rs).
@group(0) @binding(2) var<storage, read> row_lengths: array<u32>;
// Per (row − build.batch_first, part): the part's synapses over all built projections.
@group(0) @binding(3) var<storage, read_write> part_counts: array<u32>;
@group(0) @binding(4) var<uniform> build: BuildPass;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let k = wg.y * groups.x + wg.x;
    if (k >= build.rows) {
        return;
    }
    let row = build.first_row + k;
    let instance = row / config.n_neurons;
    let pre = row % config.n_neurons;
    var count = 0u;
    for (var j = 0u; j < config.n_procedural; j = j + 1u) {
        let q = procedural[j];
        if (q.built == 0u || !has_row(q, pre)) {
            continue;
        }
        if (q.rule != RULE_FIXED_PROBABILITY) {
            count = count + fixed_part_len(q, instance, pre, local);
            continue;
        }
        var r = row_part(q, instance, pre, local);
        while (next_synapse(&r, q)) {
            count = count + 1u;
        }
    }
    // A walk the driver cut short counted too few: the host refuses the build.
    if (loop_limit_spent(2u + (row_lengths[0] & 1u))) {
        count = LOOP_CUT;
    }
    part_counts[(row - build.batch_first) * PROPAGATE_WORKGROUP + local] = count;
}
