package dev.wick.autograd;

import dev.wick.core.Engine;
import dev.wick.core.Shape;
import dev.wick.core.Tensor;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;

/**
 * The differentiable functions. Each computes its forward through the core's checked tensor
 * operations (so bad shapes and indices are rejected before anything runs) and, when a tape is
 * recording and an input requires a gradient, records one node whose backward is written in
 * backend primitives and adds into the inputs' gradients (or, for a gradient that holds nothing
 * yet, writes into it: see contribute). The gradient formulas live next to their forward on
 * purpose: one screen per op.
 */
public final class F {
    /** PyTorch's default ignore index for cross-entropy targets. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    private F() {
    }

    // ---- embedding -----------------------------------------------------------------------------

    /** Rows of {@code weight} [V, D] picked by {@code indices} (INT32, any shape): indices.shape + [D]. */
    public static Variable embedding(Variable weight, Tensor indices) {
        return embedding(weight, indices, -1);
    }

    /**
     * Embedding lookup whose backward is a scatter-add: a row looked up k times receives the sum of
     * the k gradients. The row {@code paddingIndex} receives no gradient (-1 for none).
     */
    public static Variable embedding(Variable weight, Tensor indices, int paddingIndex) {
        int rows = weight.shape().rank() == 2 ? weight.shape().dim(0) : -1;
        if (rows >= 0 && (paddingIndex < -1 || paddingIndex >= rows)) {
            throw new IllegalArgumentException("padding index " + paddingIndex + " out of range for an embedding of "
                    + rows + " rows");
        }
        Tensor out = weight.value().gather(indices); // checks the indices before any kernel runs
        return record(out, g -> {
            // Indices were checked by gather; the scatter goes straight to the backend.
            Tensor dW = weight.gradForAccumulation();
            backend(dW).scatterAdd(dW.buffer(), indices.buffer(), g.buffer(), indices.numel(), dW.shape().dim(1),
                    paddingIndex, dW.engine().scatterMode());
        }, weight);
    }

    // ---- linear algebra ------------------------------------------------------------------------

    /** [m, k] x [k, n] -> [m, n]. */
    public static Variable matmul(Variable a, Variable b) {
        Tensor out = a.value().matmul(b.value());
        return record(out, g -> {
            if (a.requiresGrad()) contribute(a, (dA, acc) -> Tensor.gemm(false, true, 1.0, g, b.value(), acc ? 1.0 : 0.0, dA));
            if (b.requiresGrad()) contribute(b, (dB, acc) -> Tensor.gemm(true, false, 1.0, a.value(), g, acc ? 1.0 : 0.0, dB));
        }, a, b);
    }

    /**
     * x [N, in] times weight [out, in] transposed, plus bias [out] (may be null): [N, out]. The
     * weight has PyTorch's layout, so checkpoints map one to one.
     */
    public static Variable linear(Variable x, Variable weight, Variable bias) {
        Shape xs = x.shape(), ws = weight.shape();
        if (xs.rank() != 2 || ws.rank() != 2 || xs.dim(1) != ws.dim(1)) {
            throw new IllegalArgumentException("linear: input " + xs + " does not match weight " + ws
                    + " (expected input [N, in] and weight [out, in])");
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.shape().dim(0) != ws.dim(0))) {
            throw new IllegalArgumentException("linear: bias " + bias.shape() + " does not match weight " + ws);
        }
        requireSameDType("linear", x, weight);
        if (bias != null) requireSameDType("linear", x, bias);
        Engine e = x.engine();
        int n = xs.dim(0), out = ws.dim(0);
        Tensor y = e.empty(x.dtype(), n, out);
        Tensor.gemm(false, true, 1.0, x.value(), weight.value(), 0.0, y);
        if (bias != null) backend(y).addRowVector(y.buffer(), bias.value().buffer(), y.buffer(), n, out);
        return record(y, g -> {
            if (x.requiresGrad()) contribute(x, (dx, acc) -> Tensor.gemm(false, false, 1.0, g, weight.value(), acc ? 1.0 : 0.0, dx));
            if (weight.requiresGrad()) {
                contribute(weight, (dW, acc) -> Tensor.gemm(true, false, 1.0, g, x.value(), acc ? 1.0 : 0.0, dW));
            }
            if (bias != null && bias.requiresGrad()) {
                contribute(bias, (db, acc) -> backend(g).sumRows(g.buffer(), db.buffer(), n, out, acc));
            }
        }, x, weight, bias);
    }

    // ---- elementwise ---------------------------------------------------------------------------

    /** a + b for equal shapes, or a [.., C] + b [C] broadcast over rows (a bias). */
    public static Variable add(Variable a, Variable b) {
        boolean broadcast = b.shape().rank() == 1 && !a.shape().equals(b.shape());
        if (broadcast) {
            Tensor out = a.value().addRowVector(b.value());
            int rows = a.shape().rows(), cols = a.shape().lastDim();
            return record(out, g -> {
                if (a.requiresGrad()) contribute(a, (dA, acc) -> addOrCopy(dA, g, acc));
                if (b.requiresGrad()) contribute(b, (dB, acc) -> backend(g).sumRows(g.buffer(), dB.buffer(), rows, cols, acc));
            }, a, b);
        }
        Tensor out = a.value().add(b.value());
        return record(out, g -> {
            if (a.requiresGrad()) contribute(a, (dA, acc) -> addOrCopy(dA, g, acc));
            if (b.requiresGrad()) contribute(b, (dB, acc) -> addOrCopy(dB, g, acc));
        }, a, b);
    }

    /** Elementwise product of equal shapes. */
    public static Variable mul(Variable a, Variable b) {
        Tensor out = a.value().mul(b.value());
        return record(out, g -> {
            if (a.requiresGrad()) {
                try (Tensor t = g.mul(b.value())) {
                    a.gradForAccumulation().addInPlace(t);
                }
            }
            if (b.requiresGrad()) {
                try (Tensor t = g.mul(a.value())) {
                    b.gradForAccumulation().addInPlace(t);
                }
            }
        }, a, b);
    }

    /** alpha * a. */
    public static Variable scale(Variable a, double alpha) {
        Tensor out = a.value().scale(alpha);
        return record(out, g -> a.gradForAccumulation().addScaledInPlace(alpha, g), a);
    }

    public static Variable tanh(Variable x) {
        Tensor y = x.value().tanh();
        return record(y, g -> contribute(x, (dx, acc) ->
                backend(dx).tanhBackward(y.buffer(), g.buffer(), dx.buffer(), y.numel(), acc)), x);
    }

    /** The sum of all elements: a scalar. */
    public static Variable sum(Variable x) {
        Tensor out = x.value().sum();
        return record(out, g -> {
            double upstream = g.item();
            try (Tensor ones = x.engine().full(x.dtype(), upstream, x.shape())) {
                x.gradForAccumulation().addInPlace(ones);
            }
        }, x);
    }

    // ---- loss ----------------------------------------------------------------------------------

    /** Mean softmax cross-entropy of logits [N, C] against targets (INT32 [N]). */
    public static Variable crossEntropy(Variable logits, Tensor targets) {
        return crossEntropy(logits, targets, DEFAULT_IGNORE_INDEX);
    }

    /**
     * Mean over the rows whose target is not {@code ignoreIndex} of logsumexp(x) - x[target]; the
     * ignored rows contribute no loss and no gradient (NaN loss when every row is ignored, as in
     * PyTorch). The fused kernel computes the logits' gradient in the same pass; backward scales it.
     */
    public static Variable crossEntropy(Variable logits, Tensor targets, int ignoreIndex) {
        Tensor.LossAndGradient lg = logits.value().softmaxCrossEntropy(targets, ignoreIndex);
        Tensor saved = lg.dLogits();
        if (!needsRecording(logits)) {
            saved.close();
            return Variable.constant(lg.loss());
        }
        Tensor[] owned = {saved};
        return record(lg.loss(), g -> {
            double upstream = g.item();
            if (logits.gradIsFresh()) {
                // The first (usually only) contribution: the saved gradient becomes the logits'
                // gradient where they have none allocated (an intermediate), leaving the tape's
                // hands; else it is written over the stale gradient in one pass.
                if (upstream != 1.0) saved.scaleInPlace(upstream);
                if (logits.adoptGrad(saved)) {
                    owned[0] = null;
                } else {
                    logits.gradForOverwrite().copyFromInPlace(saved);
                }
            } else {
                logits.gradForAccumulation().addScaledInPlace(upstream, saved);
            }
        }, owned, logits);
    }

    // ---- views ---------------------------------------------------------------------------------

    /** The same elements in another shape (a view). */
    public static Variable reshape(Variable x, int... dims) {
        Tensor out = x.value().reshape(dims);
        int[] original = x.shape().dims();
        return record(out, g -> contribute(x, (dx, acc) -> addOrCopy(dx, g.reshape(original), acc)), x);
    }

    /** Rows [start, end) along the first dimension (a view): selects timesteps of a [T, B, H] tensor. */
    public static Variable slice(Variable x, int start, int end) {
        Tensor out = x.value().slice(start, end);
        return record(out, g -> x.gradForAccumulation().slice(start, end).addInPlace(g), x);
    }

    // ---- recurrent -----------------------------------------------------------------------------

    /**
     * A tanh RNN over T timesteps, time-major: x [T, B, E], h0 [B, H] (null for zeros), weightIH
     * [H, E], weightHH [H, H], bias [H]. Returns every hidden state, [T, B, H], with
     * h_t = tanh(x_t weightIH^T + h_{t-1} weightHH^T + bias). One tape node: the input projection of
     * all timesteps is one GEMM forward and two backward; the recurrence is one small GEMM per step
     * each way.
     */
    public static Variable rnnTanh(Variable x, Variable h0, Variable weightIH, Variable weightHH, Variable bias) {
        Shape xs = x.shape();
        if (xs.rank() != 3) throw new IllegalArgumentException("rnnTanh: input must be [T, B, E], got " + xs);
        int steps = xs.dim(0), batch = xs.dim(1), in = xs.dim(2);
        Shape wih = weightIH.shape(), whh = weightHH.shape();
        if (wih.rank() != 2 || wih.dim(1) != in) {
            throw new IllegalArgumentException("rnnTanh: weightIH " + wih + " does not match input " + xs
                    + " (expected [H, " + in + "])");
        }
        int hidden = wih.dim(0);
        if (!whh.equals(Shape.of(hidden, hidden))) {
            throw new IllegalArgumentException("rnnTanh: weightHH " + whh + " does not match weightIH " + wih
                    + " (expected [" + hidden + ", " + hidden + "])");
        }
        if (!bias.shape().equals(Shape.of(hidden))) {
            throw new IllegalArgumentException("rnnTanh: bias " + bias.shape() + " does not match hidden size " + hidden);
        }
        if (h0 != null && !h0.shape().equals(Shape.of(batch, hidden))) {
            throw new IllegalArgumentException("rnnTanh: h0 " + h0.shape() + " does not match [" + batch + ", " + hidden + "]");
        }
        for (Variable v : new Variable[]{weightIH, weightHH, bias, h0}) {
            if (v != null) requireSameDType("rnnTanh", x, v);
        }
        Engine e = x.engine();
        Backend be = e.backend();
        int step = batch * hidden;
        Tensor out = e.empty(x.dtype(), steps, batch, hidden);
        Buffer ob = out.buffer();
        be.gemm(false, true, steps * batch, hidden, in, 1.0, x.value().buffer(), weightIH.value().buffer(), 0.0, ob);
        be.addRowVector(ob, bias.value().buffer(), ob, steps * batch, hidden);
        for (int t = 0; t < steps; t++) {
            Buffer ht = ob.slice(t * step, step);
            Buffer prev = t > 0 ? ob.slice((t - 1) * step, step) : h0 == null ? null : h0.value().buffer();
            if (prev != null) be.gemm(false, true, batch, hidden, hidden, 1.0, prev, weightHH.value().buffer(), 1.0, ht);
            be.tanh(ht, ht, step);
        }
        return record(out, g -> {
            // G starts as dL/dh_t and becomes dL/dpre_t, step by step from the last.
            try (Tensor grads = g.copy()) {
                Buffer gb = grads.buffer();
                Buffer whhB = weightHH.value().buffer();
                for (int t = steps - 1; t >= 0; t--) {
                    Buffer gt = gb.slice(t * step, step);
                    be.tanhBackward(ob.slice(t * step, step), gt, gt, step, false);
                    if (t > 0) {
                        be.gemm(false, false, batch, hidden, hidden, 1.0, gt, whhB, 1.0, gb.slice((t - 1) * step, step));
                    } else if (h0 != null && h0.requiresGrad()) {
                        be.gemm(false, false, batch, hidden, hidden, 1.0, gt, whhB, 1.0, h0.gradForAccumulation().buffer());
                    }
                }
                if (weightHH.requiresGrad()) {
                    Buffer dWhh = weightHH.gradForAccumulation().buffer();
                    if (steps > 1) {
                        int n = (steps - 1) * batch;
                        be.gemm(true, false, hidden, hidden, n, 1.0, gb.slice(step, n * hidden), ob.slice(0, n * hidden),
                                1.0, dWhh);
                    }
                    if (h0 != null) {
                        be.gemm(true, false, hidden, hidden, batch, 1.0, gb.slice(0, step), h0.value().buffer(), 1.0, dWhh);
                    }
                }
                int rows = steps * batch;
                if (weightIH.requiresGrad()) {
                    be.gemm(true, false, hidden, in, rows, 1.0, gb, x.value().buffer(), 1.0,
                            weightIH.gradForAccumulation().buffer());
                }
                if (bias.requiresGrad()) be.sumRows(gb, bias.gradForAccumulation().buffer(), rows, hidden, true);
                if (x.requiresGrad()) {
                    be.gemm(false, false, rows, in, hidden, 1.0, gb, weightIH.value().buffer(), 1.0,
                            x.gradForAccumulation().buffer());
                }
            }
        }, x, h0, weightIH, weightHH, bias);
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private static boolean needsRecording(Variable... inputs) {
        if (Tape.active() == null) return false;
        for (Variable v : inputs) {
            if (v != null && v.requiresGrad()) return true;
        }
        return false;
    }

    private static Variable record(Tensor value, Tape.Backward backward, Variable... inputs) {
        return record(value, backward, new Tensor[0], inputs);
    }

    private static Variable record(Tensor value, Tape.Backward backward, Tensor[] owned, Variable... inputs) {
        if (!needsRecording(inputs)) return Variable.constant(value);
        Variable out = Variable.intermediate(value);
        Tape.active().add(out, backward, owned, inputs);
        return out;
    }

    /** Writes one input's gradient contribution into {@code grad}: added when {@code accumulate}, else stored. */
    private interface Contribution {
        void into(Tensor grad, boolean accumulate);
    }

    /**
     * Runs a contribution to v's gradient, telling it to overwrite when the gradient holds nothing
     * yet (a first contribution, or after a lazy zeroGrad): that spares filling the gradient with
     * zeros and reading them back.
     */
    private static void contribute(Variable v, Contribution c) {
        if (v.gradIsFresh()) {
            c.into(v.gradForOverwrite(), false);
        } else {
            c.into(v.gradForAccumulation(), true);
        }
    }

    private static void addOrCopy(Tensor grad, Tensor g, boolean accumulate) {
        if (accumulate) grad.addInPlace(g);
        else grad.copyFromInPlace(g);
    }

    private static Backend backend(Tensor t) {
        return t.engine().backend();
    }

    private static void requireSameDType(String op, Variable a, Variable b) {
        if (a.engine() != b.engine()) {
            throw new IllegalArgumentException(op + ": " + a.shape() + " and " + b.shape() + " live on different engines");
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes " + a.dtype() + " " + a.shape() + " and " + b.dtype() + " "
                    + b.shape() + " differ");
        }
    }
}
