// Needs the including stage's `config` (TrainConfig) and `layers`.

// The word of `[instance][step][word]` spike bits that holds `neuron`'s bit, and
// the bit (1 where it spiked).
fn spike_word(instance: u32, at_step: u32, neuron: u32) -> u32 {
    return (instance * config.steps + at_step) * config.words + neuron / 32u;
}

fn spike_bit(word: u32, neuron: u32) -> u32 {
    return (word >> (neuron % 32u)) & 1u;
}


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

// One invocation per (instance, neuron) of the batch, over the neurons
// `first .. first + count` of each instance.
struct Invocation {
    // Index into [instance][neuron] arrays.
    id: u32,
    instance: u32,
    neuron: u32,
    // The neuron's layer, or NO_LAYER past the batch and for padding.
    layer: u32,
}

fn invocation(wg: vec3<u32>, groups: vec3<u32>, local: u32, first: u32, count: u32) -> Invocation {
    let index = (wg.y * groups.x + wg.x) * TRAIN_WORKGROUP + local;
    if (index >= config.instances * count) {
        return Invocation(0u, 0u, 0u, NO_LAYER);
    }
    let b = index / count;
    let j = first + index % count;
    return Invocation(b * config.neurons + j, b, j, layer_of(j));
}
