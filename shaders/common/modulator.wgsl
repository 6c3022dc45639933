// The neuromodulator of each three-factor rule and instance as a history
// (src/plan/layout.rs MODULATOR_*): entries [step + 1, n after that step] in step
// order, between which n follows its law — a trace decays by e^(−dt/τ_n) per step, a
// level is held. propagate_prepare appends an entry only where the law alone does not
// give n (modulating spikes, a level the host set), and a three-factor synapse
// integrates its weight change over the stretches between entries when it is touched
// (`catch_up`, common/plasticity.wgsl), so no kernel visits every synapse each step.
// Needs `config`, ROUNDING, MATH and the including stage's `modulator_word(i)` (a
// plain or atomic load, as the stage binds `modulators`). Twin: src/cpu/modulator.rs.

// Where rule `r`'s modulator words for `instance` begin.
fn modulator_base(r: u32, instance: u32) -> u32 {
    return (r * config.n_instances + instance) * MODULATOR_WORDS;
}

// Entry `e` (its index among all entries appended, kept below 2 MODULATOR_HISTORY by
// `next_head`) of the history at `at`: [step + 1, n bits].
fn history_entry(at: u32, e: u32) -> vec2<u32> {
    let i = at + MODULATOR_HEADER + 2u * (e % MODULATOR_HISTORY);
    return vec2<u32>(modulator_word(i), modulator_word(i + 1u));
}

// The entry count after `head`: it runs up to 2 MODULATOR_HISTORY − 1, then goes back
// by MODULATOR_HISTORY (the same ring slot), so it never wraps around.
fn next_head(head: u32) -> u32 {
    let next = head + 1u;
    return select(next, MODULATOR_HISTORY, next == 2u * MODULATOR_HISTORY);
}

// The last entry of the history at `at` at or before step `k`, searching back from the
// newest; entries older than the ring are gone (plastic_flush sees to it that no
// synapse needs one).
fn entry_at(at: u32, k: u32) -> u32 {
    let head = modulator_word(at + MODULATOR_HEAD);
    let oldest = max(head, MODULATOR_HISTORY) - MODULATOR_HISTORY;
    var e = head - 1u;
    while (e > oldest && history_entry(at, e).x > k + 1u) {
        e = e - 1u;
    }
    return e;
}

// n at step `k` from `entry` (at or before k), decaying by e^decay per step.
fn modulator_from(entry: vec2<u32>, k: u32, decay: f32) -> f32 {
    let elapsed = f32(min(k + 1u - entry.x, 1u << 24u));
    return rounded(bitcast<f32>(entry.y) * det_exp(rounded(elapsed * decay)));
}
