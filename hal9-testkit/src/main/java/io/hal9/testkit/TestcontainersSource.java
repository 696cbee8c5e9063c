package io.hal9.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Containers through Testcontainers, used only when a Docker engine answers.
 *
 * <p>Design: before Testcontainers is touched at all, a cheap check looks for any sign of an engine
 * ({@code DOCKER_HOST}, a {@code ~/.testcontainers.properties}, or a Docker socket file). Without
 * one the answer is "no engine" at once, and Testcontainers neither loads nor logs its long
 * search. With one, {@code DockerClientFactory.isDockerAvailable()} decides. Testcontainers classes
 * are only referenced from {@link TestcontainersBridge}, so a class path without Testcontainers
 * yields a reason, not a {@link NoClassDefFoundError}.
 *
 * <p>Concurrency: the Docker check runs once (a {@link Memo}); the resolver calls each start
 * method at most once per JVM.
 */
final class TestcontainersSource implements ContainerSource {

    static final String POSTGRES_IMAGE = "postgres:16-alpine";
    static final String REDIS_IMAGE = "redis:7-alpine";

    private final Map<String, String> env;
    private final Memo<Optional<String>> dockerMissing = new Memo<>(this::checkDocker);

    TestcontainersSource(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    @Override
    public Attempt<PostgresEndpoint> postgres() {
        Optional<String> missing = dockerMissing.get();
        if (missing.isPresent()) {
            return Attempt.missed(missing.get());
        }
        try {
            return Attempt.found(TestcontainersBridge.startPostgres(POSTGRES_IMAGE));
        } catch (RuntimeException | LinkageError e) {
            return Attempt.missed("container " + POSTGRES_IMAGE + " did not start: " + Failures.describe(e, 0));
        }
    }

    @Override
    public Attempt<RedisEndpoint> redis() {
        Optional<String> missing = dockerMissing.get();
        if (missing.isPresent()) {
            return Attempt.missed(missing.get());
        }
        try {
            return Attempt.found(TestcontainersBridge.startRedis(REDIS_IMAGE));
        } catch (RuntimeException | LinkageError e) {
            return Attempt.missed("container " + REDIS_IMAGE + " did not start: " + Failures.describe(e, 0));
        }
    }

    private Optional<String> checkDocker() {
        if (!anyEngineHint(env)) {
            return Optional.of("no engine");
        }
        try {
            return TestcontainersBridge.dockerAvailable() ? Optional.empty() : Optional.of("no engine");
        } catch (LinkageError e) {
            return Optional.of("Testcontainers not on the class path");
        } catch (RuntimeException e) {
            return Optional.of("no engine (" + Failures.describe(e, 0) + ")");
        }
    }

    /** True when something suggests a Docker engine may answer; false means surely none. */
    static boolean anyEngineHint(Map<String, String> env) {
        if (!env.getOrDefault("DOCKER_HOST", "").isBlank()) {
            return true;
        }
        Path home = Path.of(System.getProperty("user.home", "/"));
        List<Path> hints = new ArrayList<>(List.of(
                home.resolve(".testcontainers.properties"),
                Path.of("/var/run/docker.sock"),
                Path.of("/run/docker.sock"),
                home.resolve(".docker/run/docker.sock"),
                home.resolve(".docker/desktop/docker.sock"),
                home.resolve(".colima/default/docker.sock"),
                home.resolve(".rd/docker.sock")));
        String runtimeDir = env.getOrDefault("XDG_RUNTIME_DIR", "");
        if (!runtimeDir.isBlank()) {
            hints.add(Path.of(runtimeDir, "docker.sock"));
        }
        for (Path p : hints) {
            if (Files.exists(p)) {
                return true;
            }
        }
        return false;
    }
}
