package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;
import dev.wick.core.CounterRng;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Shape;
import dev.wick.core.Tensor;

/**
 * Parameter initialisers, in place, with PyTorch's torch.nn.init formulas and Wick's counter-based
 * generator: the same seed gives the same values on every backend and thread count. Use them on a
 * parameter's value, for example {@code Init.xavierUniform(linear.weight().value(), 1.0, seed)}.
 *
 * <p>Fans follow PyTorch: for a weight [out, in, k...], fan in is in x k... and fan out is
 * out x k...; tensors of fewer than two dimensions have no fans and are refused by the fan-based
 * initialisers.
 */
public final class Init {
    private Init() {
    }

    /** The nonlinearity that follows a layer, for {@link #gain}. */
    public enum Nonlinearity {
        /** No nonlinearity (or the identity): gain 1. */
        LINEAR,
        /** The logistic sigmoid: gain 1. */
        SIGMOID,
        /** The hyperbolic tangent: gain 5/3. */
        TANH,
        /** max(x, 0): gain sqrt(2). */
        RELU,
        /** x for x &gt;= 0, slope * x below: gain sqrt(2 / (1 + slope^2)). */
        LEAKY_RELU
    }

    /** Which fan the Kaiming initialisers keep the variance of: the forward pass's or the backward pass's. */
    public enum FanMode {
        /** Keep the variance of the forward pass's activations: the fan in. */
        FAN_IN,
        /** Keep the variance of the backward pass's gradients: the fan out. */
        FAN_OUT
    }

    /**
     * PyTorch's calculate_gain: 1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for relu and
     * sqrt(2 / (1 + slope^2)) for leaky relu ({@code negativeSlope} is used only there).
     *
     * @param nonlinearity the function that follows the layer
     * @param negativeSlope the leaky relu's slope below 0 (PyTorch's default is 0.01)
     * @return the factor by which the initialisers' standard deviation or bound is scaled
     */
    public static double gain(Nonlinearity nonlinearity, double negativeSlope) {
        return switch (nonlinearity) {
            case LINEAR, SIGMOID -> 1.0;
            case TANH -> 5.0 / 3.0;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> Math.sqrt(2.0 / (1.0 + negativeSlope * negativeSlope));
        };
    }

    /**
     * Uniform in [low, high). Returns t.
     *
     * @param t the floating tensor filled, in place
     * @param low the lower bound, included
     * @param high the upper bound, excluded; at least low
     * @param seed the generator's seed
     * @return t
     * @throws IllegalArgumentException if low exceeds high (or either is NaN)
     */
    public static Tensor uniform(Tensor t, double low, double high, long seed) {
        if (!(low <= high)) throw new IllegalArgumentException("uniform: low " + low + " exceeds high " + high);
        return t.uniformInPlace(seed, low, high);
    }

    /**
     * Normal(mean, std). Returns t.
     *
     * @param t the floating tensor filled, in place
     * @param mean the distribution's mean
     * @param std the distribution's standard deviation, 0 or more
     * @param seed the generator's seed
     * @return t
     * @throws IllegalArgumentException if std is negative or NaN
     */
    public static Tensor normal(Tensor t, double mean, double std, long seed) {
        if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        return t.normalInPlace(seed, mean, std);
    }

    /**
     * Every element {@code value}. Returns t.
     *
     * @param t the tensor filled, in place
     * @param value the value, converted to t's dtype
     * @return t
     */
    public static Tensor constant(Tensor t, double value) {
        return t.fillInPlace(value);
    }

    /**
     * Zeros. Returns t.
     *
     * @param t the tensor filled, in place
     * @return t
     */
    public static Tensor zeros(Tensor t) {
        return t.zeroInPlace();
    }

    /**
     * Ones. Returns t.
     *
     * @param t the tensor filled, in place
     * @return t
     */
    public static Tensor ones(Tensor t) {
        return t.fillInPlace(1.0);
    }

    /**
     * Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). Returns t.
     *
     * @param t the floating weight filled, in place, [out, in, k...]
     * @param gain the scale, usually {@link #gain} of the layer's nonlinearity
     * @param seed the generator's seed
     * @return t
     * @throws IllegalArgumentException if t has fewer than two dimensions
     */
    public static Tensor xavierUniform(Tensor t, double gain, long seed) {
        double bound = gain * Math.sqrt(6.0 / ((double) fanIn(t.shape()) + fanOut(t.shape())));
        return t.uniformInPlace(seed, -bound, bound);
    }

    /**
     * Glorot normal: N(0, s^2) with s = gain * sqrt(2 / (fanIn + fanOut)). Returns t.
     *
     * @param t the floating weight filled, in place, [out, in, k...]
     * @param gain the scale, usually {@link #gain} of the layer's nonlinearity
     * @param seed the generator's seed
     * @return t
     * @throws IllegalArgumentException if t has fewer than two dimensions
     */
    public static Tensor xavierNormal(Tensor t, double gain, long seed) {
        double std = gain * Math.sqrt(2.0 / ((double) fanIn(t.shape()) + fanOut(t.shape())));
        return t.normalInPlace(seed, 0.0, std);
    }

    /**
     * He uniform: U(-b, b) with b = gain(nonlinearity, negativeSlope) * sqrt(3 / fan). PyTorch's
     * default for kaiming_uniform_ is FAN_IN, LEAKY_RELU, slope 0. Returns t.
     *
     * @param t the floating weight filled, in place, [out, in, k...]
     * @param mode the fan kept: FAN_IN for the forward pass, FAN_OUT for the backward
     * @param nonlinearity the function that follows the layer
     * @param negativeSlope the leaky relu's slope (used only for LEAKY_RELU)
     * @param seed the generator's seed
     * @return t
     * @throws IllegalArgumentException if t has fewer than two dimensions or the fan is 0
     */
    public static Tensor kaimingUniform(Tensor t, FanMode mode, Nonlinearity nonlinearity, double negativeSlope,
                                        long seed) {
        double bound = gain(nonlinearity, negativeSlope) * Math.sqrt(3.0 / fan(t.shape(), mode));
        return t.uniformInPlace(seed, -bound, bound);
    }

    /**
     * He normal: N(0, s^2) with s = gain(nonlinearity, negativeSlope) / sqrt(fan). Returns t.
     *
     * @param t the floating weight filled, in place, [out, in, k...]
     * @param mode the fan kept: FAN_IN for the forward pass, FAN_OUT for the backward
     * @param nonlinearity the function that follows the layer
     * @param negativeSlope the leaky relu's slope (used only for LEAKY_RELU)
     * @param seed the generator's seed
     * @return t
     * @throws IllegalArgumentException if t has fewer than two dimensions or the fan is 0
     */
    public static Tensor kaimingNormal(Tensor t, FanMode mode, Nonlinearity nonlinearity, double negativeSlope,
                                       long seed) {
        double std = gain(nonlinearity, negativeSlope) / Math.sqrt(fan(t.shape(), mode));
        return t.normalInPlace(seed, 0.0, std);
    }

    /**
     * in x k... for a weight [out, in, k...].
     *
     * @param shape a weight's shape, at least two dimensions
     * @return the number of inputs each output sums over
     * @throws IllegalArgumentException if the shape has fewer than two dimensions
     */
    public static long fanIn(Shape shape) {
        return (long) requireFans(shape).dim(1) * receptiveField(shape);
    }

    /**
     * out x k... for a weight [out, in, k...].
     *
     * @param shape a weight's shape, at least two dimensions
     * @return the number of outputs each input reaches
     * @throws IllegalArgumentException if the shape has fewer than two dimensions
     */
    public static long fanOut(Shape shape) {
        return (long) requireFans(shape).dim(0) * receptiveField(shape);
    }

    private static double fan(Shape shape, FanMode mode) {
        long fan = mode == FanMode.FAN_IN ? fanIn(shape) : fanOut(shape);
        if (fan == 0) throw new IllegalArgumentException("Kaiming initialisation of " + shape + ": the fan is 0");
        return fan;
    }

    private static Shape requireFans(Shape shape) {
        if (shape.rank() < 2) {
            throw new IllegalArgumentException("fan in and fan out need a tensor of at least 2 dimensions, got " + shape);
        }
        return shape;
    }

    private static long receptiveField(Shape shape) {
        long r = 1;
        for (int i = 2; i < shape.rank(); i++) r *= shape.dim(i);
        return r;
    }

    // ---- what Wick's own modules use -------------------------------------------------------------

    /** A distinct, well-mixed seed for the k-th tensor of a module seeded with {@code seed}. */
    static long subSeed(long seed, int k) {
        return CounterRng.bits(seed, k);
    }

    static Variable uniformParameter(String name, Engine e, DType dtype, long seed, double bound, int... dims) {
        return Variable.parameter(name, e.uniform(dtype, seed, -bound, bound, dims));
    }

    static Variable normalParameter(String name, Engine e, DType dtype, long seed, int... dims) {
        return normalParameter(name, e, dtype, seed, false, dims);
    }

    /** N(0, 1); a {@link Variable#sparseParameter} (no gradient allocated yet) when {@code sparseGrad}. */
    static Variable normalParameter(String name, Engine e, DType dtype, long seed, boolean sparseGrad, int... dims) {
        var value = e.normal(dtype, seed, 0.0, 1.0, dims);
        return sparseGrad ? Variable.sparseParameter(name, value) : Variable.parameter(name, value);
    }

    static void requirePositive(String what, int value) {
        if (value <= 0) throw new IllegalArgumentException(what + " must be > 0, got " + value);
    }
}
