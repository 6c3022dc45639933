//! The prediction reservoir (`neurodyn::prediction`): before training its readout does
//! not fire at the target time; after two epochs of online error-modulated learning
//! nearly all its spikes on fresh periods fall within 10 ms of the time 20 ms before
//! the next pulse, identically on GPU and CPU.

use neurodyn::prediction;
use neurodyn::{Backend, Simulation};

#[test]
fn the_readout_learns_to_fire_just_before_the_next_pulse() {
    let mut reports = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&prediction::network(), backend).unwrap();
        let before = prediction::epoch(&mut sim, 0, 10).unwrap();
        assert_eq!(before.near_target, 0.0, "{before:?}");
        let mut after = before.clone();
        for _ in 0..2 {
            after = prediction::epoch(&mut sim, 20, 10).unwrap();
        }
        let spikes: u32 = after.histogram.iter().sum();
        assert!(spikes >= 10, "fires about once a period: {after:?}");
        assert!(after.near_target >= 0.8, "{after:?}");
        reports.push((before, after));
    }
    assert_eq!(reports[0], reports[1], "GPU and CPU differ");
}
