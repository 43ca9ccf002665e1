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

        @Nested
        class OpTableGradients extends OnEngine.OpTableGradients {
        }

        @Nested
        class ShapeOps extends OnEngine.ShapeOps {
        }

        @Nested
        class Dropout extends OnEngine.Dropout {
        }

        @Nested
        class EmbeddingBags extends OnEngine.EmbeddingBags {
        }

        @Nested
        class CrossEntropy extends OnEngine.CrossEntropy {
        }

        @Nested
        class GradientChecks extends OnEngine.GradientChecks {
        }

        @Nested
        class Tapes extends OnEngine.Tapes {
        }

        @Nested
        class Training extends OnEngine.Training {
        }

        @Nested
        class TrainingAgainstTheCpu extends OnEngine.TrainingAgainstTheCpu {
        }

        @Nested
        class RecurrentLayers extends OnEngine.RecurrentLayers {
        }

        @Nested
        class LanguageModels extends OnEngine.LanguageModels {
        }

        @Nested
        class SparseEmbeddings extends OnEngine.SparseEmbeddings {
        }

        @Nested
        class SparseOptimizers extends OnEngine.SparseOptimizers {
        }
    }

    @Nested
    class Cuda extends OnEngine {
        @Override
        TestEngines.Kind kind() {
            return TestEngines.cuda();
        }

        @Nested
        class OpTableGradients extends OnEngine.OpTableGradients {
        }

        @Nested
        class ShapeOps extends OnEngine.ShapeOps {
        }

        @Nested
        class Dropout extends OnEngine.Dropout {
        }

        @Nested
        class EmbeddingBags extends OnEngine.EmbeddingBags {
        }

        @Nested
        class CrossEntropy extends OnEngine.CrossEntropy {
        }

        @Nested
        class GradientChecks extends OnEngine.GradientChecks {
        }

        @Nested
        class Tapes extends OnEngine.Tapes {
        }

        @Nested
        class Training extends OnEngine.Training {
        }

        @Nested
        class TrainingAgainstTheCpu extends OnEngine.TrainingAgainstTheCpu {
        }

        @Nested
        class RecurrentLayers extends OnEngine.RecurrentLayers {
        }

        @Nested
        class LanguageModels extends OnEngine.LanguageModels {
        }

        @Nested
        class SparseEmbeddings extends OnEngine.SparseEmbeddings {
        }

        @Nested
        class SparseOptimizers extends OnEngine.SparseOptimizers {
        }
    }

    /**
     * The test classes that run on every engine, each with its engine swapped for {@link #kind()};
     * every engine above names its own concrete copies, so that reports tell the engines apart.
     */
    abstract static class OnEngine {
        abstract TestEngines.Kind kind();

        abstract class OpTableGradients extends OpTableGradientTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class ShapeOps extends ShapeOpsTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class Dropout extends DropoutTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class EmbeddingBags extends EmbeddingBagTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class CrossEntropy extends CrossEntropyTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class GradientChecks extends GradientCheckTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class Tapes extends TapeTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class Training extends TrainingTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class TrainingAgainstTheCpu extends TrainingConformanceTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class RecurrentLayers extends RecurrentLayersTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class LanguageModels extends LanguageModelTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class SparseEmbeddings extends SparseEmbeddingTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }

        abstract class SparseOptimizers extends SparseOptimizerTest {
            @Override
            TestEngines.Kind engine() {
                return kind();
            }
        }
    }
}
