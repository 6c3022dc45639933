//! Inputs at the edges of what the engine can represent are refused with an error that
//! names the field, quickly: never a hang, a panic, or an input silently clipped or
//! turned infinite.

use std::path::Path;
use std::time::{Duration, Instant};

use neurodyn::model::file::{load_text, LoadedModel};
use neurodyn::{Backend, Error, Simulation};

/// A small valid model file: one population `A` of `model` with `params`, and `extra`.
fn model(dt_ms: f64, duration_ms: f64, model: &str, params: &str, extra: &str) -> String {
    format!(
        "name = \"limits\"\n[simulation]\ndt_ms = {dt_ms:?}\nduration_ms = {duration_ms:?}\n\
         [[populations]]\nname = \"A\"\nsize = 2\nmodel = \"{model}\"\nparams = {{ {params} }}\n\
         {extra}"
    )
}

/// `model` with a default `iaf_psc_exp` population, 5 ms at 0.1 ms.
fn lif(extra: &str) -> String {
    model(0.1, 5.0, "iaf_psc_exp", "", extra)
}

fn load(text: &str) -> Result<LoadedModel, String> {
    load_text(Path::new("limits.toml"), text).map_err(|e| e.to_string())
}

/// The file is refused within a second, with a message containing every `needle`.
fn refused(text: &str, needles: &[&str]) {
    let start = Instant::now();
    let message = load(text).expect_err("the file was accepted");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "took {:?}",
        start.elapsed()
    );
    for needle in needles {
        assert!(message.contains(needle), "`{needle}` not in: {message}");
    }
}

/// The file is valid, but the network cannot be planned: the plan's message.
fn unplannable(text: &str) -> String {
    let loaded = load(text).expect("a valid file");
    match Simulation::new(&loaded.network, Backend::Cpu) {
        Err(Error::Plan(e)) => e.to_string(),
        Err(other) => panic!("expected a plan error, got {other}"),
        Ok(_) => panic!("the network was planned"),
    }
}

const SOURCE_ONTO_A: &str = "[[populations]]\nname = \"S\"\nsize = 1\n\
    model = \"spike_source_array\"\nparams = { spike_times_ms = [[1.0]] }\n\
    [[projections]]\npre = \"S\"\npost = \"A\"\nconnectivity = { rule = \"all_to_all\" }\n\
    delay_ms = 1.0\nreceptor = \"excitatory\"\n";

#[test]
fn a_clipping_range_that_holds_almost_none_of_a_normal_is_refused() {
    // [4, 4] under N(0, 1) would be redrawn forever; [2, ∞) holds 2.3% and is drawn.
    let weight = |low: &str, high: &str| {
        lif(&format!(
            "{SOURCE_ONTO_A}weight = {{ distribution = \"normal\", mean = 0.0, sd = 1.0, \
                 low = {low}, high = {high} }}\n"
        ))
    };
    refused(
        &weight("4.0", "4.0"),
        &["weight.low", "holds 0.00e0", "at least 0.01"],
    );
    refused(&weight("4.0", "4.001"), &["weight.low", "holds"]);
    let initial = lif(
        "initial = { v = { distribution = \"normal\", mean = -60.0, sd = 1.0, low = -56.0, \
         high = -56.0 } }\n",
    );
    refused(&initial, &["initial", "holds"]);
    let loaded = load(&weight("2.0", "1e300")).expect("2.3% of the distribution is enough");
    Simulation::new(&loaded.network, Backend::Cpu).expect("drawn");
}

#[test]
fn a_branching_window_of_too_many_bins_is_refused() {
    for window in ["1e12", "1e300"] {
        let text = lif(&format!(
            "[[recorders]]\nrecord = \"branching\"\npopulation = \"A\"\nwindow_ms = {window}\n"
        ));
        refused(&text, &["window_ms", "at most 1048576"]);
    }
}

#[test]
fn a_grid_too_large_for_an_ensemble_is_refused_before_it_is_expanded() {
    for steps in ["100000", "4294967295"] {
        let text = lif(&format!(
            "[sweep]\n[[sweep.axes]]\nparameter = \"A.i_offset\"\nfrom = 0.0\nto = 1.0\n\
                 steps = {steps}\n"
        ));
        refused(&text, &["steps", "at most 65536"]);
    }
    // Two axes whose product is too large.
    let text = lif(
        "[sweep]\n[[sweep.axes]]\nparameter = \"A.i_offset\"\nfrom = 0.0\nto = 1.0\nsteps = 300\n\
         [[sweep.axes]]\nparameter = \"A.tau_m\"\nfrom = 10.0\nto = 20.0\nsteps = 300\n",
    );
    refused(&text, &["more than 65536 instances"]);
    // Repeats alone.
    let text = lif("[sweep]\nseeds = 4000000000\n");
    refused(&text, &["more than 65536 instances"]);
}

#[test]
fn a_run_longer_than_a_simulation_can_count_is_refused() {
    refused(
        &model(0.1, 1e300, "iaf_psc_exp", "", ""),
        &["simulation.duration_ms", "more than the 4294966795 steps"],
    );
    refused(
        &model(1e-9, 5.0, "iaf_psc_exp", "", ""),
        &["simulation.duration_ms", "steps of 0.000000001 ms"],
    );
}

#[test]
fn hodgkin_huxley_steps_longer_than_its_substeps_allow_are_refused() {
    refused(
        &model(1e40, 1e40, "hh_cond_exp_traub", "", ""),
        &["populations[0].model", "at most 10 ms"],
    );
    load(&model(1.0, 5.0, "hh_cond_exp_traub", "", "")).expect("100 substeps a step");
}

#[test]
fn synaptic_scaling_needs_positive_rates_and_time_constants() {
    for (name, value) in [
        ("target_rate_hz", "0.0"),
        ("tau_rate", "0.0"),
        ("tau_scaling", "0.0"),
    ] {
        let target = if name == "target_rate_hz" {
            String::new()
        } else {
            "target_rate_hz = 5.0, ".into()
        };
        let text = lif(&format!(
            "{SOURCE_ONTO_A}weight = 0.5\nplasticity = {{ model = \"synaptic_scaling\", \
                 {target}{name} = {value} }}\n"
        ));
        refused(
            &text,
            &[&format!("plasticity.{name}"), "must be greater than 0"],
        );
    }
}

#[test]
fn input_beyond_the_fixed_point_range_is_refused_not_clipped() {
    let text = model(
        0.1,
        5.0,
        "iaf_psc_delta",
        "",
        &format!("{SOURCE_ONTO_A}weight = 1e30\n"),
    );
    let message = unplannable(&text);
    assert!(message.contains("populations[A]"), "{message}");
    assert!(
        message.contains("beyond the fixed-point range"),
        "{message}"
    );
    // 1e27 nA is still represented.
    let text = text.replace("1e30", "1e27");
    Simulation::new(&load(&text).unwrap().network, Backend::Cpu).expect("in range");
}

#[test]
fn parameters_that_overflow_f32_are_refused_before_the_run() {
    // Within f32 as given, beyond it once lowered (1/cm).
    let message = unplannable(&model(0.1, 5.0, "iaf_psc_exp", "cm = 1e-45", ""));
    assert!(message.contains("populations[A]"), "{message}");
    assert!(message.contains("32-bit floats"), "{message}");
    // Beyond f32 as given: refused where it is written.
    refused(
        &model(0.1, 5.0, "iaf_psc_exp", "i_offset = 1e308", ""),
        &["populations[0].params.i_offset", "32-bit float"],
    );
}

#[test]
fn brackets_in_population_names_are_reserved() {
    let text = lif("").replace("\"A\"", "\"X[1]\"");
    refused(&text, &["populations[0].name", "reserved"]);
}

#[test]
fn a_weight_its_port_cannot_hold_is_refused_not_rounded_away() {
    // A Poisson drive of 10^6 events per step of 1000 nA sizes the port's unit at
    // 1 nA, and a second drive's 0.1 nA weight would arrive as 0.
    let drive = |rate: &str| {
        lif(&format!(
            "[[stimuli]]\nkind = \"poisson\"\ntarget = \"A\"\nrate_hz = {rate}\n\
                 weight = 1e3\nreceptor = \"excitatory\"\n\
             [[stimuli]]\nkind = \"poisson\"\ntarget = \"A\"\nrate_hz = 1e3\n\
                 weight = 0.1\nreceptor = \"excitatory\"\n"
        ))
    };
    let message = unplannable(&drive("1e10"));
    assert!(message.contains("`stimuli[1].weight` = 0.1"), "{message}");
    assert!(message.contains("would arrive as 0"), "{message}");
    Simulation::new(&load(&drive("1e4")).unwrap().network, Backend::Cpu).expect("held");
    // Drawn and listed weights too (they arrived as 0 with the run reported complete):
    // their largest magnitude must span 50 units of the port's unit (here 2^-6 nA,
    // sized for 10^6 nA of Poisson input, even one that starts after the run).
    let drawn = |weight: &str| {
        lif(&format!(
            "[[stimuli]]
kind = \"poisson\"
target = \"A\"
rate_hz = 1000.0
\
             weight = 1e6
receptor = \"excitatory\"
start_ms = 1e5
\
             {SOURCE_ONTO_A}weight = {weight}
"
        ))
    };
    for weight in [
        "{ distribution = \"uniform\", low = 0.001, high = 0.004 }",
        "{ distribution = \"array\", values = [0.003, 0.001] }",
    ] {
        let message = unplannable(&drawn(weight));
        assert!(
            message.contains("`projections[0].weight`: its values reach at most"),
            "{weight}: {message}"
        );
    }
    let held = drawn("{ distribution = \"uniform\", low = 0.5, high = 0.9 }");
    Simulation::new(&load(&held).unwrap().network, Backend::Cpu).expect("held");
}

#[test]
fn run_times_that_are_not_times_or_overflow_the_clock_are_refused() {
    let loaded = load(&lif("")).unwrap();
    let mut sim = Simulation::new(&loaded.network, Backend::Cpu).unwrap();
    sim.run(3).unwrap();
    for ms in [f64::NAN, -1.0, f64::INFINITY] {
        assert!(
            matches!(sim.run_ms(ms), Err(Error::NotATime { .. })),
            "{ms}"
        );
    }
    // The step count would wrap: refused, and the clock stays where it was.
    assert!(matches!(sim.run(u64::MAX), Err(Error::TooManySteps { .. })));
    assert_eq!(sim.current_step(), 3);
    sim.run(2).unwrap();
    assert_eq!(sim.current_step(), 5);
}

/// Library calls given what no run can be: each refused with what is wrong, on both
/// backends (found by a reviewer writing against the API): a run to 1e300 ms (its
/// step count was printed as the saturated 2^64 − 1), a closed-loop window ending at a
/// negative time (an empty window), a state record of an instance past the ensemble
/// ("no recorder"), a state read of a parrot ("this model has: "), a stream event at
/// 1e300 ms (three hundred digits).
#[test]
fn library_calls_that_name_no_time_or_thing_are_refused_plainly() {
    let mut net = neurodyn::Network::new(0.1, 1);
    let lif = neurodyn::NeuronModel::IafPscExp(Default::default());
    net.add_population(neurodyn::Population::new("E", 2, lif));
    net.add_population(neurodyn::Population::new(
        "P",
        2,
        neurodyn::NeuronModel::ParrotNeuron(Default::default()),
    ));
    net.add_population(neurodyn::Population::new(
        "S",
        2,
        neurodyn::NeuronModel::SpikeSourceStream(Default::default()),
    ));
    net.record_state("E", "v", vec![0], 1);
    for backend in [Backend::Cpu, Backend::Gpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        let e = sim.run_ms(1e300).unwrap_err().to_string();
        assert!(e.contains("a run to 1e300 ms exceeds the"), "{e}");
        let e = sim.run_until(-5.0).err().map(|e| e.to_string());
        assert!(
            e.is_some_and(|e| e.contains("-5")),
            "negative time accepted"
        );
        let e = sim.instance_state_record("E", "v", 7).unwrap_err();
        assert!(matches!(e, Error::NoInstance { instance: 7, .. }), "{e}");
        let e = sim.read_state("P", "v").unwrap_err().to_string();
        assert!(e.contains("none: a parrot_neuron keeps no state"), "{e}");
        let e = sim
            .push_events("S", 0, &[(1e300, 0)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("an event at 1e300 ms"), "{e}");
    }
}
