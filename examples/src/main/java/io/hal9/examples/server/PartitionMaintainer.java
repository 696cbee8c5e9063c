package io.hal9.examples.server;

import io.hal9.pool.jdbc.JdbcException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the quarterly partitions of {@code games} ahead of time: the current quarter (UTC) and the
 * next {@code quartersAhead}, named {@code games_YYYYqN}. Idempotent ({@code CREATE TABLE IF NOT
 * EXISTS ... PARTITION OF}), so every instance may run it at start and daily, concurrently.
 *
 * <p>DDL cannot take bind parameters: the partition names and bounds are formatted from dates this
 * class computes, never from input.
 *
 * <p>Limits: when the {@code games_default} safety-net partition already holds rows of a quarter,
 * PostgreSQL refuses to create that quarter's partition; the maintainer logs a WARN naming it and
 * goes on with the others (those rows stay in the default partition and still work).
 *
 * <p>Thread safety: safe for concurrent use; the database serialises the DDL.
 */
public final class PartitionMaintainer {
    private static final Logger log = LoggerFactory.getLogger(PartitionMaintainer.class);

    private final String name;
    private final DataSource dataSource;
    private final int quartersAhead;
    private final Clock clock;

    /**
     * A maintainer.
     *
     * @param name the server's name, for logs
     * @param dataSource the primary
     * @param quartersAhead quarters created after the current one, in [0, 40]
     * @param clock the clock deciding the current quarter
     */
    public PartitionMaintainer(String name, DataSource dataSource, int quartersAhead, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (quartersAhead < 0 || quartersAhead > 40) {
            throw new IllegalArgumentException(
                    "partition maintainer: quartersAhead must be in [0, 40], was " + quartersAhead);
        }
        this.quartersAhead = quartersAhead;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The first day (UTC) of the quarter holding {@code day}.
     *
     * @param day any day
     * @return the quarter's first day
     */
    static LocalDate quarterStart(LocalDate day) {
        int firstMonth = ((day.getMonthValue() - 1) / 3) * 3 + 1;
        return LocalDate.of(day.getYear(), firstMonth, 1);
    }

    /**
     * The partition name of the quarter starting on {@code start}.
     *
     * @param start a quarter's first day
     * @return e.g. {@code games_2026q4}
     */
    static String partitionName(LocalDate start) {
        return String.format(Locale.ROOT, "games_%04dq%d", start.getYear(), (start.getMonthValue() - 1) / 3 + 1);
    }

    /**
     * Ensures the partitions exist.
     *
     * @return the names of the partitions that exist now among those wanted (created or already there)
     * @throws JdbcException when the database cannot be reached
     */
    public List<String> run() {
        LocalDate first = quarterStart(LocalDate.now(clock.withZone(ZoneOffset.UTC)));
        List<String> ensured = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            for (int q = 0; q <= quartersAhead; q++) {
                LocalDate from = first.plusMonths(3L * q);
                LocalDate to = from.plusMonths(3);
                String partition = partitionName(from);
                String ddl = String.format(
                        Locale.ROOT,
                        "CREATE TABLE IF NOT EXISTS %s PARTITION OF games FOR VALUES FROM ('%s 00:00:00+00') TO"
                                + " ('%s 00:00:00+00')",
                        partition,
                        from,
                        to);
                try (Statement s = c.createStatement()) {
                    s.execute(ddl);
                    ensured.add(partition);
                } catch (SQLException e) {
                    // 23514: the default partition holds rows of this range (check_violation)
                    log.warn(
                            "{}: cannot create partition {} ({}); rows of that quarter stay in games_default",
                            name,
                            partition,
                            e.getMessage());
                }
            }
            warnIfDefaultUsed(c);
        } catch (SQLException e) {
            throw new JdbcException(name + ": partition maintenance failed: " + e.getMessage(), e);
        }
        log.debug("{}: games partitions ensured {}", name, ensured);
        return ensured;
    }

    private void warnIfDefaultUsed(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT count(*) FROM (SELECT 1 FROM games_default LIMIT ?) d")) {
            ps.setInt(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getLong(1) > 0) {
                    log.warn(
                            "{}: games_default holds rows: a quarter's partition was missing when they were written",
                            name);
                }
            }
        }
    }
}
