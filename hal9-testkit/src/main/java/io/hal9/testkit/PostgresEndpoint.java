package io.hal9.testkit;

import java.util.Objects;

/**
 * A PostgreSQL database that answered a connection.
 *
 * @param url a {@code jdbc:postgresql://} URL with at least the {@code user} parameter
 * @param user the user name
 * @param password the password, empty when none is needed
 * @param origin where it was found, for messages (e.g. {@code 127.0.0.1:5432 as postgres})
 */
record PostgresEndpoint(String url, String user, String password, String origin) {

    PostgresEndpoint {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(origin, "origin");
    }

    /**
     * An endpoint for a URL: the user and password are read from its parameters; a URL without a
     * user gets the OS user (as the driver would use) written into it.
     */
    static PostgresEndpoint fromUrl(String url, String origin) {
        String user = JdbcUrls.param(url, "user");
        String withUser = url;
        if (user == null || user.isEmpty()) {
            user = System.getProperty("user.name", "postgres");
            withUser = JdbcUrls.withParam(url, "user", user);
        }
        String password = JdbcUrls.param(url, "password");
        return new PostgresEndpoint(withUser, user, password == null ? "" : password, origin);
    }
}
