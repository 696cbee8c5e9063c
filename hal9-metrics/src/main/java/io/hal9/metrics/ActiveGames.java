package io.hal9.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * The {@code hal9_active_games} gauge (Micrometer name {@code hal9.active.games}): how many games
 * the host runs now. Two ways to feed it:
 *
 * <pre>{@code
 * // the host sets the level
 * ActiveGames games = ActiveGames.create();
 * games.bindTo(registry);
 * games.increment(); // a game started
 * games.decrement(); // a game ended
 * games.set(rooms.size()); // or set it outright
 *
 * // the gauge reads the host's own state at scrape time
 * ActiveGames.of(gameRegistry, GameRegistry::activeCount).bindTo(registry);
 * }</pre>
 *
 * <p>Limits: with {@link #of}, the gauge holds the host's object weakly (as Micrometer recommends), so the
 * host must keep it referenced; once it is garbage-collected the gauge reports NaN. With {@link
 * #create()}, {@link #set}, {@link #increment} and {@link #decrement} work on this object's own counter
 * and throw {@link IllegalStateException} for an {@link #of} gauge.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public final class ActiveGames implements MeterBinder {
    private final @Nullable AtomicInteger level;
    private final Object source;
    private final ToIntFunction<Object> reader;
    private final Tags tags;

    @SuppressWarnings("unchecked")
    private <T> ActiveGames(@Nullable AtomicInteger level, T source, ToIntFunction<? super T> reader, Tags tags) {
        this.level = level;
        this.source = source;
        this.reader = (ToIntFunction<Object>) reader;
        this.tags = tags;
    }

    /** A gauge whose level the host sets, with no tags. */
    public static ActiveGames create() {
        return create(Tags.empty());
    }

    /** A gauge whose level the host sets, with {@code tags} (e.g. {@code mode=ranked}). */
    public static ActiveGames create(Iterable<Tag> tags) {
        AtomicInteger level = new AtomicInteger();
        return new ActiveGames(level, level, AtomicInteger::get, Tags.of(Objects.requireNonNull(tags, "tags")));
    }

    /** A gauge that reads {@code reader.applyAsInt(source)} at scrape time; {@code source} is held weakly. */
    public static <T> ActiveGames of(T source, ToIntFunction<? super T> reader) {
        return of(source, reader, Tags.empty());
    }

    /** As {@link #of(Object, ToIntFunction)}, with {@code tags}. */
    public static <T> ActiveGames of(T source, ToIntFunction<? super T> reader, Iterable<Tag> tags) {
        return new ActiveGames(
                null,
                Objects.requireNonNull(source, "source"),
                Objects.requireNonNull(reader, "reader"),
                Tags.of(Objects.requireNonNull(tags, "tags")));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        // the function must not capture this object, which holds the source strongly
        ToIntFunction<Object> r = reader;
        Gauge.builder("hal9.active.games", source, s -> r.applyAsInt(s))
                .description("Games running now")
                .tags(tags)
                // our own counter is held strongly (it is tiny and nobody else holds it); a host's object weakly
                .strongReference(level != null)
                .register(registry);
    }

    /** Sets the level. */
    public void set(int games) {
        own().set(games);
    }

    /** Adds one game; returns the new level. */
    public int increment() {
        return own().incrementAndGet();
    }

    /** Removes one game; returns the new level. */
    public int decrement() {
        return own().decrementAndGet();
    }

    /** The level now. */
    public int get() {
        return reader.applyAsInt(source);
    }

    private AtomicInteger own() {
        AtomicInteger l = level;
        if (l == null) {
            throw new IllegalStateException("active games: this gauge reads the host's object (ActiveGames.of);"
                    + " set, increment and decrement need ActiveGames.create()");
        }
        return l;
    }
}
