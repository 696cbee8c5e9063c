package io.hal9.testkit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** The only class that names Testcontainers types; loaded only once an engine seems present. */
final class TestcontainersBridge {

    private static final int REDIS_PORT = 6379;

    private TestcontainersBridge() {}

    static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /** Starts a container that lives until the JVM exits (Testcontainers' reaper, then our hook). */
    static PostgresEndpoint startPostgres(String image) {
        PostgreSQLContainer container =
                new PostgreSQLContainer(DockerImageName.parse(image)).withDatabaseName(PostgresProbe.LOCAL_DATABASE);
        container.start();
        stopAtExit(container, "postgres");
        String url = JdbcUrls.withParam(
                JdbcUrls.withParam(container.getJdbcUrl(), "user", container.getUsername()),
                "password",
                container.getPassword());
        return new PostgresEndpoint(url, container.getUsername(), container.getPassword(), "Docker " + image);
    }

    /** Starts a container that lives until the JVM exits (Testcontainers' reaper, then our hook). */
    static RedisEndpoint startRedis(String image) {
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image));
        container.addExposedPort(REDIS_PORT);
        container.start();
        stopAtExit(container, "redis");
        return RedisEndpoint.plain(container.getHost(), container.getMappedPort(REDIS_PORT), "Docker " + image);
    }

    private static void stopAtExit(GenericContainer<?> container, String what) {
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "hal9-testkit-stop-" + what));
    }
}
