package dev.wick.examples.customop;

import dev.wick.autograd.F;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.check.GradCheck;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Wick;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Checks the hand-written sigmoid the way a user would: its gradient against finite differences
 * (GradCheck, float64), and its values and gradient against Wick's own sigmoid. Exits non-zero on a
 * mismatch (an AssertionError or IllegalStateException).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : new SplittableRandom().nextLong();
        System.out.println("seed " + seed + ", module " + Main.class.getModule());
        Encapsulation.check();
        SigmoidByHand sigmoid = new SigmoidByHand();
        try (Engine engine = Wick.cpu(2); Scope scope = engine.scope()) {
            System.out.println("engine: " + engine.description());
            Variable x = Variable.parameter("x", engine.uniform(DType.FLOAT64, seed, -4, 4, 3, 7));
            GradCheck.Result check = GradCheck.check(List.of(x), () -> F.sum(sigmoid.apply(x)));
            System.out.println("GradCheck: " + check);

            Variable mine, wicks;
            x.zeroGrad(); // GradCheck left its own gradient there
            try (Tape tape = Tape.record()) {
                mine = sigmoid.apply(x);
                tape.backward(F.sum(F.mul(mine, mine)));
            }
            double[] myGrad = x.grad().toDoubleArray();
            x.zeroGrad();
            try (Tape tape = Tape.record()) {
                wicks = F.sigmoid(x);
                tape.backward(F.sum(F.mul(wicks, wicks)));
            }
            double[] wickGrad = x.grad().toDoubleArray();
            double[] a = mine.value().toDoubleArray(), b = wicks.value().toDoubleArray();
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
                worst = Math.max(worst, Math.abs(myGrad[i] - wickGrad[i]));
            }
            if (!(worst < 1e-12)) {
                throw new IllegalStateException("the hand-written sigmoid differs from F.sigmoid by " + worst);
            }
            System.out.println("custom op matches F.sigmoid (largest difference " + worst + ")");
        }
    }
}
