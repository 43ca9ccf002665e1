package dev.wick.core.conformance;

import dev.wick.core.DType;
import dev.wick.core.Device;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.backend.ScatterMode;

/** Passes every call to another backend; tests override single primitives to plant bugs. */
class ForwardingBackend implements Backend {
    final Backend delegate;

    ForwardingBackend(Backend delegate) {
        this.delegate = delegate;
    }

    @Override public Device device() { return delegate.device(); }
    @Override public String description() { return "forwarding " + delegate.description(); }
    @Override public Buffer allocate(DType dtype, int length) { return delegate.allocate(dtype, length); }
    @Override public void release(Buffer buffer) { delegate.release(buffer); }
    @Override public MemoryStats memoryStats() { return delegate.memoryStats(); }
    @Override public void trimCache() { delegate.trimCache(); }
    @Override public void upload(float[] src, int srcOffset, Buffer dst, int length) { delegate.upload(src, srcOffset, dst, length); }
    @Override public void upload(double[] src, int srcOffset, Buffer dst, int length) { delegate.upload(src, srcOffset, dst, length); }
    @Override public void upload(int[] src, int srcOffset, Buffer dst, int length) { delegate.upload(src, srcOffset, dst, length); }
    @Override public void download(Buffer src, float[] dst, int dstOffset, int length) { delegate.download(src, dst, dstOffset, length); }
    @Override public void download(Buffer src, double[] dst, int dstOffset, int length) { delegate.download(src, dst, dstOffset, length); }
    @Override public void download(Buffer src, int[] dst, int dstOffset, int length) { delegate.download(src, dst, dstOffset, length); }
    @Override public void synchronize() { delegate.synchronize(); }
    @Override public void copy(Buffer src, Buffer dst, int length) { delegate.copy(src, dst, length); }
    @Override public void fill(Buffer dst, double value, int length) { delegate.fill(dst, value, length); }
    @Override public void uniform(Buffer dst, int length, long seed, double low, double high) { delegate.uniform(dst, length, seed, low, high); }
    @Override public void normal(Buffer dst, int length, long seed, double mean, double std) { delegate.normal(dst, length, seed, mean, std); }
    @Override public int firstIndexOutOfRange(Buffer indices, int count, int bound, int exempt) { return delegate.firstIndexOutOfRange(indices, count, bound, exempt); }
    @Override public void gather(Buffer table, Buffer indices, Buffer out, int count, int rowLength) { delegate.gather(table, indices, out, count, rowLength); }
    @Override public void scatterAdd(Buffer table, Buffer indices, Buffer src, int count, int rowLength, int skipIndex, ScatterMode mode) {
        delegate.scatterAdd(table, indices, src, count, rowLength, skipIndex, mode);
    }
    @Override public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, Buffer b, double beta, Buffer c) {
        delegate.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    }
    @Override public void unary(UnaryOp op, Buffer x, Buffer y, int length) { delegate.unary(op, x, y, length); }
    @Override public void binary(BinaryOp op, Buffer a, Buffer b, Buffer out, Strides layout) { delegate.binary(op, a, b, out, layout); }
    @Override public void binaryScalar(BinaryOp op, Buffer a, double scalar, boolean scalarFirst, Buffer out, int length) { delegate.binaryScalar(op, a, scalar, scalarFirst, out, length); }
    @Override public void reduce(ReduceOp op, Buffer x, Buffer out, int outer, int n, int inner) { delegate.reduce(op, x, out, outer, n, inner); }
    @Override public void copyStrided(Buffer src, Buffer dst, Strides layout) { delegate.copyStrided(src, dst, layout); }
    @Override public void tanhBackward(Buffer y, Buffer dy, Buffer dx, int length, boolean accumulate) { delegate.tanhBackward(y, dy, dx, length, accumulate); }
    @Override public void lstmCellForward(Buffer gates, Buffer cPrev, Buffer c, Buffer h, int batch, int hidden) { delegate.lstmCellForward(gates, cPrev, c, h, batch, hidden); }
    @Override public void lstmCellBackward(Buffer gates, Buffer cPrev, Buffer c, Buffer dh, Buffer dc, Buffer dGates, int batch, int hidden) { delegate.lstmCellBackward(gates, cPrev, c, dh, dc, dGates, batch, hidden); }
    @Override public void gruCellForward(Buffer gi, Buffer gh, Buffer hPrev, Buffer h, int batch, int hidden) { delegate.gruCellForward(gi, gh, hPrev, h, batch, hidden); }
    @Override public void gruCellBackward(Buffer gates, Buffer gh, Buffer hPrev, Buffer dh, Buffer dGi, Buffer dGh, Buffer dhPrev, int batch, int hidden) { delegate.gruCellBackward(gates, gh, hPrev, dh, dGi, dGh, dhPrev, batch, hidden); }
    @Override public void softmaxCrossEntropy(Buffer logits, Buffer targets, int rows, int cols, int ignoreIndex, Buffer loss, Buffer dLogits) {
        delegate.softmaxCrossEntropy(logits, targets, rows, cols, ignoreIndex, loss, dLogits);
    }
    @Override public void axpy(double alpha, Buffer x, Buffer y, int length) { delegate.axpy(alpha, x, y, length); }
    @Override public void squaredNorm(Buffer x, Buffer out, int length) { delegate.squaredNorm(x, out, length); }
    @Override public void coalesceRows(Buffer indices, Buffer src, int count, int rowLength, int skipIndex, Buffer rows, Buffer values, Buffer nnz) {
        delegate.coalesceRows(indices, src, count, rowLength, skipIndex, rows, values, nnz);
    }
    @Override public void sparseSgdUpdate(Buffer param, Buffer rows, Buffer values, int capacity, int rowLength, Buffer lr, double weightDecay) {
        delegate.sparseSgdUpdate(param, rows, values, capacity, rowLength, lr, weightDecay);
    }
    @Override public void sparseAdamUpdate(Buffer param, Buffer rows, Buffer values, Buffer m, Buffer v, int capacity, int rowLength, Buffer scalars, double beta1, double beta2, double eps) {
        delegate.sparseAdamUpdate(param, rows, values, m, v, capacity, rowLength, scalars, beta1, beta2, eps);
    }
    @Override public void sgdUpdate(Buffer param, Buffer grad, Buffer velocity, int length, Buffer lr, double momentum, double weightDecay) {
        delegate.sgdUpdate(param, grad, velocity, length, lr, momentum, weightDecay);
    }
    @Override public void adamUpdate(Buffer param, Buffer grad, Buffer m, Buffer v, int length, Buffer scalars, double beta1, double beta2, double eps, double weightDecay) {
        delegate.adamUpdate(param, grad, m, v, length, scalars, beta1, beta2, eps, weightDecay);
    }
    @Override public void convert(Buffer src, Buffer dst, int length) { delegate.convert(src, dst, length); }
    @Override public void close() { delegate.close(); }
}
