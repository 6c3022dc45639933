//! Any bytes as a model file, TOML or JSON: the parser, the validator and (for
//! networks small enough to draw) the planner must return a result or an error,
//! never panic, overflow or run out of memory.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use neurodyn::model::file;
use neurodyn::plan::{memory, Plan};

/// The largest network the target plans (drawing its synapses), in device bytes.
const PLAN_LIMIT: u64 = 64 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let path = if kind % 2 == 0 { "fuzz.toml" } else { "fuzz.json" };
    if let Ok(model) = file::load_text(Path::new(path), text) {
        if memory::estimate(&model.network).total() <= PLAN_LIMIT {
            let _ = Plan::new(&model.network);
        }
    }
});
