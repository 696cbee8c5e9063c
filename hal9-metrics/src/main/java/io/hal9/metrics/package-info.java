/**
 * Micrometer meters for every HAL9 module, and the Prometheus series a game server dashboard needs.
 *
 * <p>What a host uses:
 *
 * <ul>
 *   <li>{@link io.hal9.metrics.HttpMetrics}: one call per answered HTTP request; gives {@code
 *       http_requests_total} and {@code http_request_duration_seconds} histogram.
 *   <li>{@link io.hal9.metrics.ActiveGames}: the {@code hal9_active_games} gauge.
 *   <li>{@link io.hal9.metrics.ProcessMemoryMetrics}: {@code process_resident_memory_bytes},
 *       from the operating system (Linux); {@link io.hal9.metrics.StandardMetrics} binds it together with
 *       Micrometer's JVM and process binders.
 *   <li>{@link io.hal9.metrics.PrometheusScrape}: the scrape endpoint, for any HTTP server, in one line on
 *       the JDK's {@code HttpServer}.
 *   <li>One {@link io.micrometer.core.instrument.binder.MeterBinder} per HAL9 component, in {@link
 *       io.hal9.metrics.core}, {@link io.hal9.metrics.pool}, {@link io.hal9.metrics.cache} and {@link
 *       io.hal9.metrics.ws}, each with a one-call {@code monitor(registry, component, tags)} in the style of
 *       Micrometer's {@code ExecutorServiceMetrics.monitor}. Binders read the component's {@code stats()} at
 *       scrape time (function counters and gauges, holding the component weakly); figures only a listener sees
 *       (durations, sizes) are recorded by a {@code Recorder} that is the component's listener: {@code
 *       monitor(registry, componentBuilder, tags)} builds the component with its recorder and binds both, so a
 *       recorder cannot be left half-wired.
 * </ul>
 *
 * <p>Conventions: names {@code hal9.<component>.<noun>}, dotted lowercase, base units (seconds, bytes);
 * the instance in tag {@code name} (a JDBC pool keeps HikariCP's own names and {@code pool} tag: see
 * {@link io.hal9.metrics.pool.JdbcPoolMetrics}); breakdowns in {@code result}, {@code outcome}, {@code level}, {@code
 * type}, {@code state}, {@code target}, {@code replica} tags with a fixed set of values. No player,
 * session, room or game id is ever a tag. Every meter of one name has the same tag keys (Prometheus
 * requires it), so user tags given to the binders must be the same keys for every instance.
 * No name ends in {@code .total}, {@code .created}, {@code .bucket} or {@code .info}: OpenMetrics
 * reserves those suffixes and the Prometheus client would strip them.
 *
 * <h2>Metric names</h2>
 *
 * <p>Micrometer name → Prometheus name(s), tags besides {@code name} and the user's, unit. Counters get
 * {@code _total}; timers become {@code _seconds} histograms ({@code _bucket}, {@code _count}, {@code
 * _sum}) or summaries ({@code _count}, {@code _sum}) plus {@code _seconds_max}; distribution summaries
 * likewise without the unit.
 *
 * <table>
 *   <caption>The game server series</caption>
 *   <tr><th>Micrometer</th><th>Prometheus</th><th>tags</th><th>unit</th></tr>
 *   <tr><td>http.requests</td><td>http_requests_total</td><td>method, uri, status (no name)</td><td>requests</td></tr>
 *   <tr><td>http.request.duration</td><td>http_request_duration_seconds_bucket/_count/_sum/_max</td>
 *       <td>method, uri, status, le</td><td>seconds</td></tr>
 *   <tr><td>hal9.active.games</td><td>hal9_active_games</td><td>(user's)</td><td>games</td></tr>
 *   <tr><td>process.resident.memory</td><td>process_resident_memory_bytes</td><td>(user's)</td><td>bytes</td></tr>
 *   <tr><td>process.virtual.memory</td><td>process_virtual_memory_bytes</td><td>(user's)</td><td>bytes</td></tr>
 * </table>
 *
 * <table>
 *   <caption>hal9-core</caption>
 *   <tr><th>Micrometer</th><th>Prometheus</th><th>tags</th><th>unit</th></tr>
 *   <tr><td>hal9.limiter.in.flight / .waiting / .max.concurrent</td>
 *       <td>hal9_limiter_in_flight, hal9_limiter_waiting, hal9_limiter_max_concurrent</td><td></td><td>tasks</td></tr>
 *   <tr><td>hal9.limiter.tasks</td><td>hal9_limiter_tasks_total</td>
 *       <td>result=completed|failed|cancelled|rejected</td><td>tasks</td></tr>
 *   <tr><td>hal9.limiter.task.duration (recorder)</td><td>hal9_limiter_task_duration_seconds_*</td>
 *       <td>outcome=success|failure|cancelled</td><td>seconds</td></tr>
 *   <tr><td>hal9.channel.size / .capacity / .waiting.senders</td>
 *       <td>hal9_channel_size, hal9_channel_capacity, hal9_channel_waiting_senders</td><td></td><td>messages, threads</td></tr>
 *   <tr><td>hal9.channel.sends</td><td>hal9_channel_sends_total</td><td>result=accepted|full|closed</td><td>messages</td></tr>
 *   <tr><td>hal9.channel.received</td><td>hal9_channel_received_total</td><td></td><td>messages</td></tr>
 *   <tr><td>hal9.batcher.pending / .capacity</td><td>hal9_batcher_pending, hal9_batcher_capacity</td><td></td><td>actions</td></tr>
 *   <tr><td>hal9.batcher.submissions</td><td>hal9_batcher_submissions_total</td><td>result=accepted|full|closed</td><td>actions</td></tr>
 *   <tr><td>hal9.batcher.batches, .actions.written, .actions.merged, .retries, .actions.dead.lettered</td>
 *       <td>hal9_batcher_batches_total, hal9_batcher_actions_written_total, hal9_batcher_actions_merged_total,
 *       hal9_batcher_retries_total, hal9_batcher_actions_dead_lettered_total</td><td></td><td>batches, actions, calls</td></tr>
 *   <tr><td>hal9.batcher.batch.size (recorder)</td><td>hal9_batcher_batch_size_bucket/_count/_sum/_max</td><td>le</td><td>actions</td></tr>
 *   <tr><td>hal9.batcher.flush.duration (recorder)</td><td>hal9_batcher_flush_duration_seconds_*</td><td>le</td><td>seconds</td></tr>
 *   <tr><td>hal9.batcher.action.age (recorder)</td><td>hal9_batcher_action_age_seconds_*</td><td>le</td><td>seconds</td></tr>
 *   <tr><td>hal9.coalescer.calls</td><td>hal9_coalescer_calls_total</td><td>result=computed|coalesced</td><td>calls</td></tr>
 *   <tr><td>hal9.coalescer.failures / .in.flight</td><td>hal9_coalescer_failures_total, hal9_coalescer_in_flight</td><td></td><td>computations, keys</td></tr>
 * </table>
 *
 * <table>
 *   <caption>hal9-pool</caption>
 *   <tr><th>Micrometer</th><th>Prometheus</th><th>tags</th><th>unit</th></tr>
 *   <tr><td>hal9.object.pool.claims</td><td>hal9_object_pool_claims_total</td><td>result=hit|miss</td><td>claims</td></tr>
 *   <tr><td>hal9.object.pool.releases / .discards / .reset.failures / .leaks</td>
 *       <td>hal9_object_pool_releases_total, ..._discards_total, ..._reset_failures_total, ..._leaks_total</td><td></td><td>objects</td></tr>
 *   <tr><td>hal9.object.pool.idle / .max.idle</td><td>hal9_object_pool_idle, hal9_object_pool_max_idle</td><td></td><td>objects</td></tr>
 *   <tr><td>hal9.connection.pool.active / .idle / .pending / .creating / .max</td>
 *       <td>hal9_connection_pool_active, ..._idle, ..._pending, ..._creating, ..._max</td><td></td><td>connections, callers</td></tr>
 *   <tr><td>hal9.connection.pool.acquired / .timeouts / .creations / .destroyed / .creation.failures</td>
 *       <td>hal9_connection_pool_acquired_total, ..._timeouts_total, ..._creations_total, ..._destroyed_total,
 *       ..._creation_failures_total</td><td></td><td>events</td></tr>
 *   <tr><td>hal9.connection.pool.acquire (recorder)</td><td>hal9_connection_pool_acquire_seconds_*</td><td>le</td><td>seconds</td></tr>
 *   <tr><td>hikaricp.connections, .active / .idle / .pending / .max / .min (HikariCP's own: a JDBC pool by
 *       default)</td><td>hikaricp_connections, hikaricp_connections_active, ..._idle, ..._pending, ..._max,
 *       ..._min</td><td>pool (not name)</td><td>connections, threads</td></tr>
 *   <tr><td>hikaricp.connections.acquire / .usage / .creation, hikaricp.connections.timeout</td>
 *       <td>hikaricp_connections_acquire_seconds_*, ..._usage_seconds_*, ..._creation_seconds_*,
 *       hikaricp_connections_timeout_total</td><td>pool</td><td>seconds, timeouts</td></tr>
 *   <tr><td>hal9.jdbc.pool.active / .idle / .open / .pending / .max (instead of HikariCP's, when it reports
 *       elsewhere or with hikariMetrics(false))</td>
 *       <td>hal9_jdbc_pool_active, ..._idle, ..._open, ..._pending, ..._max</td><td></td><td>connections, threads</td></tr>
 *   <tr><td>hal9.router.reads</td><td>hal9_router_reads_total</td><td>target=primary|replica</td><td>reads</td></tr>
 *   <tr><td>hal9.router.fallbacks / .writes</td><td>hal9_router_fallbacks_total, hal9_router_writes_total</td><td></td><td>calls</td></tr>
 *   <tr><td>hal9.router.transactions</td><td>hal9_router_transactions_total</td><td>result=commit|rollback</td><td>transactions</td></tr>
 *   <tr><td>hal9.router.replica.up</td><td>hal9_router_replica_up</td><td>replica</td><td>0/1</td></tr>
 *   <tr><td>hal9.router.replica.reads / .downs</td><td>hal9_router_replica_reads_total, hal9_router_replica_downs_total</td><td>replica</td><td>events</td></tr>
 *   <tr><td>hal9.router.replica.probes</td><td>hal9_router_replica_probes_total</td><td>replica, result=success|failure</td><td>probes</td></tr>
 * </table>
 *
 * <table>
 *   <caption>hal9-cache</caption>
 *   <tr><th>Micrometer</th><th>Prometheus</th><th>tags</th><th>unit</th></tr>
 *   <tr><td>hal9.cache.gets</td><td>hal9_cache_gets_total</td><td>kind=local|redis|near, level=l1|l2, result=hit|miss</td><td>lookups</td></tr>
 *   <tr><td>hal9.cache.puts / .invalidations / .evictions (local)</td>
 *       <td>hal9_cache_puts_total, hal9_cache_invalidations_total, hal9_cache_evictions_total</td><td>kind</td><td>entries</td></tr>
 *   <tr><td>hal9.cache.loads</td><td>hal9_cache_loads_total</td><td>kind, result=success|failure</td><td>loads</td></tr>
 *   <tr><td>hal9.cache.load.duration</td><td>hal9_cache_load_duration_seconds_count/_sum</td><td>kind</td><td>seconds</td></tr>
 *   <tr><td>hal9.cache.size (local, near)</td><td>hal9_cache_size</td><td>kind</td><td>entries</td></tr>
 *   <tr><td>hal9.redis.cache.errors</td><td>hal9_redis_cache_errors_total</td><td>type=error|timeout</td><td>commands</td></tr>
 *   <tr><td>hal9.redis.cache.corrupt.entries / .failed.writes / .breaker.skipped / .breaker.opened</td>
 *       <td>hal9_redis_cache_corrupt_entries_total, ..._failed_writes_total, ..._breaker_skipped_total,
 *       ..._breaker_opened_total</td><td></td><td>events</td></tr>
 *   <tr><td>hal9.redis.cache.breaker.state</td><td>hal9_redis_cache_breaker_state</td><td>state=closed|open|half_open</td><td>0/1</td></tr>
 *   <tr><td>hal9.near.cache.invalidation.messages</td><td>hal9_near_cache_invalidation_messages_total</td>
 *       <td>result=sent|publish_failed|received|missed</td><td>messages</td></tr>
 *   <tr><td>hal9.near.cache.resyncs / .pubsub.connected</td><td>hal9_near_cache_resyncs_total, hal9_near_cache_pubsub_connected</td><td></td><td>events, 0/1</td></tr>
 * </table>
 *
 * <table>
 *   <caption>hal9-ws</caption>
 *   <tr><th>Micrometer</th><th>Prometheus</th><th>tags</th><th>unit</th></tr>
 *   <tr><td>hal9.ws.connections / .connections.pending / .sessions.detached / .rooms</td>
 *       <td>hal9_ws_connections, hal9_ws_connections_pending, hal9_ws_sessions_detached, hal9_ws_rooms</td><td></td><td>connections, sessions, rooms</td></tr>
 *   <tr><td>hal9.ws.send.queue.messages / .send.queue.bytes</td>
 *       <td>hal9_ws_send_queue_messages, hal9_ws_send_queue_bytes</td><td></td><td>messages, bytes</td></tr>
 *   <tr><td>hal9.ws.connections.opened / .sessions.resumed</td>
 *       <td>hal9_ws_connections_opened_total, hal9_ws_sessions_resumed_total</td><td></td><td>connections, sessions</td></tr>
 *   <tr><td>hal9.ws.connections.closed</td><td>hal9_ws_connections_closed_total</td>
 *       <td>code=1000|1001|1002|1003|1006|1007|1008|1009|1011|1013|other</td><td>connections</td></tr>
 *   <tr><td>hal9.ws.messages</td><td>hal9_ws_messages_total</td><td>direction=in|out</td><td>messages</td></tr>
 *   <tr><td>hal9.ws.bytes</td><td>hal9_ws_bytes_total</td><td>direction=in|out</td><td>bytes</td></tr>
 *   <tr><td>hal9.ws.messages.dropped</td><td>hal9_ws_messages_dropped_total</td>
 *       <td>policy=drop_newest|drop_oldest|disconnect</td><td>messages</td></tr>
 *   <tr><td>hal9.ws.slow.consumer.disconnects / .handshake.rejections / .decode.errors / .rate.limited /
 *       .accept.errors / .handler.errors</td>
 *       <td>hal9_ws_slow_consumer_disconnects_total, ..._handshake_rejections_total, ..._decode_errors_total,
 *       ..._rate_limited_total, ..._accept_errors_total, ..._handler_errors_total</td><td></td><td>events</td></tr>
 *   <tr><td>hal9.ws.roombus.broadcasts (RedisRoomBusMetrics)</td><td>hal9_ws_roombus_broadcasts_total</td>
 *       <td>result=published|received|dropped|failed|missed</td><td>broadcasts</td></tr>
 *   <tr><td>hal9.ws.roombus.subscriptions.lost</td><td>hal9_ws_roombus_subscriptions_lost_total</td><td></td><td>subscriptions</td></tr>
 * </table>
 *
 * <p>Thread safety: see each type.
 */
@NullMarked
package io.hal9.metrics;

import org.jspecify.annotations.NullMarked;
