package dev.wick.autograd;

import dev.wick.core.Engine;
import dev.wick.core.backend.DeviceGraph;

/**
 * A training loop's steps, run as one captured device graph where the engine has them (CUDA): the
 * first step after creation or {@link #reset} runs eagerly, which brings the engine's memory cache
 * to the steady state the graph needs; the second is captured, and it and every later step replay
 * the graph (the same kernels on the same memory, so the bits of eager steps, with one launch).
 * Where the engine has no graphs, graphs are not wanted, or the device refuses the capture, every
 * step runs eagerly with the same results.
 *
 * <p>A step is given in three parts: the whole step as it runs eagerly (it may read results back
 * and check them), the host work that must precede each replay (an optimizer's
 * {@link dev.wick.autograd.optim.Optimizer#advance}, which writes the step's scalars where the
 * graph reads them), and the step's device work as the graph captures it (nothing read from or
 * written to the host, results left in tensors that outlive the step). The step's inputs go into
 * fixed tensors before {@link #run}, as copies from the host ({@code Tensor.copyFromInPlace}).
 *
 * <pre>{@code
 * try (StepGraph steps = new StepGraph(engine, true)) {
 *     for (Batch b : batches) {
 *         inputs.copyFromInPlace(b.ids());
 *         steps.run(this::eagerStep, optimizer::advance, this::deviceStep);
 *         double loss = results.toDoubleArray()[0];
 *     }
 * }
 * }</pre>
 */
public final class StepGraph implements AutoCloseable {
    private final Engine engine;
    /** Why steps run eagerly, or null while they replay (or will, once warmed up). */
    private String eagerReason;
    private DeviceGraph graph;
    private boolean warmedUp;
    private int replayedSteps;
    /** Why a capture was refused, not yet taken by {@link #takeRefusal}, or null. */
    private String refusal;

    /**
     * Steps on {@code engine}, replayed from a graph where it has them and {@code wanted} is true.
     *
     * @param engine the engine the steps run on
     * @param wanted false to run every step eagerly
     */
    public StepGraph(Engine engine, boolean wanted) {
        this.engine = engine;
        this.eagerReason = !wanted ? "graphs turned off"
                : !engine.capturesGraphs() ? engine.device() + " has no device graphs"
                : null;
    }

    /**
     * Runs one step: eagerly while warming up or where steps do not replay; else captures the graph
     * if there is none yet (a refused capture leaves this and every later step eager, see
     * {@link #takeRefusal}), then runs {@code beforeReplay} and replays it.
     *
     * @param eager the whole step, run eagerly
     * @param beforeReplay the host work each replay needs first
     * @param captured the step's device work, captured once; it must neither read nor write the host
     * @return whether this step was a replay
     */
    public boolean run(Runnable eager, Runnable beforeReplay, Runnable captured) {
        if (eagerReason == null && warmedUp && graph == null) capture(captured);
        if (eagerReason != null || !warmedUp) {
            eager.run();
            warmedUp = true;
            return false;
        }
        beforeReplay.run();
        graph.replay();
        replayedSteps++;
        return true;
    }

    /**
     * A capture the device refuses (a call it cannot capture, memory it cannot find while capturing)
     * has run nothing: the eager step that follows computes everything from the same state.
     */
    private void capture(Runnable captured) {
        try {
            graph = engine.captureGraph(captured);
        } catch (RuntimeException e) {
            eagerReason = "the capture failed: " + e.getMessage();
            refusal = eagerReason;
        }
    }

    /**
     * Forgets the graph, which holds the addresses it was captured with: the next step runs eagerly
     * and the one after captures again. Call it when a step's tensors are replaced (a restored
     * checkpoint that reallocates them, say).
     */
    public void reset() {
        closeGraph();
        warmedUp = false;
    }

    /**
     * Whether steps replay a graph (from the second on), as far as is known: false once a capture
     * was refused.
     *
     * @return whether steps replay
     */
    public boolean replays() {
        return eagerReason == null;
    }

    /**
     * One line for people on how the steps run, and why not as a graph where they do not.
     *
     * @return the line
     */
    public String description() {
        return eagerReason == null ? "training steps: a CUDA graph, captured at the second step and replayed"
                : "training steps: eager (" + eagerReason + ")";
    }

    /**
     * Why the device refused to capture the step, once, after the refusal; null otherwise.
     *
     * @return the reason, or null when there is nothing new
     */
    public String takeRefusal() {
        String r = refusal;
        refusal = null;
        return r;
    }

    /**
     * Steps replayed from the graph so far.
     *
     * @return the count (0 where steps run eagerly)
     */
    public int replayedSteps() {
        return replayedSteps;
    }

    private void closeGraph() {
        if (graph != null) graph.close();
        graph = null;
    }

    /** Frees the graph and the memory it holds. */
    @Override
    public void close() {
        closeGraph();
    }
}
