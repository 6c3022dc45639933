// lavapipe (Mesa's gallivm) stops all loops of a shader invocation, silently, once
// they have run 65,535 iterations together, so a long row or a deep redraw would end
// early and its synapses go missing. Called after a stage's loops: this loop of
// `config.zero + 2` = 2 iterations (a bound no compiler can know, so it stays a loop)
// runs only one once the limit is spent. The CPU twins have no such limit and no
// such check. Stages that include this file declare `config`.

fn loop_limit_spent() -> bool {
    let bound = config.zero + 2u;
    var passes = 0u;
    loop {
        passes = passes + 1u;
        if (passes >= bound) {
            break;
        }
    }
    return passes < bound;
}

// What a part count or start becomes where the walk that made it was cut short
// (build_count, build_fill; never a real count: a row is shorter than 2^32).
const LOOP_CUT: u32 = 0xFFFFFFFFu;
