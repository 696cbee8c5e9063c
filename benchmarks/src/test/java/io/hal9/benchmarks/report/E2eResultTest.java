package io.hal9.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class E2eResultTest {
    @Test
    void readsTheDocumentedFormatAndIgnoresUnknownFields(@TempDir Path dir) {
        Path file = Fixtures.write(dir.resolve("e2e.json"), """
                {"machine": "m", "jdk": "j", "date": "d", "loadGenerator": "v2",
                 "rows": [{"metric": "memory_per_game", "seedTarget": "<= 5 MB", "hal9Target": "<= 50 KB",
                           "measured": 31.5, "unit": "KB", "met": true, "samples": 3}]}
                """);
        E2eResult e2e = E2eResult.read(file);
        assertThat(e2e.command()).isEmpty();
        assertThat(e2e.notes()).isEmpty();
        assertThat(e2e.rows()).singleElement().satisfies(r -> {
            assertThat(r.label()).isEqualTo("memory per game");
            assertThat(r.measured()).isEqualTo(31.5);
            assertThat(r.met()).isTrue();
        });
    }

    @Test
    void everySeedMetricHasAReadableLabel() {
        for (String id : E2eResult.SEED_METRICS) {
            assertThat(new E2eResult.Row(id, "", "", 1, "u", true).label()).isNotEqualTo(id);
        }
        assertThat(new E2eResult.Row("latency_corrected_p99", "", "", 1, "ms", true).label())
                .isEqualTo("p99 action→broadcast latency from when due (CO-corrected)");
        assertThat(new E2eResult.Row("custom_metric", "", "", 1, "u", true).label())
                .isEqualTo("custom_metric");
    }

    @Test
    void aFileWithoutRowsOrMachineIsRefusedNamingTheFieldAndTheFile(@TempDir Path dir) {
        Path noRows = Fixtures.write(dir.resolve("a.json"), "{\"machine\": \"m\", \"jdk\": \"j\", \"date\": \"d\"}");
        assertThatThrownBy(() -> E2eResult.read(noRows))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a.json")
                .hasMessageContaining("rows are missing");
        Path noMachine = Fixtures.write(dir.resolve("b.json"), "{\"jdk\": \"j\", \"date\": \"d\", \"rows\": []}");
        assertThatThrownBy(() -> E2eResult.read(noMachine)).hasMessageContaining("machine is missing");
    }
}
