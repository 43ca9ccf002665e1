package dev.wick.core.ops;

import dev.wick.core.Tensor;

/**
 * The elementwise functions of one tensor: each declared once, here. A line gives the op's name,
 * its CUDA body (an expression of {@code x}, of type {@code T}, float or double; the kernels in
 * cuda-kernels are generated from it), its gradient in checked tensor operations, and its scalar
 * formula in double (float32 rounds the double result once, unless the entry overrides the float
 * formula). Backends run any of them through {@link dev.wick.core.backend.Backend#unary}; the
 * conformance suite, the gradient checks and the README's op list iterate {@link #values()}.
 */
public enum UnaryOp {
    /** e^x. */
    EXP("exp", "wick_exp(x)", (x, y, dy) -> dy.mul(y)) {
        @Override
        public double apply(double x) {
            return Math.exp(x);
        }
    },
    /** The natural logarithm. */
    LOG("log", "wick_log(x)", (x, y, dy) -> dy.div(x)) {
        @Override
        public double apply(double x) {
            return Math.log(x);
        }

        @Override
        public double domainLow() {
            return 0.05;
        }
    },
    /** 1 / (1 + e^-x), evaluated so that neither branch overflows. */
    SIGMOID("sigmoid", "wick_sigmoid(x)", (x, y, dy) -> dy.mul(y.mul(y.rsub(1.0)))) {
        @Override
        public double apply(double x) {
            if (x >= 0) return 1 / (1 + Math.exp(-x));
            double e = Math.exp(x);
            return e / (1 + e);
        }
    },
    /** max(x, 0); NaN stays NaN (as in PyTorch); the gradient at 0 is 0. */
    RELU("relu", "(x > (T)0 || x != x) ? x : (T)0", (x, y, dy) -> dy.mul(x.gt(0.0))) {
        @Override
        public double apply(double x) {
            return x > 0 || x != x ? x : 0.0;
        }
    },
    /** -x. */
    NEG("neg", "-x", (x, y, dy) -> dy.neg()) {
        @Override
        public double apply(double x) {
            return -x;
        }
    },
    /** The square root. */
    SQRT("sqrt", "wick_sqrt(x)", (x, y, dy) -> dy.div(y.mul(2.0))) {
        @Override
        public double apply(double x) {
            return Math.sqrt(x);
        }

        @Override
        public float apply(float x) {
            return (float) Math.sqrt(x); // correctly rounded in double, so rounded once to float
        }

        @Override
        public double domainLow() {
            return 0.05;
        }
    },
    /** |x|; the gradient at 0 is 0 (sign(0)), as in PyTorch. */
    ABS("abs", "wick_abs(x)", (x, y, dy) -> dy.mul(x.sign())) {
        @Override
        public double apply(double x) {
            return Math.abs(x);
        }
    },
    /** -1, 0 or 1 (and NaN for NaN, -0 for -0); no gradient: it is 0 almost everywhere. */
    SIGN("sign", "(x > (T)0) ? (T)1 : (x < (T)0) ? (T)-1 : x", null) {
        @Override
        public double apply(double x) {
            return Math.signum(x);
        }
    },
    /**
     * log(1 + e^x), PyTorch's default (beta 1, threshold 20): x itself above 20, where the two agree
     * to double precision; log1p keeps it exact for very negative x. Its derivative is sigmoid(x).
     */
    SOFTPLUS("softplus", "(x > (T)20) ? x : (T)log1p(wick_exp(x))", (x, y, dy) -> dy.mul(x.sigmoid())) {
        @Override
        public double apply(double x) {
            return x > 20 ? x : Math.log1p(Math.exp(x));
        }
    },
    /** The gradient is the fused tanhBackward on the saved output (1 - y^2 without cancellation). */
    TANH("tanh", "wick_tanh(x)", (x, y, dy) -> y.tanhBackward(dy)) {
        @Override
        public double apply(double x) {
            return Math.tanh(x);
        }
    };

    /** The gradient of a unary op with respect to its input, given the input, the output and dL/dy. */
    @FunctionalInterface
    public interface Gradient {
        /**
         * The gradient with respect to x.
         *
         * @param x the op's input
         * @param y the op's output
         * @param dy the gradient reaching y
         * @return a new tensor of x's shape
         */
        Tensor of(Tensor x, Tensor y, Tensor dy);
    }

    private final String opName;
    private final String cuda;
    private final Gradient gradient;

    UnaryOp(String opName, String cuda, Gradient gradient) {
        this.opName = opName;
        this.cuda = cuda;
        this.gradient = gradient;
    }

    /**
     * The op's name: in kernel names ({@code wick_unary_<name>_f32}), error messages and the
     * README.
     *
     * @return the name
     */
    public String opName() {
        return opName;
    }

    /**
     * The CUDA expression of {@code x} (type {@code T}) that computes the op.
     *
     * @return the CUDA C expression
     */
    public String cuda() {
        return cuda;
    }

    /**
     * The gradient formula, or null where the op has none (its output is piecewise constant).
     *
     * @return the formula, or null
     */
    public Gradient gradient() {
        return gradient;
    }

    /**
     * Whether the op has a gradient.
     *
     * @return true when {@link #gradient()} is not null
     */
    public boolean differentiable() {
        return gradient != null;
    }

    /**
     * The smallest input the conformance and gradient checks draw (they draw from
     * [domainLow, 4]): above 0 for ops defined or differentiable only there.
     *
     * @return the lower end of the inputs drawn
     */
    public double domainLow() {
        return -4;
    }

    /**
     * The op in double: the CPU's float64 kernel and the reference of the float32 one.
     *
     * @param x the input
     * @return the op's value
     */
    public abstract double apply(double x);

    /**
     * The op in float: by default the double formula rounded once to float.
     *
     * @param x the input
     * @return the op's value
     */
    public float apply(float x) {
        return (float) apply((double) x);
    }
}
