package dev.wick.lm.model;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.Embedding;
import dev.wick.autograd.nn.Linear;
import dev.wick.autograd.nn.Module;
import dev.wick.autograd.nn.RNN;
import dev.wick.core.CounterRng;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;
import dev.wick.lm.checkpoint.HostTensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The character language model: embedding [V,E] -> tanh RNN (hidden H) -> linear head [V,H] ->
 * logits over the V characters. Float32 throughout. Parameters are named as in the checkpoint
 * ("embedding.weight", "rnn.weight_ih", ...; see {@link ModelShape#parameterShapes()}).
 */
public final class CharRnn implements Module {
    static final String EMBEDDING = "embedding";
    static final String RNN = "rnn";
    static final String HEAD = "head";

    private final Engine engine;
    private final ModelShape shape;
    private final Embedding embedding;
    private final RNN rnn;
    private final Linear head;
    private final Map<String, Variable> parameters;

    /** A freshly initialised model; its parameters belong to the current scope (create it outside per-step scopes). */
    public CharRnn(Engine engine, ModelShape shape, long seed) {
        this.engine = engine;
        this.shape = shape;
        this.embedding = new Embedding(engine, DType.FLOAT32, shape.vocab(), shape.embed(), CounterRng.bits(seed, 0));
        this.rnn = new RNN(engine, DType.FLOAT32, shape.embed(), shape.hidden(), CounterRng.bits(seed, 1));
        this.head = new Linear(engine, DType.FLOAT32, shape.hidden(), shape.vocab(), CounterRng.bits(seed, 2));
        Map<String, Variable> m = new LinkedHashMap<>();
        embedding.namedParameters().forEach((k, v) -> m.put(EMBEDDING + "." + k, v));
        rnn.namedParameters().forEach((k, v) -> m.put(RNN + "." + k, v));
        head.namedParameters().forEach((k, v) -> m.put(HEAD + "." + k, v));
        if (!m.keySet().equals(shape.parameterShapes().keySet())) {
            throw new IllegalStateException("parameter names " + m.keySet() + " differ from the checkpoint layout "
                    + shape.parameterShapes().keySet());
        }
        this.parameters = Collections.unmodifiableMap(m);
    }

    public ModelShape shape() {
        return shape;
    }

    public Engine engine() {
        return engine;
    }

    @Override
    public Map<String, Variable> namedParameters() {
        return parameters;
    }

    /** What one forward pass gives: logits [T*B, V] (row t*B+b) and every hidden state [T, B, H]. */
    public record Output(Variable logits, Variable hiddenStates) {
        /** The hidden state after the last step, [B, H]: a plain view into hiddenStates, never recorded. */
        public Tensor lastHidden() {
            Tensor all = hiddenStates.value();
            int steps = all.shape().dim(0);
            return all.slice(steps - 1, steps).reshape(all.shape().dim(1), all.shape().dim(2));
        }
    }

    /** inputs: character ids, INT32 [T, B] (time-major); h0: [B, H], usually a constant carried from the last chunk. */
    public Output forward(Tensor inputs, Variable h0) {
        int steps = inputs.shape().dim(0), batch = inputs.shape().dim(1);
        Variable states = rnn.forward(embedding.forward(inputs), h0);
        Variable flat = F.reshape(states, steps * batch, shape.hidden());
        return new Output(head.forward(flat), states);
    }

    /** Every parameter's values, by checkpoint name, copied to the host. */
    public Map<String, HostTensor> weights() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        parameters.forEach((name, p) -> m.put(name, HostTensor.of(p.value())));
        return m;
    }

    /** Overwrites every parameter from {@code weights}, which must hold each name with its shape. */
    public void load(Map<String, HostTensor> weights) {
        for (Map.Entry<String, Variable> e : parameters.entrySet()) {
            HostTensor t = weights.get(e.getKey());
            if (t == null) throw new IllegalArgumentException("no values for parameter '" + e.getKey() + "'");
            t.copyInto(e.getValue().value(), e.getKey());
        }
    }

    @Override
    public String toString() {
        return "CharRnn[V=" + shape.vocab() + ", E=" + shape.embed() + ", H=" + shape.hidden() + ", "
                + shape.parameterCount() + " parameters " + Arrays.toString(parameters.keySet().toArray()) + "]";
    }
}
