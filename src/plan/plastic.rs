//! Plastic synapses lowered: their own rows by presynaptic neuron (walked when a
//! neuron spikes, like the static ones), a transposed index by postsynaptic neuron
//! sorted by delay (walked `delay` steps after a postsynaptic spike, so no kernel
//! scans all synapses), each projection's rule, and the initial synapse state.

use super::layout::PROPAGATE_WORKGROUP;
use super::layout::{
    PlasticRule, MODULATOR_ASTROCYTE, MODULATOR_LEVEL, MODULATOR_TRACE, NEVER, PLASTIC_CUSTOM,
    PLASTIC_DOPAMINE, PLASTIC_ERROR, PLASTIC_HEBBIAN, PLASTIC_SCALING, PLASTIC_STATIC,
    PLASTIC_STDP, PLASTIC_STDP_TRIPLET, PLASTIC_TSODYKS2, RULE_PARAMETER_WORDS, RULE_WORDS,
    SYNAPSE_WORDS,
};
use super::DrawnSynapses;
use crate::model::{Modulator, Pairing, Plasticity, Projection};
use bytemuck::Zeroable;

/// The most plastic projections a network may have: a synapse's delay and rule
/// share one word, `delay | rule << 16`.
pub const MAX_PLASTIC_RULES: u32 = 0xFFFF;
const _: () = assert!(crate::model::MAX_DELAY_STEPS <= 0xFFFF);

/// One plastic projection's synapses, in the order they were drawn (a list's order).
#[derive(Debug, Clone, PartialEq)]
pub struct PlasticProjection {
    /// Index of the projection in the model.
    pub projection: usize,
    /// Index of each synapse in the table.
    pub synapses: Vec<u32>,
    /// Pre and post neuron of each synapse, within their populations.
    pub pre: Vec<u32>,
    pub post: Vec<u32>,
    /// Per synapse, the largest |weight| its port's fixed-point unit was sized for
    /// (the rule's bound, the largest swept value, or else its drawn weight): weights
    /// the host sets must keep each neuron's sum within these synapses' sum.
    pub bounds: Vec<f64>,
}

/// Every plastic synapse of the network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlasticTable {
    /// Row of presynaptic neuron `i`: `row_start[i] .. row_start[i + 1]`.
    pub row_start: Vec<u32>,
    /// Per synapse: `[receptor · n_neurons + post, delay | rule << 16]`.
    pub synapse: Vec<[u32; 2]>,
    /// The synapses onto neuron `j`: `post_synapse[post_start[j] .. post_start[j + 1]]`,
    /// by delay, then table order (only rules that postsynaptic spikes change).
    pub post_start: Vec<u32>,
    pub post_synapse: Vec<u32>,
    pub rules: Vec<PlasticRule>,
    /// Initial weight of each synapse, in the projection's unit.
    pub weight: Vec<f32>,
    pub projections: Vec<PlasticProjection>,
    /// The longest delay of a synapse that postsynaptic spikes change (0: none).
    pub max_post_delay: u32,
    /// The synapses of rules with a per-step part (Hebbian, scaling, error-modulated,
    /// custom rules with `each_step`), in table order, swept every step; then the
    /// `three_factor` synapses of three-factor rules, brought up to date every
    /// `FLUSH_STEPS` steps.
    pub sweep_synapse: Vec<u32>,
    pub three_factor: u32,
    /// Per rule: whether its synapses are swept, its variables' initial values, and
    /// a weight sweep's value per instance.
    pub swept: Vec<bool>,
    pub variables: Vec<[f32; 3]>,
    pub instance_weights: Vec<Option<Vec<f32>>>,
    /// Per rule whose parameters are swept: its lowered form in instances 1, 2, …
    /// (empty for a rule every instance shares).
    pub instance_rules: Vec<Vec<PlasticRule>>,
    /// Words per synapse in `rule_params`: the most any rule varies (0: none).
    pub rule_param_words: u32,
    /// Per synapse, `rule_param_words` words: the synapse's own values of the words
    /// its rule varies (`PlasticRule::own_words`, in word order), shared by instances.
    pub rule_params: Vec<u32>,
}

/// A plastic projection drawn, before assembly: its rule lowered, synapses in global
/// neuron indices.
pub struct PendingPlastic {
    pub projection: usize,
    pub rule: PlasticRule,
    pub post_events: bool,
    /// Whether the rule has a per-step part (its synapses are swept every step).
    pub swept: bool,
    /// Initial values of a custom rule's variables (words 1, 4 and 7).
    pub variables: [f32; 3],
    /// A weight sweep's value for each instance (replacing the drawn weights).
    pub instance_weights: Option<Vec<f32>>,
    /// The rule lowered with instance 1's, 2's, … swept parameters (empty when the
    /// instances share it).
    pub instance_rules: Vec<PlasticRule>,
    /// Per synapse in drawing order, its own values of the words `rule.own_words`
    /// sets (empty when the synapses share the rule).
    pub rule_params: Vec<u32>,
    pub pre_first: u32,
    pub post_first: u32,
    pub receptor: u32,
    pub drawn: DrawnSynapses,
    /// Per synapse, the largest |weight| its port's fixed-point unit was sized for.
    pub bounds: Vec<f64>,
}

impl PendingPlastic {
    /// A static projection whose weight is swept: its synapses keep a weight per
    /// instance (`values`) and never change; (pre first, post first, receptor).
    pub fn weight_sweep(
        projection: usize,
        values: &[f64],
        scale_log2: i32,
        (pre_first, post_first, receptor): (u32, u32, u32),
        drawn: DrawnSynapses,
        bounds: Vec<f64>,
    ) -> Self {
        let mut rule = PlasticRule::zeroed();
        rule.kind = PLASTIC_STATIC;
        rule.weight_scale = 2f64.powi(scale_log2) as f32;
        Self {
            projection,
            rule,
            post_events: false,
            swept: false,
            variables: [0.0; 3],
            instance_weights: Some(values.iter().map(|&v| v as f32).collect()),
            instance_rules: Vec::new(),
            rule_params: Vec::new(),
            pre_first,
            post_first,
            receptor,
            drawn,
            bounds,
        }
    }
}

impl PlasticTable {
    pub fn len(&self) -> usize {
        self.synapse.len()
    }

    pub fn is_empty(&self) -> bool {
        self.synapse.is_empty()
    }

    /// Sorts the projections' synapses into rows by presynaptic neuron (stable, so
    /// a row keeps the order of drawing) and builds the transposed index.
    pub fn build(n_neurons: u32, pending: Vec<PendingPlastic>) -> Self {
        let n = n_neurons as usize;
        let mut row_start = vec![0u32; n + 1];
        for p in &pending {
            for &i in &p.drawn.pre {
                row_start[(p.pre_first + i) as usize + 1] += 1;
            }
        }
        for i in 0..n {
            row_start[i + 1] += row_start[i];
        }
        let total = row_start[n] as usize;
        let mut fill = row_start.clone();
        let words = pending
            .iter()
            .map(|p| p.rule.own_words.count_ones())
            .max()
            .unwrap_or(0);
        let mut table = PlasticTable {
            synapse: vec![[0, 0]; total],
            weight: vec![0.0; total],
            rule_param_words: words,
            rule_params: vec![0; total * words as usize],
            ..Default::default()
        };
        // (post, delay, synapse) of every synapse a postsynaptic spike changes.
        let mut transposed = Vec::new();
        for (rule, p) in pending.into_iter().enumerate() {
            let mut ids = Vec::with_capacity(p.drawn.pre.len());
            for s in 0..p.drawn.pre.len() {
                let pre = (p.pre_first + p.drawn.pre[s]) as usize;
                let at = fill[pre];
                fill[pre] += 1;
                let post = p.post_first + p.drawn.post[s];
                let delay = p.drawn.delay_steps[s];
                table.synapse[at as usize] =
                    [p.receptor * n_neurons + post, delay | (rule as u32) << 16];
                table.weight[at as usize] = p.drawn.weight[s] as f32;
                let own = p.rule.own_words.count_ones() as usize;
                if own > 0 {
                    let to = at as usize * words as usize;
                    table.rule_params[to..to + own]
                        .copy_from_slice(&p.rule_params[s * own..(s + 1) * own]);
                }
                if p.post_events {
                    transposed.push((post, delay, at));
                    table.max_post_delay = table.max_post_delay.max(delay);
                }
                ids.push(at);
            }
            table.rules.push(p.rule);
            table.swept.push(p.swept);
            table.variables.push(p.variables);
            table.instance_weights.push(p.instance_weights);
            table.instance_rules.push(p.instance_rules);
            table.projections.push(PlasticProjection {
                projection: p.projection,
                synapses: ids,
                pre: p.drawn.pre,
                post: p.drawn.post,
                bounds: p.bounds,
            });
        }
        transposed.sort_unstable();
        let mut post_start = vec![0u32; n + 1];
        for &(post, _, _) in &transposed {
            post_start[post as usize + 1] += 1;
        }
        for j in 0..n {
            post_start[j + 1] += post_start[j];
        }
        table.post_synapse = transposed.into_iter().map(|(_, _, s)| s).collect();
        // The swept synapses, then the three-factor ones (`Config::n_three_factor`).
        let of_rule = |word: u32| (word >> 16) as usize;
        table.sweep_synapse = (0..table.synapse.len() as u32)
            .filter(|&s| table.swept[of_rule(table.synapse[s as usize][1])])
            .collect();
        table.three_factor = table
            .synapse
            .iter()
            .filter(|&&[_, word]| table.rules[of_rule(word)].kind == PLASTIC_DOPAMINE)
            .count() as u32;
        table
            .sweep_synapse
            .extend((0..table.synapse.len() as u32).filter(|&s| {
                table.rules[of_rule(table.synapse[s as usize][1])].kind == PLASTIC_DOPAMINE
            }));
        table.post_start = post_start;
        table.row_start = row_start;
        table
    }

    /// Invocations per (spike, delay) part of a transposed row: the parts' mean
    /// length rounded up to a power of two, at most a workgroup.
    pub fn post_lanes(&self) -> u32 {
        let mut parts = 0usize;
        for j in 0..self.post_start.len().saturating_sub(1) {
            let row =
                &self.post_synapse[self.post_start[j] as usize..self.post_start[j + 1] as usize];
            let delays = row.iter().map(|&s| self.synapse[s as usize][1] & 0xFFFF);
            let mut previous = None;
            for d in delays {
                if previous != Some(d) {
                    parts += 1;
                    previous = Some(d);
                }
            }
        }
        if parts == 0 {
            return 1;
        }
        (self.post_synapse.len().div_ceil(parts) as u32)
            .next_power_of_two()
            .min(PROPAGATE_WORKGROUP)
    }

    /// Whether some rule is three-factor: then every rule and instance keeps a
    /// modulator history (even where the rule drew no synapses, its modulator is
    /// still read and set).
    pub fn has_three_factor_rules(&self) -> bool {
        self.rules.iter().any(|r| r.kind == PLASTIC_DOPAMINE)
    }

    /// Whether some rule's parameters differ between instances: the device table then
    /// holds every instance's rules, instance b's `rules.len()` entries after b − 1's.
    pub fn rules_per_instance(&self) -> bool {
        self.instance_rules.iter().any(|r| !r.is_empty())
    }

    /// The rule table as the kernels read it: `rules`, then for each further instance
    /// its rules — the structure (kind, swept synapses, modulating population) of
    /// instance 0's, the parameters of its own.
    pub fn device_rules(&self, instances: u32) -> Vec<PlasticRule> {
        let mut table = self.rules.clone();
        if !self.rules_per_instance() {
            return table;
        }
        for b in 1..instances as usize {
            for (rule, own) in self.rules.iter().zip(&self.instance_rules) {
                table.push(match own.get(b - 1) {
                    Some(own) => PlasticRule {
                        kind: rule.kind,
                        vt_first: rule.vt_first,
                        vt_size: rule.vt_size,
                        own_words: rule.own_words,
                        ..*own
                    },
                    None => *rule,
                });
            }
        }
        table
    }

    /// Words of state per synapse and instance: the weight alone when every rule is
    /// a static weight sweep (no traces to keep), else `SYNAPSE_WORDS`.
    pub fn synapse_words(&self) -> u32 {
        if self.rules.iter().all(|r| r.kind == PLASTIC_STATIC) {
            1
        } else {
            SYNAPSE_WORDS
        }
    }

    /// The state of every synapse of `instance` at step 0, as stored
    /// (`synapse_words` words each: weight, eligibility, then per side the last
    /// event's step and two traces).
    pub fn initial_state(&self, instance: u32) -> Vec<u32> {
        let words = self.synapse_words() as usize;
        self.weight
            .iter()
            .zip(&self.synapse)
            .flat_map(|(&w, &[_, word])| {
                let r = (word >> 16) as usize;
                let w = self.instance_weights[r]
                    .as_ref()
                    .map_or(w, |values| values[instance as usize]);
                let [a, b, c] = self.variables[r].map(f32::to_bits);
                let state = [w.to_bits(), a, NEVER, 0, b, NEVER, 0, c];
                state.into_iter().take(words)
            })
            .collect()
    }
}

/// The words of `base` (a projection's rule lowered) that differ between its
/// synapses, and each synapse's values of them: `lower` lowers a synapse's own rule,
/// `rule_of(s)` gives it. Returns (the `varying` mask, the words of every synapse in
/// turn).
pub fn synapse_rule_words(
    base: &PlasticRule,
    count: usize,
    mut rule_of: impl FnMut(usize) -> Result<PlasticRule, String>,
) -> Result<(u32, Vec<u32>), String> {
    let words = |rule: &PlasticRule| *bytemuck::cast_ref::<PlasticRule, [u32; RULE_WORDS]>(rule);
    let shared = words(base);
    let mut varying = 0u32;
    for s in 0..count {
        for (i, (a, b)) in words(&rule_of(s)?).iter().zip(&shared).enumerate() {
            if a != b {
                varying |= 1 << i;
            }
        }
    }
    debug_assert_eq!(
        varying & !RULE_PARAMETER_WORDS,
        0,
        "a structural word varies"
    );
    let set: Vec<usize> = (0..RULE_WORDS).filter(|i| varying >> i & 1 == 1).collect();
    let mut values = Vec::with_capacity(count * set.len());
    if !set.is_empty() {
        for s in 0..count {
            let own = words(&rule_of(s)?);
            values.extend(set.iter().map(|&i| own[i]));
        }
    }
    Ok((varying, values))
}

/// How many words of `rule` lowered differ between the synapses of `projection`,
/// judged from each heterogeneous parameter's range ends (each word is monotonic in
/// a parameter): the memory planner's estimate before any synapse is drawn.
pub fn varying_words(projection: &Projection, rule: &Plasticity, dt: f64) -> u32 {
    let ends: Vec<(&String, f64)> = projection
        .plasticity_heterogeneous
        .iter()
        .flat_map(|(name, value)| {
            let (low, high) = value.range();
            [(name, low), (name, high)]
        })
        .collect();
    let lower = |rule: &Plasticity| lower_rule(rule, dt, 0, RuleLink::None);
    synapse_rule_words(&lower(rule), ends.len(), |s| {
        let (name, value) = ends[s];
        Ok(lower(&rule.with_parameter(name, value)?))
    })
    .map_or(0, |(varying, _)| varying.count_ones())
}

/// Whether `rule` has a per-step part.
pub fn is_swept(rule: &Plasticity) -> bool {
    match rule {
        Plasticity::HebbianSynapse { .. }
        | Plasticity::ErrorModulatedSynapse { .. }
        | Plasticity::SynapticScaling { .. } => true,
        Plasticity::Custom(custom) => !custom.each_step.trim().is_empty(),
        _ => false,
    }
}

/// The initial values of a custom rule's variables, in name order (0 elsewhere).
pub fn initial_variables(rule: &Plasticity) -> [f32; 3] {
    let mut values = [0.0; 3];
    if let Plasticity::Custom(custom) = rule {
        for (slot, &v) in values.iter_mut().zip(custom.variables.values()) {
            *slot = v as f32;
        }
    }
    values
}

/// What modulates a rule besides the host, in device indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLink {
    None,
    /// The (first neuron, size) of the population that drives a three-factor rule's
    /// modulator.
    VolumeTransmitter(u32, u32),
    /// The index of the astrocyte that scales an STDP rule.
    Astrocyte(u32),
}

/// `rule` lowered for steps of `dt` ms onto a receptor whose fixed-point scale is
/// 2^`scale_log2`, modulated as `link` says.
pub fn lower_rule(rule: &Plasticity, dt: f64, scale_log2: i32, link: RuleLink) -> PlasticRule {
    // exp(−dt/τ · n) underflows to 0 for a τ of 0 (no facilitation) as for any short one.
    let decay = |tau: f64| {
        if tau > 0.0 {
            (-dt / tau) as f32
        } else {
            -1e30
        }
    };
    let mut lowered = PlasticRule {
        kind: 0,
        nearest: 0,
        pre_decay: [0.0; 2],
        post_decay: [0.0; 2],
        w_max: 0.0,
        inv_w_max: 0.0,
        c: [0.0; 4],
        weight_scale: 2f64.powi(scale_log2) as f32,
        w_min: 0.0,
        modulator: 0,
        _pad0: 0,
        m: [0.0; 4],
        inv_tau_n: 0.0,
        vt_first: 0,
        vt_size: 0,
        own_words: 0,
    };
    match *rule {
        Plasticity::StdpSynapse {
            tau_plus,
            tau_minus,
            lambda,
            alpha,
            mu_plus,
            mu_minus,
            w_max,
            pairing,
        } => {
            lowered.kind = PLASTIC_STDP;
            lowered.nearest = u32::from(pairing == Pairing::Nearest);
            lowered.pre_decay = [decay(tau_plus), 0.0];
            lowered.post_decay = [decay(tau_minus), 0.0];
            lowered.w_max = w_max as f32;
            lowered.inv_w_max = (1.0 / w_max) as f32;
            lowered.c = [
                lambda as f32,
                (alpha * lambda) as f32,
                mu_plus as f32,
                mu_minus as f32,
            ];
        }
        Plasticity::StdpTripletSynapse {
            tau_plus,
            tau_plus_triplet,
            tau_minus,
            tau_minus_triplet,
            a_plus,
            a_minus,
            a_plus_triplet,
            a_minus_triplet,
            w_max,
        } => {
            lowered.kind = PLASTIC_STDP_TRIPLET;
            lowered.pre_decay = [decay(tau_plus), decay(tau_plus_triplet)];
            lowered.post_decay = [decay(tau_minus), decay(tau_minus_triplet)];
            lowered.w_max = w_max as f32;
            lowered.inv_w_max = (1.0 / w_max) as f32;
            lowered.c = [
                a_plus as f32,
                a_minus as f32,
                a_plus_triplet as f32,
                a_minus_triplet as f32,
            ];
        }
        Plasticity::StdpDopamineSynapse {
            tau_plus,
            tau_minus,
            a_plus,
            a_minus,
            tau_c,
            tau_n,
            b,
            w_min,
            w_max,
            pairing,
            modulator,
            ..
        } => {
            lowered.kind = PLASTIC_DOPAMINE;
            lowered.nearest = u32::from(pairing == Pairing::Nearest);
            lowered.pre_decay = [decay(tau_plus), 0.0];
            lowered.post_decay = [decay(tau_minus), 0.0];
            lowered.w_min = w_min as f32;
            lowered.w_max = w_max as f32;
            // (1/w_max is not read: the bounds are a clamp, and w_max may be 0.)
            // A level is held between the host's changes: τ_n = ∞.
            let n_rate = match modulator {
                Modulator::Trace => 1.0 / tau_n,
                Modulator::Level => 0.0,
            };
            // τ_n / dt, the steps of one e-fold of n (0: a level, which never
            // crosses b).
            let n_steps = if n_rate > 0.0 { tau_n / dt } else { 0.0 };
            // A subnormal baseline is 0: a device may flush it to 0 where the host
            // would take its logarithm (`modulator_crossing`), and the two would differ.
            let b = Some(b as f32).filter(|b| b.is_normal()).unwrap_or(0.0);
            lowered.c = [a_plus as f32, a_minus as f32, b, n_steps as f32];
            lowered.m = [
                (1.0 / (1.0 / tau_c + n_rate)) as f32,
                tau_c as f32,
                (-dt / tau_c) as f32,
                (-dt * n_rate) as f32,
            ];
            lowered.inv_tau_n = (1.0 / tau_n) as f32;
            lowered.modulator = match modulator {
                Modulator::Trace => MODULATOR_TRACE,
                Modulator::Level => MODULATOR_LEVEL,
            };
            if let RuleLink::VolumeTransmitter(first, size) = link {
                (lowered.vt_first, lowered.vt_size) = (first, size);
            }
        }
        Plasticity::HebbianSynapse {
            eta,
            tau_pre,
            tau_post,
            alpha,
            gamma,
            w_min,
            w_max,
        } => {
            lowered.kind = PLASTIC_HEBBIAN;
            lowered.pre_decay = [decay(tau_pre), 0.0];
            lowered.post_decay = [decay(tau_post), 0.0];
            lowered.w_min = w_min as f32;
            lowered.w_max = w_max as f32;
            lowered.c = [(eta * dt) as f32, alpha as f32, (gamma * dt) as f32, 0.0];
        }
        Plasticity::ErrorModulatedSynapse {
            eta,
            tau_pre,
            w_min,
            w_max,
        } => {
            lowered.kind = PLASTIC_ERROR;
            lowered.pre_decay = [decay(tau_pre), 0.0];
            lowered.w_min = w_min as f32;
            lowered.w_max = w_max as f32;
            lowered.c = [(eta * dt) as f32, 0.0, 0.0, 0.0];
        }
        Plasticity::SynapticScaling {
            target_rate_hz,
            tau_rate,
            tau_scaling,
            w_min,
            w_max,
        } => {
            lowered.kind = PLASTIC_SCALING;
            lowered.post_decay = [decay(tau_rate), 0.0];
            lowered.w_min = w_min as f32;
            lowered.w_max = w_max as f32;
            lowered.c = [
                (dt / tau_scaling) as f32,
                (1.0 / target_rate_hz) as f32,
                (1000.0 / tau_rate) as f32,
                0.0,
            ];
        }
        Plasticity::Custom(ref custom) => {
            // The plan adds the rule's index among the distinct custom rules.
            lowered.kind = PLASTIC_CUSTOM;
            lowered.pre_decay = [decay(custom.tau_pre), 0.0];
            lowered.post_decay = [decay(custom.tau_post), 0.0];
            lowered.w_min = custom.w_min as f32;
            lowered.w_max = custom.w_max as f32;
            let values: Vec<f32> = custom.parameters.values().map(|&v| v as f32).collect();
            for (k, &v) in values.iter().enumerate() {
                if k < 4 {
                    lowered.c[k] = v;
                } else {
                    lowered.m[k - 4] = v;
                }
            }
        }
        Plasticity::Tsodyks2Synapse {
            u_se,
            tau_rec,
            tau_fac,
        } => {
            lowered.kind = PLASTIC_TSODYKS2;
            lowered.pre_decay = [decay(tau_fac), decay(tau_rec)];
            lowered.c = [u_se as f32, 0.0, 0.0, 0.0];
        }
    }
    if let RuleLink::Astrocyte(index) = link {
        lowered.modulator = MODULATOR_ASTROCYTE;
        lowered.vt_first = index;
    }
    lowered
}
