package io.hal9.examples.server;

import io.hal9.core.Hal9Exception;
import java.io.Serial;

/**
 * Thrown when the server's configuration is invalid: an unknown option, a malformed value or one
 * out of range. The message names the option, where it came from and the allowed values.
 *
 * <p>Thread safety: immutable.
 */
public final class ConfigException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * A configuration error.
     *
     * @param message what is wrong, naming the option
     */
    public ConfigException(String message) {
        super(message);
    }
}
