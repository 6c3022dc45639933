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

// One invocation per (instance, neuron) of the batch.
struct Invocation {
    // Index into [instance][neuron] arrays.
    id: u32,
    instance: u32,
    neuron: u32,
    // The neuron's layer, or NO_LAYER past the batch and for padding.
    layer: u32,
}

fn invocation(wg: vec3<u32>, groups: vec3<u32>, local: u32) -> Invocation {
    let id = (wg.y * groups.x + wg.x) * TRAIN_WORKGROUP + local;
    if (id >= config.instances * config.neurons) {
        return Invocation(id, 0u, 0u, NO_LAYER);
    }
    let j = id % config.neurons;
    return Invocation(id, id / config.neurons, j, layer_of(j));
}
