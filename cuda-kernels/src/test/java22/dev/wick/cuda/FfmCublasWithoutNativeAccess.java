package dev.wick.cuda;

/**
 * Run in a JVM started without --enable-native-access (by FfmCublasTest): prints what opening the
 * FFM binding says there. A binding that went ahead would make the JVM print its restricted-method
 * warning, which the test looks for too.
 */
public final class FfmCublasWithoutNativeAccess {
    private FfmCublasWithoutNativeAccess() {
    }

    public static void main(String[] args) {
        CublasTarget nothing = new CublasTarget() {
            @Override
            public long stream() {
                return 0;
            }

            @Override
            public long deviceAddress(KernelArgs.Address address) {
                return 0;
            }

            @Override
            public Workspace workspace() {
                return new Workspace(0, 0);
            }
        };
        try {
            FfmCublas.open(args[0], nothing).close();
            System.out.println("OPENED");
        } catch (BlasUnavailable e) {
            System.out.println("UNAVAILABLE: " + e.getMessage());
        }
    }
}
