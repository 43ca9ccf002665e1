package dev.wick.core.ops;

import dev.wick.core.Tensor;

/**
 * The elementwise functions of two tensors (numpy broadcasting on either side, or one side a
 * scalar), each declared once, here: name, CUDA body (an expression of {@code a} and {@code b} of
 * type {@code T}), gradient in checked tensor operations, and scalar formula in double (float32
 * rounds it once unless the entry overrides the float formula; for + - * / computing in float is
 * already exactly rounded). The comparisons give 1 or 0 in the inputs' dtype (a mask you can
 * multiply by) and have no gradient.
 */
public enum BinaryOp {
    /** a + b. */
    ADD("add", "a + b", (i, a, b, out, g) -> g) {
        @Override
        public double apply(double a, double b) {
            return a + b;
        }

        @Override
        public float apply(float a, float b) {
            return a + b;
        }
    },
    /** a - b. */
    SUB("sub", "a - b", (i, a, b, out, g) -> i == 0 ? g : g.neg()) {
        @Override
        public double apply(double a, double b) {
            return a - b;
        }

        @Override
        public float apply(float a, float b) {
            return a - b;
        }
    },
    /** a * b. */
    MUL("mul", "a * b", (i, a, b, out, g) -> g.mul(i == 0 ? b : a)) {
        @Override
        public double apply(double a, double b) {
            return a * b;
        }

        @Override
        public float apply(float a, float b) {
            return a * b;
        }
    },
    /** d(a/b)/db = -(a/b)/b, from the saved output. */
    DIV("div", "a / b", (i, a, b, out, g) -> i == 0 ? g.div(b) : g.mul(out).div(b).neg()) {
        @Override
        public double apply(double a, double b) {
            return a / b;
        }

        @Override
        public float apply(float a, float b) {
            return a / b;
        }
    },
    /** The larger; NaN if either is NaN. At a tie the gradient is split evenly, as in PyTorch. */
    MAXIMUM("maximum", "(a > b || a != a) ? a : b", (i, a, b, out, g) -> g.mul(share(i == 0 ? a.gt(b) : b.gt(a), a.eq(b)))) {
        @Override
        public double apply(double a, double b) {
            return a > b || a != a ? a : b;
        }
    },
    /** The smaller; NaN if either is NaN. At a tie the gradient is split evenly. */
    MINIMUM("minimum", "(a < b || a != a) ? a : b", (i, a, b, out, g) -> g.mul(share(i == 0 ? a.lt(b) : b.lt(a), a.eq(b)))) {
        @Override
        public double apply(double a, double b) {
            return a < b || a != a ? a : b;
        }
    },
    /**
     * a where b is non-zero, else 0 (b is a mask; no gradient flows into it). {@code where} is two
     * of these added, so that an infinity on the side not chosen never meets a 0 factor.
     */
    MASK("mask", "(b != (T)0) ? a : (T)0", (i, a, b, out, g) -> i == 0 ? masked(g, b) : null) {
        @Override
        public double apply(double a, double b) {
            return b != 0 ? a : 0.0;
        }
    },
    /** 1 where a == b, else 0. */
    EQ("eq", "(a == b) ? (T)1 : (T)0", null) {
        @Override
        public double apply(double a, double b) {
            return a == b ? 1 : 0;
        }
    },
    /** 1 where a != b, else 0. */
    NE("ne", "(a != b) ? (T)1 : (T)0", null) {
        @Override
        public double apply(double a, double b) {
            return a != b ? 1 : 0;
        }
    },
    /** 1 where a is less than b, else 0. */
    LT("lt", "(a < b) ? (T)1 : (T)0", null) {
        @Override
        public double apply(double a, double b) {
            return a < b ? 1 : 0;
        }
    },
    /** 1 where a is less than or equal to b, else 0. */
    LE("le", "(a <= b) ? (T)1 : (T)0", null) {
        @Override
        public double apply(double a, double b) {
            return a <= b ? 1 : 0;
        }
    },
    /** 1 where a is greater than b, else 0. */
    GT("gt", "(a > b) ? (T)1 : (T)0", null) {
        @Override
        public double apply(double a, double b) {
            return a > b ? 1 : 0;
        }
    },
    /** 1 where a is greater than or equal to b, else 0. */
    GE("ge", "(a >= b) ? (T)1 : (T)0", null) {
        @Override
        public double apply(double a, double b) {
            return a >= b ? 1 : 0;
        }
    };

    /**
     * The gradient with respect to input {@code input} (0 for a, 1 for b), in the shape of the
     * broadcast output: the caller sums it down to the input's shape. Null where no gradient flows
     * into that input.
     */
    @FunctionalInterface
    public interface Gradient {
        /**
         * The gradient with respect to one input.
         *
         * @param input 0 for a, 1 for b
         * @param a the first operand
         * @param b the second operand
         * @param out the op's output
         * @param dOut the gradient reaching the output
         * @return a new tensor of the output's shape, or null
         */
        Tensor of(int input, Tensor a, Tensor b, Tensor out, Tensor dOut);
    }

    private final String opName;
    private final String cuda;
    private final Gradient gradient;

    BinaryOp(String opName, String cuda, Gradient gradient) {
        this.opName = opName;
        this.cuda = cuda;
        this.gradient = gradient;
    }

    private static Tensor masked(Tensor g, Tensor mask) {
        return g.apply(MASK, mask);
    }

    /** mask where strictly winning, plus half where tied. */
    private static Tensor share(Tensor wins, Tensor ties) {
        return wins.add(ties.mul(0.5));
    }

    /**
     * The op's name: in kernel names, error messages and the README.
     *
     * @return the name
     */
    public String opName() {
        return opName;
    }

    /**
     * The CUDA expression of {@code a} and {@code b} (type {@code T}) that computes the op.
     *
     * @return the CUDA C expression
     */
    public String cuda() {
        return cuda;
    }

    /**
     * The gradient formula, or null for the comparisons.
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
     * The op in double: the CPU's float64 kernel and the reference of the float32 one.
     *
     * @param a the first operand
     * @param b the second operand
     * @return the op's value
     */
    public abstract double apply(double a, double b);

    /**
     * The op in float: by default the double formula rounded once to float.
     *
     * @param a the first operand
     * @param b the second operand
     * @return the op's value
     */
    public float apply(float a, float b) {
        return (float) apply((double) a, (double) b);
    }
}
