/**
 * The load generator of the reference server: concurrent games played over real WebSockets at a
 * target action rate, staged HTTP load on the games list, and the seed's performance table.
 */
@NullMarked
package io.hal9.examples.load;

import org.jspecify.annotations.NullMarked;
