package io.hal9.metrics.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The binders' base classes, on a made-up component: options once, tags, recorder wiring, the recorder slot. */
@Timeout(30)
class BinderBaseTest {
    private final MeterRegistry registry = new SimpleMeterRegistry();

    /** A component with a name, a figure and a listener, like every HAL9 component a binder reads. */
    static final class Thing {
        final String name;
        final @Nullable Object listener;
        long figure = 7;

        Thing(String name, @Nullable Object listener) {
            this.name = name;
            this.listener = listener;
        }

        String name() {
            return name;
        }

        @Nullable
        Object listener() {
            return listener;
        }

        long figure() {
            return figure;
        }
    }

    static final class ThingRecorder extends MeterRecorder<Counter, Runnable> implements Runnable {
        ThingRecorder(@Nullable Runnable delegate) {
            super("thing recorder", delegate);
        }

        @Override
        public void run() {
            Counter c = meters();
            if (c != null) {
                c.increment();
            }
            Runnable d = delegate;
            if (d != null) {
                d.run();
            }
        }
    }

    static final class ThingMetrics extends RecordingBinder<Thing, ThingRecorder> {
        ThingMetrics(Builder b) {
            super(b, "thing", Thing::listener, ThingRecorder.class, "ThingMetrics.monitor(registry, builder, tags)");
        }

        @Override
        public void bindTo(MeterRegistry registry) {
            meters(registry).gauge("thing.figure", null, "A figure", Thing::figure);
            ThingRecorder r = recorder;
            if (r != null) {
                bindRecorder(
                        registry, r, Counter.builder("thing.events").tags(tags).register(registry));
            }
        }

        static final class Builder extends RecorderBuilder<Thing, ThingRecorder, Builder> {
            Builder(Thing thing) {
                super(thing, thing.name(), "thing metrics");
            }

            @Override
            public ThingMetrics build() {
                return new ThingMetrics(this);
            }
        }
    }

    @Test
    void eachOptionMaySetOnceAndTheMessageNamesTheBinder() {
        ThingMetrics.Builder b = new ThingMetrics.Builder(new Thing("a", null));
        b.tags(Tags.of("region", "eu")).recorder(new ThingRecorder(null));
        assertThatThrownBy(() -> b.tags(Tags.empty()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("thing metrics 'a': tags was already set");
        assertThatThrownBy(() -> b.recorder(new ThingRecorder(null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("thing metrics 'a': recorder was already set");
    }

    @Test
    void theComponentsNameReplacesANameTagAndTheUsersTagsAreKeptApart() {
        ThingMetrics binder = new ThingMetrics.Builder(new Thing("a", null))
                .tags(Tags.of("name", "mine", "region", "eu"))
                .build();
        assertThat(binder.tags).isEqualTo(Tags.of("name", "a", "region", "eu"));
        assertThat(binder.userTags).isEqualTo(Tags.of("name", "mine", "region", "eu"));

        binder.bindTo(registry);
        assertThat(registry.get("thing.figure")
                        .tags("name", "a", "region", "eu")
                        .gauge()
                        .value())
                .isEqualTo(7.0);
    }

    @Test
    void aBinderWithoutARecorderFindsTheOneTheComponentListensTo() {
        ThingRecorder listening = new ThingRecorder(null);
        Thing thing = new Thing("a", listening);
        ThingMetrics binder = new ThingMetrics.Builder(thing).build();
        assertThat(binder.recorder).isSameAs(listening);

        listening.run(); // not bound yet: dropped
        assertThat(listening.meters()).isNull();
        assertThat(listening).hasToString("thing recorder (not bound)");

        binder.bindTo(registry);
        listening.run();
        assertThat(registry.get("thing.events").counter().count()).isEqualTo(1.0);
        assertThat(listening).hasToString("thing recorder of 'a'");

        assertThat(new ThingMetrics.Builder(new Thing("b", "another listener")).build().recorder)
                .isNull();
    }

    @Test
    void aRecorderThatIsNotTheComponentsListenerIsRefused() {
        ThingMetrics.Builder b = new ThingMetrics.Builder(new Thing("a", null)).recorder(new ThingRecorder(null));
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("thing metrics 'a': recorder must be the thing's listener")
                .hasMessageContaining("ThingMetrics.monitor(registry, builder, tags)");
    }

    @Test
    void theRecorderPassesEveryEventOnToItsDelegate() {
        int[] calls = new int[1];
        ThingRecorder r = new ThingRecorder(() -> calls[0]++);
        new ThingMetrics.Builder(new Thing("a", r)).build().bindTo(registry);
        r.run();
        r.run();
        assertThat(calls[0]).isEqualTo(2);
        assertThat(registry.get("thing.events").counter().count()).isEqualTo(2.0);
    }

    @Test
    void buildAndBindClosesTheComponentWhenBindingFails() {
        Thing thing = new Thing("a", null);
        ThingRecorder r = new ThingRecorder(null);
        boolean[] closed = new boolean[1];
        // the binder's builder is for another component, whose listener the recorder is not: bind() throws
        assertThatThrownBy(() -> Recorders.buildAndBind(
                        registry,
                        "builder",
                        Tags.empty(),
                        r,
                        "ThingMetrics",
                        "thing",
                        rec -> {},
                        () -> thing,
                        t -> new ThingMetrics.Builder(t),
                        t -> closed[0] = true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(closed[0]).isTrue();
    }
}
