// The steps one neuron-update dispatch integrates (src/plan/window.rs): the window,
// cut at the batch's end. The batch's length is written only where windows are longer
// than a step, so it is read only then. Stages that include this file declare
// `config` and `counters`. Twin: src/cpu/neuron_update.rs `window_len`.

fn window_len() -> u32 {
    if (config.window_steps > 1u) {
        return min(config.window_steps, counters.batch_len - counters.batch_step);
    }
    return 1u;
}
