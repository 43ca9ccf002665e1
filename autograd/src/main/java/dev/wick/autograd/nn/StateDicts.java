package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.io.Safetensors;
import dev.wick.core.io.StoredTensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Loading a state dict into a module's parameters, checked whole before anything is written: the
 * names must match exactly (the message lists what is missing and what is unexpected), the shapes
 * must match, and each value must convert to its parameter's dtype. So a load that fails leaves
 * every parameter as it was.
 */
final class StateDicts {
    private StateDicts() {
    }

    static Map<String, Tensor> of(Module module) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        module.namedParameters().forEach((name, p) -> m.put(name, p.value()));
        return Collections.unmodifiableMap(m);
    }

    static void load(Module module, Map<String, Tensor> state) {
        loadConverted(module, state.keySet(), (name, p) -> {
            Tensor t = state.get(name);
            requireShape(name, p, t.shape().dims());
            Engine e = p.value().engine();
            Tensor onEngine = t.engine() == e ? t : e.copyOf(t);
            if (onEngine.dtype() == p.value().dtype()) return onEngine;
            if (!onEngine.dtype().isFloating() || !p.value().dtype().isFloating()) {
                throw new IllegalArgumentException("tensor '" + name + "' is " + t.dtype() + " and cannot be loaded into a "
                        + p.value().dtype() + " parameter");
            }
            return onEngine.to(p.value().dtype());
        });
    }

    static void load(Module module, Path file) throws IOException {
        Safetensors.Contents contents = Safetensors.read(file);
        try {
            loadConverted(module, contents.tensors().keySet(), (name, p) -> {
                StoredTensor t = contents.tensors().get(name);
                requireShape(name, p, t.shape());
                return t.toTensor(p.value().engine(), p.value().dtype(), name);
            });
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static void save(Module module, Path file) throws IOException {
        Safetensors.save(file, of(module));
    }

    /** Checks names, converts every value (in a scope), then copies them all in. */
    private static void loadConverted(Module module, Set<String> given, BiFunction<String, Variable, Tensor> convert) {
        Map<String, Variable> params = module.namedParameters();
        requireSameNames(params.keySet(), given);
        Engine engine = params.isEmpty() ? null : params.values().iterator().next().value().engine();
        if (engine == null) return;
        try (Scope scope = engine.scope()) {
            List<Tensor> values = new ArrayList<>();
            params.forEach((name, p) -> values.add(convert.apply(name, p)));
            int i = 0;
            for (Variable p : params.values()) p.value().copyFromInPlace(values.get(i++));
        }
    }

    private static void requireSameNames(Set<String> expected, Set<String> given) {
        Set<String> missing = new LinkedHashSet<>(expected);
        missing.removeAll(given);
        Set<String> unexpected = new LinkedHashSet<>(given);
        unexpected.removeAll(expected);
        if (missing.isEmpty() && unexpected.isEmpty()) return;
        StringBuilder sb = new StringBuilder("the state dict does not match the module:");
        if (!missing.isEmpty()) sb.append(" missing ").append(firstFew(missing));
        if (!unexpected.isEmpty()) sb.append(missing.isEmpty() ? "" : ";").append(" unexpected ").append(firstFew(unexpected));
        throw new IllegalArgumentException(sb.toString());
    }

    private static String firstFew(Set<String> names) {
        List<String> list = new ArrayList<>(names);
        return list.size() <= 8 ? list.toString()
                : list.subList(0, 8).toString().replace("]", ", ... (" + list.size() + " in all)]");
    }

    private static void requireShape(String name, Variable p, int[] shape) {
        if (!Arrays.equals(p.value().shape().dims(), shape)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape) + " but the parameter is "
                    + p.value().shape());
        }
    }
}
