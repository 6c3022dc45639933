//! Drawing the synapses of each projection and assembling them into one CSR table
//! indexed by presynaptic neuron (all projections together), so a single propagation
//! pass walks every outgoing synapse of the neurons that spiked.

use crate::cpu::rng::HostStream;
use crate::model::{delay_to_steps, Connectivity, Projection, Value, NORMAL_TAIL_SD};

/// Stream tags of host-side draws (the third counter word of the generator).
pub(crate) const STREAM_CONNECTIVITY: u32 = 0x436f_6e6e; // "Conn"
pub(crate) const STREAM_PARAMETERS: u32 = 0x5061_7261; // "Para"
pub(crate) const STREAM_INITIAL: u32 = 0x496e_6974; // "Init"

/// Synapses of one projection in the order they were drawn, indices local to the
/// pre and post populations.
#[derive(Debug, Default, Clone)]
pub struct DrawnSynapses {
    pub pre: Vec<u32>,
    pub post: Vec<u32>,
    pub weight: Vec<f64>,
    pub delay_steps: Vec<u32>,
    /// Per heterogeneous rule parameter (in name order), its value at each synapse.
    pub rule_values: Vec<Vec<f64>>,
}

/// Draws the synapses of `projection` from the counter RNG keyed by `seed` and the
/// projection's index, so a projection's synapses do not change when another
/// projection is added or removed.
pub fn draw_projection(
    projection: &Projection,
    index: u32,
    n_pre: u32,
    n_post: u32,
    same_population: bool,
    seed: u64,
    dt_ms: f64,
) -> DrawnSynapses {
    let mut rng = HostStream::new(seed, STREAM_CONNECTIVITY, index);
    let (pre, post) = draw_pairs(
        &projection.connectivity,
        n_pre,
        n_post,
        same_population,
        &mut rng,
    );
    let mut values = HostStream::new(seed, STREAM_PARAMETERS, index);
    let weight = draw_values(&projection.weight, pre.len(), &mut values);
    let delay_steps = draw_values(&projection.delay_ms, pre.len(), &mut values)
        .into_iter()
        .map(|d| delay_to_steps(d, dt_ms))
        .collect();
    // After the weights and delays, so those do not change when a parameter varies.
    let rule_values = projection
        .plasticity_heterogeneous
        .values()
        .map(|value| draw_values(value, pre.len(), &mut values))
        .collect();
    DrawnSynapses {
        pre,
        post,
        weight,
        delay_steps,
        rule_values,
    }
}

fn draw_pairs(
    rule: &Connectivity,
    n_pre: u32,
    n_post: u32,
    same: bool,
    rng: &mut HostStream,
) -> (Vec<u32>, Vec<u32>) {
    let mut pre = Vec::new();
    let mut post = Vec::new();
    let mut push = |i: u32, j: u32| {
        pre.push(i);
        post.push(j);
    };
    match *rule {
        Connectivity::AllToAll { allow_autapses } => {
            for i in 0..n_pre {
                for j in 0..n_post {
                    if allow_autapses || !same || i != j {
                        push(i, j);
                    }
                }
            }
        }
        Connectivity::FixedProbability { p, allow_autapses } => {
            if p > 0.0 {
                // Geometric skipping: the gap to the next synapse in a row is
                // floor(ln u / ln(1 − p)), so the cost is proportional to the synapses made.
                let log_q = (-p).ln_1p();
                for i in 0..n_pre {
                    let mut j: i64 = -1;
                    loop {
                        let gap = if p >= 1.0 {
                            0
                        } else {
                            (rng.next_f64_open_low().ln() / log_q).floor() as i64
                        };
                        j += 1 + gap;
                        if j >= i64::from(n_post) {
                            break;
                        }
                        let j = j as u32;
                        if allow_autapses || !same || i != j {
                            push(i, j);
                        }
                    }
                }
            }
        }
        Connectivity::FixedInDegree {
            k,
            allow_autapses,
            allow_multapses,
        } => {
            let mut chosen = Vec::with_capacity(k as usize);
            for j in 0..n_post {
                let own = (!allow_autapses && same).then_some(j);
                choose_partners(k, n_pre, own, allow_multapses, rng, &mut chosen);
                for &i in &chosen {
                    push(i, j);
                }
            }
        }
        Connectivity::FixedOutDegree {
            k,
            allow_autapses,
            allow_multapses,
        } => {
            let mut chosen = Vec::with_capacity(k as usize);
            for i in 0..n_pre {
                let own = (!allow_autapses && same).then_some(i);
                choose_partners(k, n_post, own, allow_multapses, rng, &mut chosen);
                for &j in &chosen {
                    push(i, j);
                }
            }
        }
        Connectivity::FixedTotalNumber {
            n,
            allow_autapses,
            allow_multapses,
        } => {
            let mut seen = std::collections::HashSet::new();
            let mut made = 0u64;
            while made < n {
                let i = rng.below(n_pre);
                let j = rng.below(n_post);
                if (!allow_autapses && same && i == j) || (!allow_multapses && !seen.insert((i, j)))
                {
                    continue;
                }
                push(i, j);
                made += 1;
            }
        }
        Connectivity::FromList { ref pairs } => {
            for &(i, j) in pairs {
                push(i, j);
            }
        }
    }
    (pre, post)
}

/// `k` partners of one neuron drawn uniformly from `0..n` into `chosen`, skipping
/// `forbidden` (the neuron itself, without autapses) and, without multapses, repeats.
fn choose_partners(
    k: u32,
    n: u32,
    forbidden: Option<u32>,
    allow_multapses: bool,
    rng: &mut HostStream,
    chosen: &mut Vec<u32>,
) {
    chosen.clear();
    while chosen.len() < k as usize {
        let partner = rng.below(n);
        if forbidden == Some(partner) || (!allow_multapses && chosen.contains(&partner)) {
            continue;
        }
        chosen.push(partner);
    }
}

/// `count` values of `value`, drawn in order from `rng` where random.
pub fn draw_values(value: &Value, count: usize, rng: &mut HostStream) -> Vec<f64> {
    match value {
        Value::Constant { value } => vec![*value; count],
        Value::Uniform { low, high } => (0..count)
            .map(|_| low + (high - low) * rng.next_f64())
            .collect(),
        Value::Normal {
            mean,
            sd,
            low,
            high,
        } => {
            let low = low.max(mean - NORMAL_TAIL_SD * sd);
            let high = high.min(mean + NORMAL_TAIL_SD * sd);
            (0..count)
                .map(|_| loop {
                    let x = mean + sd * rng.next_normal();
                    if (low..=high).contains(&x) {
                        break x;
                    }
                })
                .collect()
        }
        Value::Lognormal { mu, sigma } => {
            let (low, high) = value.range();
            (0..count)
                .map(|_| loop {
                    let x = (mu + sigma * rng.next_normal()).exp();
                    if (low..=high).contains(&x) {
                        break x;
                    }
                })
                .collect()
        }
        Value::Array { values } => values.clone(),
    }
}

/// All synapses of the network as compressed rows by presynaptic neuron.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SynapseTable {
    /// Row `i` is `row_start[i] .. row_start[i + 1]`; length `n_neurons + 1`.
    pub row_start: Vec<u32>,
    /// Target and delay in one word, `target | delay << delay_shift`: the target as
    /// `receptor * n_neurons + post` (the synapse's offset in one ring slot), the
    /// delay in steps (1 ..= ring_depth − 1). One word instead of two saves a third
    /// of the synapse memory and a load per event.
    pub target_delay: Vec<u32>,
    /// Weight in the target receptor's fixed-point unit.
    pub weight: Vec<i32>,
    /// The bits below the delay in `target_delay` (`delay_shift`).
    pub delay_shift: u32,
}

impl SynapseTable {
    pub fn len(&self) -> usize {
        self.weight.len()
    }
    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }
    /// Synapse `s`'s target: its offset in one ring slot.
    pub fn target(&self, s: usize) -> u32 {
        self.target_delay[s] & ((1u32 << self.delay_shift) - 1)
    }
    /// Synapse `s`'s delay in steps.
    pub fn delay(&self, s: usize) -> u32 {
        self.target_delay[s] >> self.delay_shift
    }
}

/// The `delay_shift` for delays up to `max_delay` steps (at least 1): the delay takes
/// the top bits it needs and the target the rest. `None` where targets up to
/// `max_target` do not fit below it.
pub fn delay_shift(max_delay: u32, max_target: u32) -> Option<u32> {
    let delay_bits = u32::BITS - max_delay.max(1).leading_zeros();
    let shift = u32::BITS - delay_bits;
    (u64::from(max_target) < 1u64 << shift).then_some(shift)
}

/// One synapse in global indices, before sorting into rows.
pub struct GlobalSynapse {
    pub pre: u32,
    pub target: u32,
    pub weight: i32,
    pub delay: u32,
}

/// Sorts synapses into rows by presynaptic neuron (a stable counting sort, so the order
/// within a row is the order of drawing).
pub fn build_rows(
    n_neurons: u32,
    delay_shift: u32,
    synapses: impl Iterator<Item = GlobalSynapse> + Clone,
) -> SynapseTable {
    let mut row_start = vec![0u32; n_neurons as usize + 1];
    for s in synapses.clone() {
        row_start[s.pre as usize + 1] += 1;
    }
    for i in 0..n_neurons as usize {
        row_start[i + 1] += row_start[i];
    }
    let total = row_start[n_neurons as usize] as usize;
    let mut fill = row_start.clone();
    let mut table = SynapseTable {
        target_delay: vec![0; total],
        weight: vec![0; total],
        delay_shift,
        row_start: Vec::new(),
    };
    for s in synapses {
        let at = fill[s.pre as usize] as usize;
        fill[s.pre as usize] += 1;
        table.target_delay[at] = s.target | s.delay << delay_shift;
        table.weight[at] = s.weight;
    }
    table.row_start = row_start;
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_takes_the_top_bits_it_needs() {
        // Delays up to 15 steps: 4 bits, 28 left for the target.
        assert_eq!(delay_shift(15, (1 << 28) - 1), Some(28));
        assert_eq!(delay_shift(15, 1 << 28), None);
        assert_eq!(delay_shift(16, 1000), Some(27));
        assert_eq!(delay_shift(1, u32::MAX >> 1), Some(31));
        assert_eq!(delay_shift(u32::MAX, 0), Some(0));
        assert_eq!(delay_shift(u32::MAX, 1), None);
    }

    #[test]
    fn rows_keep_each_synapse_target_delay_and_weight() {
        let synapses = [(2, 7, -3, 15), (0, 5, 4, 1), (2, (1 << 28) - 1, 9, 12)];
        let table = build_rows(
            3,
            28,
            synapses
                .iter()
                .map(|&(pre, target, weight, delay)| GlobalSynapse {
                    pre,
                    target,
                    weight,
                    delay,
                }),
        );
        assert_eq!(table.row_start, [0, 1, 1, 3]);
        let unpacked: Vec<_> = (0..table.len())
            .map(|s| (table.target(s), table.weight[s], table.delay(s)))
            .collect();
        assert_eq!(unpacked, [(5, 4, 1), (7, -3, 15), ((1 << 28) - 1, 9, 12)]);
    }
}
