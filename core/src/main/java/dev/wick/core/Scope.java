package dev.wick.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A memory scope: every tensor an engine creates on this thread while the scope is the innermost
 * open one belongs to it, and {@link #close()} closes them all, except those handed out with
 * {@link #keep}. Scopes nest; they must be closed innermost first (try-with-resources does that).
 *
 * <p>A scope belongs to the thread that opened it: it collects only that thread's tensors, and
 * must be closed on that thread. Other threads have scopes of their own on the same engine.
 */
public final class Scope implements AutoCloseable {
    private final Engine engine;
    private final Scope parent;
    private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    Scope(Engine engine, Scope parent) {
        this.engine = engine;
        this.parent = parent;
    }

    void adopt(Tensor t) {
        owned.add(t);
        t.owner = this;
    }

    /** Called by a tensor closed by hand, so a long-lived scope does not pile up dead tensors. */
    void forget(Tensor t) {
        if (!closed) owned.remove(t);
    }

    /**
     * Hands {@code t} out of this scope: it survives close() and belongs to the enclosing scope,
     * or to the caller when this is the outermost scope. Returns t for chaining.
     *
     * @param t a tensor made inside this scope
     * @return t
     */
    public Tensor keep(Tensor t) {
        if (closed) throw new IllegalStateException("scope is closed");
        if (owned.remove(t)) {
            t.owner = null;
            if (parent != null) parent.adopt(t);
        }
        return t;
    }

    /**
     * Number of tensors this scope will close.
     *
     * @return the count
     */
    public int size() {
        return owned.size();
    }

    /** Closes every tensor this scope still owns, and ends the scope on this thread. */
    @Override
    public void close() {
        if (closed) return;
        engine.popScope(this);
        closed = true;
        List<Tensor> toClose = new ArrayList<>(owned);
        owned.clear();
        for (Tensor t : toClose) {
            t.close();
        }
    }
}
