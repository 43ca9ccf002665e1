package dev.wick.cuda;

/** The op families on CUDA device 0, where there is one (skipped elsewhere, saying why). */
class OpFamiliesCudaTest extends OpFamiliesAgainstCpu {
    @Override
    CudaBackend open() {
        return device0(getClass());
    }
}
