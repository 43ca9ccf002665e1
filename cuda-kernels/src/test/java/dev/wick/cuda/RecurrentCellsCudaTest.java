package dev.wick.cuda;

import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The recurrent cells on CUDA device 0, where there is one (skipped elsewhere, saying why). */
class RecurrentCellsCudaTest extends RecurrentCellsAgainstCpu {
    @Override
    CudaBackend open() {
        Availability a = Wick.cudaAvailability();
        if (!a.available()) System.out.println("RecurrentCellsCudaTest skipped: " + a.reason());
        assumeTrue(a.available(), () -> "CUDA not available: " + a.reason());
        return CudaBackend.open(0);
    }
}
