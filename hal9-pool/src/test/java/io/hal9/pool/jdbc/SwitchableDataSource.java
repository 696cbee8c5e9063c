package io.hal9.pool.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jspecify.annotations.Nullable;

/**
 * An H2 in-memory database behind a switch: while {@link #down} is set, new connections are refused
 * as a stopped server would refuse them (SQLState 08001). Each instance is its own database, named
 * after the label, so a connection's URL tells which one served it.
 */
final class SwitchableDataSource implements DataSource {
    final String label;
    final String url;
    private final JdbcDataSource h2 = new JdbcDataSource();
    final AtomicInteger attempts = new AtomicInteger();
    volatile boolean down;

    SwitchableDataSource(String label) {
        this.label = label;
        this.url = "jdbc:h2:mem:" + label + "-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        h2.setURL(url);
    }

    /** Whether a JDBC URL (from {@code connection.getMetaData().getURL()}) is this database's. */
    boolean served(String connectionUrl) {
        return connectionUrl.startsWith(url.substring(0, url.indexOf(';')));
    }

    @Override
    public Connection getConnection() throws SQLException {
        attempts.incrementAndGet();
        if (down) {
            throw new SQLException(label + ": connection refused (test switch)", "08001");
        }
        return h2.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public @Nullable PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(@Nullable PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }

    @Override
    public String toString() {
        return label;
    }
}
