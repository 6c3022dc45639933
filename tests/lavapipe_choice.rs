//! A program's choice of lavapipe's thread count (`neurodyn::lavapipe::ThreadChoice`).
//! Alone in its test binary: it changes the process's environment, which no other
//! test may read meanwhile.

mod common;

use common::model_file;
use neurodyn::lavapipe::{ThreadChoice, THREADS_VARIABLE};
use neurodyn::{Backend, Simulation};

#[test]
fn the_choice_follows_each_network_unless_the_user_set_the_count() {
    let count = || std::env::var(THREADS_VARIABLE).ok();
    std::env::remove_var(THREADS_VARIABLE);
    let chosen = ThreadChoice::at_start();
    chosen.apply(&model_file("cuba"));
    assert_eq!(count().as_deref(), Some("0"));
    chosen.apply(&model_file("cobahh"));
    assert_eq!(count(), None);
    // A later call still knows the count was the program's, not the user's.
    chosen.apply(&model_file("cuba"));
    ThreadChoice::at_start().apply(&model_file("cobahh"));
    assert_eq!(count(), None);
    // A simulation names the count its driver started with, not the environment's now.
    let sim = Simulation::new(&model_file("cuba"), Backend::Gpu).unwrap();
    std::env::set_var(THREADS_VARIABLE, "0");
    assert!(!sim.device().contains(THREADS_VARIABLE), "{}", sim.device());
    drop(sim);
    let sim = Simulation::new(&model_file("cuba"), Backend::Gpu).unwrap();
    if sim.device().starts_with("llvmpipe") {
        assert!(
            sim.device().ends_with(", LP_NUM_THREADS=0"),
            "{}",
            sim.device()
        );
    }
    std::env::remove_var(THREADS_VARIABLE);
}
