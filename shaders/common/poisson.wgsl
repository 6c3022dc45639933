// Poisson input drawn from the counter RNG. Twin: src/cpu/poisson.rs.
// Uses `rounded` (common/rounding.wgsl), so the including stage declares `config`.

// Stream of stimulus s: STREAM_STIMULUS + s (the third counter word).
const STREAM_STIMULUS: u32 = 0x53000000u;

// Adds this step's events of one Poisson stimulus to `acc`: the count is a sum of
// `chunks` Knuth counts (multiply uniforms until the product drops to exp(-λ/chunks)),
// each event adding the fixed-point weight. Only correctly rounded products (held by
// `rounded`) and comparisons, so every device draws the same count.
// Returns (acc, saturated).
fn poisson_events(stim: StimulusParams, acc_in: i32, key: vec2<u32>, index: u32, step: u32, stream: u32) -> vec2<i32> {
    var acc = acc_in;
    var saturated = 0;
    var bits = vec4<u32>(0u);
    var lane = 4u;
    var block = 0u;
    for (var chunk = 0u; chunk < stim.chunks; chunk = chunk + 1u) {
        var product = 1.0;
        loop {
            if (lane == 4u) {
                bits = philox4x32_10(vec4<u32>(index, step, stream, block), key);
                block = block + 1u;
                lane = 0u;
            }
            product = rounded(product * uniform_open_closed(bits[lane]));
            lane = lane + 1u;
            if (product <= stim.exp_neg_lambda_chunk) {
                break;
            }
            let added = saturating_add(acc, stim.weight_fixed);
            acc = added.x;
            saturated = saturated | added.y;
        }
    }
    return vec2<i32>(acc, saturated);
}
