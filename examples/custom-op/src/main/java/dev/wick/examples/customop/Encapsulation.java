package dev.wick.examples.customop;

import dev.wick.core.Engine;
import dev.wick.core.Wick;

import java.lang.module.ModuleDescriptor;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What Wick's jars let a program see. On the module path they are named modules: wick-core exports
 * its API and keeps its CPU backend's classes to itself, and wick-cuda-kernels (found through
 * ServiceLoader, never required) exports nothing, unless it is on the class path beside them (JCuda
 * finds its native libraries only there). On the class path there is nothing to check.
 */
final class Encapsulation {
    private static final String INTERNAL_CLASS = "dev.wick.core.cpu.CpuBackend";
    private static final String CUDA_PROVIDER = "dev.wick.cuda.CudaBackendProvider";

    private Encapsulation() {
    }

    static void check() {
        Module core = Engine.class.getModule();
        System.out.println("CUDA: " + Wick.cudaAvailability());
        if (!core.isNamed()) {
            System.out.println("wick-core is on the class path: no module boundaries to check");
            return;
        }
        Module me = Encapsulation.class.getModule();
        TreeSet<String> exported = new TreeSet<>();
        for (ModuleDescriptor.Exports e : core.getDescriptor().exports()) exported.add(e.source());
        System.out.println(core.getName() + " exports " + exported);
        require(core.isExported("dev.wick.core", me), "dev.wick.core is not exported");
        require(!core.isExported("dev.wick.core.cpu", me), "dev.wick.core.cpu is exported");
        try {
            Class.forName(INTERNAL_CLASS).getConstructor().newInstance();
            throw new IllegalStateException(INTERNAL_CLASS + " was reachable from " + me);
        } catch (IllegalAccessException expected) {
            System.out.println(INTERNAL_CLASS + " is out of reach: " + expected.getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot even look for " + INTERNAL_CLASS, e);
        }
        Optional<Module> cuda = ModuleLayer.boot().findModule("dev.wick.cuda");
        if (cuda.isPresent()) {
            require(cuda.get().getDescriptor().exports().isEmpty(), "dev.wick.cuda exports a package");
            System.out.println("dev.wick.cuda is resolved as a service provider and exports nothing");
        } else {
            // run.sh's last run: the CUDA side on the class path, where JCuda finds its natives.
            require(!classModule(CUDA_PROVIDER).isNamed(), CUDA_PROVIDER + " is neither a module nor on the class path");
            System.out.println("the CUDA backend is on the class path");
        }
    }

    private static Module classModule(String className) {
        try {
            return Class.forName(className).getModule();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(className + " is missing", e);
        }
    }

    private static void require(boolean condition, String failure) {
        if (!condition) throw new IllegalStateException(failure);
    }
}
