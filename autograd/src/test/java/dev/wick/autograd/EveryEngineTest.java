package dev.wick.autograd;

import dev.wick.cuda.TestEngines;
import org.junit.jupiter.api.Nested;

/**
 * The autograd tests once more on each CUDA engine, with the same bodies (candle's test_device!):
 * each nested class below is one of the CPU test classes with its engine swapped. On the emulated
 * backend the real .cu kernels run on the host (g++ builds the emulator); on a machine without a
 * GPU the cuda:0 classes are skipped with the reason printed.
 */
class EveryEngineTest {

    @Nested
    class EmulatedCuda extends OnEngine {
        @Override
        TestEngines.Kind kind() {
            return TestEngines.emulatedCuda();
        }
    }

    @Nested
    class Cuda extends OnEngine {
        @Override
        TestEngines.Kind kind() {
            return TestEngines.cuda();
        }
    }

    /** The test classes that run on every engine, each with its engine swapped for {@link #kind()}. */
    abstract static class OnEngine {
        abstract TestEngines.Kind kind();

        @Nested
        class OpTableGradients extends OpTableGradientTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        @Nested
        class ShapeOps extends ShapeOpsTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        @Nested
        class Dropout extends DropoutTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        @Nested
        class EmbeddingBags extends EmbeddingBagTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        @Nested
        class CrossEntropy extends CrossEntropyTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        @Nested
        class GradientChecks extends GradientCheckTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        @Nested
        class Tapes extends TapeTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        @Nested
        class Training extends TrainingTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        @Nested
        class TrainingAgainstTheCpu extends TrainingConformanceTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }
    }
}
