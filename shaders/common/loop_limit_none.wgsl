// The loop-limit check where the driver runs every loop whole (every GPU; lavapipe
// from Mesa 25): nothing to check, so the stages pay nothing for it. Chosen instead
// of loop_limit.wgsl, which says why the check exists, by `gpu::loop_limit`.

fn loop_limit_spent(bound: u32) -> bool {
    return false;
}

const LOOP_CUT: u32 = 0xFFFFFFFFu;
