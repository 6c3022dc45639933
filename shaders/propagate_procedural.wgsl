// Spike propagation through procedural projections: the row of a neuron that spiked
// is regenerated from the counter RNG instead of read from memory, so the synapses
// take no device memory. One workgroup per spike (the same indirect dispatch as
// propagate); invocation `local` regenerates part `local` of the row from a stream
// of its own, keyed by (presynaptic neuron, part, projection), so the synapses do not
// depend on timing, device or the order of work. Delivery is propagate's: integer
// atomics into the ring slot `delay` steps ahead.
// Twin: src/cpu/propagate_procedural.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
// This step's spike list is the start of the spikes buffer.
@group(0) @binding(2) var<storage, read> spikes: array<u32>;
@group(0) @binding(3) var<storage, read> procedural: array<ProceduralProjection>;
// Fixed total number: the length of every row, per projection from its `row_offset`.
@group(0) @binding(4) var<storage, read> row_lengths: array<u32>;
@group(0) @binding(5) var<storage, read_write> ring: array<atomic<i32>>;

// The third counter word of projection q's draws is STREAM_PROCEDURAL + q.stream.
const STREAM_PROCEDURAL: u32 = 0x50000000u;

// Start of part `part` of a row of n synapses or candidates split into
// PROPAGATE_WORKGROUP parts: floor(n part / PROPAGATE_WORKGROUP) without overflow.
fn part_start(n: u32, part: u32) -> u32 {
    return (n / PROPAGATE_WORKGROUP) * part + ((n % PROPAGATE_WORKGROUP) * part) / PROPAGATE_WORKGROUP;
}

// Draws the next synapse's weight and delay and adds the weight into the ring.
fn deliver(d: ptr<function, Draws>, q: ProceduralProjection, post: u32, instance: u32, step: u32) {
    let w = next_value(d, q.weight_kind, q.weight_a, q.weight_b, q.weight_low, q.weight_high);
    let x = next_value(d, q.delay_kind, q.delay_a, q.delay_b, q.delay_low, q.delay_high);
    let fixed = i32(round(rounded(w * q.weight_scale)));
    let delay = u32(max(round(x), 1.0));
    deliver_to_ring(instance, step, delay, q.target_base + post, fixed);
}

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
    for (var j = 0u; j < config.n_procedural; j = j + 1u) {
        let q = procedural[j];
        if (pre < q.pre_first || pre - q.pre_first >= q.pre_size) {
            continue;
        }
        let i = pre - q.pre_first;
        // Rows drawn per instance: instance b's part p is its own stream; instance 0's
        // is the shared one.
        let own = select(0u, instance, q.per_instance != 0u);
        let stream = select(0u, config.first_instance + instance, q.per_instance != 0u);
        var d = draws_new(pre, local + stream * PROPAGATE_WORKGROUP, STREAM_PROCEDURAL + q.stream);
        if (q.rule == RULE_FIXED_TOTAL_NUMBER) {
            let n = row_lengths[q.row_offset + own * q.pre_size + i];
            for (var s = part_start(n, local); s < part_start(n, local + 1u); s = s + 1u) {
                var post = next_below(&d, q.post_size);
                while (q.exclude_self != 0u && post == i) {
                    post = next_below(&d, q.post_size);
                }
                deliver(&d, q, post, instance, step);
            }
            continue;
        }
        // All-to-all takes every candidate of its part; fixed probability skips a
        // geometric number of candidates before each synapse.
        let end = part_start(q.post_size, local + 1u);
        var post = part_start(q.post_size, local);
        loop {
            if (q.rule == RULE_FIXED_PROBABILITY) {
                let gap = rounded(det_log(uniform_open_closed(next_word(&d))) * q.inv_log_q);
                if (gap >= f32(end - post)) {
                    break;
                }
                post = post + u32(gap);
            }
            if (post >= end) {
                break;
            }
            if (q.exclude_self == 0u || post != i) {
                deliver(&d, q, post, instance, step);
            }
            post = post + 1u;
        }
    }
}
