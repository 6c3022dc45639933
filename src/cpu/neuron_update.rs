//! Neuron update of `iaf_psc_exp`, the twin of `shaders/neuron_update.wgsl`: one call
//! per invocation, the same arithmetic in the same order (`arith::fma`, rounding as
//! the device does, where the shader writes `fma`).

use super::arith::fma;
use super::buffers::Buffers;
use super::fixed_point::report_saturation;
use super::poisson::{poisson_events, STREAM_STIMULUS};
use crate::plan::layout::{STATE_I_EX, STATE_I_IN, STATE_V, STIMULUS_DC};

fn population_of(b: &Buffers, neuron: u32) -> usize {
    let mut found = 0;
    for i in 1..b.config.n_populations as usize {
        if neuron >= b.populations[i].first {
            found = i;
        }
    }
    found
}

/// One invocation: neuron `gid` (instance-major) integrates one step.
pub fn neuron_update_main(gid: u32, b: &mut Buffers) {
    let c = b.config;
    let total = c.n_neurons * c.n_instances;
    if gid >= total {
        return;
    }
    let instance = gid / c.n_neurons;
    let neuron = gid - instance * c.n_neurons;
    let p = b.populations[population_of(b, neuron)];
    let step = b.counters.step;

    let slot = step % c.ring_depth;
    let ring_ex =
        (((slot * c.n_instances + instance) * c.n_receptors) * c.n_neurons + neuron) as usize;
    let ring_in = ring_ex + c.n_neurons as usize;
    let mut input = [
        std::mem::take(&mut b.ring[ring_ex]),
        std::mem::take(&mut b.ring[ring_in]),
    ];

    let mut current = p.i_offset;
    let key = [c.seed_lo, c.seed_hi];
    for s in p.stim_first..p.stim_first + p.stim_count {
        let stim = b.stimuli[s as usize];
        if step < stim.start_step || step >= stim.stop_step {
            continue;
        }
        if stim.kind == STIMULUS_DC {
            current += stim.amplitude;
        } else {
            let r = stim.receptor as usize;
            let (acc, saturated) =
                poisson_events(&stim, input[r], key, gid, step, STREAM_STIMULUS + s);
            input[r] = acc;
            if saturated {
                let target_index =
                    (instance * c.n_receptors + stim.receptor) * c.n_neurons + neuron;
                report_saturation(&mut b.counters, step, target_index);
            }
        }
    }

    let at = |var: u32| (var * total + gid) as usize;
    let mut v = b.state[at(STATE_V)];
    let mut i_ex = b.state[at(STATE_I_EX)];
    let mut i_in = b.state[at(STATE_I_IN)];
    let mut r = b.refractory[gid as usize];
    let m = b.fma;
    if r == 0 {
        v = fma(
            m,
            p.p22,
            v,
            fma(m, p.p21_ex, i_ex, fma(m, p.p21_in, i_in, p.p20 * current)),
        );
    } else {
        r -= 1;
    }
    i_ex = fma(m, p.p11_ex, i_ex, input[0] as f32 * p.input_unit_ex);
    i_in = fma(m, p.p11_in, i_in, input[1] as f32 * p.input_unit_in);
    let spiked = v >= p.theta;
    if spiked {
        v = p.v_reset;
        r = p.refractory_steps;
    }
    b.state[at(STATE_V)] = v;
    b.state[at(STATE_I_EX)] = i_ex;
    b.state[at(STATE_I_IN)] = i_in;
    b.refractory[gid as usize] = r;

    if spiked {
        b.spike_list[b.counters.spike_count as usize] = gid;
        b.counters.spike_count += 1;
        if p.record != 0 {
            let at = b.counters.record_count;
            b.counters.record_count += 1;
            if at < c.record_capacity {
                b.record[at as usize] = gid;
            }
        }
    }
}
