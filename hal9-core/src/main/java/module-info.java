/**
 * HAL9's core: {@link io.hal9.core.TaskLimiter}, {@link io.hal9.core.BoundedChannel}, {@link
 * io.hal9.core.ActionBatcher} and {@link io.hal9.core.Coalescer}.
 *
 * <p>Exports {@code io.hal9.core}. Its {@code internal} package (the builders' validation helpers) is
 * exported only to the HAL9 modules that use it: an application cannot compile against it.
 */
// "module": javac's module lint flags the digit that ends "hal9" in every module name, and each target
// of the qualified export below, because none of them is built yet when this module compiles (a
// misspelt target still fails the build: that module then cannot reach io.hal9.core.internal).
@SuppressWarnings("module")
module io.hal9.core {
    // Annotations only: needed to compile against HAL9's API, not to run it (as Caffeine does). Being transitive,
    // javac needs JSpecify wherever a module requiring this one compiles: it stays a compile-scope dependency.
    requires static transitive org.jspecify;
    requires org.slf4j;

    exports io.hal9.core;
    exports io.hal9.core.internal to
            io.hal9.redis,
            io.hal9.pool,
            io.hal9.cache,
            io.hal9.ws,
            io.hal9.metrics;
}
