package io.hal9.cache;

import io.hal9.core.Hal9Exception;
import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * A cache operation failed in a way the caller must hear about: a value that cannot be encoded, a
 * loader that threw a checked exception, a cache used after {@link Cache#close()}. The message names
 * the cache and, where there is one, the key.
 *
 * <p>Thread safety: immutable once thrown.
 */
public class CacheException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Creates the exception; {@code message} names the cache and key. */
    public CacheException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
