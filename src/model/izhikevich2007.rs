//! The network of Izhikevich (2007), "Solving the distal reward problem through
//! linkage of STDP and dopamine signaling" (Cerebral Cortex 17:2443): 800 regular-
//! spiking excitatory and 200 fast-spiking inhibitory Izhikevich neurons (the
//! paper's two half steps of v at dt = 1 ms), 100 synapses per neuron without
//! multapses, all delays 1 ms. Excitatory synapses (onto E and I) follow
//! `stdp_dopamine_synapse` in [0, 4] mV, starting at 1; inhibitory ones are −1 mV.
//!
//! The paper's rule, mapped onto the continuous one: nearest-spike STDP traces with
//! τ = 20 ms add 0.1 (LTP) and subtract 0.15 (LTD) from the eligibility `sd`, which
//! decays by 0.99 every 10 ms (τ_c ≈ 1 s) and moves the weight by `(0.002 + DA) sd`
//! every 10 ms; DA decays with τ = 200 ms and a reward adds 0.5. Per ms that is
//! `dw/dt = c (n − b)` with `c = sd / 10` (so A₊ = 0.01, A₋ = 0.015), `n = DA` and
//! `b = −0.002`. The paper's thalamic input (20 mV to one random neuron per ms) is an
//! independent 1 Hz Poisson train of 20 mV kicks per neuron: the same mean.

use super::{
    Connectivity, Izhikevich, Modulator, Network, NeuronModel, Pairing, Plasticity, Population,
    Projection, Receptor, Stimulus, Value,
};

/// The excitatory weight bound (mV).
pub const W_MAX: f64 = 4.0;
/// Dopamine one reward adds.
pub const REWARD: f64 = 0.5;

/// The network's size and drive, the paper's by default; smaller or faster-learning
/// variants keep its structure (tests use one to reach the result in less time).
#[derive(Debug, Clone, PartialEq)]
pub struct Izhikevich2007 {
    pub excitatory: u32,
    pub inhibitory: u32,
    /// Synapses per neuron (excitatory ones split in proportion to E and I).
    pub synapses: u32,
    /// Rate of each neuron's 20 mV Poisson kicks (Hz).
    pub input_hz: f64,
    /// Scales A₊ and A₋ of the rule.
    pub learning_scale: f64,
}

impl Default for Izhikevich2007 {
    fn default() -> Self {
        Self {
            excitatory: 800,
            inhibitory: 200,
            synapses: 100,
            input_hz: 1.0,
            learning_scale: 1.0,
        }
    }
}

/// The paper's plasticity rule for the excitatory synapses, A₊ and A₋ scaled by
/// `learning_scale`.
pub fn dopamine_rule(learning_scale: f64) -> Plasticity {
    Plasticity::StdpDopamineSynapse {
        tau_plus: 20.0,
        tau_minus: 20.0,
        a_plus: 0.01 * learning_scale,
        a_minus: 0.015 * learning_scale,
        tau_c: 1000.0,
        tau_n: 200.0,
        b: -0.002,
        w_min: 0.0,
        w_max: W_MAX,
        pairing: Pairing::Nearest,
        modulator: Modulator::Trace,
        volume_transmitter: None,
    }
}

impl Izhikevich2007 {
    /// A quarter-size variant (250 neurons, 50 synapses each) with 3 Hz drive and A±
    /// doubled, in which the conditioning result appears within ten simulated minutes
    /// (the tests run it).
    pub fn small() -> Self {
        Self {
            excitatory: 200,
            inhibitory: 50,
            synapses: 50,
            input_hz: 3.0,
            learning_scale: 2.0,
        }
    }
}

/// The paper's network with `seed`.
pub fn network(seed: u64) -> Network {
    Izhikevich2007::default().network(seed)
}

impl Izhikevich2007 {
    /// The network with `seed`: projections 0 (E → E) and 1 (E → I) are plastic, 2
    /// (I → E) static. Spikes of E are recorded.
    pub fn network(&self, seed: u64) -> Network {
        let mut net = Network::new(1.0, seed);
        let neuron = |a: f64, d: f64| {
            NeuronModel::Izhikevich(Izhikevich {
                a,
                b: 0.2,
                c: -65.0,
                d,
                v_thresh: 30.0,
                i_offset: 0.0,
                half_steps: true,
            })
        };
        let rest = Value::constant(-65.0);
        net.add_population(
            Population::new("E", self.excitatory, neuron(0.02, 8.0)).with_initial_v(rest.clone()),
        );
        net.add_population(
            Population::new("I", self.inhibitory, neuron(0.1, 2.0)).with_initial_v(rest),
        );
        let total = f64::from(self.excitatory + self.inhibitory);
        let onto_e = (f64::from(self.synapses) * f64::from(self.excitatory) / total).round() as u32;
        let out_degree = |k| Connectivity::FixedOutDegree {
            k,
            allow_autapses: false,
            allow_multapses: false,
        };
        for (post, k) in [("E", onto_e), ("I", self.synapses - onto_e)] {
            net.add_projection(
                Projection::new("E", post, out_degree(k), 1.0, 1.0, Receptor::Excitatory)
                    .with_plasticity(dopamine_rule(self.learning_scale)),
            );
        }
        net.add_projection(Projection::new(
            "I",
            "E",
            out_degree(self.synapses),
            -1.0,
            1.0,
            Receptor::Inhibitory,
        ));
        for target in ["E", "I"] {
            net.add_stimulus(Stimulus::Poisson {
                target: target.into(),
                rate_hz: self.input_hz,
                weight: 20.0,
                receptor: Receptor::Excitatory,
                start_ms: 0.0,
                stop_ms: None,
            });
        }
        net.record_spikes("E");
        net
    }
}
