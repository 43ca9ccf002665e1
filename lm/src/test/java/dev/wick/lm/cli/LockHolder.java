package dev.wick.lm.cli;

import java.nio.file.Path;

/** Run as a child process by the tests: takes an output folder's lock as a training would, says so, and holds it until killed. */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        OutputFolder.Lock lock = OutputFolder.check(Path.of(args[0]), false, true).lock();
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
        lock.close();
    }
}
