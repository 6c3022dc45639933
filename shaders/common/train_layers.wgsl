// Needs the including stage's `config` (TrainConfig) and `layers`.

// The layer neuron `j` belongs to, or NO_LAYER for the padding between layers.
fn layer_of(j: u32) -> u32 {
    var found = NO_LAYER;
    for (var l = 0u; l < config.layers; l++) {
        if (j >= layers[l].offset && j < layers[l].offset + layers[l].size) {
            found = l;
        }
    }
    return found;
}
