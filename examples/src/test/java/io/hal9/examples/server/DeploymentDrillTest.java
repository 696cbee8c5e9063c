package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deployment recipe, tested (issue 17, item 5): {@link DeploymentDrill} with its small form by default
 * (2 instances, a few short games, every fault), and the full form with {@code -Pdrill} or {@code
 * examples/deploy/drill.sh} ({@code hal9.drill.*} system properties). Skipped when haproxy, redis-server or
 * the PostgreSQL server binaries are missing; failed instead under {@code HAL9_REQUIRE_SERVICES=1}.
 */
@Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES) // the drill keeps its own, shorter deadline
class DeploymentDrillTest {
    /** The small form run by ./mvnw verify. */
    static final DeploymentDrill.Options SMALL = new DeploymentDrill.Options(
            2,
            4,
            40,
            1,
            Duration.ofMillis(40),
            Duration.ofSeconds(4),
            Duration.ofSeconds(2),
            Duration.ofSeconds(75),
            EnumSet.allOf(DeploymentDrill.Fault.class),
            false);

    @Test
    void gamesSpreadOverEveryInstanceFinishWithNoAcknowledgedMoveLostThroughEveryFault() throws Exception {
        DeploymentDrill.Options options = DeploymentDrill.Options.fromSystemProperties(SMALL);
        try (DeploymentDrill drill = new DeploymentDrill(options)) {
            DeploymentDrill.Report r = drill.run();
            System.out.print(r.describe());
            assertThat(r.gamesFinished()).as("games finished of those started").isEqualTo(r.gamesStarted());
            assertThat(r.orphanRows()).as("games left waiting or running").isZero();
            assertThat(r.lost()).as("acknowledged moves not stored").isZero();
            assertThat(r.duplicates()).as("moves stored twice").isZero();
            assertThat(r.conflictingResults())
                    .as("rounds whose result differs between players")
                    .isZero();
            assertThat(r.scoreMismatches())
                    .as("final scores differing from the database")
                    .isZero();
            assertThat(r.acknowledged()).isPositive();
            if (options.faults().contains(DeploymentDrill.Fault.INSTANCE)) {
                assertThat(r.takeoverAfterLapseMs())
                        .as("takeover after the dead instance's lease lapsed, ms")
                        .isBetween(0L, 5_000L);
            }
            // every instance took its share of the players' WebSockets
            assertThat(r.connectionsPerInstance()).hasSize(options.instances());
            assertThat(r.connectionsPerInstance().values()).allMatch(n -> n > 0);
            long most = r.connectionsPerInstance().values().stream()
                    .mapToLong(n -> n)
                    .max()
                    .orElseThrow();
            long least = r.connectionsPerInstance().values().stream()
                    .mapToLong(n -> n)
                    .min()
                    .orElseThrow();
            assertThat(most - least).as("round-robin spread of the WebSockets").isLessThanOrEqualTo(1);
            drill.passed();
        }
    }
}
