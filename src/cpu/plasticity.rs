//! The arithmetic of the plasticity rules on one synapse's state words, the twin of
//! `shaders/common/plasticity.wgsl` (same operations in the same order; `rounded`
//! marks where the shader fixes each intermediate result).

use super::arith::rounded;
use super::buffers::Buffers;
use super::math::{det_exp, det_expm1, det_log};
use super::modulator::{entry_at, history_entry, modulator_base, modulator_from};
use crate::plan::layout::{
    Config, PlasticRule, MODULATOR_ASTROCYTE, MODULATOR_HEAD, NEVER, PLASTIC_DOPAMINE,
    PLASTIC_SCALING, PLASTIC_STATIC, PLASTIC_STDP, PLASTIC_STDP_TRIPLET, PLASTIC_TSODYKS2,
    RULE_PARAMETER_WORDS, RULE_WORDS,
};

const WORD_ELIGIBILITY: usize = 1;
const WORD_PRE: usize = 2;
const WORD_POST: usize = 5;
/// Three-factor synapses: the first step whose weight change is not yet integrated
/// (the second presynaptic trace's word, which their rule does not use).
const WORD_SWEPT: usize = WORD_PRE + 2;

/// Rules in the table per instance: all of it, or one instance's share where a
/// rule's parameters are swept (instance b's rules follow b − 1's).
pub fn rule_count(b: &Buffers) -> u32 {
    rules_per_instance(&b.plastic_rules, &b.config)
}

fn rules_per_instance(rules: &[PlasticRule], config: &Config) -> u32 {
    let per = if config.rules_per_instance != 0 {
        config.n_instances
    } else {
        1
    };
    rules.len() as u32 / per
}

/// Rule `r` as `instance` applies it.
pub fn rule_of(b: &Buffers, instance: u32, r: u32) -> PlasticRule {
    rule_in(&b.plastic_rules, &b.config, instance, r)
}

fn rule_in(rules: &[PlasticRule], config: &Config, instance: u32, r: u32) -> PlasticRule {
    let at = if config.rules_per_instance != 0 {
        instance * rules_per_instance(rules, config) + r
    } else {
        r
    };
    rules[at as usize]
}

/// Synapse `s`'s rule as `instance` applies it: its projection's rule, with the
/// words the rule varies per synapse (`own_words`) taken from the synapse's own values
/// (only parameter words, as the shader's `with_word` sets).
pub fn synapse_rule(b: &Buffers, instance: u32, s: u32) -> PlasticRule {
    let r = b.plastic_synapse[s as usize][1] >> 16;
    own_rule(
        &b.plastic_rules,
        &b.rule_params,
        &b.config,
        (r, instance, s),
    )
}

/// Synapse `s`'s rule (rule `r` of the device table `rules`) as `instance` applies
/// it, its own words from `rule_params`.
pub fn own_rule(
    rules: &[PlasticRule],
    rule_params: &[u32],
    config: &Config,
    (r, instance, s): (u32, u32, u32),
) -> PlasticRule {
    let mut rule = rule_in(rules, config, instance, r);
    let varying = rule.own_words;
    let words = bytemuck::cast_mut::<PlasticRule, [u32; RULE_WORDS]>(&mut rule);
    let mut at = (s * config.rule_param_words) as usize;
    for (i, word) in words.iter_mut().enumerate() {
        if varying >> i & 1 == 1 {
            if RULE_PARAMETER_WORDS >> i & 1 == 1 {
                *word = rule_params[at];
            }
            at += 1;
        }
    }
    rule
}

/// Index of word 0 of synapse `s` of `instance` in `syn_state`.
pub fn synapse_base(b: &Buffers, instance: u32, s: u32) -> usize {
    ((instance * b.config.n_plastic + s) * b.config.synapse_words) as usize
}

fn load(b: &Buffers, i: usize) -> f32 {
    f32::from_bits(b.syn_state[i])
}

fn store(b: &mut Buffers, i: usize, x: f32) {
    b.syn_state[i] = x.to_bits();
}

/// The trace just after a spike; the shader's `trace_after`.
fn trace_after(k_before: f32, nearest: bool) -> f32 {
    if nearest {
        1.0
    } else {
        rounded(k_before + 1.0)
    }
}

/// A trace decayed from step `last` to `step`; the shader's `decayed`.
fn decayed(after: f32, last: u32, step: u32, decay: f32) -> f32 {
    let elapsed = (step.wrapping_sub(last)).min(1 << 24) as f32;
    rounded(after * det_exp(rounded(elapsed * decay)))
}

/// A trace at `step` from the spikes strictly before it; the shader's `trace_before`.
pub fn trace_before(last: u32, k_before: f32, step: u32, decay: f32, nearest: bool) -> f32 {
    if last == NEVER {
        return 0.0;
    }
    if last == step {
        return k_before;
    }
    decayed(trace_after(k_before, nearest), last, step, decay)
}

/// Trace 1 of the side whose record starts at `at`, at `step`, counting a spike at
/// `step`; the shader's `trace_at`.
fn trace_at(b: &Buffers, at: usize, step: u32, decay: f32) -> f32 {
    let (last, k_before) = (b.syn_state[at], load(b, at + 1));
    if last == step {
        return trace_after(k_before, false);
    }
    trace_before(last, k_before, step, decay, false)
}

/// Trace `k` (1 or 2) of the side whose record starts at `at`, at `step`.
fn side_trace(b: &Buffers, at: usize, k: usize, step: u32, decay: f32, nearest: bool) -> f32 {
    trace_before(b.syn_state[at], load(b, at + k), step, decay, nearest)
}

/// `x^mu` for `x >= 0`; the shader's `det_pow`.
pub fn det_pow(x: f32, mu: f32) -> f32 {
    if mu == 0.0 {
        return 1.0;
    }
    if mu == 1.0 {
        return x;
    }
    if x <= 0.0 {
        return 0.0;
    }
    det_exp(rounded(mu * det_log(x)))
}

pub fn stdp_facilitate(rule: &PlasticRule, w: f32, k: f32) -> f32 {
    let norm = rounded(w * rule.inv_w_max);
    let grow = rounded(rounded(rule.c[0] * det_pow(rounded(1.0 - norm), rule.c[2])) * k);
    rounded(rounded(norm + grow).min(1.0) * rule.w_max)
}

pub fn stdp_depress(rule: &PlasticRule, w: f32, k: f32) -> f32 {
    let norm = rounded(w * rule.inv_w_max);
    let shrink = rounded(rounded(rule.c[1] * det_pow(norm, rule.c[3])) * k);
    rounded(rounded(norm - shrink).max(0.0) * rule.w_max)
}

pub fn triplet_facilitate(rule: &PlasticRule, w: f32, r1: f32, o2: f32) -> f32 {
    let grow = rounded(r1 * rounded(rule.c[0] + rounded(rule.c[2] * o2)));
    sign(rule.w_max) * rounded(w.abs() + grow).min(rule.w_max.abs())
}

pub fn triplet_depress(rule: &PlasticRule, w: f32, o1: f32, r2: f32) -> f32 {
    let shrink = rounded(o1 * rounded(rule.c[1] + rounded(rule.c[3] * r2)));
    sign(rule.w_max) * rounded(w.abs() - shrink).max(0.0)
}

/// WGSL's `sign`: −1, 0 or 1.
fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Moves one side's record (words at `at`) to an event at `step`, its second trace
/// only where the rule has one (`second`); the shader's `record_event`.
fn record_event(
    b: &mut Buffers,
    at: usize,
    step: u32,
    decay: [f32; 2],
    nearest: bool,
    second: bool,
) {
    let k1 = side_trace(b, at, 1, step, decay[0], nearest);
    if second {
        let k2 = side_trace(b, at, 2, step, decay[1], nearest);
        store(b, at + 2, k2);
    }
    b.syn_state[at] = step;
    store(b, at + 1, k1);
}

/// Where astrocyte `a`'s level in `instance` lies in the modulators.
pub fn astrocyte_at(b: &Buffers, a: u32, instance: u32) -> usize {
    (b.config.astrocyte_base + a * b.config.n_instances + instance) as usize
}

/// The factors of potentiation and depression of an STDP rule: `max(1 ± A, 0)` for a
/// rule scaled by an astrocyte (its level in the modulators), else 1.
pub fn stdp_gain(b: &Buffers, rule: &PlasticRule, instance: u32) -> [f32; 2] {
    if rule.modulator != MODULATOR_ASTROCYTE {
        return [1.0, 1.0];
    }
    let level = f32::from_bits(b.modulators[astrocyte_at(b, rule.vt_first, instance)]);
    [rounded(1.0 + level).max(0.0), rounded(1.0 - level).max(0.0)]
}

/// A postsynaptic spike reaching synapse `s` of `instance` at `step`, STDP's
/// facilitation scaled by `gain[0]`.
pub fn post_event(
    b: &mut Buffers,
    instance: u32,
    s: u32,
    rule: &PlasticRule,
    step: u32,
    gain: [f32; 2],
) {
    let base = synapse_base(b, instance, s);
    let nearest = rule.nearest != 0;
    let r1 = side_trace(b, base + WORD_PRE, 1, step, rule.pre_decay[0], nearest);
    if rule.kind == PLASTIC_STDP {
        let w = stdp_facilitate(rule, load(b, base), rounded(r1 * gain[0]));
        store(b, base, w);
    } else if rule.kind == PLASTIC_STDP_TRIPLET {
        let o2 = side_trace(b, base + WORD_POST, 2, step, rule.post_decay[1], false);
        let w = triplet_facilitate(rule, load(b, base), rounded(r1 * gain[0]), o2);
        store(b, base, w);
    } else if rule.kind == PLASTIC_DOPAMINE {
        catch_up(b, instance, s, rule, step);
        let c = load(b, base + WORD_ELIGIBILITY);
        store(
            b,
            base + WORD_ELIGIBILITY,
            rounded(c + rounded(rule.c[0] * r1)),
        );
    }
    let second = rule.kind == PLASTIC_STDP_TRIPLET;
    record_event(b, base + WORD_POST, step, rule.post_decay, nearest, second);
}

/// A presynaptic spike at `step` on synapse `s` of `instance`, STDP's depression
/// scaled by `gain[1]`; returns the weight transmitted.
pub fn pre_event(
    b: &mut Buffers,
    instance: u32,
    s: u32,
    rule: &PlasticRule,
    step: u32,
    gain: [f32; 2],
) -> f32 {
    let base = synapse_base(b, instance, s);
    let pre = base + WORD_PRE;
    if rule.kind == PLASTIC_STATIC || rule.kind == PLASTIC_SCALING {
        return load(b, base);
    }
    let w = load(b, base);
    if rule.kind == PLASTIC_TSODYKS2 {
        let last = b.syn_state[pre];
        let mut u = rule.c[0];
        let mut x = 1.0;
        if last != NEVER {
            let elapsed = (step.wrapping_sub(last)).min(1 << 24) as f32;
            let u_decay = det_exp(rounded(elapsed * rule.pre_decay[0]));
            let x_decay = det_exp(rounded(elapsed * rule.pre_decay[1]));
            let u_old = load(b, pre + 1);
            let x_old = load(b, pre + 2);
            x = rounded(
                1.0 + rounded(rounded(rounded(x_old - rounded(x_old * u_old)) - 1.0) * x_decay),
            );
            u = rounded(rule.c[0] + rounded(rounded(u_old * rounded(1.0 - rule.c[0])) * u_decay));
        }
        b.syn_state[pre] = step;
        store(b, pre + 1, u);
        store(b, pre + 2, x);
        return rounded(rounded(x * u) * w);
    }
    let nearest = rule.nearest != 0;
    let o1 = side_trace(b, base + WORD_POST, 1, step, rule.post_decay[0], nearest);
    let mut sent = w;
    if rule.kind == PLASTIC_STDP {
        sent = stdp_depress(rule, w, rounded(o1 * gain[1]));
        store(b, base, sent);
    } else if rule.kind == PLASTIC_STDP_TRIPLET {
        let r2 = side_trace(b, pre, 2, step, rule.pre_decay[1], false);
        sent = triplet_depress(rule, w, rounded(o1 * gain[1]), r2);
        store(b, base, sent);
    } else if rule.kind == PLASTIC_DOPAMINE {
        catch_up(b, instance, s, rule, step);
        sent = load(b, base);
        let c = load(b, base + WORD_ELIGIBILITY);
        store(
            b,
            base + WORD_ELIGIBILITY,
            rounded(c - rounded(rule.c[1] * o1)),
        );
    }
    let second = rule.kind == PLASTIC_STDP_TRIPLET;
    record_event(b, pre, step, rule.pre_decay, nearest, second);
    sent
}

/// Three-factor synapse `s` of `instance` brought up to `step`; the shader's
/// `catch_up`.
pub fn catch_up(b: &mut Buffers, instance: u32, s: u32, rule: &PlasticRule, step: u32) {
    let base = synapse_base(b, instance, s);
    let at = modulator_base(
        b.plastic_synapse[s as usize][1] >> 16,
        instance,
        b.config.n_instances,
    );
    let words = b.config.synapse_words as usize;
    catch_up_words(
        &mut b.syn_state[base..base + words],
        &b.modulators,
        at,
        rule,
        step,
    );
}

/// A three-factor synapse's state words brought from the first step they have not
/// integrated to `step` (exclusive) under the modulator history at `at` of
/// `modulators`: the shader's `catch_up` (the host reads weights through it too).
pub fn catch_up_words(
    state: &mut [u32],
    modulators: &[u32],
    at: usize,
    rule: &PlasticRule,
    step: u32,
) {
    let mut k = state[WORD_SWEPT];
    if k >= step {
        return;
    }
    state[WORD_SWEPT] = step;
    let mut c = f32::from_bits(state[WORD_ELIGIBILITY]);
    if c == 0.0 {
        return;
    }
    let head = modulators[at + MODULATOR_HEAD as usize];
    let mut e = entry_at(modulators, at, k);
    let mut w = f32::from_bits(state[0]);
    let both = rounded(rule.m[2] + rule.m[3]);
    loop {
        let mut end = step;
        if e + 1 < head {
            let next = history_entry(modulators, at, e + 1)[0] - 1;
            if next > k {
                end = end.min(next);
            }
        }
        let n = modulator_from(history_entry(modulators, at, e), k, rule.m[3]);
        let length = (end - k).min(1 << 24) as f32;
        let crossing = modulator_crossing(rule, n);
        if crossing < length {
            // n − b changes sign at the crossing: w turns there, so the bounds are
            // applied there too (they hold at every moment, as in NEST's per-step
            // updates), then the rest of the stretch starts from n = b.
            w = dopamine_stretch(rule, w, c, n, crossing, both);
            let turned = rounded(c * det_exp(rounded(crossing * rule.m[2])));
            w = dopamine_stretch(rule, w, turned, rule.c[2], rounded(length - crossing), both);
        } else {
            w = dopamine_stretch(rule, w, c, n, length, both);
        }
        c = rounded(c * det_exp(rounded(length * rule.m[2])));
        if end >= step {
            break;
        }
        k = end;
        e += 1;
    }
    state[0] = w.to_bits();
    state[WORD_ELIGIBILITY] = c.to_bits();
}

/// The weight after `length` steps from eligibility `c` and modulator `n` (the
/// shader's `dopamine_stretch`), within the bounds.
fn dopamine_stretch(rule: &PlasticRule, w: f32, c: f32, n: f32, length: f32, both: f32) -> f32 {
    let with_n = rounded(rule.m[0] * -det_expm1(rounded(length * both)));
    let held = rounded(rule.m[1] * -det_expm1(rounded(length * rule.m[2])));
    let drive = rounded(rounded(n * with_n) - rounded(rule.c[2] * held));
    rounded(w + rounded(c * drive)).clamp(rule.w_min, rule.w_max)
}

/// Steps until a decaying modulator n reaches b, where n − b changes sign: τ_n/dt ·
/// ln(n/b) when n and b share a sign and |n| > |b|, else a length no stretch reaches
/// (a level never crosses).
/// The shader's `modulator_crossing`.
fn modulator_crossing(rule: &PlasticRule, n: f32) -> f32 {
    let b = rule.c[2];
    if rule.c[3] > 0.0 && b != 0.0 && (n > 0.0) == (b > 0.0) && n.abs() > b.abs() {
        rounded(rounded(det_log(n.abs()) - det_log(b.abs())) * rule.c[3])
    } else {
        3.0e38
    }
}

/// One step of an error-modulated synapse; the shader's `sweep_error`.
pub fn sweep_error(b: &mut Buffers, base: usize, rule: &PlasticRule, step: u32, error: f32) {
    let x = trace_at(b, base + WORD_PRE, step, rule.pre_decay[0]);
    let w = load(b, base);
    let next = rounded(w + rounded(rounded(rule.c[0] * error) * x));
    store(b, base, next.clamp(rule.w_min, rule.w_max));
}

/// One step of a Hebbian synapse; the shader's `sweep_hebbian`.
pub fn sweep_hebbian(b: &mut Buffers, base: usize, rule: &PlasticRule, step: u32) {
    let x = trace_at(b, base + WORD_PRE, step, rule.pre_decay[0]);
    let y = trace_at(b, base + WORD_POST, step, rule.post_decay[0]);
    let w = load(b, base);
    let hebb = rounded(rounded(x * y) - rounded(rule.c[1] * rounded(rounded(y * y) * w)));
    let next = rounded(rounded(w + rounded(rule.c[0] * hebb)) - rounded(rule.c[2] * w));
    store(b, base, next.clamp(rule.w_min, rule.w_max));
}

/// One step of synaptic scaling; the shader's `sweep_scaling`.
pub fn sweep_scaling(b: &mut Buffers, base: usize, rule: &PlasticRule, step: u32) {
    let y = trace_at(b, base + WORD_POST, step, rule.post_decay[0]);
    let rate = rounded(y * rule.c[2]);
    let w = load(b, base);
    let error = rounded(1.0 - rounded(rate * rule.c[1]));
    let next = rounded(w + rounded(rule.c[0] * rounded(w * error)));
    store(b, base, next.clamp(rule.w_min, rule.w_max));
}
