package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The recurrent cells on the host kernel emulator (no GPU needed; g++ is). */
class RecurrentCellsEmulatedTest extends RecurrentCellsAgainstCpu {
    @Override
    CudaBackend open() {
        return emulated(getClass());
    }

    /**
     * Batch 7 x hidden 101 is three blocks of threads; run again on a single block, whose threads
     * then loop over several (row, unit) pairs, each kernel must write the same bits to every buffer.
     */
    @Test
    void oneBlockComputesWhatTheWholeGridDoes() {
        EmulatedDevice device = new EmulatedDevice(true);
        try (CudaBackend b = new CudaBackend(device, 0)) {
            Random r = new Random(11);
            int batch = 7, hidden = 101, units = batch * hidden;
            DType t = DType.FLOAT32;
            List<Buffer> buffers = new ArrayList<>();
            List<double[]> values = new ArrayList<>();
            int[] lengths = {4 * units, 3 * units, 3 * units, units, units, units, units, units};
            for (int length : lengths) {
                buffers.add(b.allocate(t, length));
                values.add(gaussians(r, length, 5));
            }
            Buffer gates = buffers.get(0), gi = buffers.get(1), gh = buffers.get(2);
            Buffer s0 = buffers.get(3), s1 = buffers.get(4), s2 = buffers.get(5), s3 = buffers.get(6);
            Buffer s4 = buffers.get(7);
            Runnable reset = () -> {
                for (int i = 0; i < buffers.size(); i++) write(b, values.get(i), buffers.get(i));
            };
            onOneBlock(b, device, buffers, reset, () -> b.lstmCellForward(gates, s0, s1, s2, batch, hidden));
            onOneBlock(b, device, buffers, reset, () -> b.lstmCellBackward(gates, s0, s1, s2, s3, gates, batch, hidden));
            onOneBlock(b, device, buffers, reset, () -> b.gruCellForward(gi, gh, s0, s1, batch, hidden));
            Buffer dGh = b.allocate(t, 3 * units);
            buffers.add(dGh);
            values.add(new double[3 * units]);
            onOneBlock(b, device, buffers, reset, () -> b.gruCellBackward(gi, gh, s0, s1, gi, dGh, s4, batch, hidden));
        }
    }

    private static void onOneBlock(CudaBackend b, EmulatedDevice device, List<Buffer> buffers, Runnable reset,
                                   Runnable call) {
        reset.run();
        call.run();
        Launch whole = device.launches.get(device.launches.size() - 1);
        List<double[]> expected = new ArrayList<>();
        for (Buffer x : buffers) expected.add(read(b, x));
        reset.run();
        device.launch(new Launch(whole.kernel(), 1, 1, whole.blockX(), whole.blockY(), 0, whole.args()));
        for (int i = 0; i < buffers.size(); i++) {
            assertArrayEquals(expected.get(i), read(b, buffers.get(i)), whole + " on one block, buffer " + i);
        }
    }
}
