package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.Shape;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The op families on the host kernel emulator (no GPU needed; g++ is). */
class OpFamiliesEmulatedTest extends OpFamiliesAgainstCpu {
    @Override
    CudaBackend open() {
        return emulated(getClass());
    }

    /**
     * A big tensor has more rows (or elements) than a grid has blocks, so every kernel loops over
     * the rest: run again on a single block, each launch must write the same bits, reusing its shared
     * memory from one row to the next.
     */
    @Test
    void oneBlockComputesWhatTheWholeGridDoes() {
        assumeEmulator(getClass());
        EmulatedDevice device = new EmulatedDevice(true);
        try (CudaBackend b = new CudaBackend(device, 0)) {
            Random r = new Random(5);
            Buffer x = b.allocate(DType.FLOAT32, 2400), y = b.allocate(DType.FLOAT32, 60);
            double[] values = new double[2400];
            for (int i = 0; i < values.length; i++) values[i] = r.nextInt(7) - 3 + r.nextGaussian();
            write(b, values, x);
            write(b, Arrays.copyOf(values, 60), y);
            Buffer out = b.allocate(DType.FLOAT32, 2400), positions = b.allocate(DType.INT32, 2400);
            for (ReduceOp op : new ReduceOp[]{ReduceOp.LOGSUMEXP, ReduceOp.ARGMAX, ReduceOp.MIN}) {
                Buffer o = op.indexResult() ? positions : out;
                onOneBlock(b, device, o, be -> be.reduce(op, x, o, 40, 60, 1)); // 40 blocks, one per row
                onOneBlock(b, device, o, be -> be.reduce(op, x, o, 4, 6, 100)); // 4 x 4 column tiles
            }
            Strides outer = Strides.broadcast(Shape.of(40, 1), Shape.of(1, 60));
            onOneBlock(b, device, out, be -> be.binary(BinaryOp.SUB, x, y, out, outer));
            onOneBlock(b, device, out, be -> be.unary(UnaryOp.SIGMOID, x, out, 2400));
            Strides transpose = Strides.of(new int[]{60, 40}, new int[]{1, 60}, new int[]{40, 1});
            onOneBlock(b, device, out, be -> be.copyStrided(x, out, transpose));
        }
    }

    private static void onOneBlock(CudaBackend b, EmulatedDevice device, Buffer out, Consumer<CudaBackend> call) {
        b.fill(out, -7, out.length()); // what a launch does not write stays -7
        call.accept(b);
        Launch whole = device.launches.get(device.launches.size() - 1);
        double[] expected = read(b, out);
        b.fill(out, -7, out.length());
        device.launch(new Launch(whole.kernel(), 1, 1, whole.blockX(), whole.blockY(), 0, whole.args()));
        assertArrayEquals(expected, read(b, out), whole + " on one block");
    }
}
