package dev.wick.lm.model;

import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.Module;
import dev.wick.lm.checkpoint.HostTensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** A model's parameters as host tensors by checkpoint name, and back. */
public final class Weights {
    private Weights() {
    }

    /** Every parameter's values, by checkpoint name, copied to the host. */
    public static Map<String, HostTensor> download(Module model) {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> m.put(name, HostTensor.of(p.value())));
        return m;
    }

    /** Overwrites every parameter from {@code weights}, which must hold each name with its shape. */
    public static void upload(Module model, Map<String, HostTensor> weights) {
        for (Map.Entry<String, Variable> e : model.namedParameters().entrySet()) {
            HostTensor t = weights.get(e.getKey());
            if (t == null) throw new IllegalArgumentException("no values for parameter '" + e.getKey() + "'");
            t.copyInto(e.getValue().value(), e.getKey());
        }
    }
}
