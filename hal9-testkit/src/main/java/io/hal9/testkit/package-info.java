/**
 * Test support: hands JUnit 5 tests a real PostgreSQL and Redis, each test isolated in its own
 * schema and key prefix, or skips (fails under {@code HAL9_REQUIRE_SERVICES=1}) with the reason.
 *
 * <p>Services are found in this order: the environment ({@code HAL9_POSTGRES_URL},
 * {@code HAL9_REDIS_URI}), the local default ports (127.0.0.1:5432 and 127.0.0.1:6379), then
 * Testcontainers when a Docker engine answers. Start with {@link io.hal9.testkit.RequiresPostgres},
 * {@link io.hal9.testkit.RequiresRedis} or {@link io.hal9.testkit.Hal9Services}.
 *
 * <p>Add this module with {@code <scope>test</scope>} only.
 */
@NullMarked
package io.hal9.testkit;

import org.jspecify.annotations.NullMarked;
