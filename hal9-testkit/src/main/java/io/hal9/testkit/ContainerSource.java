package io.hal9.testkit;

/** The last source of services: containers. Replaced by a fake in the resolver's own tests. */
interface ContainerSource {

    /** Starts (once) or reuses a PostgreSQL container, or says why it cannot. */
    Attempt<PostgresEndpoint> postgres();

    /** Starts (once) or reuses a Redis container, or says why it cannot. */
    Attempt<RedisEndpoint> redis();
}
