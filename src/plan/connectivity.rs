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

/// Rows (columns for fixed in-degree) one chunk of a projection draws: each chunk has
/// streams of its own, so the chunks are drawn on all cores and concatenated in
/// order, and the synapses do not depend on the number of threads.
pub const DRAW_CHUNK: u32 = 4096;

/// Where `projection` (of `n_pre` → `n_post` neurons) is split for drawing: the
/// number of chunks. A projection with an array of values (in the synapses' order)
/// is drawn in one.
pub fn draw_chunks(projection: &Projection, n_pre: u32, n_post: u32) -> u32 {
    let arrays = projection
        .synapse_values()
        .into_iter()
        .any(|(_, value)| matches!(value, Value::Array { .. }));
    let units = match projection.connectivity {
        _ if arrays => return 1,
        // Without multapses a row's length depends on every other row's synapses.
        Connectivity::FromList { .. }
        | Connectivity::FixedTotalNumber {
            allow_multapses: false,
            ..
        } => return 1,
        Connectivity::FixedInDegree { .. } => n_post,
        _ => n_pre,
    };
    units.div_ceil(DRAW_CHUNK).max(1)
}

/// The part of a projection's connectivity stream its fixed-total-number row lengths
/// are drawn from (chunk c draws from part c, and there are fewer than 2^20 chunks).
const ROW_LENGTHS_PART: u32 = 1 << 23;

/// A fixed-total-number projection's row lengths, where multapses are allowed: every
/// synapse's presynaptic neuron drawn uniformly, from a part of the projection's
/// connectivity stream no chunk uses. `None` for the other rules, and without
/// multapses (drawn in one chunk, pair by pair).
pub fn total_number_rows(
    projection: &Projection,
    index: u32,
    n_pre: u32,
    seed: u64,
) -> Option<Vec<u32>> {
    let Connectivity::FixedTotalNumber {
        n,
        allow_multapses: true,
        ..
    } = projection.connectivity
    else {
        return None;
    };
    let mut rng = HostStream::part(seed, STREAM_CONNECTIVITY, index, ROW_LENGTHS_PART);
    let mut rows = vec![0u32; n_pre as usize];
    for _ in 0..n {
        rows[rng.below(n_pre) as usize] += 1;
    }
    Some(rows)
}

/// Draws the synapses of `projection` from the counter RNG keyed by `seed` and the
/// projection's index, so a projection's synapses do not change when another
/// projection is added or removed: every chunk in turn (`draw_chunk`).
pub fn draw_projection(
    projection: &Projection,
    index: u32,
    n_pre: u32,
    n_post: u32,
    same_population: bool,
    seed: u64,
    dt_ms: f64,
) -> DrawnSynapses {
    let rows = total_number_rows(projection, index, n_pre, seed);
    let parts = (0..draw_chunks(projection, n_pre, n_post))
        .map(|chunk| {
            draw_chunk(
                projection,
                (index, chunk),
                (n_pre, n_post, same_population),
                (seed, dt_ms),
                rows.as_deref(),
            )
        })
        .collect();
    DrawnSynapses::concat(parts)
}

/// The synapses of chunk `chunk` of `projection` (rows, or columns for fixed
/// in-degree, `chunk · DRAW_CHUNK ..`): pairs from part `chunk` of the projection's
/// connectivity stream, then weights, delays and rule parameters from part `chunk` of
/// its parameter stream (a projection of one chunk draws as it did before chunks). `rows`: a fixed-total-number projection's
/// row lengths (`total_number_rows`).
pub fn draw_chunk(
    projection: &Projection,
    (index, chunk): (u32, u32),
    (n_pre, n_post, same_population): (u32, u32, bool),
    (seed, dt_ms): (u64, f64),
    rows: Option<&[u32]>,
) -> DrawnSynapses {
    let mut rng = HostStream::part(seed, STREAM_CONNECTIVITY, index, chunk);
    let units = if draw_chunks(projection, n_pre, n_post) == 1 {
        0..u32::MAX
    } else {
        chunk * DRAW_CHUNK..(chunk + 1) * DRAW_CHUNK
    };
    let (pre, post) = draw_pairs(
        &projection.connectivity,
        (n_pre, n_post, same_population),
        units,
        rows,
        &mut rng,
    );
    let mut values = HostStream::part(seed, STREAM_PARAMETERS, index, chunk);
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

impl DrawnSynapses {
    /// `parts` one after the other (each dropped once copied, the whole reserved at
    /// once).
    pub fn concat(parts: Vec<DrawnSynapses>) -> Self {
        let len = parts.iter().map(|p| p.pre.len()).sum();
        let mut all = DrawnSynapses {
            pre: Vec::with_capacity(len),
            post: Vec::with_capacity(len),
            weight: Vec::with_capacity(len),
            delay_steps: Vec::with_capacity(len),
            rule_values: Vec::new(),
        };
        for part in parts {
            all.pre.extend(part.pre);
            all.post.extend(part.post);
            all.weight.extend(part.weight);
            all.delay_steps.extend(part.delay_steps);
            all.rule_values.resize(
                part.rule_values.len().max(all.rule_values.len()),
                Vec::new(),
            );
            for (to, from) in all.rule_values.iter_mut().zip(part.rule_values) {
                to.extend(from);
            }
        }
        all
    }
}

/// The pairs of `rule` whose presynaptic neuron (postsynaptic for fixed in-degree)
/// is in `units`.
fn draw_pairs(
    rule: &Connectivity,
    (n_pre, n_post, same): (u32, u32, bool),
    units: std::ops::Range<u32>,
    rows: Option<&[u32]>,
    rng: &mut HostStream,
) -> (Vec<u32>, Vec<u32>) {
    let mut pre = Vec::new();
    let mut post = Vec::new();
    let mut push = |i: u32, j: u32| {
        pre.push(i);
        post.push(j);
    };
    let pre_units = units.start.min(n_pre)..units.end.min(n_pre);
    match *rule {
        Connectivity::AllToAll { allow_autapses } => {
            for i in pre_units {
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
                for i in pre_units {
                    let mut j: i64 = -1;
                    loop {
                        let gap = if p >= 1.0 {
                            0
                        } else {
                            (rng.next_f64_open_low().ln() / log_q).floor() as i64
                        };
                        // Saturating: for a tiny p the gap is i64::MAX.
                        j = j.saturating_add(gap).saturating_add(1);
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
            let (mut chosen, mut taken) = (Vec::with_capacity(k as usize), Vec::new());
            for j in units.start.min(n_post)..units.end.min(n_post) {
                let own = (!allow_autapses && same).then_some(j);
                choose_partners(k, n_pre, own, allow_multapses, rng, &mut chosen, &mut taken);
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
            let (mut chosen, mut taken) = (Vec::with_capacity(k as usize), Vec::new());
            for i in pre_units {
                let own = (!allow_autapses && same).then_some(i);
                choose_partners(
                    k,
                    n_post,
                    own,
                    allow_multapses,
                    rng,
                    &mut chosen,
                    &mut taken,
                );
                for &j in &chosen {
                    push(i, j);
                }
            }
        }
        Connectivity::FixedTotalNumber {
            n, allow_autapses, ..
        } => match rows {
            // With multapses: each row's targets, drawn uniformly for the length the
            // row was given, so every pair of the projection is uniform.
            Some(rows) => {
                let mut chosen = Vec::new();
                for i in pre_units {
                    let own = (!allow_autapses && same).then_some(i);
                    let (k, mut unused) = (rows[i as usize], Vec::new());
                    choose_partners(k, n_post, own, true, rng, &mut chosen, &mut unused);
                    for &j in &chosen {
                        push(i, j);
                    }
                }
            }
            // Without: pairs drawn uniformly until n distinct ones are made.
            None => {
                let mut seen = std::collections::HashSet::new();
                let mut made = 0u64;
                while made < n {
                    let i = rng.below(n_pre);
                    let j = rng.below(n_post);
                    if (!allow_autapses && same && i == j) || !seen.insert((i, j)) {
                        continue;
                    }
                    push(i, j);
                    made += 1;
                }
            }
        },
        Connectivity::OneToOne {} => {
            for i in pre_units.start..pre_units.end.min(n_post) {
                push(i, i);
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
/// `forbidden` (the neuron itself, without autapses) and, without multapses, repeats:
/// `taken` marks those chosen (sized `n` on first use, cleared again before return),
/// so a repeat is found at once rather than by a search of `chosen` (4,000 partners
/// of 4,000 per neuron took 26 s).
fn choose_partners(
    k: u32,
    n: u32,
    forbidden: Option<u32>,
    allow_multapses: bool,
    rng: &mut HostStream,
    chosen: &mut Vec<u32>,
    taken: &mut Vec<bool>,
) {
    chosen.clear();
    if !allow_multapses && taken.len() < n as usize {
        taken.resize(n as usize, false);
    }
    while chosen.len() < k as usize {
        let partner = rng.below(n);
        if forbidden == Some(partner) || (!allow_multapses && taken[partner as usize]) {
            continue;
        }
        if !allow_multapses {
            taken[partner as usize] = true;
        }
        chosen.push(partner);
    }
    if !allow_multapses {
        for &partner in chosen.iter() {
            taken[partner as usize] = false;
        }
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
