//! Single neurons against analytic results: the f-I curve of the LIF neuron, and
//! exact synaptic delays.

use neurodyn::{
    Backend, IafPscExp, Network, NeuronModel, Population, Projection, Receptor, Simulation,
    Stimulus, Value,
};

const TAU_M: f64 = 20.0;
const CM: f64 = 1.0;
const T_REF: f64 = 2.0;
const THETA: f64 = 15.0;

fn neuron(i_offset: f64) -> NeuronModel {
    NeuronModel::IafPscExp(IafPscExp {
        cm: CM,
        tau_m: TAU_M,
        tau_syn_e: 5.0,
        tau_syn_i: 5.0,
        tau_refrac: T_REF,
        v_rest: -70.0,
        v_reset: -70.0,
        v_thresh: -70.0 + THETA,
        i_offset,
    })
}

/// 1 / (t_ref + τm ln(RI / (RI − θ))), in Hz.
fn analytic_rate(i_na: f64) -> f64 {
    let ri = TAU_M / CM * i_na;
    1000.0 / (T_REF + TAU_M * (ri / (ri - THETA)).ln())
}

fn f_i_curve(backend: Backend) -> Vec<neurodyn::SpikeRecord> {
    let currents = [0.5, 0.74, 0.8, 0.9, 1.0, 1.2, 1.5, 1.8];
    let mut net = Network::new(0.1, 1);
    for (k, &i) in currents.iter().enumerate() {
        let name = format!("i{k}");
        net.add_population(Population::new(&name, 1, neuron(i)));
        net.record_spikes(&name);
    }
    // The same current from a dc_generator instead of i_offset.
    net.add_population(Population::new("dc", 1, neuron(0.0)));
    net.add_stimulus(Stimulus::Dc {
        target: "dc".into(),
        amplitude_na: 1.0,
        start_ms: 0.0,
        stop_ms: None,
    });
    net.record_spikes("dc");
    let mut sim = Simulation::new(&net, backend).unwrap();
    sim.run_ms(2000.0).unwrap();
    let rheobase = THETA * CM / TAU_M;
    for (k, &i) in currents.iter().enumerate() {
        let record = sim.spikes(&format!("i{k}")).unwrap();
        if i < rheobase {
            assert!(record.is_empty(), "{i} nA is below rheobase but fired");
            continue;
        }
        let times = record.times_ms();
        assert!(times.len() > 20, "{i} nA: only {} spikes", times.len());
        // Rate from the mean inter-spike interval (no edge effect from the window).
        let mean_isi = (times[times.len() - 1] - times[0]) / (times.len() - 1) as f64;
        let rate = 1000.0 / mean_isi;
        let expected = analytic_rate(i);
        let error = (rate - expected).abs() / expected;
        assert!(
            error < 0.01,
            "{i} nA: {rate:.3} Hz vs analytic {expected:.3} Hz ({:.2}%)",
            error * 100.0
        );
    }
    let dc = sim.spikes("dc").unwrap();
    let offset = sim
        .spikes(&format!(
            "i{}",
            currents.iter().position(|&i| i == 1.0).unwrap()
        ))
        .unwrap();
    assert_eq!(
        dc.steps, offset.steps,
        "dc_generator and i_offset give different spikes"
    );
    sim.spike_records().to_vec()
}

#[test]
fn lif_fires_at_the_analytic_rate_on_both_backends_identically() {
    let gpu = f_i_curve(Backend::Gpu);
    let cpu = f_i_curve(Backend::Cpu);
    assert_eq!(gpu, cpu);
}

/// A neuron starting above threshold spikes in step 0; its spike must change the
/// target's synaptic current exactly `d` steps later.
fn arrival_step(backend: Backend, delay_steps: u32) -> u64 {
    let dt = 0.1;
    let mut net = Network::new(dt, 1);
    net.add_population(
        Population::new("pre", 1, neuron(0.0)).with_initial_v(Value::constant(-50.0)),
    );
    net.add_population(Population::new("post", 1, neuron(0.0)));
    net.add_projection(Projection::from_list(
        "pre",
        "post",
        &[(0, 0, 0.01, f64::from(delay_steps) * dt)],
        Receptor::Excitatory,
    ));
    net.record_spikes("pre");
    net.record_state("post", "i_syn_E", vec![0], 1);
    let mut sim = Simulation::new(&net, backend).unwrap();
    sim.run(u64::from(delay_steps) + 20).unwrap();
    let pre = sim.spikes("pre").unwrap();
    assert_eq!(
        pre.steps,
        vec![0],
        "the presynaptic neuron spikes once, in step 0"
    );
    let probe = sim.state_record("post", "i_syn_E").unwrap();
    let first = probe
        .trace(0)
        .iter()
        .position(|&i| i != 0.0)
        .expect("the spike arrived");
    probe.steps[first] - pre.steps[0]
}

#[test]
fn a_spike_arrives_exactly_its_delay_later() {
    for backend in [Backend::Gpu, Backend::Cpu] {
        for d in [1, 2, 7, 15, 200, 1234] {
            assert_eq!(
                arrival_step(backend.clone(), d),
                u64::from(d),
                "delay {d} steps on {backend:?}"
            );
        }
    }
}

/// Successive `run_ms` calls add up their times, not their rounded steps; `run`
/// between them counts from the step reached.
#[test]
fn run_ms_adds_up_times_not_rounded_steps() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("n", 1, neuron(0.0)));
    let mut sim = Simulation::new(&net, Backend::Cpu).unwrap();
    let mut steps = Vec::new();
    for _ in 0..4 {
        sim.run_ms(0.25).unwrap();
        steps.push(sim.current_step());
    }
    assert_eq!(steps, [3, 5, 8, 10]);
    sim.run(1).unwrap();
    // 1000 × 0.1 ms from 1.1 ms: the sum's rounding errors do not add a step.
    for _ in 0..1000 {
        sim.run_ms(0.1).unwrap();
    }
    assert_eq!(sim.current_step(), 1011);
}
