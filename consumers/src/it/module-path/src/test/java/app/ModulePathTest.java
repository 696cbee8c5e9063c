package app;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.LocalCache;
import io.hal9.core.TaskLimiter;
import org.junit.jupiter.api.Test;

class ModulePathTest {

    @Test
    void hal9RunsAsNamedModules() {
        try (Leaderboard board = new Leaderboard()) {
            assertThat(board.page("eu")).isEqualTo("top players of eu");
        }
        assertThat(LocalCache.class.getModule().getName()).isEqualTo("io.hal9.cache");
        assertThat(TaskLimiter.class.getModule().getName())
                .as("io.hal9.core, read through io.hal9.cache's 'requires transitive'")
                .isEqualTo("io.hal9.core");
        assertThat(Leaderboard.class.getModule().getName()).isEqualTo("app");
    }

    @Test
    void onlyTheApiPackagesAreExported() {
        Module core = TaskLimiter.class.getModule();
        Module app = Leaderboard.class.getModule();
        assertThat(core.isExported("io.hal9.core", app)).isTrue();
        assertThat(core.isExported("io.hal9.core.internal", app)).isFalse();
        assertThat(LocalCache.class.getModule().getDescriptor().exports())
                .allMatch(e -> !e.source().contains("internal") || e.isQualified());
    }
}
