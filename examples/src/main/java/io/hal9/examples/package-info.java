/**
 * How a game server composes HAL9. {@link io.hal9.examples.CoreDemo} runs hal9-core end to end until
 * the reference game server lands.
 */
@NullMarked
package io.hal9.examples;

import org.jspecify.annotations.NullMarked;
