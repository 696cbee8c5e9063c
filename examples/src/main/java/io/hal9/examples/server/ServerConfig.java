package io.hal9.examples.server;

import java.io.IOException;
import java.io.Reader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The reference server's configuration, read from (highest precedence first) command-line flags,
 * environment variables, a properties file named by {@code --config FILE} (or {@code HAL9_CONFIG}),
 * and the defaults. Every option has all three spellings: flag {@code --db-url}, environment
 * variable {@code HAL9_DB_URL}, property {@code db.url}. {@link #help()} lists them with defaults.
 *
 * <p>With no {@code db-url} the server runs on an embedded H2 database; with no {@code redis-uri}
 * it uses local caches only.
 *
 * <p>Limits: every number and duration is checked at {@link #parse}; a bad value throws
 * {@link ConfigException} naming the option, never clamps.
 *
 * <p>Thread safety: immutable.
 *
 * @param instanceName this instance's name: what {@link Main} passes to {@link GameServer#start} (logs,
 *     metrics, and the {@code host} of its games, which it recovers when it starts again under that name)
 * @param host address to bind
 * @param port HTTP port, 0 for any free port
 * @param wsPort WebSocket port, 0 for any free port
 * @param wsMaxConnections most WebSocket connections at once
 * @param wsCodec the WebSocket frame encoding: {@code json} (text frames) or {@code msgpack} (binary)
 * @param wsThreads WebSocket event-loop threads, 0 for one per processor
 * @param dbUrl JDBC URL of the PostgreSQL primary, or null for the embedded database
 * @param dbReadUrls JDBC URLs of read replicas (may be empty)
 * @param dbUser database user, or null to take it from the URL
 * @param dbPassword database password, or null to take it from the URL
 * @param dbMaxConnections connections per database pool
 * @param redisUri Redis URI, or null for local caches only
 * @param redisPrefix prefix of every Redis key and channel of this deployment
 * @param tokenSecret HMAC secret of player tokens, or null to use the one stored in the database
 *     (generated and stored at the first start)
 * @param tokenTtl how long a player token is valid
 * @param roundTimeout default round timeout of new games
 * @param cacheTtl how long a games-list page is cached
 * @param partitionsAhead quarters of {@code games} partitions created ahead of the current one
 * @param partitionInterval how often partitions are checked and created
 * @param maxLiveGames most games kept in memory (waiting or running) at once
 * @param waitingGameTtl how long a game may wait for players before it expires
 * @param maxPendingActions capacity of the action batcher
 * @param maxTasks tasks (moves, round timeouts, welcomes) running at once on the task limiter
 * @param maxWaitingTasks tasks waiting for a place; beyond it a move is answered {@code overloaded}
 * @param shutdownTimeout how long shutdown waits for in-flight work and the final flush
 * @param journalDir where the action journal lives (a folder per instance name under it), or null
 *     when it is off; only used on PostgreSQL
 * @param wsMaxConnectionsPerAddress most WebSocket connections from one client address at once (at most
 *     {@code wsMaxConnections}); unset, hal9-ws's default of 256, or {@code wsMaxConnections} when lower
 * @param createRate games one client address may create per second (the token bucket's refill), 0 for
 *     no limit
 * @param createBurst games one client address may create at once (the token bucket's size)
 * @param createRateAddresses most client addresses whose buckets are remembered at once
 * @param httpEngine {@code netty} (the HTTP API and the WebSocket endpoint on one hardened port, {@code
 *     port}) or {@code jdk} (the previous layout, kept for one release: the JDK's {@code HttpServer} on
 *     {@code port} and the WebSocket server on {@code wsPort})
 * @param adminHost address of the admin listener ({@code /metrics} and the health routes)
 * @param adminPort port of the admin listener, 0 for any free port
 * @param http the limits and timeouts of HTTP on the public port (netty engine) and the admin port
 * @param lease how long an instance owns its games after its last renewal (PostgreSQL only); when it lapses
 *     another instance takes them over
 * @param leaseRenewInterval how often an instance renews its lease, checks that it still owns its games and
 *     looks for games whose owner's lease lapsed (at most half of {@code lease})
 * @param advertiseUrl the base URL other instances forward HTTP requests for this instance's games to, or
 *     null for the public URL ({@link GameServer#baseUrl()})
 * @param dbSchema the PostgreSQL schema that holds the server's tables and Flyway's history (created if
 *     missing): {@code db-schema}, else the {@code currentSchema} of {@code db-url}, else {@value
 *     #DEFAULT_DB_SCHEMA}; a schema of its own, so that a database whose {@code public} schema holds other
 *     tables can host the server. Unused on the embedded database
 */
public record ServerConfig(
        String instanceName,
        String host,
        int port,
        int wsPort,
        int wsMaxConnections,
        String wsCodec,
        int wsThreads,
        @Nullable String dbUrl,
        List<String> dbReadUrls,
        @Nullable String dbUser,
        @Nullable String dbPassword,
        int dbMaxConnections,
        @Nullable String redisUri,
        String redisPrefix,
        @Nullable String tokenSecret,
        Duration tokenTtl,
        Duration roundTimeout,
        Duration cacheTtl,
        int partitionsAhead,
        Duration partitionInterval,
        int maxLiveGames,
        Duration waitingGameTtl,
        int maxPendingActions,
        int maxTasks,
        int maxWaitingTasks,
        Duration shutdownTimeout,
        @Nullable String journalDir,
        int wsMaxConnectionsPerAddress,
        int createRate,
        int createBurst,
        int createRateAddresses,
        String httpEngine,
        String adminHost,
        int adminPort,
        HttpLimits http,
        Duration lease,
        Duration leaseRenewInterval,
        @Nullable String advertiseUrl,
        String dbSchema) {

    /** The schema of the server's tables when neither {@code db-schema} nor {@code db-url} names one. */
    public static final String DEFAULT_DB_SCHEMA = "hal9";

    /** A schema name that needs no quoting: PostgreSQL folds unquoted names to lower case. */
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /**
     * The limits and timeouts of one HTTP connection (see examples/README.md, "HTTP limits"): what happens at
     * each is in {@code HttpConnection}.
     *
     * <p>Thread safety: immutable.
     *
     * @param headerTimeout time from the first byte of a request (or from the accept) to its complete head;
     *     then the connection is closed without an answer
     * @param bodyTimeout time from a request's head to the end of its body; then 408 and close
     * @param idleTimeout time a keep-alive connection may wait for its next request (or a response may wait to
     *     be taken by the client); then the connection is closed
     * @param maxHeaders most header lines in a request; more: 431
     * @param maxHeaderSize most bytes of a request's header block; more: 431
     * @param maxUrlLength most characters of a request's URL; more: 414
     * @param maxBody most bytes of a request's body; more: 413
     */
    public record HttpLimits(
            Duration headerTimeout,
            Duration bodyTimeout,
            Duration idleTimeout,
            int maxHeaders,
            int maxHeaderSize,
            int maxUrlLength,
            int maxBody) {
        /** Checks ranges. */
        public HttpLimits {
            duration("http-header-timeout", headerTimeout, Duration.ofMillis(100), Duration.ofMinutes(10));
            duration("http-body-timeout", bodyTimeout, Duration.ofMillis(100), Duration.ofMinutes(10));
            duration("http-idle-timeout", idleTimeout, Duration.ofMillis(100), Duration.ofHours(1));
            range("http-max-headers", maxHeaders, 8, 1_000);
            range("http-max-header-size", maxHeaderSize, 1_024, 262_144);
            range("http-max-url-length", maxUrlLength, 256, 65_000);
            range("http-max-body", maxBody, 1_024, 16 * 1024 * 1024);
        }
    }

    /** hal9-ws's default of connections per address, the default of {@code ws-max-connections-per-address}. */
    static final int DEFAULT_WS_MAX_CONNECTIONS_PER_ADDRESS = 256;

    /** What an instance name may hold: it names pools, threads, metrics and the host of games. */
    private static final Pattern INSTANCE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Copies the list and checks ranges. */
    public ServerConfig {
        Objects.requireNonNull(instanceName, "instanceName");
        if (!INSTANCE_NAME.matcher(instanceName).matches()) {
            throw new ConfigException("server: instance-name must be 1 to 64 letters, digits, '.', '_' or '-', was '"
                    + instanceName + "'");
        }
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(redisPrefix, "redisPrefix");
        if (redisPrefix.length() > 128) {
            throw new ConfigException(
                    "server: redis-prefix must be at most 128 characters, was " + redisPrefix.length());
        }
        dbReadUrls = List.copyOf(dbReadUrls);
        range("port", port, 0, 65_535);
        range("ws-port", wsPort, 0, 65_535);
        range("ws-max-connections", wsMaxConnections, 1, 1_000_000);
        range("ws-threads", wsThreads, 0, 1_024);
        if (wsMaxConnectionsPerAddress < 1 || wsMaxConnectionsPerAddress > wsMaxConnections) {
            throw new ConfigException("server: ws-max-connections-per-address must be in [1, " + wsMaxConnections
                    + "] (at most ws-max-connections), was " + wsMaxConnectionsPerAddress);
        }
        range("create-rate", createRate, 0, 1_000_000);
        range("create-burst", createBurst, 1, 1_000_000);
        range("create-rate-addresses", createRateAddresses, 1, 10_000_000);
        if (!wsCodec.equals("json") && !wsCodec.equals("msgpack")) {
            throw new ConfigException("server: ws-codec must be json or msgpack, was '" + wsCodec + "'");
        }
        Objects.requireNonNull(httpEngine, "httpEngine");
        Objects.requireNonNull(adminHost, "adminHost");
        Objects.requireNonNull(http, "http");
        if (!httpEngine.equals("netty") && !httpEngine.equals("jdk")) {
            throw new ConfigException("server: http-engine must be netty or jdk, was '" + httpEngine + "'");
        }
        range("admin-port", adminPort, 0, 65_535);
        if (httpEngine.equals("jdk") && port != 0 && port == wsPort) {
            throw new ConfigException("server: ws-port must differ from port (" + port + "), was " + wsPort);
        }
        if (adminPort != 0 && (adminPort == port || httpEngine.equals("jdk") && adminPort == wsPort)) {
            throw new ConfigException("server: admin-port must differ from port (" + port + ")"
                    + (httpEngine.equals("jdk") ? " and ws-port (" + wsPort + ")" : "") + ", was " + adminPort);
        }
        range("db-max-connections", dbMaxConnections, 1, 1_000);
        range("partitions-ahead", partitionsAhead, 0, 40);
        range("max-live-games", maxLiveGames, 1, 10_000_000);
        range("max-pending-actions", maxPendingActions, 2, 1 << 24);
        range("max-tasks", maxTasks, 1, 100_000);
        range("max-waiting-tasks", maxWaitingTasks, 0, 1_000_000);
        duration("token-ttl", tokenTtl, Duration.ofSeconds(1), Duration.ofDays(30));
        duration("round-timeout", roundTimeout, Duration.ofMillis(10), Duration.ofHours(1));
        duration("cache-ttl", cacheTtl, Duration.ofMillis(1), Duration.ofHours(1));
        duration("partition-interval", partitionInterval, Duration.ofSeconds(1), Duration.ofDays(7));
        duration("shutdown-timeout", shutdownTimeout, Duration.ZERO, Duration.ofMinutes(10));
        duration("waiting-game-ttl", waitingGameTtl, Duration.ofSeconds(1), Duration.ofDays(7));
        if (dbUrl != null && !dbUrl.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("server: db-url must be a jdbc:postgresql: URL (leave it unset for the"
                    + " embedded database), was '" + dbUrl + "'");
        }
        for (String r : dbReadUrls) {
            if (!r.startsWith("jdbc:postgresql:")) {
                throw new ConfigException("server: db-read-urls must be jdbc:postgresql: URLs, was '" + r + "'");
            }
        }
        if (!dbReadUrls.isEmpty() && dbUrl == null) {
            throw new ConfigException("server: db-read-urls needs db-url (replicas of which primary?)");
        }
        Objects.requireNonNull(dbSchema, "dbSchema");
        if (!SCHEMA.matcher(dbSchema).matches()) {
            throw new ConfigException("server: db-schema (or the currentSchema of db-url) must be 1 to 63 lowercase"
                    + " letters, digits or '_', not starting with a digit, was '" + dbSchema + "'");
        }
        if (dbUrl != null) {
            sameSchema("db-url", dbUrl, dbSchema);
        }
        for (String r : dbReadUrls) {
            sameSchema("db-read-urls", r, dbSchema);
        }
        duration("lease", lease, Duration.ofMillis(200), Duration.ofMinutes(10));
        Objects.requireNonNull(leaseRenewInterval, "leaseRenewInterval");
        if (leaseRenewInterval.compareTo(Duration.ofMillis(50)) < 0
                || leaseRenewInterval.multipliedBy(2).compareTo(lease) > 0) {
            throw new ConfigException("server: lease-renew-interval must be in [PT0.05S, lease / 2 = "
                    + lease.dividedBy(2) + "] (a lease must survive a missed renewal), was " + leaseRenewInterval);
        }
        if (advertiseUrl != null && !(advertiseUrl.startsWith("http://") || advertiseUrl.startsWith("https://"))) {
            throw new ConfigException(
                    "server: advertise-url must be an http:// or https:// URL, was '" + advertiseUrl + "'");
        }
        if (tokenSecret != null && tokenSecret.length() < 16) {
            throw new ConfigException(
                    "server: token-secret must be at least 16 characters, was " + tokenSecret.length());
        }
    }

    /** One option: its name, default and meaning. */
    private record Option(String name, @Nullable String defaultValue, String help) {
        String env() {
            return "HAL9_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
        }

        String property() {
            return name.replace('-', '.');
        }
    }

    private static final List<Option> OPTIONS = List.of(
            new Option(
                    "instance-name",
                    "game",
                    "this instance's name (logs, metrics, host of its games). Keep it across restarts: a"
                            + " restarted instance recovers the games of its name. Instances sharing a database"
                            + " MUST each have their own"),
            new Option("host", "127.0.0.1", "address to bind (0.0.0.0 for every interface)"),
            new Option("port", "8080", "the public port: HTTP API and WebSocket (/ws); 0 picks a free one"),
            new Option(
                    "ws-port",
                    "8081",
                    "WebSocket port with --http-engine jdk only (the netty engine serves /ws on port)"),
            new Option(
                    "ws-max-connections",
                    "10000",
                    "most connections at once on the public port (HTTP and WebSocket alike)"),
            new Option(
                    "ws-max-connections-per-address",
                    null,
                    "most WebSocket connections from one client address at once (1 to ws-max-connections);"
                            + " unset: 256, or ws-max-connections when lower. A connection beyond it is refused"
                            + " with 503 at the handshake"),
            new Option("ws-codec", "json", "WebSocket frames: json (text) or msgpack (binary MessagePack)"),
            new Option("ws-threads", "0", "WebSocket event-loop threads; 0: one per processor"),
            new Option("db-url", null, "JDBC URL of the PostgreSQL primary; unset: embedded H2 in memory"),
            new Option("db-read-urls", null, "comma-separated JDBC URLs of PostgreSQL read replicas"),
            new Option("db-user", null, "database user (else from the URL)"),
            new Option("db-password", null, "database password (else from the URL)"),
            new Option("db-max-connections", "20", "connections per database pool"),
            new Option(
                    "db-schema",
                    null,
                    "PostgreSQL schema of the server's tables and migration history, created if missing;"
                            + " unset: the currentSchema of db-url, else " + DEFAULT_DB_SCHEMA),
            new Option(
                    "redis-uri",
                    null,
                    "Redis URI: redis://host:6379, rediss://..., redis-sentinel://host:26379/0#master or"
                            + " redis-cluster://host:7000,host:7001; unset: local caches only"),
            new Option("redis-prefix", "hal9:", "prefix of this deployment's Redis keys and channels"),
            new Option(
                    "token-secret",
                    null,
                    "HMAC secret of player tokens (>= 16 chars); unset: one generated at the first start and"
                            + " stored in the database (server_settings). Instances behind one load balancer MUST"
                            + " share it"),
            new Option("token-ttl", "PT2H", "how long a player token stays valid"),
            new Option("round-timeout", "PT10S", "default round timeout of new games"),
            new Option("cache-ttl", "PT1S", "how long a page of GET /api/games is cached"),
            new Option("partitions-ahead", "4", "quarters of games partitions created ahead of the current one"),
            new Option("partition-interval", "P1D", "how often the partition maintainer runs"),
            new Option("max-live-games", "100000", "most waiting or running games in memory"),
            new Option(
                    "waiting-game-ttl",
                    "PT10M",
                    "a game still waiting for players this long after its creation expires (1s to 7d)"),
            new Option("max-pending-actions", "100000", "actions accepted but not yet written"),
            new Option("max-tasks", "100", "tasks running at once on the task limiter"),
            new Option("max-waiting-tasks", "10000", "tasks waiting for the task limiter; then moves are refused"),
            new Option("shutdown-timeout", "PT30S", "how long shutdown waits for the final flush"),
            new Option(
                    "journal-dir",
                    "hal9-journal",
                    "on PostgreSQL, a move is acknowledged once it is synced to the action journal here"
                            + " (one folder per instance name); off: acknowledged once queued in memory"),
            new Option(
                    "create-rate",
                    "5",
                    "games one client address may create per second (token bucket refill); beyond it POST"
                            + " /api/games answers 429 rate_limited with Retry-After; 0: no limit"),
            new Option("create-burst", "20", "games one client address may create at once (token bucket size)"),
            new Option(
                    "create-rate-addresses",
                    "100000",
                    "client addresses whose create buckets are remembered at once; beyond it the least recently"
                            + " used are forgotten (they start again with a full bucket)"),
            new Option(
                    "http-engine",
                    "netty",
                    "netty: HTTP API and WebSocket on one hardened port; jdk: the previous JDK HttpServer on port"
                            + " and WebSocket on ws-port (deprecated, kept for one release)"),
            new Option("admin-host", "127.0.0.1", "address of the admin listener (GET /metrics, /health/*)"),
            new Option(
                    "admin-port",
                    null,
                    "admin listener's port; unset: port + 1000 (9080), or any free port when port is 0"),
            new Option(
                    "http-header-timeout",
                    "PT10S",
                    "time from a request's first byte (or the accept) to its complete head; then closed"),
            new Option("http-body-timeout", "PT10S", "time from a request's head to the end of its body; then 408"),
            new Option("http-idle-timeout", "PT60S", "how long a keep-alive connection waits for its next request"),
            new Option("http-max-headers", "64", "most header lines in a request; more: 431"),
            new Option("http-max-header-size", "8192", "most bytes in a request's header block; more: 431"),
            new Option("http-max-url-length", "4096", "most characters in a request's URL; more: 414"),
            new Option("http-max-body", "16384", "most bytes in a request body; more: 413"),
            new Option(
                    "lease",
                    "PT5S",
                    "how long an instance owns its games after its last lease renewal (PostgreSQL); when it"
                            + " lapses another instance takes them over"),
            new Option(
                    "lease-renew-interval",
                    "PT1S",
                    "how often the lease is renewed, ownership checked and lapsed owners' games taken over"
                            + " (at most lease / 2)"),
            new Option(
                    "advertise-url",
                    null,
                    "base URL other instances forward HTTP joins, moves and leaves of this instance's games"
                            + " to; unset: the public URL"));

    /**
     * The text of {@code --help}: every option with its flag, environment variable, property and
     * default.
     *
     * @return the help text
     */
    public static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("HAL9 reference game server\n\n")
                .append("Usage: Main [--config FILE] [--OPTION VALUE | --OPTION=VALUE]... [--help]\n\n")
                .append("Each option can also be given as an environment variable (HAL9_...) or as a\n")
                .append("property in the --config file (dotted name); flags win over the environment,\n")
                .append("the environment over the file. Durations are ISO-8601 (PT10S) or 10s, 500ms, 5m, 2h, 1d.\n\n");
        for (Option o : OPTIONS) {
            sb.append(String.format(
                    Locale.ROOT,
                    "  --%-20s %-26s %s (default: %s)%n",
                    o.name(),
                    o.env(),
                    o.help(),
                    o.defaultValue() == null ? "unset" : o.defaultValue()));
        }
        sb.append(String.format(
                Locale.ROOT, "  --%-20s %-26s %s%n", "config", "HAL9_CONFIG", "properties file of options"));
        return sb.toString();
    }

    /**
     * Whether the arguments ask for help.
     *
     * @param args the command line
     * @return true when {@code --help} or {@code -h} is among them
     */
    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the configuration.
     *
     * @param args command-line flags ({@code --name value} or {@code --name=value})
     * @param env the environment (usually {@code System.getenv()})
     * @return the checked configuration
     * @throws ConfigException naming the bad option
     */
    public static ServerConfig parse(String[] args, Map<String, String> env) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new ConfigException(
                        "server: unexpected argument '" + a + "' (options start with --; see --help)");
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                name = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new ConfigException("server: option --" + name + " needs a value");
                }
                value = args[++i];
            }
            if (!name.equals("config") && find(name) == null) {
                throw new ConfigException("server: unknown option --" + name + " (see --help)");
            }
            if (flags.put(name, value) != null) {
                throw new ConfigException("server: option --" + name + " given twice");
            }
        }
        Properties file = new Properties();
        String configFile = flags.getOrDefault("config", env.get("HAL9_CONFIG"));
        if (configFile != null) {
            try (Reader r = Files.newBufferedReader(Path.of(configFile), StandardCharsets.UTF_8)) {
                file.load(r);
            } catch (IOException e) {
                throw new ConfigException("server: cannot read --config file '" + configFile + "': " + e);
            }
            for (String key : file.stringPropertyNames()) {
                if (find(key.replace('.', '-')) == null) {
                    throw new ConfigException(
                            "server: unknown property '" + key + "' in config file '" + configFile + "'");
                }
            }
        }
        Map<String, @Nullable String> values = new LinkedHashMap<>();
        for (Option o : OPTIONS) {
            String v = flags.get(o.name());
            if (v == null) {
                v = env.get(o.env());
            }
            if (v == null) {
                v = file.getProperty(o.property());
            }
            if (v == null) {
                v = o.defaultValue();
            }
            values.put(o.name(), v == null || v.isBlank() ? null : v.trim());
        }
        return new ServerConfig(
                req(values, "instance-name"),
                req(values, "host"),
                integer(values, "port"),
                integer(values, "ws-port"),
                integer(values, "ws-max-connections"),
                req(values, "ws-codec"),
                integer(values, "ws-threads"),
                values.get("db-url"),
                list(values.get("db-read-urls")),
                values.get("db-user"),
                values.get("db-password"),
                integer(values, "db-max-connections"),
                values.get("redis-uri"),
                req(values, "redis-prefix"),
                values.get("token-secret"),
                duration(values, "token-ttl"),
                duration(values, "round-timeout"),
                duration(values, "cache-ttl"),
                integer(values, "partitions-ahead"),
                duration(values, "partition-interval"),
                integer(values, "max-live-games"),
                duration(values, "waiting-game-ttl"),
                integer(values, "max-pending-actions"),
                integer(values, "max-tasks"),
                integer(values, "max-waiting-tasks"),
                duration(values, "shutdown-timeout"),
                journalDir(values.get("journal-dir")),
                values.get("ws-max-connections-per-address") == null
                        ? Math.min(DEFAULT_WS_MAX_CONNECTIONS_PER_ADDRESS, integer(values, "ws-max-connections"))
                        : integer(values, "ws-max-connections-per-address"),
                integer(values, "create-rate"),
                integer(values, "create-burst"),
                integer(values, "create-rate-addresses"),
                req(values, "http-engine"),
                req(values, "admin-host"),
                adminPort(values),
                new HttpLimits(
                        duration(values, "http-header-timeout"),
                        duration(values, "http-body-timeout"),
                        duration(values, "http-idle-timeout"),
                        integer(values, "http-max-headers"),
                        integer(values, "http-max-header-size"),
                        integer(values, "http-max-url-length"),
                        integer(values, "http-max-body")),
                duration(values, "lease"),
                duration(values, "lease-renew-interval"),
                trimSlash(values.get("advertise-url")),
                schemaOf(values.get("db-schema"), values.get("db-url")));
    }

    /**
     * The schema of the server's tables: {@code given} (the {@code db-schema} option), else the {@code
     * currentSchema} that {@code dbUrl} sets, else {@value #DEFAULT_DB_SCHEMA}. For tools that read the server's
     * tables (the load generator), as {@link #parse} resolves it.
     *
     * @param given the db-schema option, or null
     * @param dbUrl the db-url option, or null
     * @return the schema name (not yet checked)
     */
    public static String schemaOf(@Nullable String given, @Nullable String dbUrl) {
        if (given != null) {
            return given;
        }
        String inUrl = dbUrl == null ? null : currentSchema(dbUrl);
        return inUrl != null ? inUrl : DEFAULT_DB_SCHEMA;
    }

    /** The {@code currentSchema} parameter of a JDBC URL (the last one, as the driver reads it), or null. */
    static @Nullable String currentSchema(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return null;
        }
        @Nullable String found = null;
        for (String pair : url.substring(q + 1).split("&")) {
            if (pair.startsWith("currentSchema=")) {
                found = URLDecoder.decode(pair.substring("currentSchema=".length()), StandardCharsets.UTF_8);
            }
        }
        return found == null || found.isBlank() ? null : found.trim();
    }

    /** A URL that names a schema must name the server's: the pools and the migrations must agree. */
    private static void sameSchema(String option, String url, String dbSchema) {
        String inUrl = currentSchema(url);
        if (inUrl != null && !inUrl.equals(dbSchema)) {
            throw new ConfigException("server: " + option + " sets currentSchema=" + inUrl + " but db-schema is '"
                    + dbSchema + "': drop one of them, or make them the same");
        }
    }

    private static @Nullable String trimSlash(@Nullable String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The admin port: as given, else port + 1000 (port - 1000 above 64535), else (port 0) any free port. */
    private static int adminPort(Map<String, @Nullable String> values) {
        if (values.get("admin-port") != null) {
            return integer(values, "admin-port");
        }
        int port = integer(values, "port");
        return port == 0 ? 0 : port + 1000 <= 65_535 ? port + 1000 : port - 1000;
    }

    /**
     * The configuration with every default and nothing set: embedded database, local caches.
     *
     * @return the defaults
     */
    public static ServerConfig defaults() {
        return parse(new String[0], Map.of());
    }

    /**
     * This configuration with another port (tests use 0); with port 0 the admin listener takes any free port
     * too.
     *
     * @param newPort the port
     * @return a copy
     */
    public ServerConfig withPort(int newPort) {
        return new ServerConfig(
                instanceName,
                host,
                newPort,
                wsPort,
                wsMaxConnections,
                wsCodec,
                wsThreads,
                dbUrl,
                dbReadUrls,
                dbUser,
                dbPassword,
                dbMaxConnections,
                redisUri,
                redisPrefix,
                tokenSecret,
                tokenTtl,
                roundTimeout,
                cacheTtl,
                partitionsAhead,
                partitionInterval,
                maxLiveGames,
                waitingGameTtl,
                maxPendingActions,
                maxTasks,
                maxWaitingTasks,
                shutdownTimeout,
                journalDir,
                wsMaxConnectionsPerAddress,
                createRate,
                createBurst,
                createRateAddresses,
                httpEngine,
                adminHost,
                newPort == 0 || adminPort == newPort ? 0 : adminPort,
                http,
                lease,
                leaseRenewInterval,
                advertiseUrl,
                dbSchema);
    }

    /** The journal folder, or null for "off" (and for the empty value). */
    private static @Nullable String journalDir(@Nullable String value) {
        return value == null || value.equalsIgnoreCase("off") ? null : value;
    }

    private static @Nullable Option find(String name) {
        for (Option o : OPTIONS) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        return null;
    }

    private static String req(Map<String, @Nullable String> values, String name) {
        String v = values.get(name);
        if (v == null) {
            throw new ConfigException("server: " + name + " must not be empty");
        }
        return v;
    }

    private static int integer(Map<String, @Nullable String> values, String name) {
        String v = req(values, name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException("server: " + name + " must be an integer, was '" + v + "'");
        }
    }

    private static List<String> list(@Nullable String v) {
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String s : v.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    static Duration duration(Map<String, @Nullable String> values, String name) {
        String v = req(values, name);
        try {
            return parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("server: " + name
                    + " must be a duration (ISO-8601 like PT10S, or 10s, 500ms, 5m, 2h, 1d), was '" + v + "'");
        }
    }

    static Duration parseDuration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new IllegalArgumentException(v);
            };
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException(v, e);
        }
    }

    private static void range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigException("server: " + name + " must be in [" + min + ", " + max + "], was " + value);
        }
    }

    private static void duration(String name, Duration value, Duration min, Duration max) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new ConfigException("server: " + name + " must be in [" + min + ", " + max + "], was " + value);
        }
    }

    @Override
    public String toString() {
        // Never print secrets or credentials in URLs.
        return "ServerConfig[instanceName=" + instanceName + ", host=" + host + ", port=" + port + ", httpEngine="
                + httpEngine + ", admin=" + adminHost + ":" + adminPort + ", db="
                + (dbUrl == null ? "embedded H2" : "postgresql, schema " + dbSchema)
                + ", replicas=" + dbReadUrls.size() + ", redis=" + (redisUri == null ? "none" : "configured")
                + ", tokenTtl=" + tokenTtl + ", roundTimeout=" + roundTimeout + ", cacheTtl=" + cacheTtl
                + ", waitingGameTtl=" + waitingGameTtl + ", lease=" + lease + "/" + leaseRenewInterval + "]";
    }
}
