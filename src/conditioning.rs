//! Izhikevich (2007)'s classical conditioning, run as a closed loop from the host:
//! one excitatory synapse (n1 → n2) starts at 0, and every time n2 fires within
//! 20 ms after n1 a reward (dopamine, `izhikevich2007::REWARD`) is scheduled 1–3 s
//! later. The host runs the network in windows of `WINDOW_MS`, reads each window's
//! spikes, schedules rewards and delivers the due ones at the start of a window (so
//! a reward's delay is rounded to the window). The reward delays come from the
//! counter RNG, so a run is reproducible.

use std::collections::VecDeque;

use crate::cpu::rng::HostStream;
use crate::error::Error;
use crate::model::izhikevich2007::{network, REWARD, W_MAX};
use crate::model::Network;
use crate::{Backend, Simulation};

/// Length of one window of the loop (ms).
pub const WINDOW_MS: f64 = 100.0;
/// Pairing interval: n2 within this long after n1 earns a reward (ms).
const PAIRING_MS: f64 = 20.0;
/// Stream tag of the reward delays.
const STREAM_REWARD: u32 = 0x5265_7761; // "Rewa"

/// The state of the experiment at a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditioningReport {
    pub time_s: f64,
    /// Rewards delivered so far.
    pub rewards: u64,
    /// Weight of the reinforced synapse (mV).
    pub reinforced: f64,
    /// Median and mean of the other E → E weights (mV).
    pub median_others: f64,
    pub mean_others: f64,
    /// Mean rate of E since the previous report (Hz).
    pub rate_e_hz: f64,
}

/// The experiment: the network, the reinforced synapse and the pending rewards.
pub struct Conditioning {
    sim: Simulation,
    /// The reinforced synapse: its index in projection 0 and its pre and post neuron.
    synapse: usize,
    pre: u32,
    post: u32,
    pending: VecDeque<f64>,
    last_pre_ms: f64,
    rewards: u64,
    rng: HostStream,
    spikes_since_report: u64,
    ms_since_report: f64,
    /// Index of E in the plan's populations.
    e_index: usize,
}

impl Conditioning {
    /// The experiment on the network of `model::izhikevich2007` with `seed`.
    pub fn new(seed: u64, backend: Backend) -> Result<Self, Error> {
        Self::with_network(&network(seed), backend)
    }

    /// The experiment on `network`, a variant of `izhikevich2007::network` (same
    /// populations and projections, other parameters).
    /// Refused unless it has a population `E` whose spikes are recorded and a plastic
    /// projection 0 with a synapse to reinforce (`Error::Conditioning`); projections 0
    /// and 1 take the rewards, so a rule without a modulator fails at the first one
    /// (`Error::Modulator`).
    pub fn with_network(network: &Network, backend: Backend) -> Result<Self, Error> {
        let refuse = |reason: &str| Err(Error::Conditioning(reason.to_string()));
        let recorded = network.recorders.iter().any(
            |r| matches!(r, crate::model::Recorder::Spikes { population } if population == "E"),
        );
        if !recorded {
            return refuse("the network needs a population `E` with its spikes recorded");
        }
        let mut sim = Simulation::new(network, backend)?;
        let synapse = 0;
        let (pre, post) = {
            let p = sim.plastic_projection(0)?;
            match (p.pre.get(synapse), p.post.get(synapse)) {
                (Some(&pre), Some(&post)) => (pre, post),
                _ => return refuse("projections[0] has no synapse to reinforce"),
            }
        };
        let mut weights = sim.weights(0)?;
        weights[synapse] = 0.0;
        sim.set_weights(0, &weights)?;
        Ok(Self {
            synapse,
            pre,
            post,
            pending: VecDeque::new(),
            last_pre_ms: f64::NEG_INFINITY,
            rewards: 0,
            rng: HostStream::new(network.seed, STREAM_REWARD, 0),
            spikes_since_report: 0,
            ms_since_report: 0.0,
            e_index: (sim.plan().populations.iter())
                .position(|p| p.name == "E")
                .unwrap_or_default(),
            sim,
        })
    }

    pub fn device(&self) -> String {
        self.sim.device()
    }

    pub fn reinforced_pre(&self) -> u32 {
        self.pre
    }

    pub fn reinforced_post(&self) -> u32 {
        self.post
    }

    pub fn w_max(&self) -> f64 {
        W_MAX
    }

    pub fn simulation(&mut self) -> &mut Simulation {
        &mut self.sim
    }

    /// Runs for `duration_ms`, calling `report` every `report_ms` and at the end;
    /// returns the last report.
    pub fn run(
        &mut self,
        duration_ms: f64,
        report_ms: f64,
        report: &mut dyn FnMut(&ConditioningReport),
    ) -> Result<ConditioningReport, Error> {
        for t_ms in [duration_ms, report_ms] {
            if !(t_ms.is_finite() && t_ms >= 0.0) {
                return Err(Error::NotATime { t_ms });
            }
        }
        let windows = (duration_ms / WINDOW_MS).round() as u64;
        let per_report = ((report_ms / WINDOW_MS).round() as u64).max(1);
        let mut last = None;
        for w in 1..=windows {
            self.window()?;
            if w % per_report == 0 || w == windows {
                let r = self.report()?;
                report(&r);
                last = Some(r);
            }
        }
        match last {
            Some(r) => Ok(r),
            None => self.report(),
        }
    }

    /// One window: deliver due rewards, run, schedule rewards for new pairings.
    fn window(&mut self) -> Result<(), Error> {
        let now = self.sim.time_ms();
        while self.pending.front().is_some_and(|&t| t <= now) {
            self.pending.pop_front();
            self.rewards += 1;
            for projection in [0, 1] {
                self.sim.add_modulator(projection, 0, REWARD as f32)?;
            }
        }
        self.sim.run_ms(WINDOW_MS)?;
        let records = self.sim.drain_spikes();
        // Recorded: `with_network` checked.
        let Some(e) = records.iter().find(|r| r.population == "E") else {
            return Err(Error::Conditioning("no spikes of `E` recorded".into()));
        };
        self.spikes_since_report += e.len() as u64;
        self.ms_since_report += WINDOW_MS;
        // Spikes come ordered by step; within a step n1 and n2 are not a pairing.
        let times = e.times_ms();
        for (k, &n) in e.neurons.iter().enumerate() {
            let t = times[k];
            if n == self.post && t - self.last_pre_ms > 0.0 && t - self.last_pre_ms <= PAIRING_MS {
                let delay = 1000.0 + 2000.0 * self.rng.next_f64();
                let at = t + delay;
                let position = self.pending.partition_point(|&p| p <= at);
                self.pending.insert(position, at);
            }
            if n == self.pre {
                self.last_pre_ms = t;
            }
        }
        Ok(())
    }

    fn report(&mut self) -> Result<ConditioningReport, Error> {
        let weights = self.sim.weights(0)?;
        let reinforced = f64::from(weights[self.synapse]);
        let mut others: Vec<f64> = weights
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != self.synapse)
            .map(|(_, &w)| f64::from(w))
            .collect();
        others.sort_by(f64::total_cmp);
        let rate = if self.ms_since_report > 0.0 {
            let size = f64::from(self.sim.plan().populations[self.e_index].size);
            self.spikes_since_report as f64 / size / (self.ms_since_report / 1000.0)
        } else {
            0.0
        };
        self.spikes_since_report = 0;
        self.ms_since_report = 0.0;
        Ok(ConditioningReport {
            time_s: self.sim.time_ms() / 1000.0,
            rewards: self.rewards,
            reinforced,
            median_others: others[others.len() / 2],
            mean_others: others.iter().sum::<f64>() / others.len() as f64,
            rate_e_hz: rate,
        })
    }
}
