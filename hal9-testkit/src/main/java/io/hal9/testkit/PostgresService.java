package io.hal9.testkit;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A PostgreSQL database handed to one test, isolated in a schema of its own.
 *
 * <p>The schema ({@code t_} and 12 random hex digits) is created before the test sees this object
 * and dropped with {@code CASCADE} when the scope that asked for it ends: a test method (a
 * parameter of the test or of its {@code @BeforeEach}/{@code @AfterEach} methods, all sharing one
 * schema), or the test class (a parameter of a constructor or of {@code @BeforeAll}/{@code
 * @AfterAll}). {@link #jdbcUrl()} sets {@code currentSchema}, so unqualified table names land in
 * that schema.
 *
 * <p>Limits: connections from {@link #open()} are closed for the test when its scope ends.
 * Connections the test opens itself from {@link #jdbcUrl()} (a pool, say) must be closed by then:
 * any still open are terminated so that the schema can be dropped, and the test fails, naming how
 * many there were.
 *
 * <p>Thread safety: safe to use from any number of threads.
 */
public interface PostgresService {

    /**
     * The JDBC URL of the database, with {@code currentSchema} set to {@link #schema()} and the
     * credentials as URL parameters, so that {@code DriverManager.getConnection(jdbcUrl())} works
     * as is.
     *
     * @return a {@code jdbc:postgresql://...} URL
     */
    String jdbcUrl();

    /**
     * The database user, for pools that take it apart from the URL.
     *
     * @return the user name
     */
    String user();

    /**
     * The user's password, for pools that take it apart from the URL.
     *
     * @return the password, empty when the server needs none (trust authentication)
     */
    String password();

    /**
     * The schema of this test: {@code t_} followed by 12 lowercase hex digits.
     *
     * @return the schema name, a plain identifier that needs no quoting
     */
    String schema();

    /**
     * Opens a connection to {@link #jdbcUrl()}; it is closed for the test when the test's scope
     * ends if the test has not closed it itself.
     *
     * <p>Declares {@link SQLException}, unlike HAL9's own APIs, because every JDBC call the test
     * makes next declares it too and the SQL state is worth keeping.
     *
     * @return a new connection in auto-commit mode
     * @throws SQLException when the server refuses the connection
     */
    Connection open() throws SQLException;
}
