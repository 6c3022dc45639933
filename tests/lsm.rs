//! The liquid state machine example's task on its reduced configuration: after two
//! epochs of online error-modulated learning the readouts classify a fresh test set
//! of jittered patterns far above chance (10 classes: chance is 10%).

use neurodyn::lsm::{Lsm, LsmTask};
use neurodyn::Backend;

#[test]
fn the_readouts_learn_to_classify_patterns_far_above_chance() {
    let mut lsm = Lsm::new(LsmTask::small(), Backend::Cpu).unwrap();
    let first = lsm.epoch(1, 5).unwrap();
    let second = lsm.epoch(2, 5).unwrap();
    assert!(
        second.reservoir_hz > 2.0 && second.reservoir_hz < 50.0,
        "the reservoir is active: {} Hz",
        second.reservoir_hz
    );
    assert!(
        second.test_accuracy > 0.3,
        "test accuracy {:.0}% after two epochs (first: {:.0}%), not above 3× chance",
        100.0 * second.test_accuracy,
        100.0 * first.test_accuracy
    );
}

#[test]
fn a_task_that_cannot_run_and_a_class_it_lacks_are_refused() {
    for task in [
        LsmTask {
            rate_hz: 0.0,
            ..LsmTask::small()
        },
        LsmTask {
            window_ms: 0.0,
            ..LsmTask::small()
        },
        LsmTask {
            drop: 1.0,
            ..LsmTask::small()
        },
        // No inhibitory neuron left (it was refused as population `E` being empty).
        LsmTask {
            reservoir: 1,
            ..LsmTask::small()
        },
    ] {
        match Lsm::new(task, Backend::Cpu) {
            Err(neurodyn::Error::LsmTask { .. }) => {}
            other => panic!("expected a refusal, got {:?}", other.err()),
        }
    }
    let mut lsm = Lsm::new(LsmTask::small(), Backend::Cpu).unwrap();
    let classes = LsmTask::small().classes;
    match lsm.present(classes, false) {
        Err(neurodyn::Error::LsmTask { field, .. }) => assert_eq!(field, "class"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        lsm.epoch(1, 0),
        Err(neurodyn::Error::LsmTask { .. })
    ));
}
