package io.hal9.benchmarks.report;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Tells the report how a benchmark class names its contenders, when it departs from the default (a
 * {@code @Param} named {@code impl}; values starting with {@code hal9} are HAL9; the anchor is the first
 * other value declared). See the package documentation for the whole convention.
 *
 * <p>Thread safety: an annotation, immutable.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Race {
    /** The {@code @Param} whose value names the implementation. */
    String param() default "impl";

    /** Implementation labels starting with this prefix are HAL9. */
    String hal9Prefix() default "hal9";

    /**
     * The label of the anchor every row is compared with; empty for the first non-HAL9 value declared.
     * When a race has no implementation of that label, the default rule applies.
     */
    String anchor() default "";
}
