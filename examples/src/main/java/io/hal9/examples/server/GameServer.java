package io.hal9.examples.server;

import com.sun.net.httpserver.HttpServer;
import io.hal9.cache.Cache;
import io.hal9.cache.LocalCache;
import io.hal9.cache.codec.Codecs;
import io.hal9.cache.near.NearCache;
import io.hal9.core.ActionBatcher;
import io.hal9.core.ActionJournal;
import io.hal9.core.BatchSink;
import io.hal9.core.CloseFailedException;
import io.hal9.core.Closer;
import io.hal9.core.TaskLimiter;
import io.hal9.core.Ticker;
import io.hal9.metrics.ActiveGames;
import io.hal9.metrics.cache.LocalCacheMetrics;
import io.hal9.metrics.cache.NearCacheMetrics;
import io.hal9.metrics.core.ActionBatcherMetrics;
import io.hal9.metrics.core.TaskLimiterMetrics;
import io.hal9.metrics.pool.JdbcPoolMetrics;
import io.hal9.metrics.pool.ObjectPoolMetrics;
import io.hal9.metrics.pool.ReadWriteRouterMetrics;
import io.hal9.metrics.ws.RedisRoomBusMetrics;
import io.hal9.metrics.ws.WsServerMetrics;
import io.hal9.pool.jdbc.CopyBatchSink;
import io.hal9.pool.jdbc.JdbcBatchSink;
import io.hal9.redis.SharedRedis;
import io.hal9.ws.RedisRoomBus;
import io.hal9.ws.WsServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference game server: composes every HAL9 module behind an HTTP API. {@link #start} opens the
 * database (PostgreSQL through HikariCP pools and a read/write router, or embedded H2), migrates it,
 * creates the {@code games} partitions ahead, and starts the action batcher, the task limiter, the
 * games-list cache (local, or a near cache over Redis), the {@link HealthProbe} that checks the database
 * and Redis every second for {@code /health/ready}, and the public port ({@link HttpPort}: the HTTP API
 * and the WebSocket endpoint on one hardened Netty port; {@code --http-engine jdk} keeps the previous two
 * ports for one release). Every part is bound to the server's {@link Metrics} registry, served at {@code
 * GET /metrics} on the admin listener ({@link #adminUrl()}), not on the public port.
 *
 * <p>Restart. The instance name given to {@link #start} is the {@code host} of every game this server
 * creates; a server started again with the same name on the same database recovers those games
 * before it takes any traffic (see {@code GameService.recover}), and players go on with the tokens
 * they hold as long as the token secret is the same: a configured {@code token-secret}, or else the
 * one generated once and stored in the database ({@code server_settings}).
 *
 * <p>Scale-out. The server holds a lease on its games ({@link Ownership}, renewed every {@code
 * lease-renew-interval}); when another instance's lease lapses it takes that instance's games over, and it
 * gives its own lease up when it stops gracefully. Requests for games owned elsewhere are forwarded to
 * their owner ({@link HttpForwarder}, and the {@link MoveForwarder} for WebSocket moves). See
 * examples/README.md, "Scale-out".
 *
 * <p>{@link #close()} is the graceful shutdown (what the SIGTERM hook of {@link Main} runs): turn
 * {@code /health/ready} to 503, stop accepting connections and let in-flight requests finish (up to
 * {@code shutdown-timeout}), stop the round timers, drain the task limiter, flush the action batcher
 * (every acknowledged move is written) and then the game-states and game-finals batchers, then close
 * caches and pools. Idempotent.
 *
 * <p>Limits: see {@link ServerConfig} for every bound and its default.
 *
 * <p>Thread safety: safe for concurrent use; {@link #close()} may race with requests, which then
 * answer 503 or see their connection closed.
 */
public final class GameServer implements AutoCloseable {
    /*
     * Design / Concurrency / Invariants: the part fields are written once by open() on the starting
     * thread before start() returns the server (publication through that return); close() may run
     * on the shutdown-hook thread and reads them after that. closed makes close() run once; it
     * closes in the reverse order of the path of a move: WebSocket and HTTP intake first (explicitly),
     * then, through the closer in reverse registration order, the scheduler (round timers) and the task
     * limiter (in-flight moves reach the batchers), the batchers (flush), then caches, Redis and pools,
     * and the metrics registry last (a scrape racing close() reads closed parts' last figures). open()
     * registers each part as it builds it, in that order's reverse.
     */
    private static final Logger log = LoggerFactory.getLogger(GameServer.class);

    private final String name;
    private final ServerConfig config;
    /** Every part, registered as open() builds it; {@link #close()} closes them in reverse. */
    private final Closer closer;

    private final AtomicBoolean closed = new AtomicBoolean();
    private @Nullable HttpServer http;
    private @Nullable HttpPort port;
    private @Nullable ActionBatcher<GameStore.ActionRow> actions;
    private @Nullable ActionBatcher<GameStore.GameState> states;
    private @Nullable ActionBatcher<GameStore.FinalState> finals;
    private @Nullable HealthProbe probe;
    private @Nullable TaskLimiter limiter;
    private @Nullable Database db;
    private @Nullable GameService games;
    private @Nullable SharedRedis redis;
    private @Nullable RedisRoomBus roomBus;
    private @Nullable MoveForwarder forwarder;
    private @Nullable WsGateway ws;
    private @Nullable Metrics metrics;
    private @Nullable Ownership ownership;

    private GameServer(String name, ServerConfig config) {
        this.name = name;
        this.config = config;
        this.closer = Closer.create(name);
    }

    /**
     * Starts a server.
     *
     * @param name the instance name: logs, pool and thread names, and the {@code host} of the games it
     *     creates and recovers; give an instance the same name at every start ({@link Main} passes {@code
     *     --instance-name}), and every instance sharing a database its own
     * @param config the configuration
     * @return the running server
     * @throws RuntimeException when a part cannot start; what had started is closed again
     */
    public static GameServer start(String name, ServerConfig config) {
        return start(name, config, GameEvents.none());
    }

    /**
     * Starts a server whose game events go to {@code events} (a transport).
     *
     * @param name the instance name
     * @param config the configuration
     * @param events where round results go
     * @return the running server
     */
    public static GameServer start(String name, ServerConfig config, GameEvents events) {
        GameServer s = new GameServer(Objects.requireNonNull(name, "name"), Objects.requireNonNull(config, "config"));
        try {
            s.open(Objects.requireNonNull(events, "events"));
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Opens the server in named steps, in the order of their dependencies: the database, Redis (when
     * configured), the games-list cache, persistence (the batchers, and the journal's replay), the task
     * limiter and timers, the health probe, the game service, the realtime gateway, ownership (the lease, and
     * the recovery of this instance's games) and the HTTP ports. Each step registers what it opened with
     * {@link #closer} as it goes, so that {@link #close()} stops the parts in the reverse order (see the class
     * comment). Three steps are registered ahead of the part they close, as lambdas, because they must run
     * later than construction order gives: the public port's event loops (after the WebSocket server), the
     * game service and the ownership lease (after every batcher has written).
     */
    private void open(GameEvents events) {
        Metrics m = closer.register(new Metrics());
        metrics = m;
        Storage storage = openDatabase(m.registry());
        String instanceId = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        openRedis(m, instanceId);
        Cache<String, byte[]> listCache = openListCache(m.registry());
        // where requests for games other instances host are forwarded; unused once the port is closed
        HttpForwarder forwardHttp = closer.register(new HttpForwarder(name, storage.store()));
        // after every write (the batchers and the game service, closed before): other instances may take the
        // games over at once instead of a lease later
        closer.register(this::releaseLease, "give the ownership lease up");
        // after the batchers it feeds (registered below): it writes the last states the batcher had no room for
        closer.register(this::closeGames, "close the game service");
        Persistence persistence = openPersistence(storage, m.registry());
        ScheduledThreadPoolExecutor timers = openScheduling(storage, m.registry());
        // the public port's event loops: after the WebSocket server (registered below) has closed its sessions
        closer.register(this::closePort, "close the public port");
        HealthProbe hp = closer.register(healthProbe(storage.db(), m));
        PlayerTokens tokens = new PlayerTokens(
                PlayerTokens.secret(
                        name,
                        config.tokenSecret(),
                        storage.store(),
                        storage.db().embedded()),
                config.tokenTtl(),
                Clock.systemUTC());
        // the service tells the transports built after it (the gateway, the host's own) through one sink
        GameEventHub hub = new GameEventHub();
        LeaseState lease = new LeaseState(config.lease());
        GameService g = openGames(storage, persistence, timers, listCache, tokens, hub, lease, hp);
        WsGateway gateway = openRealtime(instanceId, g, tokens, m);
        hub.subscribe(gateway);
        hub.subscribe(events);
        Ownership own = openOwnership(storage, persistence, g, lease);
        m.bindOwnership(name, own, g, forwardHttp);
        openHttp(g, tokens, hp, m, forwardHttp, gateway, storage.store());
        // where other instances forward this one's games' HTTP requests; then the ticks: renewal, ownership
        // check, takeover of lapsed owners' games
        own.advertise(config.advertiseUrl() == null ? baseUrl() : config.advertiseUrl());
        own.start();
        log.info("{}: listening on {}, WebSocket {}, admin {} ({})", name, baseUrl(), wsUrl(), adminUrl(), config);
    }

    /** The database and what lives in it: its pools and router, the game store, the partition maintainer. */
    private record Storage(
            Database db, GameStore store, @Nullable PartitionMaintainer partitions) {}

    /** The batchers that write what the games do, and where the actions go (the sink a takeover replays to). */
    private record Persistence(
            ActionBatcher<GameStore.ActionRow> actions,
            ActionBatcher<GameStore.GameState> states,
            ActionBatcher<GameStore.FinalState> finals,
            BatchSink<GameStore.ActionRow> actionSink,
            @Nullable Path journalRoot) {}

    /** Step 1: the database (migrated), its pools' meters, the game store, the partitions ahead. */
    private Storage openDatabase(MeterRegistry registry) {
        Database d = closer.register(Database.open(name, config));
        db = d;
        GameStore store = new GameStore(d.router(), name, !d.embedded());
        if (d.router().replicas().isEmpty()) {
            JdbcPoolMetrics.monitor(registry, d.router().primary());
        } else {
            // the router's reads/fallbacks/replica health, and every pool (each once, by HikariCP's meters)
            ReadWriteRouterMetrics.monitor(registry, d.router());
        }
        PartitionMaintainer partitions = null;
        if (!d.embedded()) {
            partitions =
                    new PartitionMaintainer(name, d.router().writes(), config.partitionsAhead(), Clock.systemUTC());
            partitions.run();
        }
        return new Storage(d, store, partitions);
    }

    /**
     * Step 2, when {@code redis-uri} is configured: one SharedRedis for every Redis part (the near cache, the
     * room bus, the move forwarder, the health check): one set of Lettuce threads, one data and one pub/sub
     * connection (per node on a cluster), whatever form the URI takes (redis://, rediss://, redis-sentinel://,
     * redis-cluster://h:p,h:p); on a cluster every channel is sharded (SSUBSCRIBE/SPUBLISH). Closed after
     * every part that uses it.
     */
    private void openRedis(Metrics m, String instanceId) {
        String redisUri = config.redisUri();
        if (redisUri == null) {
            return;
        }
        SharedRedis shared = closer.register(SharedRedis.create(redisUri));
        redis = shared;
        // rooms' broadcasts on hal9-ws's bus; the forwarder carries only moves for games hosted elsewhere
        roomBus = closer.register(RedisRoomBusMetrics.monitor(
                m.registry(),
                RedisRoomBus.create(shared, config.redisPrefix() + "room:", RedisRoomBus.DEFAULT_MAX_IN_FLIGHT),
                name + "-rooms"));
        MoveForwarder f =
                closer.register(new MoveForwarder(name + "-moves", shared, config.redisPrefix(), name, instanceId));
        forwarder = f;
        m.bindForwarder(name + "-moves", f);
    }

    /** Step 3: the games-list cache: a near cache over Redis when there is one, else a local cache. */
    private Cache<String, byte[]> openListCache(MeterRegistry registry) {
        SharedRedis shared = redis;
        if (shared != null) {
            // The name is part of the Redis keyspace and of the invalidation channel: every instance
            // of a deployment must use the same one, so it is not derived from the instance name.
            return closer.register(NearCacheMetrics.monitor(
                    registry,
                    NearCache.<String, byte[]>builder("games-list", Codecs.bytes())
                            .redis(shared)
                            .keyPrefix(config.redisPrefix())
                            .defaultTtl(config.cacheTtl())
                            .l1Ttl(config.cacheTtl())
                            .build()));
        }
        return closer.register(LocalCacheMetrics.monitor(
                registry,
                LocalCache.<String, byte[]>builder(name + "-games-list")
                        .maximumSize(1_000)
                        .expireAfterWrite(config.cacheTtl())
                        .build()));
    }

    /**
     * Step 4: the batchers, closed after the task limiter and the round timers (registered later), so that
     * every move those let in is written; the actions first, then the game states, then the finished games.
     * Returns once the actions the journal held at start are in the database ({@link #awaitReplay}).
     */
    private Persistence openPersistence(Storage storage, MeterRegistry registry) {
        Database d = storage.db();
        GameStore store = storage.store();
        ActionBatcher<GameStore.FinalState> fin = closer.register(finalsBatcher(store, registry));
        finals = fin;
        ActionBatcher<GameStore.GameState> st = closer.register(ActionBatcherMetrics.monitor(
                registry,
                ActionBatcher.<GameStore.GameState>builder(name + "-game-states", store::writeStates)
                        .capacity(Math.max(config.maxLiveGames(), 2))
                        .maxBatchSize(
                                Math.min(ActionBatcher.DEFAULT_MAX_BATCH_SIZE, Math.max(config.maxLiveGames(), 2)))
                        .aggregateBy(GameStore.GameState::id, (older, newer) -> newer)
                        .retryOn(JdbcBatchSink.retryOn())
                        .closeTimeout(config.shutdownTimeout())
                        .deadLetterHandler((batch, cause) -> log.error(
                                "{}: {} game state updates could not be written and are dead-lettered: {}",
                                name,
                                batch.size(),
                                cause.toString()))));
        states = st;
        // On PostgreSQL the actions go in with COPY: it costs the database far less CPU per row than
        // even rewritten batched INSERTs, and the database shares the machine with the server.
        // The sink skips an action whose (game, player, round) is already stored: the journal's replay
        // may bring back actions the database committed just before a crash.
        BatchSink<GameStore.ActionRow> sink = d.embedded()
                ? JdbcBatchSink.builder(
                                name + "-actions",
                                d.router().writes(),
                                GameStore.INSERT_ACTION,
                                GameStore.ACTION_BINDER)
                        .build()
                : CopyBatchSink.builder(
                                name + "-actions",
                                d.router().writes(),
                                "actions",
                                GameStore.ACTION_COLUMNS,
                                GameStore.ACTION_COPY)
                        .skipDuplicatesOn(GameStore.ACTION_KEY)
                        .build();
        ActionBatcher.Builder<GameStore.ActionRow> actionsBuilder = ActionBatcher.builder(name + "-actions", sink);
        String journalDir = config.journalDir();
        // An in-memory database dies with the process: a journal only makes sense beside PostgreSQL.
        Path journalRoot = d.embedded() || journalDir == null ? null : Path.of(journalDir);
        if (journalRoot != null) {
            actionsBuilder.journal(
                    ActionJournal.builder(name + "-actions", journalRoot.resolve(name), GameStore.ACTION_CODEC)
                            .build());
        }
        ActionBatcher<GameStore.ActionRow> a = closer.register(ActionBatcherMetrics.monitor(
                registry,
                actionsBuilder
                        .capacity(config.maxPendingActions())
                        .maxBatchSize(Math.min(ActionBatcher.DEFAULT_MAX_BATCH_SIZE, config.maxPendingActions()))
                        .retryOn(JdbcBatchSink.retryOn())
                        .closeTimeout(config.shutdownTimeout())
                        .deadLetterHandler((batch, cause) -> log.error(
                                "{}: {} actions could not be written and are dead-lettered: {}",
                                name,
                                batch.size(),
                                cause.toString()))));
        actions = a;
        awaitReplay(a);
        return new Persistence(a, st, fin, sink, journalRoot);
    }

    /**
     * Step 5: the task limiter that runs moves, and the timer thread of rounds, waiting games' expiry and
     * partition maintenance; the timers stop before the limiter drains.
     */
    private ScheduledThreadPoolExecutor openScheduling(Storage storage, MeterRegistry registry) {
        limiter = closer.register(TaskLimiterMetrics.monitor(
                registry,
                TaskLimiter.builder(name + "-tasks")
                        .maxConcurrent(config.maxTasks())
                        .maxWaiting(config.maxWaitingTasks())));
        ScheduledThreadPoolExecutor sched = new ScheduledThreadPoolExecutor(
                1, Thread.ofPlatform().name(name + "-scheduler").daemon().factory());
        // a waiting game that starts cancels its expiry timer: drop the task now, not when it was due
        sched.setRemoveOnCancelPolicy(true);
        // round timers stop before the task limiter drains (shutdownNow: a pending round timer is not run)
        closer.register(
                () -> {
                    sched.shutdownNow();
                    awaitQuietly(sched, config.shutdownTimeout());
                },
                "stop the round timers");
        PartitionMaintainer pm = storage.partitions();
        if (pm != null) {
            long every = config.partitionInterval().toMillis();
            sched.scheduleAtFixedRate(
                    () -> {
                        try {
                            pm.run();
                        } catch (RuntimeException e) {
                            log.warn(
                                    "{}: partition maintenance failed; retried in {}",
                                    name,
                                    config.partitionInterval(),
                                    e);
                        }
                    },
                    every,
                    every,
                    TimeUnit.MILLISECONDS);
        }
        return sched;
    }

    /**
     * Step 6: the game service. It tells what happens to {@code events} (the hub the transports subscribe to)
     * and refuses moves while {@code lease} is not known current; closed by the step registered ahead of the
     * batchers.
     */
    private GameService openGames(
            Storage storage,
            Persistence persistence,
            ScheduledThreadPoolExecutor timers,
            Cache<String, byte[]> listCache,
            PlayerTokens tokens,
            GameEvents events,
            LeaseState lease,
            HealthProbe hp) {
        GameService g = new GameService(
                name,
                storage.store(),
                Ticker.system(),
                timers,
                persistence.actions(),
                persistence.states(),
                persistence.finals(),
                () -> hp.isUp("database"),
                Objects.requireNonNull(limiter),
                listCache,
                tokens,
                events,
                lease::valid,
                config.maxLiveGames(),
                config.waitingGameTtl());
        games = g;
        Metrics m = Objects.requireNonNull(metrics);
        m.bind(ActiveGames.of(g, GameService::liveGames));
        ObjectPoolMetrics.monitor(m.registry(), g.gamePool());
        return g;
    }

    /** Step 7: the WebSocket gateway (hal9-ws), on the room bus and the move forwarder when Redis is there. */
    private WsGateway openRealtime(String instanceId, GameService g, PlayerTokens tokens, Metrics m) {
        WsGateway gateway = closer.register(new WsGateway(
                name, instanceId, config, g, tokens, Objects.requireNonNull(limiter), roomBus, forwarder));
        ws = gateway;
        WsServerMetrics.monitor(m.registry(), gateway.server());
        m.bindResends(name, gateway);
        return gateway;
    }

    /**
     * Step 8: the lease first (PostgreSQL and H2 alike: one code path), so that no other instance takes this
     * one's games over while it recovers them; then the games this instance hosted before it stopped, rebuilt
     * before the WebSocket and HTTP servers take traffic, from the database, which holds every acknowledged
     * move: {@link #awaitReplay} wrote what the journal held before anything here could read it. The
     * advertised URL is set once the port is known ({@link #open}).
     */
    private Ownership openOwnership(Storage storage, Persistence persistence, GameService g, LeaseState lease) {
        Ownership own = closer.register(new Ownership(
                name,
                config.advertiseUrl() == null ? "http://unknown" : config.advertiseUrl(),
                storage.store(),
                g,
                lease,
                config.lease(),
                config.leaseRenewInterval(),
                persistence.journalRoot(),
                storage.db().embedded() ? null : persistence.actionSink()));
        ownership = own;
        own.acquire();
        g.recover();
        return own;
    }

    /**
     * Step 9: the HTTP API and the browser pages: the play page and the API on the public port (with the
     * WebSocket endpoint), the console, metrics and health on the admin listener; or, with {@code
     * --http-engine jdk}, the previous layout: the API on the JDK's server and WebSocket on its own port.
     */
    private void openHttp(
            GameService g,
            PlayerTokens tokens,
            HealthProbe hp,
            Metrics m,
            HttpForwarder forwardHttp,
            WsGateway gateway,
            GameStore store) {
        CreateRateLimiter creates = CreateRateLimiter.of(config);
        HttpApi api = new HttpApi(
                name,
                g,
                tokens,
                config.roundTimeout(),
                hp,
                m,
                HttpApi.Routes.PUBLIC,
                creates,
                forwardHttp,
                WebAssets.play(),
                null);
        HttpApi admin = new HttpApi(
                name,
                g,
                tokens,
                config.roundTimeout(),
                hp,
                m,
                HttpApi.Routes.ADMIN,
                creates,
                null,
                WebAssets.console(),
                new Console(name, g, gateway, m.registry(), store, hp, loopback(config.adminHost())));
        boolean jdk = config.httpEngine().equals("jdk");
        HttpPort netty = HttpPort.start(name, config, jdk ? null : gateway.server(), api, admin, drainTimeout());
        port = netty;
        TaskLimiterMetrics.monitor(m.registry(), netty.limiter());
        if (!jdk) {
            return;
        }
        // the previous layout, kept for one release: WebSocket on its own port, the API on the JDK's server
        gateway.start();
        ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
        closer.register(
                () -> {
                    exec.shutdown();
                    awaitQuietly(exec, config.shutdownTimeout());
                },
                "drain the HTTP executor");
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 1024);
            server.setExecutor(exec);
            server.createContext("/", new JdkHttp(api, config.http().maxBody()));
            server.start();
            http = server;
            // stops accepting at once, then waits (at most the delay) for exchanges in flight
            closer.register(
                    () -> server.stop(
                            (int) Math.max(1, Math.min(config.shutdownTimeout().toSeconds(), 5))),
                    "stop the JDK HTTP server");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    name + ": cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
    }

    /** Closes the game service, if it was built (a step of {@link #closer}). */
    private void closeGames() {
        GameService g = games;
        if (g != null) {
            g.close();
        }
    }

    /** Gives the ownership lease up, if it was taken (a step of {@link #closer}). */
    private void releaseLease() {
        Ownership own = ownership;
        if (own != null) {
            own.release();
        }
    }

    /** The counts of the HTTP port's task limiter (requests handed to a thread), or null before it started. */
    TaskLimiter.@Nullable Stats httpTaskStats() {
        HttpPort p = port;
        return p == null ? null : p.limiter().stats();
    }

    /** Stops the public and admin ports' event loops, if they were started (a step of {@link #closer}). */
    private void closePort() {
        HttpPort p = port;
        if (p != null) {
            p.close();
        }
    }

    /** How long shutdown waits for HTTP requests in flight: the shutdown timeout, within [1 s, 5 s]. */
    private Duration drainTimeout() {
        return Duration.ofSeconds(Math.max(1, Math.min(config.shutdownTimeout().toSeconds(), 5)));
    }

    /**
     * Waits until the actions the journal held at start are in the database: games are rebuilt from
     * it, and nothing new should be taken before what was acknowledged earlier. Waits as long as the
     * database needs (the batcher retries a transient failure for as long as it lasts).
     */
    private void awaitReplay(ActionBatcher<GameStore.ActionRow> batcher) {
        ActionJournal<GameStore.ActionRow> j = batcher.journal();
        if (j == null) {
            log.info(
                    "{}: no action journal: a move is acknowledged once queued in memory, and a crash loses the queue",
                    name);
            return;
        }
        // the journal logs what it found at open, the batcher what it replayed and how long it took
        try {
            batcher.replayed().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted while replaying the action journal", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    name + ": the action journal's replay failed: " + e.getCause(), e.getCause());
        }
        log.info("{}: action journal at {}: a move is acknowledged once synced there", name, j.directory());
    }

    /**
     * Starts the probe behind {@code /health/ready}: the database (through its own small pool, see {@link
     * Database#healthCheck()}) and, when configured, Redis ({@link RedisHealthCheck}), every second on a thread
     * of its own.
     */
    private HealthProbe healthProbe(Database d, Metrics m) {
        Map<String, HealthProbe.Check> checks = new LinkedHashMap<>();
        checks.put("database", d.healthCheck());
        SharedRedis r = redis;
        if (r != null) {
            checks.put("redis", () -> RedisHealthCheck.ping(r));
        }
        HealthProbe hp = new HealthProbe(
                name,
                checks,
                HealthProbe.DEFAULT_INTERVAL,
                HealthProbe.DEFAULT_TIMEOUT,
                Clock.systemUTC(),
                Ticker.system(),
                Thread.ofVirtual().name(name + "-health-check")::start);
        probe = hp;
        m.bindHealth(name, hp);
        hp.start();
        return hp;
    }

    /**
     * The batcher of finished games' final rows ({@link GameStore#writeFinals}): the move that ends a game
     * only queues them, so it answers as fast as any other move, and they are written when the database
     * answers. A batcher of its own rather than the game-states one: its entries carry the players'
     * scores (two statements, so not a {@link JdbcBatchSink}), its capacity is one per live game (a game
     * stays in memory until its final write is done, so the queue can never be fuller than the games
     * in memory), and it must keep retrying through an outage.
     */
    private ActionBatcher<GameStore.FinalState> finalsBatcher(GameStore store, MeterRegistry registry) {
        int capacity = Math.max(config.maxLiveGames(), 2);
        return ActionBatcherMetrics.monitor(
                registry,
                ActionBatcher.<GameStore.FinalState>builder(name + "-game-finals", store::writeFinals)
                        .capacity(capacity)
                        .maxBatchSize(Math.min(ActionBatcher.DEFAULT_MAX_BATCH_SIZE, capacity))
                        .retryOn(JdbcBatchSink.retryOn())
                        // retries a transient failure for as long as it lasts (ActionBatcher's default)
                        .backoff(Duration.ofMillis(50), Duration.ofSeconds(2))
                        .closeTimeout(config.shutdownTimeout())
                        .deadLetterHandler((batch, cause) -> {
                            List<Long> ids = new ArrayList<>();
                            for (GameStore.FinalState f : batch) {
                                ids.add(f.id());
                            }
                            log.error(
                                    "{}: the final state of {} finished games could not be written and is dead-lettered"
                                            + " (their rows stay at their last written round): games {}: {}",
                                    name,
                                    batch.size(),
                                    ids,
                                    cause.toString());
                        }));
    }

    /**
     * The port the HTTP server listens on (useful with port 0).
     *
     * @return the bound port
     */
    public int port() {
        HttpServer s = http;
        if (s != null) {
            return s.getAddress().getPort();
        }
        HttpPort p = port;
        if (p == null) {
            throw new IllegalStateException(name + ": not started");
        }
        return p.port();
    }

    /**
     * The admin listener's base URL ({@code GET /metrics}, the health routes), e.g. {@code
     * http://127.0.0.1:9080}.
     *
     * @return the URL without a trailing slash
     */
    public String adminUrl() {
        HttpPort p = port;
        if (p == null) {
            throw new IllegalStateException(name + ": not started");
        }
        String host = config.adminHost().equals("0.0.0.0") ? "127.0.0.1" : config.adminHost();
        return "http://" + host + ":" + p.adminPort();
    }

    /**
     * The base URL, e.g. {@code http://127.0.0.1:8080}.
     *
     * @return the URL without a trailing slash
     */
    public String baseUrl() {
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return "http://" + host + ":" + port();
    }

    /**
     * The WebSocket URL without a token, e.g. {@code ws://127.0.0.1:8080/ws} (the public port; {@code
     * ws-port} with {@code --http-engine jdk}).
     *
     * @return the URL; append {@code ?token=...}
     */
    public String wsUrl() {
        WsGateway g = ws;
        if (g == null) {
            throw new IllegalStateException(name + ": not started");
        }
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return "ws://" + host + ":" + (http != null ? g.port() : port()) + "/ws";
    }

    /**
     * The URLs worth printing at start.
     *
     * @return one line per URL
     */
    public List<String> urls() {
        String b = baseUrl();
        return List.of(
                b + "/ (play page)",
                b + "/api/games",
                wsUrl(),
                b + "/health/ready",
                adminUrl() + "/metrics",
                adminUrl() + "/console (console)");
    }

    /**
     * Whether the embedded database is in use.
     *
     * @return true without {@code db-url}
     */
    public boolean embeddedDatabase() {
        Database d = db;
        return d != null && d.embedded();
    }

    /**
     * A snapshot of what the server's parts counted (also exported at {@code GET /metrics}).
     *
     * @param liveGames waiting or running games hosted here
     * @param roundTimeouts rounds resolved by their timeout since start
     * @param actions the action batcher's counters (accepted, written, batches, refusals...)
     * @param tasks the task limiter's counters
     * @param ws the WebSocket server's counters
     * @param relayLost room broadcasts and forwarded moves Redis did not take (dropped or failed; 0 without
     *     Redis)
     */
    public record Stats(
            int liveGames,
            long roundTimeouts,
            ActionBatcher.Stats actions,
            TaskLimiter.Stats tasks,
            WsServer.Stats ws,
            long relayLost) {}

    /**
     * The server's counters now.
     *
     * @return a snapshot
     * @throws IllegalStateException before the server has started
     */
    public Stats stats() {
        GameService g = games;
        ActionBatcher<GameStore.ActionRow> a = actions;
        TaskLimiter l = limiter;
        WsGateway w = ws;
        if (g == null || a == null || l == null || w == null) {
            throw new IllegalStateException(name + ": not started");
        }
        MoveForwarder f = forwarder;
        RedisRoomBus rb = roomBus;
        long lost = (f == null ? 0 : f.lost()) + (rb == null ? 0 : rb.dropped() + rb.failed());
        return new Stats(g.liveGames(), g.timeouts(), a.stats(), l.stats(), w.stats(), lost);
    }

    /** The game service, for tests in this package that drive it without HTTP. */
    GameService gameService() {
        GameService g = games;
        if (g == null) {
            throw new IllegalStateException(name + ": not started");
        }
        return g;
    }

    /**
     * Actions accepted but not yet written.
     *
     * @return the batcher's pending count, 0 once closed
     */
    public int pendingActions() {
        ActionBatcher<GameStore.ActionRow> a = actions;
        return a == null ? 0 : a.pending();
    }

    /**
     * Games whose newest state waits for room in the full game-states batcher (the database slow or away).
     *
     * @return how many games have a deferred state, 0 once closed
     */
    int deferredGameStates() {
        GameService g = games;
        return g == null ? 0 : g.deferredStateCount();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("{}: shutting down", name);
        // First the intake, whose parts are built late (they use what is built before them) but must stop first:
        // no more ownership ticks or takeovers, /health/ready answers 503 (a load balancer stops sending new
        // games), no new connections, the HTTP requests in flight answered (at most the drain timeout), and the
        // WebSocket sessions closed with 1001 after their queued messages. Each is also registered with the
        // closer (for a start that failed half-way), where closing it again does nothing.
        Ownership own = ownership;
        if (own != null) {
            own.close();
        }
        HealthProbe hp = probe;
        if (hp != null) {
            hp.close();
        }
        HttpPort p = port;
        if (p != null) {
            p.stopAccepting();
            p.drain();
        }
        WsGateway gateway = ws;
        if (gateway != null) {
            gateway.close();
        }
        // Then everything else in the reverse order open() built it: the listeners' event loops, the round
        // timers and the task limiter (in-flight moves reach the batchers), the batchers (every accepted move is
        // written), the game service, the lease, caches, Redis and the database, and the metrics last (a scrape
        // racing close() reads closed parts' last figures). Every part is closed even when another fails.
        try {
            closer.close();
        } catch (CloseFailedException e) {
            log.warn("{}: {}", name, e.getMessage(), e);
        }
        log.info("{}: stopped", name);
    }

    /** Whether {@code host} (an address or name to bind) is a loopback address. */
    private static boolean loopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static void awaitQuietly(ExecutorService exec, Duration timeout) {
        try {
            exec.awaitTermination(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
