package io.hal9.testkit;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/** Turns a failed connection attempt into a few words for the skip reason. */
final class Failures {

    private Failures() {}

    static String describe(Throwable failure, int timeoutSeconds) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof SocketTimeoutException) {
                return "no answer within " + timeoutSeconds + " s";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof EOFException) {
                return "the server closed the connection (" + t.getMessage() + ")";
            }
        }
        if (failure instanceof SQLException sql && isAuthentication(sql)) {
            return "authentication failed (" + message(sql) + ")";
        }
        return message(failure);
    }

    static boolean isAuthentication(SQLException e) {
        String state = e.getSQLState();
        return "28000".equals(state) || "28P01".equals(state);
    }

    private static String message(Throwable t) {
        @Nullable String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip();
    }
}
