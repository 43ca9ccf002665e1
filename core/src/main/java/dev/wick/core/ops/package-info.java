/**
 * The op table: every elementwise, reduction and broadcasting op of a known family declared once
 * ({@link dev.wick.core.ops.UnaryOp}, {@link dev.wick.core.ops.BinaryOp},
 * {@link dev.wick.core.ops.ReduceOp}), with its scalar formula (the CPU backend and the reference),
 * its CUDA body (cuda-kernels generates its kernels from it) and its gradient in checked tensor
 * operations (autograd uses it). Backends run any entry through one generic method per family.
 */
package dev.wick.core.ops;
