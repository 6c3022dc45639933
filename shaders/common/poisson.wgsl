// Poisson input drawn from the counter RNG. Twin: src/cpu/poisson.rs.

// Stream of stimulus s: STREAM_STIMULUS + s (the third counter word).
const STREAM_STIMULUS: u32 = 0x53000000u;

// Adds this step's events of Poisson stimulus `s` (an index into `stimuli`) to `acc`:
// the count is a sum of `chunks` counts of mean λ / chunks, each drawn by inversion
// from one uniform — the number of the stimulus's CDF thresholds (src/plan/poisson.rs,
// computed on the host in f64) at or below the uniform's top 24 bits: searched in the
// stimulus's table, or, where every Poisson stimulus of the neuron group has one table,
// compared with it as constants (SHARED_POISSON_TABLE, src/gpu/features.rs). Only
// integer comparisons, so every device draws the same count; one Philox block serves
// four chunks. Each event adds the fixed-point weight, held at the i32 range. Returns
// (acc, saturated).
fn poisson_events(s: u32, acc_in: i32, key: vec2<u32>, index: u32, step: u32, stream: u32) -> vec2<i32> {
    var events = 0u;
    var bits = vec4<u32>(0u);
    for (var chunk = 0u; chunk < stimuli[s].chunks; chunk = chunk + 1u) {
        let lane = chunk & 3u;
        if (lane == 0u) {
            bits = philox4x32_10(vec4<u32>(index, step, stream, chunk >> 2u), key);
        }
        // A select chain, not bits[lane]: a lane-varying index into a vector becomes
        // a per-lane gather on SIMD drivers such as lavapipe.
        let word = select(select(bits.x, bits.y, lane == 1u), select(bits.z, bits.w, lane == 3u), lane >= 2u);
        let u = word >> 8u;
        var count = 0u;
        if (SHARED_POISSON_TABLE) {
            // Every Poisson stimulus of the group has this table (src/gpu/features.rs).
            count = shared_poisson_count(u);
        } else {
            while (count < POISSON_TABLE && stimuli[s].cdf[count >> 2u][count & 3u] <= u) {
                count = count + 1u;
            }
        }
        events = events + count;
    }
    return saturating_add_times(acc_in, stimuli[s].weight_fixed, events);
}
