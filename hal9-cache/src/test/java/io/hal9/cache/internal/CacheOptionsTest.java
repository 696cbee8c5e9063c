package io.hal9.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.cache.CacheLoader;
import io.hal9.core.Ticker;
import io.hal9.core.internal.BuilderOptions;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class CacheOptionsTest {
    private final BuilderOptions set = new BuilderOptions("test cache 'c'");
    private final Executor defaultExecutor = Runnable::run;
    private final CacheOptions<String, String> options = new CacheOptions<>(set, defaultExecutor);

    @Test
    void theFieldsHoldTheirDefaultsUntilSet() {
        assertThat(options.loader()).isNull();
        assertThat(options.ticker()).isSameAs(Ticker.system());
        assertThat(options.executor()).isSameAs(defaultExecutor);
        assertThat(set.isSet("loader")).isFalse();
    }

    @Test
    void aSetOptionIsKeptAndRecordedInTheBuildersOptions() {
        CacheLoader<String, String> loader = k -> k;
        Ticker ticker = () -> 42;
        Executor executor = r -> {};
        options.loader(loader);
        options.ticker(ticker);
        options.executor(executor);
        assertThat(options.loader()).isSameAs(loader);
        assertThat(options.ticker()).isSameAs(ticker);
        assertThat(options.executor()).isSameAs(executor);
        assertThat(set.isSet("loader") && set.isSet("ticker") && set.isSet("executor"))
                .isTrue();
    }

    @Test
    void eachOptionMayBeSetOnceWithTheBuildersMessage() {
        options.ticker(() -> 1);
        assertThatThrownBy(() -> options.ticker(() -> 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("test cache 'c': ticker was already set");
        options.executor(Runnable::run);
        assertThatThrownBy(() -> options.executor(Runnable::run))
                .hasMessage("test cache 'c': executor was already set");
    }

    @Test
    void nullIsRefusedNamingTheOptionAndLeavesItUnset() {
        assertThatThrownBy(() -> options.loader(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("loader");
        assertThat(set.isSet("loader")).isFalse();
        assertThatThrownBy(() -> options.executor(null)).hasMessage("executor");
        assertThatThrownBy(() -> options.ticker(null)).hasMessage("ticker");
    }
}
