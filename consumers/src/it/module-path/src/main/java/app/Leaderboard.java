package app;

import io.hal9.cache.LocalCache;
import java.time.Duration;

/** A leaderboard page cache, the kind of thing a game server keeps local. */
public final class Leaderboard implements AutoCloseable {
    private final LocalCache<String, String> pages = LocalCache.<String, String>builder("leaderboard")
            .maximumSize(1_000)
            .expireAfterWrite(Duration.ofSeconds(5))
            .build();

    public String page(String region) {
        return pages.get(region, r -> "top players of " + r);
    }

    @Override
    public void close() {
        pages.close();
    }
}
