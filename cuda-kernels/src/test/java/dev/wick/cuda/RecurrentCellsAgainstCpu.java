package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * What the conformance suite's tolerances cannot say about recurrent.cu: the GRU backward has no
 * exp or tanh, so a CUDA backend must write the CPU's bits exactly, in place and not, dhPrev
 * accumulating over chained steps (a product contracted into a fused multiply-add where the CPU
 * rounds it, or a different grouping, shows up here as the last bit). Subclasses say which device:
 * {@link RecurrentCellsEmulatedTest}, {@link RecurrentCellsCudaTest}.
 */
abstract class RecurrentCellsAgainstCpu extends CudaAgainstCpu {
    /** Gate activations as a forward leaves them: r and z in (0, 1), saturated at times, n in (-1, 1). */
    static double[] gruActivations(Random r, int batch, int hidden) {
        double[] a = new double[3 * batch * hidden];
        for (int e = 0; e < a.length; e++) {
            double x = r.nextInt(4) == 0 ? 40 * r.nextDouble() - 20 : 3 * r.nextGaussian();
            a[e] = (e / hidden) % 3 == 2 ? Math.tanh(x) : 1 / (1 + Math.exp(-x));
        }
        return a;
    }

    static double[] gaussians(Random r, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = std * r.nextGaussian();
        return v;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void gruBackwardWritesTheCpusBitsOverChainedSteps(DType t) {
        Random r = new Random(seed ^ t.hashCode());
        int steps = 3;
        for (int[] shape : new int[][]{{1, 1}, {5, 53}, {3, 130}}) {
            int batch = shape[0], hidden = shape[1], units = batch * hidden;
            double[][] gates = new double[steps][], gh = new double[steps][], h = new double[steps + 1][];
            double[][] dh = new double[steps + 1][];
            for (int s = 0; s < steps; s++) {
                gates[s] = gruActivations(r, batch, hidden);
                gh[s] = gaussians(r, 3 * units, 6);
            }
            for (int s = 0; s <= steps; s++) {
                h[s] = gaussians(r, units, 0.5);
                dh[s] = gaussians(r, units, 1);
            }
            for (boolean inPlace : new boolean[]{false, true}) {
                double[][] expected = gruBackward(cpu, t, gates, gh, h, dh, batch, hidden, inPlace);
                double[][] actual = gruBackward(cuda, t, gates, gh, h, dh, batch, hidden, inPlace);
                for (int k = 0; k < expected.length; k++) {
                    assertArrayEquals(expected[k], actual[k], "seed " + seed + ", " + t + " " + batch + " x " + hidden
                            + (inPlace ? " in place" : "") + ", output " + k);
                }
            }
        }
    }

    /** The backward from the last step to the first; returns dGi and dGh per step and dh_0 .. dh_{T-1}. */
    private static double[][] gruBackward(Backend b, DType t, double[][] gates, double[][] gh, double[][] h,
                                          double[][] dh, int batch, int hidden, boolean inPlace) {
        int steps = gates.length;
        Buffer[] G = new Buffer[steps], K = new Buffer[steps], DI = new Buffer[steps], DK = new Buffer[steps];
        Buffer[] H = new Buffer[steps + 1], D = new Buffer[steps + 1];
        for (int s = 0; s < steps; s++) {
            G[s] = upload(b, t, gates[s]);
            K[s] = upload(b, t, gh[s]);
            DI[s] = inPlace ? G[s] : b.allocate(t, gates[s].length);
            DK[s] = b.allocate(t, gates[s].length);
        }
        for (int s = 0; s <= steps; s++) {
            H[s] = upload(b, t, h[s]);
            D[s] = upload(b, t, dh[s]);
        }
        for (int s = steps - 1; s >= 0; s--) {
            b.gruCellBackward(G[s], K[s], H[s], D[s + 1], DI[s], DK[s], D[s], batch, hidden);
        }
        double[][] out = new double[3 * steps][];
        for (int s = 0; s < steps; s++) {
            out[3 * s] = read(b, DI[s]);
            out[3 * s + 1] = read(b, DK[s]);
            out[3 * s + 2] = read(b, D[s]);
        }
        for (Buffer[] group : new Buffer[][]{G, K, H, D, DK}) for (Buffer x : group) b.release(x);
        if (!inPlace) for (Buffer x : DI) b.release(x);
        return out;
    }

    static Buffer upload(Backend b, DType t, double[] values) {
        Buffer x = b.allocate(t, values.length);
        write(b, values, x);
        return x;
    }
}
