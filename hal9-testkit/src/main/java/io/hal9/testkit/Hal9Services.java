package io.hal9.testkit;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * The JUnit 5 extension behind {@link RequiresPostgres} and {@link RequiresRedis}: finds the
 * services once per JVM, skips or fails tests that need a missing one, and injects
 * {@link PostgresService} and {@link RedisService} parameters.
 *
 * <p>Where services come from, in order: the environment variables {@code HAL9_POSTGRES_URL} (a
 * {@code jdbc:postgresql://} URL, may carry user and password) and {@code HAL9_REDIS_URI}
 * ({@code redis://host:port}), which when set are the only source tried; the local default ports
 * (database {@code test} on 127.0.0.1:5432 as {@code postgres} or the OS user with trust
 * authentication; Redis answering PING on 127.0.0.1:6379); containers ({@code postgres:16-alpine},
 * {@code redis:7-alpine}) through Testcontainers when a Docker engine answers. When none answers,
 * a test that needs the service is skipped with a reason naming every source tried, or fails with
 * it when {@code HAL9_REQUIRE_SERVICES=1} (or {@code true}).
 *
 * <p>Which tests need a service: classes or methods annotated {@code @RequiresPostgres} /
 * {@code @RequiresRedis}, and tests with a parameter of the service's type (also one of their
 * {@code @BeforeEach}/{@code @AfterEach} methods; for a whole class, one of a constructor or of a
 * {@code @BeforeAll}/{@code @AfterAll} method). An execution condition disables such a class or
 * test when the service is missing, so that each test is reported as skipped with the reason;
 * under the require flag, a before-all/before-each callback fails it with that reason instead.
 *
 * <p>Isolation is per test method: every test gets its own PostgreSQL schema and Redis key
 * prefix, shared with its own {@code @BeforeEach}/{@code @AfterEach} methods, removed when the
 * test ends. Parameters of {@code @BeforeAll}/{@code @AfterAll} methods, and of constructors (JUnit
 * hands constructors the class's context by default), get one per test class instead, removed after
 * the class. Per test was chosen so that tests may run
 * in parallel and in any order, and a failed test cannot leave data that changes the next one;
 * creating a schema costs a few milliseconds.
 *
 * <pre>{@code
 * @ExtendWith(Hal9Services.class) // or @RequiresPostgres / @RequiresRedis
 * @Timeout(30)
 * class StoreTest {
 *     @Test
 *     void roundTrip(PostgresService pg, RedisService redis) throws SQLException { ... }
 * }
 * }</pre>
 *
 * <p>Limits: the services are looked for once per JVM; a server started later in the same run is
 * not noticed. Containers live until the JVM exits.
 *
 * <p>Thread safety: stateless but for the JVM-wide resolution, which is computed once under a
 * lock; safe under JUnit's parallel execution.
 */
public final class Hal9Services
        implements ExecutionCondition, BeforeAllCallback, BeforeEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Hal9Services.class);

    /** Resolved lazily, once per JVM (per class loader), shared by every instance of the extension. */
    private static final class Jvm {
        static final ServiceResolver RESOLVER = ServiceResolver.system();
    }

    /** The key of one scope's schema or key prefix in the extension store. */
    private record ScopeKey(Service service, String uniqueId) {}

    /** Creates the extension; JUnit does this for {@code @ExtendWith}. */
    public Hal9Services() {}

    /**
     * Disables (skips) a class or test that needs a service that is not available, with the
     * reason; under {@code HAL9_REQUIRE_SERVICES=1} leaves it enabled, so that the callbacks below
     * fail it with the same reason.
     */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (Jvm.RESOLVER.servicesRequired()) {
            return ConditionEvaluationResult.enabled("HAL9_REQUIRE_SERVICES=1: missing services fail tests");
        }
        Set<Service> needed = context.getTestMethod().isPresent() ? methodNeeds(context) : classNeeds(context);
        for (Service s : needed) {
            Resolution<?> r = Jvm.RESOLVER.resolution(s);
            if (!r.available()) {
                return ConditionEvaluationResult.disabled(r.description());
            }
        }
        return ConditionEvaluationResult.enabled(needed.isEmpty() ? "needs no service" : "services available");
    }

    /** Fails (or, as a safety net, aborts) the class when a service it needs is missing. */
    @Override
    public void beforeAll(ExtensionContext context) {
        classNeeds(context).forEach(Jvm.RESOLVER::require);
    }

    /** Fails (or, as a safety net, aborts) the test when a service it needs is missing. */
    @Override
    public void beforeEach(ExtensionContext context) {
        methodNeeds(context).forEach(Jvm.RESOLVER::require);
    }

    /** Class annotations, constructor parameters, {@code @BeforeAll}/{@code @AfterAll} parameters. */
    private static Set<Service> classNeeds(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        Set<Service> needed = EnumSet.noneOf(Service.class);
        addAnnotated(testClass, needed);
        for (Constructor<?> constructor : testClass.getDeclaredConstructors()) {
            addParameters(constructor, needed);
        }
        addLifecycleParameters(testClass, BeforeAll.class, needed);
        addLifecycleParameters(testClass, AfterAll.class, needed);
        return needed;
    }

    /** Method annotations, its parameters, {@code @BeforeEach}/{@code @AfterEach} parameters. */
    private static Set<Service> methodNeeds(ExtensionContext context) {
        Method method = context.getRequiredTestMethod();
        Set<Service> needed = EnumSet.noneOf(Service.class);
        addAnnotated(method, needed);
        addParameters(method, needed);
        addLifecycleParameters(context.getRequiredTestClass(), BeforeEach.class, needed);
        addLifecycleParameters(context.getRequiredTestClass(), AfterEach.class, needed);
        return needed;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return serviceOf(parameterContext.getParameter()) != null;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Service service = Objects.requireNonNull(serviceOf(parameterContext.getParameter()), "service");
        ExtensionContext.Store store = extensionContext.getStore(NAMESPACE);
        ScopeKey key = new ScopeKey(service, extensionContext.getUniqueId());
        // The store closes AutoCloseable values when the scope's context ends, in reverse order.
        return switch (service) {
            case POSTGRES -> {
                PostgresEndpoint endpoint = Jvm.RESOLVER.requirePostgres();
                yield store.getOrComputeIfAbsent(key, k -> PostgresSchema.create(endpoint), PostgresSchema.class);
            }
            case REDIS -> {
                RedisEndpoint endpoint = Jvm.RESOLVER.requireRedis();
                yield store.getOrComputeIfAbsent(key, k -> RedisKeyspace.create(endpoint), RedisKeyspace.class);
            }
        };
    }

    private static @Nullable Service serviceOf(Parameter parameter) {
        Class<?> type = parameter.getType();
        if (type == PostgresService.class) {
            return Service.POSTGRES;
        }
        if (type == RedisService.class) {
            return Service.REDIS;
        }
        return null;
    }

    private static void addAnnotated(AnnotatedElement element, Set<Service> needed) {
        // Finds the annotations directly, as meta-annotations and (on classes) inherited.
        if (AnnotationSupport.isAnnotated(element, RequiresPostgres.class)) {
            needed.add(Service.POSTGRES);
        }
        if (AnnotationSupport.isAnnotated(element, RequiresRedis.class)) {
            needed.add(Service.REDIS);
        }
    }

    private static void addParameters(Executable executable, Set<Service> needed) {
        for (Parameter p : executable.getParameters()) {
            Service s = serviceOf(p);
            if (s != null) {
                needed.add(s);
            }
        }
    }

    private static void addLifecycleParameters(
            Class<?> testClass, Class<? extends Annotation> annotation, Set<Service> needed) {
        for (Method m :
                AnnotationSupport.findAnnotatedMethods(testClass, annotation, HierarchyTraversalMode.TOP_DOWN)) {
            addParameters(m, needed);
        }
    }
}
