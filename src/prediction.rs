//! A reservoir that learns *when* a periodic stimulus will come: a heterogeneous
//! Izhikevich network receives a brief pulse every `PERIOD_MS`; every excitatory cell
//! has a tonic drive of its own (and its own reset and adaptation), so after the
//! pulse resets them all the cells come back at their own latencies and the
//! reservoir's state tells the phase. One LIF readout learns online by the
//! error-modulated rule, through excitatory and inhibitory synapses from every
//! excitatory cell (so the learned weight can take either sign): after each 5 ms
//! window its error is set to a target rate in the window `LEAD_MS` before the next
//! pulse and zero elsewhere, minus its rate. After training it fires only then.
//! `examples/prediction_reservoir.rs` prints where in the period it fires, epoch by
//! epoch.

use crate::model::Plasticity;
use crate::{
    Connectivity, Error, IafPscExp, Izhikevich, Network, NeuronModel, Population, Projection,
    Receptor, Simulation, SpikeSourceStream, Stimulus, Value,
};

pub const DT: f64 = 1.0;
pub const PERIOD_MS: f64 = 100.0;
/// The readout should fire this long before each pulse.
pub const LEAD_MS: f64 = 20.0;
pub const WINDOW_MS: f64 = 5.0;
pub const TARGET_HZ: f64 = 200.0;
pub const N_E: u32 = 400;
pub const N_I: u32 = 100;
pub const PULSE_CHANNELS: u32 = 20;
pub const I_LOW: f64 = 3.5;
pub const I_HIGH: f64 = 9.0;
pub const W_E: f64 = 1.0;
pub const W_I: f64 = 2.0;

/// The network: the pulse channels (a `spike_source_stream`), the reservoir and the
/// readout, whose synapses from E learn by the error-modulated rule.
pub fn network() -> Network {
    let mut net = Network::new(DT, 11);
    let izhikevich = |a, b, c, d| {
        NeuronModel::Izhikevich(Izhikevich {
            a,
            b,
            c,
            d,
            half_steps: true,
            ..Default::default()
        })
    };
    net.add_population(Population::new(
        "pulse",
        PULSE_CHANNELS,
        NeuronModel::SpikeSourceStream(SpikeSourceStream::default()),
    ));
    // Excitatory: regular spiking (Izhikevich 2003) with a tonic drive of its own, so
    // each cell fires at its own rate and, reset by the pulse, at its own latencies;
    // c and d spread from regular spiking toward chattering. Inhibitory: fast
    // spiking to low-threshold.
    net.add_population(
        Population::new("E", N_E, izhikevich(0.02, 0.2, -65.0, 8.0))
            .with_heterogeneous("i_offset", Value::uniform(I_LOW, I_HIGH))
            .with_heterogeneous("c", Value::uniform(-65.0, -55.0))
            .with_heterogeneous("d", Value::uniform(4.0, 8.0)),
    );
    net.add_population(
        Population::new("I", N_I, izhikevich(0.1, 0.2, -65.0, 2.0))
            .with_heterogeneous("i_offset", Value::uniform(I_LOW, I_HIGH))
            .with_heterogeneous("a", Value::uniform(0.02, 0.1))
            .with_heterogeneous("b", Value::uniform(0.2, 0.25)),
    );
    net.add_population(Population::new(
        "readout",
        1,
        NeuronModel::IafPscExp(IafPscExp {
            v_thresh: -50.0,
            tau_refrac: 2.0,
            ..Default::default()
        }),
    ));
    for target in ["E", "I"] {
        net.add_stimulus(Stimulus::Poisson {
            target: target.into(),
            rate_hz: 500.0,
            weight: 1.0,
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        });
    }
    let p = |p: f64| Connectivity::FixedProbability {
        p,
        allow_autapses: false,
    };
    let delay = Value::uniform(1.0, 10.0);
    for (pre, post, connectivity, weight, receptor) in [
        (
            "pulse",
            "E",
            p(0.5),
            Value::from(10.0),
            Receptor::Excitatory,
        ),
        (
            "pulse",
            "I",
            p(0.5),
            Value::from(10.0),
            Receptor::Excitatory,
        ),
        (
            "E",
            "E",
            p(0.1),
            Value::uniform(0.0, W_E),
            Receptor::Excitatory,
        ),
        (
            "E",
            "I",
            p(0.1),
            Value::uniform(0.0, W_E),
            Receptor::Excitatory,
        ),
        (
            "I",
            "E",
            p(0.1),
            Value::uniform(-W_I, 0.0),
            Receptor::Inhibitory,
        ),
        (
            "I",
            "I",
            p(0.1),
            Value::uniform(-W_I, 0.0),
            Receptor::Inhibitory,
        ),
    ] {
        net.add_projection(Projection::new(
            pre,
            post,
            connectivity,
            weight,
            delay.clone(),
            receptor,
        ));
    }
    let all = Connectivity::AllToAll {
        allow_autapses: true,
    };
    for (weight, receptor, (w_min, w_max)) in [
        (0.01, Receptor::Excitatory, (0.0, 3.0)),
        (-0.01, Receptor::Inhibitory, (-3.0, 0.0)),
    ] {
        net.add_projection(
            Projection::new("E", "readout", all.clone(), weight, 1.0, receptor).with_plasticity(
                Plasticity::ErrorModulatedSynapse {
                    eta: 2e-5,
                    tau_pre: 10.0,
                    w_min,
                    w_max,
                },
            ),
        );
    }
    net.add_readout("readout", 10.0);
    net.add_readout("E", 10.0);
    net
}

/// Runs one period from the present time (the pulse 1 ms in); with `learn`, sets the
/// readout's error after each window (target rate minus its rate). Returns the
/// readout's spikes per window of the period and the reservoir's spikes.
pub fn period(sim: &mut Simulation, learn: bool) -> Result<(Vec<u32>, u64), Error> {
    let start = sim.time_ms();
    let pulse: Vec<(f64, u32)> = (0..PULSE_CHANNELS).map(|c| (start + 1.0, c)).collect();
    sim.push_events("pulse", 0, &pulse)?;
    let windows = (PERIOD_MS / WINDOW_MS) as usize;
    let mut fired = vec![0u32; windows];
    let mut reservoir = 0;
    for (w, count) in fired.iter_mut().enumerate() {
        let end = start + (w + 1) as f64 * WINDOW_MS;
        let window = sim.run_until(end)?;
        let readouts = &window.readouts;
        let out = readouts
            .iter()
            .find(|r| r.population == "readout")
            .expect("readout");
        *count = out.window_counts[0];
        reservoir += readouts
            .iter()
            .find(|r| r.population == "E")
            .expect("E")
            .window_counts
            .iter()
            .map(|&c| u64::from(c))
            .sum::<u64>();
        if learn {
            let phase = end - start;
            let target = if (phase - (PERIOD_MS - LEAD_MS)).abs() < WINDOW_MS + 0.5 {
                TARGET_HZ
            } else {
                0.0
            };
            sim.set_error("readout", 0, &[(target - out.rates_hz[0]) as f32])?;
        }
    }
    sim.set_error("readout", 0, &[0.0])?;
    Ok((fired, reservoir))
}

/// Per epoch: where in the period the readout fires on fresh periods without learning.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseReport {
    /// The readout's spikes per 10 ms of phase, over the test periods.
    pub histogram: Vec<u32>,
    /// The share of them within 10 ms of the target time.
    pub near_target: f64,
    /// The reservoir's mean rate (Hz).
    pub reservoir_hz: f64,
}

/// Trains on `train` periods (none for `train = 0`), then tests on `test` periods (at
/// least one: the report is the test's).
pub fn epoch(sim: &mut Simulation, train: u32, test: u32) -> Result<PhaseReport, Error> {
    if test == 0 {
        return Err(Error::Prediction(
            "no test period: the report's rates and histogram are the test's".into(),
        ));
    }
    for _ in 0..train {
        period(sim, true)?;
    }
    let bins = (PERIOD_MS / 10.0) as usize;
    let mut histogram = vec![0u32; bins];
    let mut reservoir = 0;
    for _ in 0..test {
        let (fired, spikes) = period(sim, false)?;
        reservoir += spikes;
        for (w, n) in fired.iter().enumerate() {
            histogram[(w as f64 * WINDOW_MS / 10.0) as usize] += n;
        }
    }
    let total: u32 = histogram.iter().sum();
    let target = ((PERIOD_MS - LEAD_MS) / 10.0) as usize;
    let near: u32 = histogram[target - 1..=target].iter().sum();
    Ok(PhaseReport {
        near_target: if total > 0 {
            f64::from(near) / f64::from(total)
        } else {
            0.0
        },
        reservoir_hz: reservoir as f64 / f64::from(N_E) / (f64::from(test) * PERIOD_MS / 1000.0),
        histogram,
    })
}
