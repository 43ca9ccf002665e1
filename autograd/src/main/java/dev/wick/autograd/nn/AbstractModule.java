package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The base of a module built from parameters and child modules, registered by name in its
 * constructor:
 * <pre>{@code
 * final class Mlp extends AbstractModule implements Layer {
 *     private final Linear hidden, out;
 *     Mlp(Engine e, long seed) {
 *         hidden = registerModule("hidden", new Linear(e, DType.FLOAT32, 784, 128, seed));
 *         out = registerModule("out", new Linear(e, DType.FLOAT32, 128, 10, seed + 1));
 *     }
 *     public Variable forward(Variable x) { return out.forward(F.relu(hidden.forward(x))); }
 * }
 * }</pre>
 * Its parameters are then hidden.weight, hidden.bias, out.weight and out.bias. The training mode
 * is kept here and passed to every child.
 */
public abstract class AbstractModule implements Module {
    private final Map<String, Variable> ownParameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** A module with no parameters or children yet, in training mode. */
    public AbstractModule() {
    }

    /**
     * Registers a parameter of this module under {@code name}; null registers nothing (an absent bias). Returns it.
     *
     * @param name the parameter's name within this module: non-empty, without dots, not yet registered
     * @param parameter a variable that requires a gradient (a {@link Variable#parameter}), or null
     * @return parameter, for assigning to a field
     * @throws IllegalArgumentException if the name is empty, has a dot or is taken, or the variable takes no
     *     gradient
     */
    protected final Variable registerParameter(String name, Variable parameter) {
        checkName(name);
        if (parameter == null) return null;
        if (!parameter.requiresGrad()) {
            throw new IllegalArgumentException("parameter '" + name + "' takes no gradient: register a Variable.parameter");
        }
        ownParameters.put(name, parameter);
        return parameter;
    }

    /**
     * Registers a child module under {@code name} and passes it this module's mode. Returns it.
     *
     * @param <M> the child's type
     * @param name the child's name within this module: non-empty, without dots, not yet registered
     * @param child the module; not null and not this one
     * @return child, for assigning to a field
     * @throws IllegalArgumentException if the name is empty, has a dot or is taken, or the child is null or
     *     this module
     */
    protected final <M extends Module> M registerModule(String name, M child) {
        checkName(name);
        if (child == null) throw new IllegalArgumentException("module '" + name + "' must not be null");
        if (child == this) throw new IllegalArgumentException("a module cannot be its own child");
        children.put(name, child);
        child.setTraining(training);
        return child;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("a parameter or module name must be non-empty and without dots, got '" + name + "'");
        }
        if (ownParameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is already registered in " + getClass().getSimpleName());
        }
    }

    @Override
    public Map<String, Variable> namedParameters() {
        Map<String, Variable> all = new LinkedHashMap<>(ownParameters);
        Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(ownParameters.values());
        children.forEach((childName, child) -> child.namedParameters().forEach((name, p) -> {
            if (seen.add(p)) all.put(childName + "." + name, p);
        }));
        return Collections.unmodifiableMap(all);
    }

    @Override
    public Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
        for (Module child : children.values()) child.setTraining(training);
    }

    @Override
    public boolean isTraining() {
        return training;
    }
}
