// Generated from Wick's op table (dev.wick.core.ops: UnaryOp, BinaryOp, ReduceOp) by
// dev.wick.cuda.OpTableSource (cuda-kernels test sources): do not edit; change the table and run
// cuda-kernels/scripts/build-ptx.sh, which regenerates this file and the PTX.
//
// ops.cu expands every entry into an _f32 and an _f64 kernel. Expressions come in parentheses:
//   WICK_UNARY_OPS:              X(name, y)            y of x; both of type T (float or double)
//   WICK_BINARY_OPS:             X(name, out)          out of a and b; all of type T
//   WICK_REDUCE_ACCUMULATE_OPS:  X(name, step, finish, shifted)
//       step: the next acc from acc and x; finish: the result from acc, n (int) and shift; acc,
//       x and shift are doubles; shifted: 1 where shift is the axis's maximum, else it is 0
//   WICK_REDUCE_SELECT_OPS:      X(name, better, index_result)
//       better: whether the candidate x beats best (type T); index_result: 1 where the
//       result is the position (int), 0 where it is the value
//   WICK_REDUCE_SHIFT_OP:        the select op whose value is the shift
#ifndef WICK_OP_TABLE_CUH
#define WICK_OP_TABLE_CUH

#define WICK_UNARY_OPS(X) \
    X(exp, (wick_exp(x))) \
    X(log, (wick_log(x))) \
    X(sigmoid, (wick_sigmoid(x))) \
    X(relu, ((x > (T)0 || x != x) ? x : (T)0)) \
    X(neg, (-x)) \
    X(sqrt, (wick_sqrt(x))) \
    X(abs, (wick_abs(x))) \
    X(sign, ((x > (T)0) ? (T)1 : (x < (T)0) ? (T)-1 : x)) \
    X(softplus, ((x > (T)20) ? x : (T)log1p(wick_exp(x)))) \
    X(tanh, (wick_tanh(x)))

#define WICK_BINARY_OPS(X) \
    X(add, (a + b)) \
    X(sub, (a - b)) \
    X(mul, (a * b)) \
    X(div, (a / b)) \
    X(maximum, ((a > b || a != a) ? a : b)) \
    X(minimum, ((a < b || a != a) ? a : b)) \
    X(mask, ((b != (T)0) ? a : (T)0)) \
    X(eq, ((a == b) ? (T)1 : (T)0)) \
    X(ne, ((a != b) ? (T)1 : (T)0)) \
    X(lt, ((a < b) ? (T)1 : (T)0)) \
    X(le, ((a <= b) ? (T)1 : (T)0)) \
    X(gt, ((a > b) ? (T)1 : (T)0)) \
    X(ge, ((a >= b) ? (T)1 : (T)0))

#define WICK_REDUCE_ACCUMULATE_OPS(X) \
    X(sum, (acc + x), (acc), 0) \
    X(mean, (acc + x), (acc / (double)n), 0) \
    X(logsumexp, (acc + exp(x - shift)), ((shift == -INFINITY || shift == INFINITY) ? shift : shift + log(acc)), 1)

#define WICK_REDUCE_SELECT_OPS(X) \
    X(max, (x > best || (x != x && best == best)), 0) \
    X(min, (x < best || (x != x && best == best)), 0) \
    X(argmax, (x > best || (x != x && best == best)), 1) \
    X(argmin, (x < best || (x != x && best == best)), 1)

#define WICK_REDUCE_SHIFT_OP max

#endif  // WICK_OP_TABLE_CUH
