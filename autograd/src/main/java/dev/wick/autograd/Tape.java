package dev.wick.autograd;

import dev.wick.core.Scope;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Records differentiable ops on this thread while open, and runs them backwards. Nodes are appended
 * in execution order, which is a topological order, so {@link #backward} just walks the list in
 * reverse. Usage:
 * <pre>{@code
 * try (Tape tape = Tape.record()) {
 *     Variable loss = F.crossEntropy(model.forward(x), targets);
 *     tape.backward(loss);
 * }
 * }</pre>
 *
 * <p>A tape belongs to the thread that opened it: it records only that thread's ops, and
 * {@link #backward} and {@link #close()} must run on that thread (backward checks). Threads that
 * train at once each open their own tapes; the variables they share must not be written (by an
 * optimizer step, say) while another thread reads them.
 */
public final class Tape implements AutoCloseable {
    private static final ThreadLocal<Tape> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * What an op does on the way back: given its output's gradient, contributes to its inputs'
     * gradients through {@link Variable#accumulate}. The gradient it is given is the output's own,
     * which the tape frees right after, so a backward may overwrite it as scratch. Tensors it
     * creates belong to a memory scope that closes when it returns (gradients it allocates for its
     * inputs are handed out of it).
     */
    @FunctionalInterface
    interface Backward {
        void apply(Tensor gradOutput);
    }

    private record Node(Variable output, Backward backward, Tensor[] owned, Variable[] inputs) {
    }

    private final Tape previous;
    private final Thread thread = Thread.currentThread();
    private final List<Node> nodes = new ArrayList<>();
    private boolean released;
    private boolean closed;
    /** The leaves that take a gradient among the recorded nodes' inputs. */
    private final Set<Variable> leaves = Collections.newSetFromMap(new IdentityHashMap<>());

    private Tape(Tape previous) {
        this.previous = previous;
    }

    /**
     * Starts recording on this thread until {@link #close()}. Tapes nest: the newest records.
     *
     * @return the tape, to close (try-with-resources)
     */
    public static Tape record() {
        Tape t = new Tape(CURRENT.get());
        CURRENT.set(t);
        return t;
    }

    /**
     * Whether an op run now on this thread would be recorded.
     *
     * @return true when a tape records and no {@link #noGrad()} is open
     */
    public static boolean isRecording() {
        return active() != null;
    }

    /**
     * Pauses recording on this thread until the returned handle is closed (evaluation, sampling).
     *
     * @return the handle, to close (try-with-resources)
     */
    public static NoGrad noGrad() {
        NO_GRAD_DEPTH.get()[0]++;
        return new NoGrad();
    }

    /** The handle {@link #noGrad()} returns. */
    public static final class NoGrad implements AutoCloseable {
        private boolean closed;

        private NoGrad() {
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            NO_GRAD_DEPTH.get()[0]--;
        }
    }

    static Tape active() {
        Tape t = CURRENT.get();
        return t != null && NO_GRAD_DEPTH.get()[0] == 0 ? t : null;
    }

    /**
     * Number of recorded nodes.
     *
     * @return the node count
     */
    public int size() {
        return nodes.size();
    }

    void add(Variable output, Backward backward, Tensor[] owned, Variable[] inputs) {
        if (released) {
            throw new IllegalStateException("this tape was released by backward(); record on a new Tape");
        }
        nodes.add(new Node(output, backward, owned, inputs));
        for (Variable in : inputs) {
            if (in != null && in.isLeaf() && in.requiresGrad()) leaves.add(in);
        }
    }

    /**
     * Backpropagates from a one-element loss: its gradient is seeded with 1 and every recorded
     * node's backward runs in reverse order, adding (never overwriting) into the gradients of the
     * inputs that require one. Releases what the nodes saved; a second call throws.
     *
     * @param loss a one-element variable computed on this tape
     */
    public void backward(Variable loss) {
        if (closed) {
            throw new IllegalStateException("backward() on a closed tape: its saved tensors were released;"
                    + " run backward before closing the tape, or record the computation again on a new Tape");
        }
        if (released) {
            throw new IllegalStateException("backward() was already called on this tape and its saved tensors were released;"
                    + " record the computation again on a new Tape");
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("backward() must run on the thread that recorded the tape");
        }
        if (!loss.requiresGrad()) {
            throw new IllegalArgumentException("loss takes no gradient: nothing that requires grad was recorded into it");
        }
        if (loss.value().numel() != 1) {
            throw new IllegalArgumentException("backward() needs a one-element loss, got shape " + loss.shape());
        }
        if (!loss.isLeaf() && !recorded(loss)) {
            // Without this, the seed would reach no node and every gradient would silently stay as it was.
            throw new IllegalStateException("the loss was not recorded on this tape: it comes from another tape,"
                    + " or from one that was closed (its saved tensors are gone); record the computation on this tape");
        }
        try (Scope scope = loss.engine().scope()) {
            try {
                loss.accumulate((seed, add) -> {
                    if (add) {
                        seed.addInPlace(loss.engine().full(seed.dtype(), 1.0, seed.shape()));
                    } else {
                        seed.fillInPlace(1.0);
                        UNIT_SEED.set(seed);
                    }
                });
                for (int i = nodes.size() - 1; i >= 0; i--) {
                    Node node = nodes.get(i);
                    Tensor g = node.output().grad();
                    if (g == null) continue; // not on a path to the loss
                    runBackward(node, g);
                    node.output().releaseIntermediateGrad();
                }
                loss.releaseIntermediateGrad();
            } finally {
                UNIT_SEED.remove();
                // A leaf may have had its gradient allocated just now, inside this scope: it
                // belongs to the leaf, so it must outlive the pass (even one cut short by an error).
                for (Variable leaf : leaves) leaf.keepGradOutOf(scope);
                if (loss.isLeaf()) loss.keepGradOutOf(scope);
            }
        } finally {
            release();
        }
    }

    /** The loss's gradient while this thread's backward pass runs from a fresh seed of ones, else unset. */
    private static final ThreadLocal<Tensor> UNIT_SEED = new ThreadLocal<>();

    /**
     * Whether {@code gradient} is the seed of the backward pass running on this thread, all ones:
     * a loss's backward may then skip scaling by it, without reading it from the device (nothing
     * writes the seed before the loss's own backward reads it: the loss is where the pass starts).
     *
     * @param gradient the gradient a backward function was given
     * @return true where it is the unit seed
     */
    public static boolean isUnitSeed(Tensor gradient) {
        return gradient != null && UNIT_SEED.get() == gradient;
    }

    private boolean recorded(Variable output) {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            if (nodes.get(i).output() == output) return true;
        }
        return false;
    }

    /**
     * One node's backward inside its own scope, so the temporaries of its gradient formulas are
     * freed as soon as it returns rather than piling up until the end of the pass; the gradients it
     * allocated for its inputs move out to the pass's scope.
     */
    private static void runBackward(Node node, Tensor gradOutput) {
        Scope scope = node.output().engine().scope();
        try {
            node.backward().apply(gradOutput);
        } finally {
            for (Variable in : node.inputs()) {
                if (in != null && in.requiresGrad()) in.keepGradOutOf(scope);
            }
            scope.close();
        }
    }

    private void release() {
        if (released) return;
        released = true;
        leaves.clear();
        for (Node n : nodes) {
            for (Tensor t : n.owned()) {
                if (t != null) t.close(); // null: handed over to a gradient by the node's backward
            }
            n.output().releaseIntermediateGrad();
        }
        nodes.clear();
    }

    /** Stops recording and releases what the nodes saved. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        release();
        if (CURRENT.get() == this) {
            CURRENT.set(previous);
        } else if (Thread.currentThread() == thread) {
            throw new IllegalStateException("tapes must be closed innermost first");
        }
    }
}
