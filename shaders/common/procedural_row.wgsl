// The synapses of one part of a procedural row, drawn one at a time: the generator
// that propagate_procedural delivers from at each spike and that build_count and
// build_fill store once (projections built on the device). A row of n candidates
// (or, fixed total number, n synapses) is split into PROPAGATE_WORKGROUP parts; part
// `part` of row (instance, pre) of projection q is drawn from a stream of its own,
// (i, part + stream · PROPAGATE_WORKGROUP, STREAM_PROCEDURAL + q.stream), i the neuron's
// index within its population, so a row is the same whichever kernel walks it, on
// whatever device, in whatever order, and whatever other populations the network has.
// Twin: src/cpu/procedural_row.rs.
// Uses `config` (DRAWS) and the including stage's `row_lengths`.

// The third counter word of projection q's draws is STREAM_PROCEDURAL + q.stream.
const STREAM_PROCEDURAL: u32 = 0x50000000u;

// Start of part `part` of a row of n synapses or candidates split into
// PROPAGATE_WORKGROUP parts: floor(n part / PROPAGATE_WORKGROUP) without overflow.
fn part_start(n: u32, part: u32) -> u32 {
    return (n / PROPAGATE_WORKGROUP) * part + ((n % PROPAGATE_WORKGROUP) * part) / PROPAGATE_WORKGROUP;
}

// Whether global neuron `pre` is in q's presynaptic population (has a row in q).
fn has_row(q: ProceduralProjection, pre: u32) -> bool {
    return pre >= q.pre_first && pre - q.pre_first < q.pre_size;
}

struct RowPart {
    d: Draws,
    // The presynaptic neuron's index in its population.
    i: u32,
    // All-to-all and fixed probability: the next candidate and the part's end.
    post: u32,
    end: u32,
    // Fixed total number: the part's synapses not yet drawn.
    left: u32,
    // The synapse `next_synapse` drew last: its offset in a ring slot, its weight in
    // the target's fixed-point unit and its delay in steps.
    to: u32,
    weight: i32,
    delay: u32,
}

// Part `part` of the row of global neuron `pre` (within q's presynaptic population)
// in `instance`, before its first synapse.
fn row_part(q: ProceduralProjection, instance: u32, pre: u32, part: u32) -> RowPart {
    var r: RowPart;
    r.i = pre - q.pre_first;
    // Rows drawn per instance: instance b's part p is its own stream; instance 0's
    // is the shared one.
    let own = select(0u, instance, q.per_instance != 0u);
    let stream = select(0u, config.first_instance + instance, q.per_instance != 0u);
    // Keyed by the neuron's index within its population, not the network's layout:
    // another population added elsewhere changes no row.
    r.d = draws_new(r.i, part + stream * PROPAGATE_WORKGROUP, STREAM_PROCEDURAL + q.stream);
    if (q.rule == RULE_FIXED_TOTAL_NUMBER) {
        let n = row_lengths[q.row_offset + own * q.pre_size + r.i];
        r.left = part_start(n, part + 1u) - part_start(n, part);
    } else {
        r.post = part_start(q.post_size, part);
        r.end = part_start(q.post_size, part + 1u);
    }
    return r;
}

// The number of synapses part `part` of the row has, without drawing them, for the
// rules that fix it: fixed total number (its share of the row length) and
// all-to-all (its candidates, less the neuron itself without autapses). Fixed
// probability's count is known only by walking the part.
fn fixed_part_len(q: ProceduralProjection, instance: u32, pre: u32, part: u32) -> u32 {
    let i = pre - q.pre_first;
    if (q.rule == RULE_FIXED_TOTAL_NUMBER) {
        let own = select(0u, instance, q.per_instance != 0u);
        let n = row_lengths[q.row_offset + own * q.pre_size + i];
        return part_start(n, part + 1u) - part_start(n, part);
    }
    let start = part_start(q.post_size, part);
    let end = part_start(q.post_size, part + 1u);
    return end - start - select(0u, 1u, q.exclude_self != 0u && i >= start && i < end);
}

// Draws the part's next synapse into r.to, r.weight and r.delay; false when the
// part has no more. All-to-all takes every candidate of its part; fixed probability
// skips a geometric number of candidates before each synapse; fixed total number
// draws each target uniformly.
fn next_synapse(r: ptr<function, RowPart>, q: ProceduralProjection) -> bool {
    // The stream in a variable of its own: naga's SPIR-V output cannot pass a pointer
    // to a member of a pointed-to struct on to another function.
    var d = (*r).d;
    let more = next_synapse_from(r, &d, q);
    (*r).d = d;
    return more;
}

fn next_synapse_from(r: ptr<function, RowPart>, d: ptr<function, Draws>, q: ProceduralProjection) -> bool {
    var post = 0u;
    if (q.rule == RULE_FIXED_TOTAL_NUMBER) {
        if ((*r).left == 0u) {
            return false;
        }
        (*r).left = (*r).left - 1u;
        post = next_below(d, q.post_size);
        while (q.exclude_self != 0u && post == (*r).i) {
            post = next_below(d, q.post_size);
        }
    } else {
        loop {
            if (q.rule == RULE_FIXED_PROBABILITY) {
                let gap = rounded(det_log(uniform_open_closed(next_word(d))) * q.inv_log_q);
                if (gap >= f32((*r).end - (*r).post)) {
                    return false;
                }
                (*r).post = (*r).post + u32(gap);
            }
            if ((*r).post >= (*r).end) {
                return false;
            }
            post = (*r).post;
            (*r).post = post + 1u;
            if (q.exclude_self == 0u || post != (*r).i) {
                break;
            }
        }
    }
    let w = next_value(d, q.weight_kind, q.weight_a, q.weight_b, q.weight_low, q.weight_high);
    let x = next_value(d, q.delay_kind, q.delay_a, q.delay_b, q.delay_low, q.delay_high);
    (*r).to = q.target_base + post;
    (*r).weight = i32(round(rounded(w * q.weight_scale)));
    (*r).delay = u32(max(round(x), 1.0));
    return true;
}
