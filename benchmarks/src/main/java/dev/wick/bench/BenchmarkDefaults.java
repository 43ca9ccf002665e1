package dev.wick.bench;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The run settings every benchmark inherits (JMH reads these annotations from superclasses): one
 * fork, 3 warm-up and 5 measurement iterations of a second (the JIT needs the warm-up, libtorch
 * does not; both get it), room on the heap for the 2048 x 50,000 logits and their gradients, and
 * the Vector API module, which gives Wick's CPU backend its SIMD exp and tanh.
 * The command line overrides any of them (-f, -wi, -i, -w, -r, -jvmArgsAppend).
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx8g", "--add-modules=jdk.incubator.vector"})
public abstract class BenchmarkDefaults {
}
