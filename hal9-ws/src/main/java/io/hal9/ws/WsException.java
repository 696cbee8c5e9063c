package io.hal9.ws;

import io.hal9.core.Hal9Exception;
import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link WsServer} that cannot do what it was asked: bind its port, start twice, start after
 * close. The message names the server and the cause.
 *
 * <p>Thread safety: immutable once thrown.
 */
public class WsException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the server. */
    public WsException(String message) {
        super(message);
    }

    /** Creates the exception with a message naming the server and the cause. */
    public WsException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
