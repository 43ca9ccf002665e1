package dev.wick.autograd.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Modules held in a list and registered by position (PyTorch's nn.ModuleList): a list of three
 * Linear layers has parameters 0.weight, 0.bias, 1.weight, ... It has no forward of its own; the
 * module that holds it decides how its members are used.
 *
 * @param <M> the members' type
 */
public final class ModuleList<M extends Module> extends AbstractModule implements Iterable<M> {
    private final List<M> members = new ArrayList<>();

    /** An empty list; {@link #add} appends. */
    public ModuleList() {
    }

    /**
     * A list of the given modules, named 0, 1, ... in order.
     *
     * @param modules the members; none null
     * @throws IllegalArgumentException if a member is null
     */
    public ModuleList(List<? extends M> modules) {
        for (M m : modules) add(m);
    }

    /**
     * Appends {@code module}, named by its position. Returns this list.
     *
     * @param module the member appended; not null
     * @return this list
     * @throws IllegalArgumentException if module is null or this list
     */
    public ModuleList<M> add(M module) {
        members.add(registerModule(String.valueOf(members.size()), module));
        return this;
    }

    /**
     * The member at {@code index}.
     *
     * @param index the position, from 0
     * @return the member
     * @throws IndexOutOfBoundsException if index is not in [0, size())
     */
    public M get(int index) {
        return members.get(index);
    }

    /**
     * The number of members.
     *
     * @return the number of members
     */
    public int size() {
        return members.size();
    }

    @Override
    public Iterator<M> iterator() {
        return Collections.unmodifiableList(members).iterator();
    }
}
