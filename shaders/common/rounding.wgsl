// Arithmetic the shader compiler cannot rearrange. WGSL lets an implementation fuse
// a * b + c into one multiply-add and treats float operations as freely reorderable,
// and drivers use that: lavapipe was measured fusing some products into sums and
// evaluating (a + b) + (c + d) as ((a + b) + c) + d. Either changes the last bit.
// So every intermediate result that feeds another float operation goes through
// `rounded`: OR-ing its bits with `config.zero`, a uniform the compiler cannot know
// is 0, forces the value to be rounded to f32 and fixed right there, as IEEE
// arithmetic and the CPU twin (src/cpu/arith.rs) do. Stages that include this file
// declare `config`.

fn rounded(x: f32) -> f32 {
    return bitcast<f32>(bitcast<u32>(x) | config.zero);
}
