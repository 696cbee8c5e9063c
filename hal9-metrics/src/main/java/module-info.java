/**
 * HAL9's Micrometer binders: a {@code MeterBinder} per HAL9 component, the standard series and the
 * Prometheus scrape handler.
 *
 * <p>Exports {@code io.hal9.metrics} and its per-module packages ({@code core}, {@code pool}, {@code cache},
 * {@code ws}). Micrometer's types and the JDK's HTTP server are part of that API. The modules it binds
 * (hal9-pool, hal9-cache, hal9-ws), HikariCP and the Prometheus registry are optional: an application binds
 * what it has and requires those modules itself, so that they are resolved at run time ({@code
 * micrometer.registry.prometheus} for {@code PrometheusScrape}).
 */
// "module": javac's module lint flags the digit that ends "hal9" in the module name.
// "requires-automatic", "requires-transitive-automatic": Micrometer ships no module descriptor, only an
// Automatic-Module-Name in its manifests (a stable name, not one derived from the jar's file name).
@SuppressWarnings({"module", "requires-automatic", "requires-transitive-automatic"})
module io.hal9.metrics {
    requires transitive io.hal9.core;
    requires static transitive org.jspecify;
    requires org.slf4j;
    // in the API: MeterRegistry, MeterBinder, Tag (every binder); HttpServer and HttpHandler (PrometheusScrape)
    requires transitive micrometer.core;
    requires transitive jdk.httpserver;
    // Optional integrations: "requires static", never "static transitive", although their types appear in the
    // binders' API: javac would then demand every one of them wherever a module requiring this one is compiled
    // (hence -Xlint:-exports in this module's pom).
    requires static io.hal9.pool;
    requires static io.hal9.cache;
    requires static io.hal9.ws;
    requires static com.zaxxer.hikari;
    requires static micrometer.registry.prometheus;

    exports io.hal9.metrics;
    exports io.hal9.metrics.cache;
    exports io.hal9.metrics.core;
    exports io.hal9.metrics.pool;
    exports io.hal9.metrics.ws;
}
