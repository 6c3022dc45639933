// hh_cond_exp_traub (Hodgkin–Huxley after Traub & Miles 1991; the COBAHH benchmark's
// neuron): equations, units and scheme in src/model/neuron.rs (HhCondExpTraub).
// Twin: src/cpu/neurons/hh_cond_exp_traub.rs.
// State: v (mV), m, h, n, g_E, g_I (µS).
// Parameters: g_Na, g_K, g_L, E_Na, E_K, E_L, V_T, e_rev_E, e_rev_I, 1/cm, i_offset,
// substep, substeps, decays of g_E and g_I over half a substep and a substep.
// Every intermediate goes through `rounded`; exponentials and quotients are det_*.

const STATE_COUNT: u32 = 6u;

// d(v, m, h, n)/dt.
fn hh_rhs(b: u32, y: vec4<f32>, g_e: f32, g_i: f32, i: f32) -> vec4<f32> {
    let v = y.x;
    let m = y.y;
    let h = y.z;
    let n = y.w;
    let vt = rounded(param(b + 6u) - v);
    let alpha_m = rounded(0.32 * det_x_over_expm1(rounded(13.0 + vt), 4.0, 0.25));
    let beta_m = rounded(0.28 * det_x_over_expm1(rounded(-40.0 - vt), 5.0, 0.2));
    let alpha_h = rounded(0.128 * det_exp(rounded(rounded(17.0 + vt) * (1.0 / 18.0))));
    let beta_h = rounded(4.0 * det_recip(rounded(1.0 + det_exp(rounded(rounded(40.0 + vt) * 0.2)))));
    let alpha_n = rounded(0.032 * det_x_over_expm1(rounded(15.0 + vt), 5.0, 0.2));
    let beta_n = rounded(0.5 * det_exp(rounded(rounded(10.0 + vt) * 0.025)));
    let m3h = rounded(rounded(rounded(m * m) * m) * h);
    let n2 = rounded(n * n);
    let i_na = rounded(rounded(param(b) * m3h) * rounded(v - param(b + 3u)));
    let i_k = rounded(rounded(param(b + 1u) * rounded(n2 * n2)) * rounded(v - param(b + 4u)));
    let i_l = rounded(param(b + 2u) * rounded(v - param(b + 5u)));
    let i_syn = rounded(rounded(g_e * rounded(v - param(b + 7u))) + rounded(g_i * rounded(v - param(b + 8u))));
    let total = rounded(rounded(i - rounded(rounded(i_na + i_k) + i_l)) - i_syn);
    return vec4<f32>(
        rounded(total * param(b + 9u)),
        rounded(rounded(alpha_m * rounded(1.0 - m)) - rounded(beta_m * m)),
        rounded(rounded(alpha_h * rounded(1.0 - h)) - rounded(beta_h * h)),
        rounded(rounded(alpha_n * rounded(1.0 - n)) - rounded(beta_n * n)),
    );
}

// y + c k, component by component.
fn hh_axpy(y: vec4<f32>, c: f32, k: vec4<f32>) -> vec4<f32> {
    return vec4<f32>(rounded(y.x + rounded(c * k.x)), rounded(y.y + rounded(c * k.y)), rounded(y.z + rounded(c * k.z)), rounded(y.w + rounded(c * k.w)));
}

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    let v_before = (*s)[0];
    var y = vec4<f32>((*s)[0], (*s)[1], (*s)[2], (*s)[3]);
    var g_e = (*s)[4];
    var g_i = (*s)[5];
    let dt = param(b + 11u);
    let half = rounded(0.5 * dt);
    let i = rounded(param(b + 10u) + current);
    let substeps = u32(param(b + 12u));
    for (var k = 0u; k < substeps; k = k + 1u) {
        let g_e_mid = rounded(g_e * param(b + 13u));
        let g_i_mid = rounded(g_i * param(b + 15u));
        let g_e_end = rounded(g_e * param(b + 14u));
        let g_i_end = rounded(g_i * param(b + 16u));
        let k1 = hh_rhs(b, y, g_e, g_i, i);
        let k2 = hh_rhs(b, hh_axpy(y, half, k1), g_e_mid, g_i_mid, i);
        let k3 = hh_rhs(b, hh_axpy(y, half, k2), g_e_mid, g_i_mid, i);
        let k4 = hh_rhs(b, hh_axpy(y, dt, k3), g_e_end, g_i_end, i);
        let sum = hh_axpy(hh_axpy(hh_axpy(k1, 2.0, k2), 2.0, k3), 1.0, k4);
        y = hh_axpy(y, rounded(dt * (1.0 / 6.0)), sum);
        g_e = g_e_end;
        g_i = g_i_end;
    }
    // NEST: a spike is the peak of an action potential, V >= V_T + 30 mV and falling.
    var spiked = false;
    if (*r > 0u) {
        *r = *r - 1u;
    } else if (y.x >= rounded(param(b + 6u) + 30.0) && y.x < v_before) {
        spiked = true;
        *r = p.refractory_steps;
    }
    (*s)[0] = y.x;
    (*s)[1] = y.y;
    (*s)[2] = y.z;
    (*s)[3] = y.w;
    (*s)[4] = rounded(g_e + synaptic[0]);
    (*s)[5] = rounded(g_i + synaptic[1]);
    return spiked;
}
