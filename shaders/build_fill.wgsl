// Building stored rows on the device, second pass: each part of each row draws its
// synapses again (the same streams as build_count) and writes them from where the
// host placed the part. Within a part, the built projections follow in table order.
// The synapse arrays are chunked like the host-drawn ones; a dispatch writes the
// synapses that fall in its chunk and covers only the rows that reach into it.
// Twin: src/cpu/build_fill.rs.

@group(0) @binding(0) var<uniform> config: Config;
// Binding 1: the projections, `procedural`, in a uniform or storage buffer (generated
// by src/gpu/uniform_tables.rs).
@group(0) @binding(2) var<storage, read> row_lengths: array<u32>;
// Per (row − build.batch_first, part): the index of the part's first synapse;
// LOOP_CUT where the driver cut the part's walk short (the host then refuses).
@group(0) @binding(3) var<storage, read_write> part_starts: array<u32>;
@group(0) @binding(4) var<uniform> build: BuildPass;
// Target | delay << build.delay_shift (src/plan/connectivity.rs SynapseTable).
@group(0) @binding(5) var<storage, read_write> syn_target_delay: array<u32>;
@group(0) @binding(6) var<storage, read_write> syn_weight: array<i32>;

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
    let slot = (row - build.batch_first) * PROPAGATE_WORKGROUP + local;
    var at = part_starts[slot];
    for (var j = 0u; j < config.n_procedural; j = j + 1u) {
        let q = procedural[j];
        if (q.built == 0u || !has_row(q, pre)) {
            continue;
        }
        var r = row_part(q, instance, pre, local);
        while (next_synapse(&r, q)) {
            if (at >= build.first && at < build.end) {
                syn_target_delay[at - build.first] = r.to | (r.delay << build.delay_shift);
                syn_weight[at - build.first] = r.weight;
            }
            at = at + 1u;
        }
    }
    if (loop_limit_spent(2u + (row_lengths[0] & 1u))) {
        part_starts[slot] = LOOP_CUT;
    }
}
