/**
 * The game of the reference server, free of any transport or storage: rock-paper-scissors-lizard-Spock
 * for 2 to 8 players, played in simultaneous rounds. {@link io.hal9.examples.game.Game} holds one
 * game's state and rules; time comes from an injected {@link io.hal9.core.Ticker}.
 */
@NullMarked
package io.hal9.examples.game;

import org.jspecify.annotations.NullMarked;
