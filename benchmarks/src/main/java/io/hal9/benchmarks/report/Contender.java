package io.hal9.benchmarks.report;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Puts a benchmark method into a race under an implementation label, for suites whose implementations
 * are separate methods rather than values of a {@code @Param}: e.g. {@code rawGet} as {@code
 * @Contender(race = "get", impl = "lettuce", anchor = true)} and {@code hal9Get} as {@code
 * @Contender(race = "get", impl = "hal9")}. Only methods of the same class, the same mode and the same
 * unit can share a race. See the package documentation for the whole convention.
 *
 * <p>Thread safety: an annotation, immutable.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Contender {
    /** The race (table and chart) this method belongs to, unique within its class. */
    String race();

    /** The implementation label shown in the table; HAL9 when it starts with {@link Race#hal9Prefix()}. */
    String impl();

    /** Whether this method is the race's anchor, the row every other row is compared with. */
    boolean anchor() default false;
}
