package dev.wick.core.cpu;

/**
 * The constants of the float32 exp, tanh and sum that {@link PortableFloatMath} and
 * {@link SimdFloatMath} both compute, operation for operation: only correctly rounded float
 * arithmetic (add, multiply, divide, fused multiply-add, min, max, comparisons) and exact bit
 * manipulation, so that a value's bits depend on neither the implementation, the vector width,
 * the lane an element falls in, nor the JIT tier that runs it.
 *
 * <p>exp(v) for v <= 0: k = round(v / ln 2) (by adding and subtracting {@link #ROUND}), r = v - k
 * ln 2 with ln 2 in two parts, exp(r) by its Taylor polynomial of degree 7, times 2^k (exact, the
 * result being normal). tanh(x) = sign(x) tanh(a), a = |x|: below {@link #TANH_SERIES_END},
 * a + a^3 P(a^2) with P a polynomial of degree 5 fitted to tanh on [0, 9/16]; above it, (1 - e) / (1
 * + e) for e = exp(-2a), with e carried as the unrounded sum 2^k + 2^k (exp(r) - 1) and the
 * numerator, denominator and quotient each corrected by their exact rounding errors (a plain
 * quotient from a rounded e is up to 1.2 ulp off near a = 1).
 */
final class FloatMathConstants {
    private FloatMathConstants() {
    }

    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    static final float ROUND = 12582912f;
    /** The bits of ROUND less float's exponent bias: bits(k + ROUND) - this is k + 127 for small integers k. */
    static final int ROUND_BITS_LESS_BIAS = 0x4B400000 - 127;
    static final float LOG2E = 1.44269504f;
    /** ln 2 in two parts: LN2_HI has trailing zero bits, so k * LN2_HI is exact for |k| < 2^9. */
    static final float LN2_HI = 0.693145752f, LN2_LO = 1.42860677e-6f;
    /**
     * Below this exp flushes to zero (so exp(-inf) is exactly 0): just above -87.3365, where exp
     * becomes subnormal in float, so exp(v) for v in (-87.3365, -87.33] is 0 instead of about
     * 1.2e-38.
     */
    static final float UNDERFLOW = -87.33f;
    /** exp's Taylor coefficients 1/7! down to 1/2!, rounded to float. */
    static final float E7 = 1f / 5040, E6 = 1f / 720, E5 = 1f / 120, E4 = 1f / 24, E3 = 1f / 6, E2 = 0.5f;

    /** Where tanh changes from its odd polynomial to exp: at 9/16 the reduction's k is at most -2. */
    static final float TANH_SERIES_END = 0.5625f;
    /**
     * tanh(a) = a + a^3 P(a^2) on [0, 9/16], P(s) = T0 s^5 + T1 s^4 + ... + T5: a Chebyshev fit
     * (mpmath's chebyfit) of (tanh(a) / a - 1) / a^2 over s = a^2 in [0, 81/256], rounded to float.
     */
    static final float T0 = 2.487614751e-03f, T1 = -8.499247953e-03f, T2 = 2.181190252e-02f,
            T3 = -5.396406353e-02f, T4 = 1.333332211e-01f, T5 = -3.333333433e-01f;
    /** Beyond this tanh rounds to 1 in float; larger |x| are lowered to it, so 2^k never underflows. */
    static final float TANH_SATURATES = 9.5f;

    /**
     * Running sums of exp are kept in this many compensated (Kahan) float lanes, element i of a row
     * in lane i mod 16, the row's last partial group counted as padded with zeros, and added in
     * lane order in double at the end: the same order for every vector width up to 512 bits and
     * for the scalar loops.
     */
    static final int SUM_LANES = 16;
}
