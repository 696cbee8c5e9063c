package io.hal9.pool.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Helpers shared by the package: URLs without secrets, one transaction on a connection, quiet rollback.
 * Thread safety: stateless.
 */
final class JdbcSupport {
    private static final Logger log = LoggerFactory.getLogger(JdbcSupport.class);
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/:@?;]+:)[^@/?;]*@");

    private JdbcSupport() {}

    /** The URL with password parameters and {@code user:password@} user info replaced by {@code ***}. */
    static String maskedUrl(String url) {
        String masked = PASSWORD_PARAM.matcher(url).replaceAll("$1***");
        return USER_INFO.matcher(masked).replaceAll("$1***@");
    }

    /**
     * Runs {@code work} as one transaction on {@code c} (auto-commit off for the duration, back on after):
     * commits and returns its result, or, on any failure, counts it in {@code rollbacks}, rolls back and
     * rethrows. Used by the router's {@code inTransaction} and by every batch sink.
     */
    static <R extends @Nullable Object> R inTransaction(Connection c, JdbcFunction<R> work, LongAdder rollbacks)
            throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        if (autoCommit) {
            c.setAutoCommit(false);
        }
        try {
            R result = work.apply(c);
            c.commit();
            return result;
        } catch (Throwable t) {
            rollbacks.increment();
            rollbackQuietly(c, t);
            throw t;
        } finally {
            if (autoCommit) {
                restoreAutoCommit(c);
            }
        }
    }

    /** Rolls back; a failure to do so is attached to {@code failure} (the connection is likely broken). */
    static void rollbackQuietly(Connection c, Throwable failure) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e); // the pool evicts a broken connection when it comes back
        }
    }

    /** Turns auto-commit back on; a broken connection is the pool's to reset or evict, not the caller's news. */
    static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            log.trace("could not restore auto-commit on {}", c, e);
        }
    }
}
