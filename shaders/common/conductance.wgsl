// The membrane of the conductance-based integrate-and-fire models, whose parameter
// blocks start with g_leak, v_rest, e_rev_E, e_rev_I, i_offset, 1/cm.
// Twin: src/cpu/neurons/conductance.rs. Uses `rounded`, `det_exp`, `det_recip` and the
// stage's `params`.

// dV/dt at membrane potential v with conductances g_e, g_i and current i.
fn conductance_dvdt(b: u32, v: f32, g_e: f32, g_i: f32, i: f32) -> f32 {
    let leak = rounded(param(b) * rounded(param(b + 1u) - v));
    let exc = rounded(g_e * rounded(param(b + 2u) - v));
    let inh = rounded(g_i * rounded(param(b + 3u) - v));
    let total = rounded(rounded(rounded(leak + exc) + inh) + i);
    return rounded(total * param(b + 5u));
}

// One classical RK4 step of V over h with the conductances at the start, middle and
// end of the step.
fn conductance_rk4(b: u32, v: f32, h: f32, g_e: vec3<f32>, g_i: vec3<f32>, i: f32) -> f32 {
    let half = rounded(0.5 * h);
    let k1 = conductance_dvdt(b, v, g_e.x, g_i.x, i);
    let k2 = conductance_dvdt(b, rounded(v + rounded(half * k1)), g_e.y, g_i.y, i);
    let k3 = conductance_dvdt(b, rounded(v + rounded(half * k2)), g_e.y, g_i.y, i);
    let k4 = conductance_dvdt(b, rounded(v + rounded(h * k3)), g_e.z, g_i.z, i);
    let sum = rounded(rounded(rounded(k1 + rounded(2.0 * k2)) + rounded(2.0 * k3)) + k4);
    return rounded(v + rounded(rounded(h * sum) * (1.0 / 6.0)));
}

// One step of V over h. Where the step resolves the membrane's effective time constant
// (G h / C < 1/2, G = g_L + g_E + g_I at mid-step) the RK4 step above; beyond it RK4
// grows inaccurate and past G h / C = 2.78 unstable (a strong inhibitory conductance
// made a neuron fire), so there V takes the exact solution of its linear equation with
// the conductances held at their mid-step values: V∞ + (V − V∞) e^(−G h / C), V∞ =
// (g_L v_rest + g_E e_rev_E + g_I e_rev_I + I) / G.
fn conductance_step(b: u32, v: f32, h: f32, g_e: vec3<f32>, g_i: vec3<f32>, i: f32) -> f32 {
    let g_total = rounded(rounded(param(b) + g_e.y) + g_i.y);
    let stiffness = rounded(rounded(g_total * h) * param(b + 5u));
    if (stiffness < 0.5) {
        return conductance_rk4(b, v, h, g_e, g_i, i);
    }
    let drive = rounded(rounded(rounded(rounded(param(b) * param(b + 1u)) + rounded(g_e.y * param(b + 2u))) + rounded(g_i.y * param(b + 3u))) + i);
    let v_inf = rounded(drive * det_recip(g_total));
    return rounded(v_inf + rounded(rounded(v - v_inf) * det_exp(-stiffness)));
}
