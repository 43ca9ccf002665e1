/** The example as a named module: Wick's jars are the modules dev.wick.core and dev.wick.autograd (which requires core transitively). */
module dev.wick.examples.customop {
    requires dev.wick.core;
    requires dev.wick.autograd;
}
