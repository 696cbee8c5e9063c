package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class SqlFailuresTest {

    @ParameterizedTest(name = "SQLState {0} is transient: {1}")
    @CsvSource({
        "08000, true", // connection exception
        "08001, true", // unable to connect
        "08006, true", // connection failure (I/O error)
        "08003, true", // connection does not exist
        "40001, true", // serialization failure
        "40P01, true", // deadlock detected
        "55P03, true", // lock not available
        "57P01, true", // admin shutdown (pg_terminate_backend)
        "57P02, true", // crash shutdown
        "57P03, true", // cannot connect now
        "53300, true", // too many connections
        "23505, false", // unique violation
        "23503, false", // foreign key violation
        "23502, false", // not null violation
        "22001, false", // string data right truncation
        "22P02, false", // invalid text representation
        "42601, false", // syntax error
        "42P01, false", // undefined table
        "40002, false", // integrity constraint violation in a rolled back transaction
        "57014, false", // query canceled
        "XX000, false", // internal error
    })
    void classifiesPostgresSqlStates(String state, boolean transientFailure) {
        SQLException e = new SQLException("failure " + state, state);

        assertThat(SqlFailures.isTransient(e)).isEqualTo(transientFailure);
        assertThat(SqlFailures.isTransientState(state)).isEqualTo(transientFailure);
        assertThat(SqlFailures.sqlState(e)).isEqualTo(state);
    }

    @Test
    void transientJdbcExceptionTypesAreTransientWhateverTheirState() {
        // HikariCP's "connection is not available" copies the SQLState of the last connection failure,
        // which may be an authentication error: acquiring a connection is still worth another try.
        assertThat(SqlFailures.isTransient(new SQLTransientConnectionException("pool timeout", "28P01")))
                .isTrue();
        assertThat(SqlFailures.isTransient(new SQLTimeoutException("statement timeout")))
                .isTrue();
        assertThat(SqlFailures.isTransient(new SQLTransactionRollbackException("rolled back")))
                .isTrue();
        assertThat(SqlFailures.isTransient(new SQLRecoverableException("socket closed")))
                .isTrue();
    }

    @Test
    void permanentJdbcExceptionTypesAndStatelessExceptionsArePermanent() {
        assertThat(SqlFailures.isTransient(new SQLIntegrityConstraintViolationException("dup", "23505")))
                .isFalse();
        assertThat(SqlFailures.isTransient(new SQLException("no state"))).isFalse();
        assertThat(SqlFailures.sqlState(new SQLException("no state"))).isNull();
    }

    @Test
    void nonSqlExceptionsArePermanentUnlessTheyWrapATransientSqlFailure() {
        assertThat(SqlFailures.isTransient(new NullPointerException("binder bug")))
                .isFalse();
        assertThat(SqlFailures.isTransient(new UncheckedIOException(new IOException("disk"))))
                .isFalse();
        assertThat(SqlFailures.isTransient(new RuntimeException(new SQLException("lost", "08006"))))
                .isTrue();
    }

    @Test
    void aBatchUpdateExceptionIsClassifiedByTheDriversNextException() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 3 was aborted", null, 0, new int[0], null);
        batch.setNextException(new SQLException("terminating connection due to administrator command", "57P01"));
        assertThat(SqlFailures.isTransient(batch)).isTrue();
        assertThat(SqlFailures.sqlState(batch)).isEqualTo("57P01");

        BatchUpdateException duplicate =
                new BatchUpdateException("Batch entry 7 was aborted", null, 0, new int[0], null);
        duplicate.setNextException(new SQLException("duplicate key value violates unique constraint", "23505"));
        assertThat(SqlFailures.isTransient(duplicate)).isFalse();
        assertThat(SqlFailures.sqlState(duplicate)).isEqualTo("23505");
    }

    @Test
    void aJdbcExceptionKeepsTheStateAndIsClassifiedByWhatItWraps() {
        JdbcException serialization =
                new JdbcException("router 'x': failed", new SQLException("could not serialize", "40001"));
        assertThat(serialization.sqlState()).isEqualTo("40001");
        assertThat(serialization.isTransient()).isTrue();
        assertThat(SqlFailures.isTransient(serialization)).isTrue();

        JdbcException syntax = new JdbcException("router 'x': failed", new SQLException("syntax error", "42601", 7));
        assertThat(syntax.sqlState()).isEqualTo("42601");
        assertThat(syntax.errorCode()).isEqualTo(7);
        assertThat(syntax.isTransient()).isFalse();
    }

    @Test
    void aCycleInTheChainEndsTheWalk() {
        SQLException a = new SQLException("a");
        SQLException b = new SQLException("b");
        a.setNextException(b);
        b.setNextException(a);
        assertThat(SqlFailures.isTransient(a)).isFalse();
        assertThat(SqlFailures.sqlState(a)).isNull();
    }

    @Test
    void aConnectionLossIsRecognisedByTypeOrState() {
        assertThat(SqlFailures.isConnectionLoss(new SQLException("I/O error", "08006")))
                .isTrue();
        assertThat(SqlFailures.isConnectionLoss(new SQLException("terminating", "57P01")))
                .isTrue();
        assertThat(SqlFailures.isConnectionLoss(new SQLRecoverableException("gone")))
                .isTrue();
        assertThat(SqlFailures.isConnectionLoss(new SQLException("could not serialize", "40001")))
                .isFalse();
        assertThat(SqlFailures.isConnectionLoss(new SQLException("dup", "23505")))
                .isFalse();
    }

    @Test
    void describeNamesTheNextExceptionAndTheState() {
        BatchUpdateException batch =
                new BatchUpdateException("Batch entry 0 was aborted", "23505", 0, new int[0], null);
        batch.setNextException(new SQLException("duplicate key value (id)=(7)", "23505"));
        assertThat(SqlFailures.describe(batch))
                .isEqualTo("Batch entry 0 was aborted (next: duplicate key value (id)=(7)) (SQLState 23505)");
    }

    @Test
    void describeCutsHugeDriverMessages() {
        SQLException huge = new SQLException("Batch entry 0 INSERT " + "x".repeat(10_000), "08006");
        assertThat(SqlFailures.describe(huge))
                .hasSizeLessThan(400)
                .startsWith("Batch entry 0 INSERT xxx")
                .endsWith("... (9721 more chars) (SQLState 08006)");
    }
}
