package dev.wick.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.CUstream_flags;
import jcuda.driver.CUjit_option;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;

import java.nio.ByteOrder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link DeviceApi} on JCuda's driver API: the device's primary context (made current on the calling
 * thread at every entry), one non-blocking stream for every kernel and copy, an event fencing the
 * staging buffer, Wick's PTX modules loaded once (the driver JIT-compiles them for the device), and
 * cuBLAS where it loads: CUDA 13's through the FFM binding (Java 22 or newer), else CUDA 12's
 * through JCublas2. Driver exceptions are enabled; every failure becomes a {@link CudaException}
 * naming the CUresult and the call.
 */
final class JCudaDevice implements DeviceApi {

    /** A driver call returning a CUresult. */
    @FunctionalInterface
    interface DriverCall {
        int run();
    }

    /** Runs {@code call}; a failure becomes a CudaException naming the result and {@code operation}. */
    static void check(DriverCall call, String operation) {
        int result;
        try {
            result = call.run();
        } catch (jcuda.CudaException e) {
            throw new CudaException(resultName(e), operation, e);
        }
        if (result != CUresult.CUDA_SUCCESS) throw new CudaException(CUresult.stringFor(result), operation);
    }

    /** JCuda's exceptions carry the result's name (CUresult.stringFor) as their message. */
    static String resultName(jcuda.CudaException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "CUDA error" : m.lines().findFirst().orElse(m).strip();
    }

    /** What the engine's GEMM line calls the two cuBLAS bindings, in the order they are tried. */
    static final String FFM_CUBLAS = "cuBLAS 13 via FFM";
    static final String JCUBLAS = "cuBLAS 12 via JCublas2";

    private static final class Memory implements DeviceMemory {
        final RawHandles.DevicePointer pointer;
        final long bytes;

        Memory(RawHandles.DevicePointer pointer, long bytes) {
            this.pointer = pointer;
            this.bytes = bytes;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        /** A fresh view at the offset (JCuda may write a normalised address back into views it is given). */
        CUdeviceptr at(long byteOffset) {
            return pointer.withByteOffset(byteOffset);
        }
    }

    private static final class PinnedMemory implements HostMemory {
        final Pointer pointer;
        final long bytes;
        final ByteBuffer buffer;

        PinnedMemory(Pointer pointer, long bytes) {
            this.pointer = pointer;
            this.bytes = bytes;
            this.buffer = pointer.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }
    }

    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final RawHandles.Stream stream = new RawHandles.Stream();
    private final CUevent stagingEvent = new CUevent();
    private final Map<String, CUmodule> modules = new LinkedHashMap<>();
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    private final String name;
    private final int computeCapability;
    private final long totalMemory;
    private final int multiprocessors;
    private final boolean cooperativeLaunch;
    private final int maxSharedPerBlock;
    /** The dynamic shared memory each kernel's attribute has been raised to, where above the default. */
    private final Map<String, Integer> sharedRaisedTo = new ConcurrentHashMap<>();
    /** {@link #cooperativeBlocks}' answers. */
    private final Map<BlockShape, Integer> cooperativeLimits = new ConcurrentHashMap<>();

    private record BlockShape(String kernel, int threads, int sharedBytes) {
    }
    private BlasGemm blas;
    private String blasNotes = "";
    /** cuBLAS's workspace, given to the binding in use (null until one asks). */
    private DeviceMemory blasWorkspace;
    private boolean contextRetained, streamCreated, eventCreated;
    private volatile String lastKernel = "none yet";

    private JCudaDevice(int ordinal) {
        this.ordinal = ordinal;
        JCudaDriver.setExceptionsEnabled(true);
        check(() -> JCudaDriver.cuInit(0), "cuInit");
        int[] count = new int[1];
        check(() -> JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        if (ordinal < 0 || ordinal >= count[0]) {
            throw new IllegalArgumentException("no CUDA device " + ordinal + " (found " + count[0] + ")");
        }
        check(() -> JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        this.name = deviceName(device);
        this.computeCapability = computeCapability(device);
        this.multiprocessors = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.cooperativeLaunch = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH) != 0;
        this.maxSharedPerBlock = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        long[] total = new long[1];
        check(() -> JCudaDriver.cuDeviceTotalMem(total, device), "cuDeviceTotalMem");
        this.totalMemory = total[0];
    }

    /**
     * Opens device {@code ordinal}: context, stream, event, modules and (when {@code useBlas})
     * cuBLAS; on any failure, what was created is released again before the exception leaves.
     */
    static JCudaDevice open(int ordinal, boolean useBlas) {
        JCudaDevice d = new JCudaDevice(ordinal);
        try {
            d.start(useBlas);
            return d;
        } catch (RuntimeException | Error e) {
            try {
                d.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void start(boolean useBlas) {
        check(() -> JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        contextRetained = true;
        makeCurrent();
        check(() -> JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        streamCreated = true;
        check(() -> JCudaDriver.cuEventCreate(stagingEvent, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        eventCreated = true;
        for (PtxModules.Module m : PtxModules.get().modules()) modules.put(m.name(), loadModule(m));
        BlasChoice choice = useBlas ? BlasChoice.first(List.of(
                new BlasChoice.Candidate(FFM_CUBLAS, this::openFfmCublas),
                new BlasChoice.Candidate(JCUBLAS, this::openJCublas)))
                : BlasChoice.none("-Dwick.gemm=ptx");
        blas = choice.blas();
        blasNotes = choice.notes();
        // A binding that failed to open may have allocated the workspace; one that opened (after
        // such a failure, too) uses it.
        if (blas == null) freeBlasWorkspace();
    }

    private BlasGemm openFfmCublas() {
        return FfmCublas.open(CublasLibrary.name(), new Target());
    }

    private BlasGemm openJCublas() {
        return CublasGemm.create(stream, () -> {
            DeviceMemory w = blasWorkspace();
            return new CublasGemm.Workspace(pointerTo(w, 0), w.bytes());
        });
    }

    /** cuBLAS's workspace, allocated on the first call (by whichever binding asks first). */
    private DeviceMemory blasWorkspace() {
        if (blasWorkspace == null) blasWorkspace = allocate(blasWorkspaceBytes(computeCapability));
        return blasWorkspace;
    }

    /**
     * cuBLAS's workspace size as its documentation recommends: 32 MiB on Hopper and newer, 4 MiB
     * before.
     */
    static long blasWorkspaceBytes(int computeCapability) {
        return (computeCapability >= 90 ? 32L : 4L) << 20;
    }

    private void freeBlasWorkspace() {
        DeviceMemory w = blasWorkspace;
        blasWorkspace = null;
        if (w != null) free(w);
    }

    /** This device as the FFM binding sees it: raw addresses of its stream and memory. */
    private final class Target implements CublasTarget {
        @Override
        public long stream() {
            return stream.address();
        }

        @Override
        public long deviceAddress(KernelArgs.Address address) {
            return mem(address.memory()).pointer.address() + address.byteOffset();
        }

        @Override
        public Workspace workspace() {
            DeviceMemory w = blasWorkspace();
            return new Workspace(mem(w).pointer.address(), w.bytes());
        }
    }

    private static CUmodule loadModule(PtxModules.Module m) {
        byte[] text = m.ptx().getBytes(StandardCharsets.US_ASCII);
        byte[] image = java.util.Arrays.copyOf(text, text.length + 1); // the driver reads a NUL-terminated string
        CUmodule module = new CUmodule();
        try {
            check(() -> JCudaDriver.cuModuleLoadData(module, image), "cuModuleLoadData(" + m.name() + ".ptx)");
            return module;
        } catch (CudaException e) {
            throw new CudaException(e.result(), e.operation() + jitLog(image), e);
        }
    }

    /** The JIT compiler's error log for a module that failed to load ("" where none can be had). */
    private static String jitLog(byte[] image) {
        try {
            JITOptions options = new JITOptions();
            options.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[8192]);
            options.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, 8192);
            try {
                JCudaDriver.cuModuleLoadDataJIT(new CUmodule(), Pointer.to(image), options);
            } catch (jcuda.CudaException expected) {
                // the same failure again; what matters is the log it left in the options
            }
            String log = options.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
            return log == null || log.isBlank() ? "" : "; JIT log: " + log.strip().replace('\n', ' ');
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError v) throw v;
            return "";
        }
    }

    private static String deviceName(CUdevice device) {
        byte[] bytes = new byte[256];
        check(() -> JCudaDriver.cuDeviceGetName(bytes, bytes.length, device), "cuDeviceGetName");
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) end++;
        return new String(bytes, 0, end, StandardCharsets.US_ASCII).strip();
    }

    private static int attribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        check(() -> JCudaDriver.cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
        return value[0];
    }

    private static int computeCapability(CUdevice device) {
        int[] major = new int[1], minor = new int[1];
        check(() -> JCudaDriver.cuDeviceGetAttribute(major,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device), "cuDeviceGetAttribute");
        check(() -> JCudaDriver.cuDeviceGetAttribute(minor,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device), "cuDeviceGetAttribute");
        return major[0] * 10 + minor[0];
    }

    /**
     * The driver check behind {@link CudaProbe}: driver version, device count and device 0's
     * compute capability. Throws whatever JCuda throws where there is no driver at all.
     */
    static dev.wick.core.backend.Availability probeDriver() {
        JCudaDriver.setExceptionsEnabled(true);
        check(() -> JCudaDriver.cuInit(0), "cuInit");
        int[] version = new int[1];
        check(() -> JCudaDriver.cuDriverGetVersion(version), "cuDriverGetVersion");
        String driver = (version[0] / 1000) + "." + (version[0] % 1000 / 10);
        if (version[0] < 12000) {
            return dev.wick.core.backend.Availability.no("the NVIDIA driver supports CUDA " + driver
                    + " but Wick needs CUDA 12.0 or newer (update the driver)");
        }
        int[] count = new int[1];
        check(() -> JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) return dev.wick.core.backend.Availability.no("the NVIDIA driver sees no CUDA device");
        CUdevice d = new CUdevice();
        check(() -> JCudaDriver.cuDeviceGet(d, 0), "cuDeviceGet(0)");
        String name = deviceName(d);
        int cc = computeCapability(d);
        if (cc < 75) {
            return dev.wick.core.backend.Availability.no("cuda:0 " + name + " has compute capability " + cc / 10 + "."
                    + cc % 10 + "; Wick's kernels need 7.5 (Turing) or newer");
        }
        return dev.wick.core.backend.Availability.yes("cuda:0 " + name + ", compute capability " + cc / 10 + "."
                + cc % 10 + ", driver for CUDA " + driver + ", " + count[0] + " device" + (count[0] == 1 ? "" : "s"));
    }

    // ---- DeviceApi --------------------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public int computeCapability() {
        return computeCapability;
    }

    @Override
    public long totalMemoryBytes() {
        return totalMemory;
    }

    @Override
    public int multiprocessors() {
        return multiprocessors;
    }

    /** Asked once per kernel and block shape: the recurrences ask before every launch. */
    @Override
    public int cooperativeBlocks(String kernel, int threads, int sharedBytes) {
        if (!cooperativeLaunch || sharedBytes > maxSharedPerBlock) return 0;
        return cooperativeLimits.computeIfAbsent(new BlockShape(kernel, threads, sharedBytes), k -> {
            CUfunction f = function(kernel);
            if (sharedBytes > Launch.DEFAULT_DYNAMIC_SHARED) allowDynamicShared(kernel, f, sharedBytes);
            int[] perMultiprocessor = new int[1];
            check(() -> JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor(perMultiprocessor, f, threads,
                    sharedBytes), "cuOccupancyMaxActiveBlocksPerMultiprocessor(" + kernel + ")");
            return perMultiprocessor[0] * multiprocessors;
        });
    }

    /**
     * Raises the kernel's dynamic shared memory limit to {@code sharedBytes} (above the default) if
     * it is lower. Synchronized: two threads raising one kernel to different sizes must leave it at
     * the larger.
     */
    private synchronized void allowDynamicShared(String kernel, CUfunction f, int sharedBytes) {
        if (sharedRaisedTo.getOrDefault(kernel, 0) >= sharedBytes) return;
        check(() -> JCudaDriver.cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                sharedBytes), "cuFuncSetAttribute(" + kernel + ", " + sharedBytes + " B of dynamic shared memory)");
        sharedRaisedTo.merge(kernel, sharedBytes, Math::max);
    }

    @Override
    public void makeCurrent() {
        check(() -> JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent(cuda:" + ordinal + ")");
    }

    private static Memory mem(DeviceMemory m) {
        return (Memory) m;
    }

    /** The device address {@code byteOffset} bytes into {@code memory}, for libraries such as cuBLAS. */
    static CUdeviceptr pointerTo(DeviceMemory memory, long byteOffset) {
        return mem(memory).at(byteOffset);
    }

    @Override
    public DeviceMemory allocate(long bytes) {
        RawHandles.DevicePointer p = new RawHandles.DevicePointer();
        check(() -> JCudaDriver.cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes)");
        return new Memory(p, bytes);
    }

    @Override
    public void free(DeviceMemory memory) {
        check(() -> JCudaDriver.cuMemFree(mem(memory).pointer), "cuMemFree");
    }

    @Override
    public HostMemory allocateHost(long bytes) {
        Pointer p = new Pointer();
        check(() -> JCudaDriver.cuMemAllocHost(p, bytes), "cuMemAllocHost(" + bytes + " bytes)");
        return new PinnedMemory(p, bytes);
    }

    @Override
    public void freeHost(HostMemory memory) {
        check(() -> JCudaDriver.cuMemFreeHost(((PinnedMemory) memory).pointer), "cuMemFreeHost");
    }

    @Override
    public void copyToDevice(DeviceMemory dst, long dstOffset, HostMemory src, long bytes) {
        check(() -> JCudaDriver.cuMemcpyHtoDAsync(mem(dst).at(dstOffset), ((PinnedMemory) src).pointer, bytes, stream),
                "cuMemcpyHtoDAsync(" + bytes + " bytes)" + after());
    }

    @Override
    public void copyToHost(HostMemory dst, DeviceMemory src, long srcOffset, long bytes) {
        check(() -> JCudaDriver.cuMemcpyDtoHAsync(((PinnedMemory) dst).pointer, mem(src).at(srcOffset), bytes, stream),
                "cuMemcpyDtoHAsync(" + bytes + " bytes)" + after());
    }

    @Override
    public void copyOnDevice(DeviceMemory dst, long dstOffset, DeviceMemory src, long srcOffset, long bytes) {
        check(() -> JCudaDriver.cuMemcpyDtoDAsync(mem(dst).at(dstOffset), mem(src).at(srcOffset), bytes, stream),
                "cuMemcpyDtoDAsync(" + bytes + " bytes)" + after());
    }

    @Override
    public void fill32(DeviceMemory dst, long offset, int bits, long count) {
        check(() -> JCudaDriver.cuMemsetD32Async(mem(dst).at(offset), bits, count, stream),
                "cuMemsetD32Async(" + count + " words)" + after());
    }

    @Override
    public void launch(Launch l) {
        CUfunction f = function(l.kernel());
        if (l.sharedBytes() > Launch.DEFAULT_DYNAMIC_SHARED) allowDynamicShared(l.kernel(), f, l.sharedBytes());
        Pointer params = parameters(l.args());
        try {
            if (l.cooperative()) {
                check(() -> JCudaDriver.cuLaunchCooperativeKernel(f, l.gridX(), l.gridY(), 1, l.blockX(), l.blockY(), 1,
                        l.sharedBytes(), stream, params), "cuLaunchCooperativeKernel(" + l + ")" + after());
            } else {
                check(() -> JCudaDriver.cuLaunchKernel(f, l.gridX(), l.gridY(), 1, l.blockX(), l.blockY(), 1,
                        l.sharedBytes(), stream, params, null), "cuLaunchKernel(" + l + ")" + after());
            }
        } finally {
            lastKernel = l.kernel();
        }
    }

    /** Kernel parameters as the driver wants them: a pointer to an array of pointers to the values. */
    private static Pointer parameters(KernelArgs args) {
        NativePointerObject[] values = new NativePointerObject[args.size()];
        for (int i = 0; i < values.length; i++) {
            Object v = args.value(i);
            values[i] = switch (args.kind(i)) {
                case POINTER -> {
                    KernelArgs.Address a = (KernelArgs.Address) v;
                    yield Pointer.to(mem(a.memory()).at(a.byteOffset()));
                }
                case I32 -> Pointer.to(new int[]{(Integer) v});
                case I64 -> Pointer.to(new long[]{(Long) v});
                case F32 -> Pointer.to(new float[]{(Float) v});
                case F64 -> Pointer.to(new double[]{(Double) v});
            };
        }
        return Pointer.to(values);
    }

    private CUfunction function(String kernel) {
        return functions.computeIfAbsent(kernel, k -> {
            CUmodule module = modules.get(PtxModules.get().moduleOf(k).name());
            CUfunction f = new CUfunction();
            check(() -> JCudaDriver.cuModuleGetFunction(f, module, k), "cuModuleGetFunction(" + k + ")");
            return f;
        });
    }

    /** Where an error surfaces late: kernels run asynchronously, so name the last one queued. */
    private String after() {
        return " (last kernel queued: " + lastKernel + ")";
    }

    @Override
    public void recordStagingFence() {
        check(() -> JCudaDriver.cuEventRecord(stagingEvent, stream), "cuEventRecord" + after());
    }

    @Override
    public void awaitStagingFence() {
        check(() -> JCudaDriver.cuEventSynchronize(stagingEvent), "cuEventSynchronize" + after());
    }

    @Override
    public void synchronize() {
        check(() -> JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize" + after());
    }

    /** An instantiated graph. */
    private record CapturedGraph(CUgraphExec exec) implements Graph {
    }

    @Override
    public void beginCapture() {
        check(() -> JCudaDriver.cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED),
                "cuStreamBeginCapture" + after());
    }

    @Override
    public Graph endCapture() {
        CUgraph graph = new CUgraph();
        check(() -> JCudaDriver.cuStreamEndCapture(stream, graph), "cuStreamEndCapture" + after());
        CUgraphExec exec = new CUgraphExec();
        try {
            check(() -> JCudaDriver.cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate");
        } catch (RuntimeException e) {
            attempt(e, () -> check(() -> JCudaDriver.cuGraphDestroy(graph), "cuGraphDestroy"));
            throw e;
        }
        try {
            check(() -> JCudaDriver.cuGraphDestroy(graph), "cuGraphDestroy"); // the instance keeps what it needs
        } catch (RuntimeException e) {
            attempt(e, () -> check(() -> JCudaDriver.cuGraphExecDestroy(exec), "cuGraphExecDestroy"));
            throw e;
        }
        return new CapturedGraph(exec);
    }

    @Override
    public void replay(Graph graph) {
        check(() -> JCudaDriver.cuGraphLaunch(((CapturedGraph) graph).exec(), stream), "cuGraphLaunch" + after());
    }

    @Override
    public void destroy(Graph graph) {
        check(() -> JCudaDriver.cuGraphExecDestroy(((CapturedGraph) graph).exec()), "cuGraphExecDestroy");
    }

    @Override
    public BlasGemm blas() {
        return blas;
    }

    @Override
    public String blasNotes() {
        return blasNotes;
    }

    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        attempt(failures, () -> {
            if (contextRetained) makeCurrent();
        });
        if (blas != null) attempt(failures, blas::close);
        blas = null;
        attempt(failures, this::freeBlasWorkspace); // after the handle that used it
        for (CUmodule m : modules.values()) attempt(failures, () -> check(() -> JCudaDriver.cuModuleUnload(m), "cuModuleUnload"));
        modules.clear();
        functions.clear();
        if (eventCreated) attempt(failures, () -> check(() -> JCudaDriver.cuEventDestroy(stagingEvent), "cuEventDestroy"));
        eventCreated = false;
        if (streamCreated) attempt(failures, () -> check(() -> JCudaDriver.cuStreamDestroy(stream), "cuStreamDestroy"));
        streamCreated = false;
        if (contextRetained) {
            attempt(failures, () -> check(() -> JCudaDriver.cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease"));
        }
        contextRetained = false;
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            for (int i = 1; i < failures.size(); i++) first.addSuppressed(failures.get(i));
            throw first;
        }
    }

    /** Runs a clean-up step after {@code first}, which stays the exception to see. */
    private static void attempt(RuntimeException first, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            first.addSuppressed(e);
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }
}
