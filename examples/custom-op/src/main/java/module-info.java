/** The example as a named module: Wick's jars are automatic modules named dev.wick.core and dev.wick.autograd. */
module dev.wick.examples.customop {
    requires dev.wick.core;
    requires dev.wick.autograd;
}
