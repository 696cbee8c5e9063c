/**
 * How a game server composes HAL9: the reference game server lives in {@link io.hal9.examples.server},
 * its transport-free game rules in {@link io.hal9.examples.game}.
 */
@NullMarked
package io.hal9.examples;

import org.jspecify.annotations.NullMarked;
