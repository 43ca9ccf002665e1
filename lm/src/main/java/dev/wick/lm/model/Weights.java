package dev.wick.lm.model;

import dev.wick.autograd.nn.Module;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.io.StoredTensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's state dict on the host, as a checkpoint's weights file holds it, and back; and single
 * stored tensors (optimizer moments, carried state) copied into live ones.
 */
public final class Weights {
    private Weights() {
    }

    /** The model's {@link Module#stateDict()}, each tensor copied to the host as F32. */
    public static Map<String, StoredTensor> download(Module model) {
        Map<String, StoredTensor> m = new LinkedHashMap<>();
        model.stateDict().forEach((name, t) -> m.put(name, StoredTensor.of(t)));
        return m;
    }

    /**
     * Overwrites every parameter through {@link Module#loadStateDict(Map)}: {@code weights} must
     * hold exactly the model's names, each with its shape, or nothing is changed. The model
     * (a language model) has parameters.
     */
    public static void upload(Module model, Map<String, StoredTensor> weights) {
        Engine engine = model.namedParameters().values().iterator().next().value().engine();
        try (Scope scope = engine.scope()) {
            Map<String, Tensor> onEngine = new LinkedHashMap<>();
            weights.forEach((name, t) -> onEngine.put(name, t.toTensor(engine, DType.FLOAT32, name)));
            model.loadStateDict(onEngine);
        }
    }

    /** Overwrites {@code target} with {@code source}'s values; the shapes must be equal ({@code name} names it in errors). */
    public static void copyInto(StoredTensor source, Tensor target, String name) {
        if (!Arrays.equals(source.shape(), target.shape().dims())) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(source.shape())
                    + " but the model expects " + target.shape());
        }
        try (Scope scope = target.engine().scope()) {
            target.copyFromInPlace(source.toTensor(target.engine(), target.dtype(), name));
        }
    }
}
