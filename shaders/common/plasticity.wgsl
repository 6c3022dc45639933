// The arithmetic of the plasticity rules (src/model/plasticity.rs states them), on
// one synapse's state words: [weight, eligibility, pre last step, pre trace 1, pre
// trace 2, post last step, post trace 1, post trace 2], floats stored as their bits.
// Every float operation is rounded (common/rounding.wgsl) so the CPU twin gets the
// same bits. Stages that include this file declare `config`, `synapses`,
// `rule_params` and `syn_state` (u32, read_write), and include the generated table of
// `rules` (src/gpu/uniform_tables.rs), after ROUNDING, MATH and MODULATOR.
// Twin: src/cpu/plasticity.rs.

const WORD_ELIGIBILITY: u32 = 1u;
const WORD_PRE: u32 = 2u;
const WORD_POST: u32 = 5u;
// Three-factor synapses: the first step whose weight change is not yet integrated
// (the second presynaptic trace's word, which their rule does not use).
const WORD_SWEPT: u32 = WORD_PRE + 2u;

// Rules in the table per instance: all of it, or one instance's share where a
// rule's parameters are swept (instance b's rules follow b − 1's).
fn rule_count() -> u32 {
    return rule_table_len() / select(1u, config.n_instances, config.rules_per_instance != 0u);
}

// Rule `r` as `instance` applies it.
fn rule_of(instance: u32, r: u32) -> PlasticRule {
    return rules[select(r, instance * rule_count() + r, config.rules_per_instance != 0u)];
}

// `rule` with its word `i` (a parameter word, `RULE_PARAMETER_WORDS` in
// src/plan/layout.rs) set to `word`.
fn with_word(rule: PlasticRule, i: u32, word: u32) -> PlasticRule {
    var r = rule;
    let x = bitcast<f32>(word);
    switch i {
        case 2u: { r.pre_decay.x = x; }
        case 3u: { r.pre_decay.y = x; }
        case 4u: { r.post_decay.x = x; }
        case 5u: { r.post_decay.y = x; }
        case 6u: { r.w_max = x; }
        case 7u: { r.inv_w_max = x; }
        case 8u: { r.c.x = x; }
        case 9u: { r.c.y = x; }
        case 10u: { r.c.z = x; }
        case 11u: { r.c.w = x; }
        case 13u: { r.w_min = x; }
        case 16u: { r.m.x = x; }
        case 17u: { r.m.y = x; }
        case 18u: { r.m.z = x; }
        case 19u: { r.m.w = x; }
        case 20u: { r.inv_tau_n = x; }
        default: {}
    }
    return r;
}

// Synapse `s`'s rule as `instance` applies it: its projection's rule, with the
// words the rule varies per synapse (`own_words`) taken from the synapse's own
// values.
fn synapse_rule(instance: u32, s: u32) -> PlasticRule {
    var rule = rule_of(instance, synapses[s].y >> 16u);
    var mask = rule.own_words;
    var at = s * config.rule_param_words;
    while (mask != 0u) {
        rule = with_word(rule, countTrailingZeros(mask), rule_params[at]);
        at = at + 1u;
        mask = mask & (mask - 1u);
    }
    return rule;
}

// Where astrocyte `a`'s level in `instance` lies in the modulators.
fn astrocyte_at(a: u32, instance: u32) -> u32 {
    return config.astrocyte_base + a * config.n_instances + instance;
}

// The factors of potentiation and depression of an STDP rule: max(1 ± A, 0) for a
// rule scaled by an astrocyte at level A (src/model/astrocyte.rs), else 1.
fn stdp_gain(rule: PlasticRule, level: f32) -> vec2<f32> {
    if (rule.modulator != MODULATOR_ASTROCYTE) {
        return vec2<f32>(1.0, 1.0);
    }
    return vec2<f32>(max(rounded(1.0 + level), 0.0), max(rounded(1.0 - level), 0.0));
}

// Index of word 0 of synapse `s` of `instance` in `syn_state` (SYNAPSE_WORDS words,
// or only the weight when every rule is a static weight sweep).
fn synapse_base(instance: u32, s: u32) -> u32 {
    return (instance * config.n_plastic + s) * config.synapse_words;
}

fn load_f32(i: u32) -> f32 {
    return bitcast<f32>(syn_state[i]);
}

fn store_f32(i: u32, x: f32) {
    syn_state[i] = bitcast<u32>(x);
}

// The trace just after a spike, from the trace just before it: +1, or reset to 1
// for nearest pairing.
fn trace_after(k_before: f32, nearest: bool) -> f32 {
    if (nearest) {
        return 1.0;
    }
    return rounded(k_before + 1.0);
}

// A trace at `step` from the value `after` it took at step `last`, decayed exactly
// over the steps since by exp(decay · steps).
fn decayed(after: f32, last: u32, step: u32, decay: f32) -> f32 {
    // Exact in f32 (at most 2^24); traces have long decayed by then.
    let elapsed = f32(min(step - last, 1u << 24u));
    return rounded(after * det_exp(rounded(elapsed * decay)));
}

// A trace at `step`, from spikes strictly before it: the trace just before the last
// spike (`k_before`, at `last`), plus that spike, decayed to `step`.
fn trace_before(last: u32, k_before: f32, step: u32, decay: f32, nearest: bool) -> f32 {
    if (last == NEVER) {
        return 0.0;
    }
    if (last == step) {
        return k_before;
    }
    return decayed(trace_after(k_before, nearest), last, step, decay);
}

// Trace 1 of the side whose record starts at `at`, at `step`, counting a spike at
// `step` itself (the per-step rules read the traces after the step's spikes).
fn trace_at(at: u32, step: u32, decay: f32) -> f32 {
    let last = syn_state[at];
    let k_before = load_f32(at + 1u);
    if (last == step) {
        return trace_after(k_before, false);
    }
    return trace_before(last, k_before, step, decay, false);
}

// Trace k (1 or 2) of the side whose record starts at `at`, at `step`.
fn side_trace(at: u32, k: u32, step: u32, decay: f32, nearest: bool) -> f32 {
    return trace_before(syn_state[at], load_f32(at + k), step, decay, nearest);
}

// x^mu for x >= 0, exact for the usual exponents 0 and 1 (0^0 = 1, as C's pow).
fn det_pow(x: f32, mu: f32) -> f32 {
    if (mu == 0.0) {
        return 1.0;
    }
    if (mu == 1.0) {
        return x;
    }
    if (x <= 0.0) {
        return 0.0;
    }
    return det_exp(rounded(mu * det_log(x)));
}

// stdp_synapse: ŵ ← min(ŵ + λ (1 − ŵ)^μ₊ k, 1).
fn stdp_facilitate(rule: PlasticRule, w: f32, k: f32) -> f32 {
    let norm = rounded(w * rule.inv_w_max);
    let grow = rounded(rounded(rule.c.x * det_pow(rounded(1.0 - norm), rule.c.z)) * k);
    return rounded(min(rounded(norm + grow), 1.0) * rule.w_max);
}

// stdp_synapse: ŵ ← max(ŵ − α λ ŵ^μ₋ k, 0).
fn stdp_depress(rule: PlasticRule, w: f32, k: f32) -> f32 {
    let norm = rounded(w * rule.inv_w_max);
    let shrink = rounded(rounded(rule.c.y * det_pow(norm, rule.c.w)) * k);
    return rounded(max(rounded(norm - shrink), 0.0) * rule.w_max);
}

// stdp_triplet_synapse: |w| ← min(|w| + r₁ (A₂₊ + A₃₊ o₂), |w_max|).
fn triplet_facilitate(rule: PlasticRule, w: f32, r1: f32, o2: f32) -> f32 {
    let grow = rounded(r1 * rounded(rule.c.x + rounded(rule.c.z * o2)));
    return sign(rule.w_max) * min(rounded(abs(w) + grow), abs(rule.w_max));
}

// stdp_triplet_synapse: |w| ← max(|w| − o₁ (A₂₋ + A₃₋ r₂), 0).
fn triplet_depress(rule: PlasticRule, w: f32, o1: f32, r2: f32) -> f32 {
    let shrink = rounded(o1 * rounded(rule.c.y + rounded(rule.c.w * r2)));
    return sign(rule.w_max) * max(rounded(abs(w) - shrink), 0.0);
}

// A custom rule's synapse as (weight, variable 1, variable 2, variable 3): the words
// its traces leave free.
fn load_custom(base: u32) -> vec4<f32> {
    return vec4<f32>(load_f32(base), load_f32(base + WORD_ELIGIBILITY), load_f32(base + WORD_PRE + 2u), load_f32(base + WORD_POST + 2u));
}

fn store_custom(base: u32, s: vec4<f32>) {
    store_f32(base, s.x);
    store_f32(base + WORD_ELIGIBILITY, s.y);
    store_f32(base + WORD_PRE + 2u, s.z);
    store_f32(base + WORD_POST + 2u, s.w);
}

// Moves one side's record (words at `at`: last step, trace 1, trace 2) to an event
// at `step`: each trace as it stands just before the event. Trace 2 only where the
// rule has one (`second`: the triplet rule); other rules leave that word alone (a
// custom rule keeps a variable there).
fn record_event(at: u32, step: u32, decay: vec2<f32>, nearest: bool, second: bool) {
    let k1 = side_trace(at, 1u, step, decay.x, nearest);
    if (second) {
        store_f32(at + 2u, side_trace(at, 2u, step, decay.y, nearest));
    }
    syn_state[at] = step;
    store_f32(at + 1u, k1);
}

// A postsynaptic spike reaching synapse `s` of `instance` at `step` (its spike
// time plus the delay): facilitation (or, three-factor, eligibility) from the
// presynaptic traces, STDP's scaled by `gain.x` (`stdp_gain`), then the
// postsynaptic record moves to this event.
fn post_event(instance: u32, s: u32, rule: PlasticRule, step: u32, gain: vec2<f32>) {
    let base = synapse_base(instance, s);
    if (rule.kind >= PLASTIC_CUSTOM) {
        let x = side_trace(base + WORD_PRE, 1u, step, rule.pre_decay.x, false);
        let y = side_trace(base + WORD_POST, 1u, step, rule.post_decay.x, false);
        store_custom(base, custom_post_event(rule.kind - PLASTIC_CUSTOM, rule, load_custom(base), x, y, step));
        record_event(base + WORD_POST, step, rule.post_decay, false, false);
        return;
    }
    let nearest = rule.nearest != 0u;
    let r1 = side_trace(base + WORD_PRE, 1u, step, rule.pre_decay.x, nearest);
    if (rule.kind == PLASTIC_STDP) {
        store_f32(base, stdp_facilitate(rule, load_f32(base), rounded(r1 * gain.x)));
    } else if (rule.kind == PLASTIC_STDP_TRIPLET) {
        let o2 = side_trace(base + WORD_POST, 2u, step, rule.post_decay.y, false);
        store_f32(base, triplet_facilitate(rule, load_f32(base), rounded(r1 * gain.x), o2));
    } else if (rule.kind == PLASTIC_DOPAMINE) {
        catch_up(instance, s, base, rule, step);
        let c = load_f32(base + WORD_ELIGIBILITY);
        store_f32(base + WORD_ELIGIBILITY, rounded(c + rounded(rule.c.x * r1)));
    }
    record_event(base + WORD_POST, step, rule.post_decay, nearest, rule.kind == PLASTIC_STDP_TRIPLET);
}

// A presynaptic spike at `step` on synapse `s` of `instance`: depression (or,
// three-factor, eligibility) from the postsynaptic traces, STDP's scaled by
// `gain.y` (`stdp_gain`), or the Tsodyks–Markram update; then the presynaptic record
// moves to this event. Returns the weight transmitted.
fn pre_event(instance: u32, s: u32, rule: PlasticRule, step: u32, gain: vec2<f32>) -> f32 {
    let base = synapse_base(instance, s);
    let pre = base + WORD_PRE;
    if (rule.kind == PLASTIC_STATIC || rule.kind == PLASTIC_SCALING) {
        return load_f32(base);
    }
    if (rule.kind >= PLASTIC_CUSTOM) {
        let x = side_trace(pre, 1u, step, rule.pre_decay.x, false);
        let y = side_trace(base + WORD_POST, 1u, step, rule.post_decay.x, false);
        let updated = custom_pre_event(rule.kind - PLASTIC_CUSTOM, rule, load_custom(base), x, y, step);
        store_custom(base, updated);
        record_event(pre, step, rule.pre_decay, false, false);
        return updated.x;
    }
    let w = load_f32(base);
    if (rule.kind == PLASTIC_TSODYKS2) {
        let last = syn_state[pre];
        var u = rule.c.x;
        var x = 1.0;
        if (last != NEVER) {
            let elapsed = f32(min(step - last, 1u << 24u));
            let u_decay = det_exp(rounded(elapsed * rule.pre_decay.x));
            let x_decay = det_exp(rounded(elapsed * rule.pre_decay.y));
            let u_old = load_f32(pre + 1u);
            let x_old = load_f32(pre + 2u);
            x = rounded(1.0 + rounded(rounded(rounded(x_old - rounded(x_old * u_old)) - 1.0) * x_decay));
            u = rounded(rule.c.x + rounded(rounded(u_old * rounded(1.0 - rule.c.x)) * u_decay));
        }
        syn_state[pre] = step;
        store_f32(pre + 1u, u);
        store_f32(pre + 2u, x);
        return rounded(rounded(x * u) * w);
    }
    let nearest = rule.nearest != 0u;
    let o1 = side_trace(base + WORD_POST, 1u, step, rule.post_decay.x, nearest);
    var sent = w;
    if (rule.kind == PLASTIC_STDP) {
        sent = stdp_depress(rule, w, rounded(o1 * gain.y));
        store_f32(base, sent);
    } else if (rule.kind == PLASTIC_STDP_TRIPLET) {
        let r2 = side_trace(pre, 2u, step, rule.pre_decay.y, false);
        sent = triplet_depress(rule, w, rounded(o1 * gain.y), r2);
        store_f32(base, sent);
    } else if (rule.kind == PLASTIC_DOPAMINE) {
        catch_up(instance, s, base, rule, step);
        sent = load_f32(base);
        let c = load_f32(base + WORD_ELIGIBILITY);
        store_f32(base + WORD_ELIGIBILITY, rounded(c - rounded(rule.c.y * o1)));
    }
    record_event(pre, step, rule.pre_decay, nearest, rule.kind == PLASTIC_STDP_TRIPLET);
    return sent;
}

// The weight after `length` steps from eligibility `c` and modulator `n`, within the
// bounds. Twin: cpu::plasticity::dopamine_stretch.
fn dopamine_stretch(rule: PlasticRule, w: f32, c: f32, n: f32, length: f32, both: f32) -> f32 {
    let with_n = rounded(rule.m.x * -det_expm1(rounded(length * both)));
    let held = rounded(rule.m.y * -det_expm1(rounded(length * rule.m.z)));
    let drive = rounded(rounded(n * with_n) - rounded(rule.c.z * held));
    return clamp(rounded(w + rounded(c * drive)), rule.w_min, rule.w_max);
}

// Steps until a decaying modulator n reaches b, where n − b changes sign: τ_n/dt ·
// ln(n/b) (τ_n/dt in c.w, 0 for a level) when n and b share a sign and |n| > |b|,
// else a length no stretch reaches.
fn modulator_crossing(rule: PlasticRule, n: f32) -> f32 {
    let b = rule.c.z;
    if (rule.c.w > 0.0 && b != 0.0 && (n > 0.0) == (b > 0.0) && abs(n) > abs(b)) {
        return rounded(rounded(det_log(abs(n)) - det_log(abs(b))) * rule.c.w);
    }
    return 3.0e38;
}

// Three-factor synapse `s` of `instance` (state at `base`) brought from the first
// step whose weight change it has not integrated to `step` (exclusive). Over each
// stretch of L steps between its modulator's entries, with c(t) = c e^(−t/τ_c) and
// n(t) = n e^(−t/τ_n) (a level: held), exactly (NEST's stdp_dopamine_synapse,
// whose bounds hold at every update, every min_delay; here also where n − b changes
// sign inside a stretch, the only place w can turn):
//   w ← clamp(w + c (n τ_cn (1 − e^(−L dt/τ_cn)) − b τ_c (1 − e^(−L dt/τ_c))), w_min, w_max),
//   c ← c e^(−L dt/τ_c), with 1/τ_cn = 1/τ_c + 1/τ_n.
// Both terms are the integrals of c n and c over the stretch. Called before a pre
// or post event changes c, and by plastic_flush.
fn catch_up(instance: u32, s: u32, base: u32, rule: PlasticRule, step: u32) {
    var k = syn_state[base + WORD_SWEPT];
    if (k >= step) {
        return;
    }
    syn_state[base + WORD_SWEPT] = step;
    var c = load_f32(base + WORD_ELIGIBILITY);
    if (c == 0.0) {
        return;
    }
    let at = modulator_base(synapses[s].y >> 16u, instance);
    let head = modulator_word(at + MODULATOR_HEAD);
    var e = entry_at(at, k);
    var w = load_f32(base);
    let both = rounded(rule.m.z + rule.m.w);
    loop {
        var end = step;
        if (e + 1u < head) {
            let next = history_entry(at, e + 1u).x - 1u;
            if (next > k) {
                end = min(end, next);
            }
        }
        let n = modulator_from(history_entry(at, e), k, rule.m.w);
        let length = f32(min(end - k, 1u << 24u));
        let crossing = modulator_crossing(rule, n);
        if (crossing < length) {
            // n − b changes sign at the crossing: w turns there, so the bounds apply
            // there too, then the rest of the stretch starts from n = b.
            w = dopamine_stretch(rule, w, c, n, crossing, both);
            let turned = rounded(c * det_exp(rounded(crossing * rule.m.z)));
            w = dopamine_stretch(rule, w, turned, rule.c.z, rounded(length - crossing), both);
        } else {
            w = dopamine_stretch(rule, w, c, n, length, both);
        }
        c = rounded(c * det_exp(rounded(length * rule.m.z)));
        if (end >= step) {
            break;
        }
        k = end;
        e = e + 1u;
    }
    store_f32(base, w);
    store_f32(base + WORD_ELIGIBILITY, c);
}

// One step of a Hebbian synapse: w += η dt (x y − α y² w) − γ dt w, within
// [w_min, w_max], with the traces after this step's spikes.
fn sweep_hebbian(base: u32, rule: PlasticRule, step: u32) {
    let x = trace_at(base + WORD_PRE, step, rule.pre_decay.x);
    let y = trace_at(base + WORD_POST, step, rule.post_decay.x);
    let w = load_f32(base);
    let hebb = rounded(rounded(x * y) - rounded(rule.c.y * rounded(rounded(y * y) * w)));
    let next = rounded(rounded(w + rounded(rule.c.x * hebb)) - rounded(rule.c.z * w));
    store_f32(base, clamp(next, rule.w_min, rule.w_max));
}

// One step of an error-modulated synapse: w += η dt · error · x, within
// [w_min, w_max], with the presynaptic trace after this step's spikes and the
// postsynaptic neuron's error.
fn sweep_error(base: u32, rule: PlasticRule, step: u32, error: f32) {
    let x = trace_at(base + WORD_PRE, step, rule.pre_decay.x);
    let w = load_f32(base);
    let next = rounded(w + rounded(rounded(rule.c.x * error) * x));
    store_f32(base, clamp(next, rule.w_min, rule.w_max));
}

// One step of synaptic scaling: w += (dt/τ_scaling) w (1 − r / r_target), r the
// postsynaptic rate estimate (trace · 1000/τ_rate, Hz), within [w_min, w_max].
fn sweep_scaling(base: u32, rule: PlasticRule, step: u32) {
    let y = trace_at(base + WORD_POST, step, rule.post_decay.x);
    let rate = rounded(y * rule.c.z);
    let w = load_f32(base);
    let error = rounded(1.0 - rounded(rate * rule.c.y));
    let next = rounded(w + rounded(rule.c.x * rounded(w * error)));
    store_f32(base, clamp(next, rule.w_min, rule.w_max));
}

// One step of a custom rule's `each_step`, with the traces after the step's spikes.
fn sweep_custom(base: u32, rule: PlasticRule, step: u32) {
    let x = trace_at(base + WORD_PRE, step, rule.pre_decay.x);
    let y = trace_at(base + WORD_POST, step, rule.post_decay.x);
    store_custom(base, custom_step(rule.kind - PLASTIC_CUSTOM, rule, load_custom(base), x, y, step));
}
