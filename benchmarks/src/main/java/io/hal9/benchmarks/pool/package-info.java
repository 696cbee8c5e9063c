/**
 * Benchmarks of hal9-pool: the object pool against Commons Pool2, Stormpot, Netty's Recycler and plain
 * allocation on ordinary, Netty event-loop and virtual threads; the connection pool against Commons
 * Pool2 and Stormpot; the JDBC routing layer against bare HikariCP; batch inserts into PostgreSQL
 * through the batch sink against raw JDBC and COPY.
 */
@NullMarked
package io.hal9.benchmarks.pool;

import org.jspecify.annotations.NullMarked;
