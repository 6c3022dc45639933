//! lavapipe's thread count chosen from the network (`neurodyn::lavapipe`): one thread
//! for networks whose dispatches hold little work, the driver's default for the rest.

mod common;

use common::model_file;
use neurodyn::lavapipe::{dispatch_work, preferred_threads, ONE_THREAD_WORK};

#[test]
fn a_few_thousand_point_neurons_a_step_get_one_thread() {
    let cuba = model_file("cuba");
    // 4,000 updates and 0.32 M synapses × 10 Hz × 0.1 ms = 320 events, one step a
    // dispatch.
    let work = dispatch_work(&cuba);
    assert!((4_300.0..4_340.0).contains(&work), "{work}");
    assert_eq!(preferred_threads(&cuba), Some(0));
    // A conductance-based update costs more, but not enough to change the choice.
    let coba = model_file("coba");
    assert!(dispatch_work(&coba) > work);
    assert_eq!(preferred_threads(&coba), Some(0));
}

#[test]
fn costly_models_windows_and_ensembles_keep_the_default() {
    // 4,000 Hodgkin–Huxley neurons: each update costs about 73 of iaf_psc_exp's.
    assert_eq!(preferred_threads(&model_file("cobahh")), None);
    // Brunel at 12,500 neurons: 15 steps a dispatch, a Poisson draw per neuron.
    let brunel = model_file("brunel");
    assert!(dispatch_work(&brunel) > 15.0 * 12_500.0);
    assert_eq!(preferred_threads(&brunel), None);
    // CUBA as an ensemble: the instances share each dispatch.
    let mut ensemble = model_file("cuba");
    let one = dispatch_work(&ensemble);
    ensemble.instances = 8;
    assert_eq!(dispatch_work(&ensemble), 8.0 * one);
    assert!(8.0 * one > ONE_THREAD_WORK);
    assert_eq!(preferred_threads(&ensemble), None);
}
