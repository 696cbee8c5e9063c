/**
 * The benchmark runner and its report: {@link io.hal9.benchmarks.report.Suite} runs every JMH suite in a
 * profile (quick, full, smoke) with the same flags and {@code -prof gc}, {@link
 * io.hal9.benchmarks.report.Report} turns the JMH JSON into {@code docs/performance.md} with one SVG chart
 * per group, and {@code Suite compare} lists the benchmarks that got slower between two result files.
 * Launch it with {@code benchmarks/run}.
 *
 * <h2>The convention a suite follows so that the report can race HAL9 against its anchor</h2>
 *
 * <p>Every result is placed in a <em>race</em> (one table and one chart) under an <em>implementation</em>
 * label, by these rules, in order:
 *
 * <ol>
 *   <li>A benchmark method annotated {@link io.hal9.benchmarks.report.Contender @Contender(race, impl)}
 *       joins race {@code race} as implementation {@code impl}. Use it when the implementations are
 *       separate methods (e.g. {@code rawGet} and {@code hal9Get}); mark the anchor's method with {@code
 *       anchor = true}.
 *   <li>Otherwise, when the benchmark has the contender {@code @Param} (named {@code impl} unless the class
 *       says otherwise with {@link io.hal9.benchmarks.report.Race @Race(param = ...)}), the race is the
 *       method's name and the implementation is the parameter's value.
 *   <li>Otherwise the method is a race of its own with one implementation, its name (shown, never
 *       compared).
 * </ol>
 *
 * <p>An implementation is HAL9 when its label starts with {@code hal9} (or with the prefix given by
 * {@code @Race(hal9Prefix = ...)}); HAL9 rows are highlighted. The <em>anchor</em> every row is compared
 * with is, in order: the method marked {@code @Contender(anchor = true)}; the value named by {@code
 * @Race(anchor = ...)}; the first non-HAL9 value in the order the {@code @Param} declares them (JMH keeps
 * that order in its JSON). Every other {@code @Param} (threads, sizes, thread kinds...) splits a race into
 * row groups, one per combination of values, and each row group is compared with its own anchor row.
 *
 * <p>So a new suite needs nothing when it follows the default (a {@code @Param String impl} whose HAL9
 * values start with {@code hal9} and whose anchor is declared first among the others), and one annotation
 * otherwise. The quick profile keeps every value of the contender parameter and only the first declared
 * value of every other parameter: declare the most telling value first.
 *
 * <p>Direction: in throughput mode higher is better; in average-time, sample-time and single-shot modes
 * lower is better. Ratios are always {@code score / anchor score}; the table header says which way is
 * better.
 */
@NullMarked
package io.hal9.benchmarks.report;

import org.jspecify.annotations.NullMarked;
