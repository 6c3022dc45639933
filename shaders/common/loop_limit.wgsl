// lavapipe (Mesa's gallivm) stops all loops of a shader invocation, silently, once
// they have run 65,535 iterations together, so a long row or a deep redraw would end
// early and its synapses go missing. Called after a stage's loops with a `bound` of 2
// or 3 read from a storage buffer: a loop of `bound` iterations then runs only one
// once the limit is spent. The bound comes from storage, not a uniform, because
// lavapipe may inline uniform values into a shader at dispatch, and a constant bound
// would let the compiler unroll the loop and lose the check. The CPU twins have no
// such limit and no such check.

fn loop_limit_spent(bound: u32) -> bool {
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
// (build_count, build_fill; never a real count or start: they stay below 2^32 − 1).
const LOOP_CUT: u32 = 0xFFFFFFFFu;
