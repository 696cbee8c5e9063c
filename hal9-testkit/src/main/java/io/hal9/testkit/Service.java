package io.hal9.testkit;

/** The services the testkit hands out, with the names used in messages. */
enum Service {
    POSTGRES("PostgreSQL", "HAL9_POSTGRES_URL"),
    REDIS("Redis", "HAL9_REDIS_URI");

    private final String displayName;
    private final String variable;

    Service(String displayName, String variable) {
        this.displayName = displayName;
        this.variable = variable;
    }

    /** The name people know the service by, e.g. {@code PostgreSQL}. */
    String displayName() {
        return displayName;
    }

    /** The environment variable that points at the service. */
    String variable() {
        return variable;
    }
}
