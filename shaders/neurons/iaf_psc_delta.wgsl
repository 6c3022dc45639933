// iaf_psc_delta (PyNN IF_curr_delta): equations, units and scheme in
// src/model/neuron.rs (IafPscDelta). Twin: src/cpu/neurons/iaf_psc_delta.rs.
// State: v (relative to rest, mV). Synaptic input: voltage jumps (mV).
// Parameters: p33, p30, i_offset, theta, v_reset.
// Every intermediate goes through `rounded` (see common/rounding.wgsl).

const STATE_COUNT: u32 = 1u;

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    var v = (*s)[0];
    if (*r == 0u) {
        // (P33 v + P30 (i_offset + I_stim)) + (J_E + J_I)
        let drive = rounded(param(b + 2u) + current);
        let free = rounded(rounded(param(b) * v) + rounded(param(b + 1u) * drive));
        v = rounded(free + rounded(synaptic[0] + synaptic[1]));
    } else {
        // NEST discards input that arrives during the refractory period.
        *r = *r - 1u;
    }
    let spiked = v >= param(b + 3u);
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if (spiked && !is_nonfinite(v)) {
        v = param(b + 4u);
        *r = p.refractory_steps;
    }
    (*s)[0] = v;
    return spiked;
}
