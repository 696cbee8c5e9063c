package io.hal9.redis;

import io.hal9.core.Hal9Exception;
import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * {@link SharedRedis} could not start: Redis refused or did not answer at build time, or the
 * configuration named a server that cannot be reached. The message names the endpoint (passwords
 * removed). Unchecked; nothing the shared setup started is left running when it is thrown.
 *
 * <p>Thread safety: immutable once thrown.
 */
public class SharedRedisException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** An exception with a message naming the endpoint and the cause. */
    public SharedRedisException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
