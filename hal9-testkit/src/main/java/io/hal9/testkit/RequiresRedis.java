package io.hal9.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs Redis: registers {@link Hal9Services}, makes sure Redis
 * is available before the class (or method) runs, and lets the test take a {@link RedisService}
 * parameter.
 *
 * <p>When no Redis can be found the annotated class or method is skipped with the reason, or fails
 * with it when the environment variable {@code HAL9_REQUIRE_SERVICES=1} (CI).
 *
 * <pre>{@code
 * @RequiresRedis
 * @Timeout(30)
 * class SessionsTest {
 *     @Test
 *     void storesASession(RedisService redis) {
 *         String key = redis.key("session:1"); // "hal9test:<random>:session:1", deleted afterwards
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>Thread safety: an annotation; the extension it registers is safe under parallel execution.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(Hal9Services.class)
public @interface RequiresRedis {}
