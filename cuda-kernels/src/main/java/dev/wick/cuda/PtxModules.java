package dev.wick.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX modules compiled from src/main/cuda (one per .cu file), read from the class path, with
 * every kernel's parameter list parsed from its {@code .entry} declaration. The parsed data is
 * immutable and shared by every backend in the JVM.
 */
final class PtxModules {
    /** The modules, by the name of the .cu file they come from. */
    static final List<String> NAMES = List.of("elementwise", "embedding", "reduce", "loss", "gemm", "ops", "sparse",
            "recurrent", "persistent");
    static final String RESOURCE_DIR = "/dev/wick/cuda/ptx/";

    /** The PTX types a kernel parameter can have (Wick's kernels take scalars and pointers only). */
    enum ParamType {
        U32, S32, B32, U64, S64, B64, F32, F64;

        boolean accepts(KernelArgs.Kind kind) {
            return switch (kind) {
                case POINTER, I64 -> this == U64 || this == S64 || this == B64;
                case I32 -> this == U32 || this == S32 || this == B32;
                case F32 -> this == F32;
                case F64 -> this == F64;
            };
        }
    }

    /** One module: its name, its PTX text and its kernels with their parameter types. */
    record Module(String name, String ptx, Map<String, List<ParamType>> kernels) {
    }

    private static final Pattern ENTRY = Pattern.compile("^\\.visible \\.entry (\\w+)\\(", Pattern.MULTILINE);
    private static final Pattern PARAM = Pattern.compile("^\\s*\\.param \\.(\\w+) (\\w+)_param_(\\d+)");

    private final List<Module> modules;
    private final Map<String, Module> moduleOfKernel;

    private PtxModules(List<Module> modules) {
        this.modules = List.copyOf(modules);
        Map<String, Module> byKernel = new LinkedHashMap<>();
        for (Module m : modules) {
            for (String k : m.kernels().keySet()) {
                if (byKernel.put(k, m) != null) throw new IllegalStateException("kernel " + k + " defined twice");
            }
        }
        this.moduleOfKernel = Collections.unmodifiableMap(byKernel);
    }

    private static final class Holder {
        static final PtxModules INSTANCE = load();
    }

    /** The modules on the class path (read and parsed once). */
    static PtxModules get() {
        return Holder.INSTANCE;
    }

    private static PtxModules load() {
        List<Module> list = new ArrayList<>();
        for (String name : NAMES) {
            String ptx = readResource(RESOURCE_DIR + name + ".ptx");
            list.add(new Module(name, ptx, parse(name, ptx)));
        }
        return new PtxModules(list);
    }

    static String readResource(String path) {
        try (InputStream in = PtxModules.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("PTX resource " + path + " is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read PTX resource " + path, e);
        }
    }

    /** Kernel name to parameter types, in declaration order. */
    static Map<String, List<ParamType>> parse(String module, String ptx) {
        Map<String, List<ParamType>> kernels = new LinkedHashMap<>();
        Matcher entry = ENTRY.matcher(ptx);
        while (entry.find()) {
            String kernel = entry.group(1);
            int close = ptx.indexOf(')', entry.end());
            if (close < 0) throw new IllegalStateException(module + ".ptx: unterminated parameter list of " + kernel);
            List<ParamType> params = new ArrayList<>();
            for (String line : ptx.substring(entry.end(), close).split("\n")) {
                if (line.isBlank()) continue;
                Matcher p = PARAM.matcher(line);
                if (!p.find() || !p.group(2).equals(kernel) || Integer.parseInt(p.group(3)) != params.size()) {
                    throw new IllegalStateException(module + ".ptx: cannot read parameter line '" + line.strip()
                            + "' of " + kernel);
                }
                params.add(ParamType.valueOf(p.group(1).toUpperCase(java.util.Locale.ROOT)));
            }
            kernels.put(kernel, List.copyOf(params));
        }
        return Collections.unmodifiableMap(kernels);
    }

    List<Module> modules() {
        return modules;
    }

    boolean hasKernel(String kernel) {
        return moduleOfKernel.containsKey(kernel);
    }

    Module moduleOf(String kernel) {
        Module m = moduleOfKernel.get(kernel);
        if (m == null) throw new IllegalStateException("no kernel named " + kernel + " in Wick's PTX modules");
        return m;
    }

    List<ParamType> signature(String kernel) {
        return moduleOf(kernel).kernels().get(kernel);
    }

    /** Throws IllegalStateException unless {@code args} match the kernel's parameters one for one. */
    void checkArguments(String kernel, KernelArgs args) {
        List<ParamType> params = signature(kernel);
        boolean ok = params.size() == args.size();
        for (int i = 0; ok && i < params.size(); i++) ok = params.get(i).accepts(args.kind(i));
        if (!ok) {
            throw new IllegalStateException("launch of " + kernel + " with arguments " + args.kinds()
                    + " does not match its PTX parameters " + params);
        }
    }
}
