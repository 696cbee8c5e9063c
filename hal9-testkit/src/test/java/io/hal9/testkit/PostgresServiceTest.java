package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real PostgreSQL round trip in the test's own schema. */
@RequiresPostgres
@Timeout(30)
class PostgresServiceTest {

    private @Nullable PostgresService fromBeforeEach;

    @BeforeEach
    void remember(PostgresService pg) {
        fromBeforeEach = pg;
    }

    @Test
    void aRowWrittenToATableInTheTestsSchemaReadsBack(PostgresService pg) throws SQLException {
        try (Connection c = pg.open();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE players (id int PRIMARY KEY, name text NOT NULL)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO players (id, name) VALUES (?, ?)")) {
                insert.setInt(1, 7);
                insert.setString(2, "ada");
                assertThat(insert.executeUpdate()).isEqualTo(1);
            }
            try (ResultSet rs = s.executeQuery("SELECT name FROM players WHERE id = 7")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("ada");
                assertThat(rs.next()).isFalse();
            }
            try (ResultSet rs =
                    s.executeQuery("SELECT table_schema FROM information_schema.tables WHERE table_name = 'players'"
                            + " AND table_schema LIKE 't\\_%'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(pg.schema());
                assertThat(rs.next())
                        .as("only this test's schema has the table")
                        .isFalse();
            }
        }
    }

    @Test
    void theUrlAloneReachesTheSchemaAsTheGivenUser(PostgresService pg) throws SQLException {
        assertThat(pg.schema()).matches("t_[0-9a-f]{12}");
        assertThat(pg.jdbcUrl()).startsWith("jdbc:postgresql://").contains("currentSchema=" + pg.schema());
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_schema(), current_user")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(pg.schema());
            assertThat(rs.getString(2)).isEqualTo(pg.user());
        }
    }

    @Test
    void beforeEachAndTheTestShareOneSchema(PostgresService pg) {
        assertThat(fromBeforeEach).isSameAs(pg);
    }
}
