/**
 * JMH suites that race each HAL9 module against the library a user would pick instead, in the same
 * run with the same flags. Build with {@code ./mvnw -pl benchmarks -am package -DskipTests}, run with
 * {@code java -jar benchmarks/target/benchmarks.jar}.
 */
@NullMarked
package io.hal9.benchmarks;

import org.jspecify.annotations.NullMarked;
