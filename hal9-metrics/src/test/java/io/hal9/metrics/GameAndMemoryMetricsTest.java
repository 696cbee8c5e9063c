package io.hal9.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class GameAndMemoryMetricsTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    @Test
    void activeGamesFollowsTheLevelTheHostSets() {
        ActiveGames games = ActiveGames.create(Tags.of("mode", "ranked"));
        games.bindTo(registry);
        games.increment();
        games.increment();
        games.decrement();
        assertThat(Scrapes.require(registry.scrape(), "hal9_active_games", "mode", "ranked"))
                .isEqualTo(1.0);
        games.set(40);
        assertThat(games.get()).isEqualTo(40);
        assertThat(Scrapes.require(registry.scrape(), "hal9_active_games")).isEqualTo(40.0);
    }

    @Test
    void activeGamesCanReadTheHostsOwnStateAndCannotBeSetThen() {
        AtomicInteger rooms = new AtomicInteger(5);
        ActiveGames games = ActiveGames.of(rooms, AtomicInteger::get);
        games.bindTo(registry);
        rooms.set(6);
        assertThat(Scrapes.require(registry.scrape(), "hal9_active_games")).isEqualTo(6.0);
        assertThatThrownBy(() -> games.set(1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ActiveGames.create()");
    }

    @Test
    void activeGamesHoldsTheHostsObjectWeakly() {
        ActiveGames.of(new AtomicInteger(3), AtomicInteger::get).bindTo(registry);
        await().until(() -> {
            System.gc();
            return Double.isNaN(registry.get("hal9.active.games").gauge().value());
        });
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void residentMemoryComesFromTheOperatingSystem() {
        ProcessMemoryMetrics memory = ProcessMemoryMetrics.create();
        assertThat(memory.isSupported()).isTrue();
        memory.bindTo(registry);
        String scrape = registry.scrape();
        double rss = Scrapes.require(scrape, "process_resident_memory_bytes");
        assertThat(rss).isGreaterThan(10.0 * 1024 * 1024);
        assertThat(Scrapes.require(scrape, "process_virtual_memory_bytes")).isGreaterThan(rss);
    }

    @Test
    void withoutProcStatusTheSeriesAreAbsentNotZero(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nVmRSS:\t  2048 kB\nVmSize:\t 4096 kB\n");
        ProcessMemoryMetrics fake = ProcessMemoryMetrics.forFile(status);
        assertThat(fake.residentBytes()).isEqualTo(2048L * 1024);

        ProcessMemoryMetrics missing = ProcessMemoryMetrics.forFile(dir.resolve("absent"));
        assertThat(missing.isSupported()).isFalse();
        assertThat(missing.residentBytes()).isEqualTo(-1);
        missing.bindTo(registry);
        assertThat(registry.scrape()).doesNotContain("process_resident_memory_bytes");
    }
}
