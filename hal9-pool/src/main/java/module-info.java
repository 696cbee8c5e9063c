/**
 * HAL9's pools: {@link io.hal9.pool.ObjectPool}, {@link io.hal9.pool.ConnectionPool} and, in {@code
 * io.hal9.pool.jdbc}, HikariCP pools, read-replica routing and the batch sinks for the action batcher.
 *
 * <p>Exports {@code io.hal9.pool} and {@code io.hal9.pool.jdbc}. HikariCP and the PostgreSQL driver are
 * optional: an application that uses {@code io.hal9.pool.jdbc} requires {@code com.zaxxer.hikari} itself (and
 * {@code org.postgresql.jdbc} for {@code CopyBatchSink}), so that they are resolved at run time.
 */
// "module": javac's module lint flags the digit that ends "hal9" in the module name.
// "requires-automatic": the PostgreSQL driver ships no module descriptor, only an Automatic-Module-Name in
// its manifest (a stable name, not one derived from the jar's file name).
@SuppressWarnings({"module", "requires-automatic"})
module io.hal9.pool {
    requires transitive io.hal9.core;
    requires transitive java.sql;
    requires static transitive org.jspecify;
    requires org.slf4j;
    requires org.jctools.core;
    // Optional integrations: "requires static", never "static transitive", although HikariCP's types appear in
    // JdbcPool's API: javac would then demand HikariCP wherever a module requiring this one is compiled.
    requires static com.zaxxer.hikari;
    requires static org.postgresql.jdbc;

    exports io.hal9.pool;
    exports io.hal9.pool.jdbc;
}
