package dev.wick.cuda;

/** The recurrent cells on CUDA device 0, where there is one (skipped elsewhere, saying why). */
class RecurrentCellsCudaTest extends RecurrentCellsAgainstCpu {
    @Override
    CudaBackend open() {
        return device0(getClass());
    }
}
