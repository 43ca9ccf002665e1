package dev.wick.cuda;

/**
 * One kernel launch: the kernel's name, a grid of gridX x gridY blocks of blockX x blockY threads,
 * dynamic shared memory bytes, the arguments, and whether it is cooperative (cuLaunchCooperativeKernel:
 * every block resident at once, so that the blocks may wait for each other). The limits checked here
 * hold on every device Wick supports (compute capability 7.5 and newer); a device's own, lower
 * limits on cooperative grids and shared memory are asked of {@link DeviceApi#cooperativeBlocks}.
 */
record Launch(String kernel, int gridX, int gridY, int blockX, int blockY, int sharedBytes, KernelArgs args,
              boolean cooperative) {
    static final int MAX_GRID_X = Integer.MAX_VALUE;
    static final int MAX_GRID_Y = 65_535;
    static final int MAX_THREADS = 1024;
    /** Dynamic shared memory without opting in; any more needs the kernel's attribute raised first. */
    static final int DEFAULT_DYNAMIC_SHARED = 48 * 1024;
    /** The most any supported device lets a block opt in to (sm_90's 227 KiB). */
    static final int MAX_DYNAMIC_SHARED = 227 * 1024;

    Launch {
        if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_Y) {
            throw new IllegalArgumentException("bad grid " + gridX + " x " + gridY + " for " + kernel);
        }
        if (blockX < 1 || blockY < 1 || (long) blockX * blockY > MAX_THREADS) {
            throw new IllegalArgumentException("bad block " + blockX + " x " + blockY + " for " + kernel);
        }
        if (sharedBytes < 0 || sharedBytes > MAX_DYNAMIC_SHARED) {
            throw new IllegalArgumentException("bad dynamic shared memory " + sharedBytes + " for " + kernel);
        }
    }

    /** A plain (not cooperative) launch. */
    Launch(String kernel, int gridX, int gridY, int blockX, int blockY, int sharedBytes, KernelArgs args) {
        this(kernel, gridX, gridY, blockX, blockY, sharedBytes, args, false);
    }

    /** A one-dimensional launch without dynamic shared memory. */
    static Launch of(String kernel, int blocks, int threads, KernelArgs args) {
        return new Launch(kernel, blocks, 1, threads, 1, 0, args);
    }

    @Override
    public String toString() {
        return kernel + "<<<" + gridX + "x" + gridY + ", " + blockX + "x" + blockY
                + (sharedBytes > 0 ? ", " + sharedBytes + " B" : "") + ">>>" + (cooperative ? " (cooperative)" : "");
    }
}
