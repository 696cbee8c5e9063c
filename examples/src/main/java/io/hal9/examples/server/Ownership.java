package io.hal9.examples.server;

import io.hal9.core.ActionBatcher;
import io.hal9.core.ActionJournal;
import io.hal9.core.BatchSink;
import io.hal9.pool.jdbc.JdbcBatchSink;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's lease on its games, and the takeover of the games of instances whose lease lapsed
 * (examples/README.md, "Scale-out").
 *
 * <p>Every {@code renewInterval}, on a thread of its own: renews the lease (the {@code instances} row's
 * {@code lease_until} becomes the database's {@code now() + lease}), drops the games the database says
 * another instance claimed since ({@link GameService#dropLost}), and takes over up to {@link
 * #TAKEOVER_BATCH} games whose owner's lease lapsed ({@link GameService#takeOver}), first replaying the
 * lapsed owner's action journal when it can open it (same machine or shared volume, and the owner's
 * process gone: the journal's lock says so), so that the moves it acknowledged are in the database
 * before the game is rebuilt from it. While another instance replays that journal (it holds the takeover
 * lock beside it), the lapsed owner's games are left for a later tick rather than rebuilt without it. After
 * being cut off from the database for more than a lease (renewals that failed or waited; an outage the other
 * instances most likely suffered too), an instance takes nothing over for two leases once it renews again, so
 * that live owners have the time to renew theirs.
 *
 * <p>{@link #valid()} is false once {@code lease} has passed since the start of the last tick that renewed
 * the lease and checked ownership (ticks that failed, or a process paused beyond its lease), unless no
 * other instance held a current lease at that tick (nobody could take the games over: a lone instance
 * plays on through a database outage as it always did): moves are then refused ({@code 503 lease_lapsed})
 * and rounds do not time out until a tick succeeds, so an owner that may have lost its games does not
 * acknowledge moves for them. The database's fencing (the epoch on every game write) is what makes a lost
 * game's late writes harmless; this only keeps the window short.
 *
 * <p>Limits: takes over at most {@link #TAKEOVER_BATCH} games per tick, and none when this instance has no
 * free slot under {@code max-live-games} (another instance may have room). A failed tick is logged once
 * until one succeeds again.
 *
 * <p>Thread safety: {@link #valid()} may be called from any thread; the rest runs on the ticker's thread.
 */
final class Ownership implements AutoCloseable {
    /*
     * Design / Concurrency / Invariants: what this instance knows of its lease (when it was last confirmed,
     * whether it is alone) is the LeaseState it shares with the game service, written by the tick thread
     * only; see LeaseState for why valid() turns false no later than the other instances see the lease lapse.
     */
    private static final Logger log = LoggerFactory.getLogger(Ownership.class);

    /** Most games one tick takes over. */
    static final int TAKEOVER_BATCH = 200;

    /**
     * The file beside a lapsed owner's journal folder ({@code <journal-dir>/<owner><suffix>}) whose lock an
     * instance holds while it replays that journal before a takeover; instances that find it held leave the
     * owner's games for a later tick.
     */
    static final String TAKEOVER_LOCK_SUFFIX = ".takeover-lock";

    private final String name;
    private volatile String url;
    private final GameStore store;
    private final GameService games;
    private final Duration lease;
    private final Duration renewInterval;
    private final @Nullable Path journalRoot;
    private final @Nullable BatchSink<GameStore.ActionRow> actionSink;
    private final ScheduledExecutorService ticker;
    private final AtomicBoolean failing = new AtomicBoolean();
    private final LongAdder renewalFailures = new LongAdder();
    private final LongAdder journalsReplayed = new LongAdder();
    private final LeaseState state;
    /**
     * System.nanoTime() before which this instance takes no game over: two leases after a renewal that came
     * more than a lease after the previous one (failures, or a renewal that waited for a connection). Written and read by the ticker's thread only.
     */
    private long graceUntil;

    /**
     * @param journalRoot the folder under which every instance keeps its journal ({@code journal-dir}), or
     *     null: a lapsed owner's journal is not replayed
     * @param actionSink where a lapsed owner's journal is replayed to (the action batcher's sink)
     */
    Ownership(
            String name,
            String url,
            GameStore store,
            GameService games,
            LeaseState state,
            Duration lease,
            Duration renewInterval,
            @Nullable Path journalRoot,
            @Nullable BatchSink<GameStore.ActionRow> actionSink) {
        this.name = Objects.requireNonNull(name, "name");
        this.url = Objects.requireNonNull(url, "url");
        this.store = Objects.requireNonNull(store, "store");
        this.games = Objects.requireNonNull(games, "games");
        this.lease = Objects.requireNonNull(lease, "lease");
        this.renewInterval = Objects.requireNonNull(renewInterval, "renewInterval");
        this.journalRoot = journalRoot;
        this.actionSink = actionSink;
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(name + "-ownership").daemon().factory());
        this.state = Objects.requireNonNull(state, "state");
        this.graceUntil = System.nanoTime() - lease.toNanos();
    }

    /**
     * Takes the lease (before recovery and traffic; a database failure propagates: the server does not
     * start without it).
     */
    void acquire() {
        long start = System.nanoTime();
        store.renewLease(url, lease.toMillis());
        state.renewed(start, store.otherLiveInstances() == 0);
    }

    /**
     * Sets the URL other instances forward this one's HTTP requests to, and renews the lease with it now
     * (a failure is left to the next tick).
     */
    void advertise(String advertised) {
        this.url = Objects.requireNonNull(advertised, "advertised");
        try {
            long start = System.nanoTime();
            store.renewLease(advertised, lease.toMillis());
            state.renewed(start);
        } catch (RuntimeException e) {
            log.warn("{}: advertising {} failed; the next renewal tries again: {}", name, advertised, e.toString());
        }
    }

    /** Starts the ticks. */
    void start() {
        long every = renewInterval.toNanos();
        ticker.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.NANOSECONDS);
    }

    /** Whether this instance's lease is current as far as it knows (see the class comment). */
    boolean valid() {
        return state.valid();
    }

    long renewalFailures() {
        return renewalFailures.sum();
    }

    long journalsReplayed() {
        return journalsReplayed.sum();
    }

    /** One renewal, ownership check and takeover round. Never throws. */
    void tick() {
        long start = System.nanoTime();
        long previous = state.renewedAt();
        try {
            Set<Long> snapshot = games.hostedIds();
            store.renewLease(url, lease.toMillis());
            Map<Long, Long> owned = store.ownedGames();
            games.dropLost(snapshot, owned);
            state.renewed(start, store.otherLiveInstances() == 0);
            long now = System.nanoTime();
            boolean recovered = failing.compareAndSet(true, false);
            if (recovered || now - previous > lease.toNanos()) {
                // This instance was cut off from the database for more than a lease: its renewals failed, or
                // one waited that long for a connection. The same outage most likely kept the others from
                // renewing (a database failover, say): their leases lapsed without them dying. Give them two
                // leases from now before taking any of their games (one as if they had renewed when the
                // database came back, one for their pools to reconnect: HikariCP retries with a backoff, a
                // second or two here): a live owner that comes back a moment later must not lose its games,
                // and the moves it acknowledged and has not written yet, to the first instance back.
                graceUntil = now + 2 * lease.toNanos();
                log.info(
                        "{}: lease renewed {} after the previous renewal{}; no takeover for {}",
                        name,
                        Duration.ofNanos(now - previous),
                        recovered ? " (renewals failed meanwhile)" : "",
                        lease.multipliedBy(2));
            }
        } catch (RuntimeException e) {
            renewalFailures.increment();
            if (failing.compareAndSet(false, true)) {
                log.warn(
                        "{}: renewing the lease failed; moves are refused once it is {} old; retried every {}: {}",
                        name,
                        lease,
                        renewInterval,
                        e.toString());
            }
            return;
        }
        try {
            games.retryRebuilds();
            if (System.nanoTime() - graceUntil < 0) {
                return;
            }
            List<GameStore.Orphan> orphans = store.orphans(TAKEOVER_BATCH);
            Map<String, Boolean> ready = new java.util.HashMap<>(); // lapsed owner -> its games may be taken now
            for (GameStore.Orphan o : orphans) {
                if (!games.hasFreeSlot()) {
                    break;
                }
                if (ready.computeIfAbsent(o.host(), this::replayJournalOf)) {
                    games.takeOver(o);
                }
            }
        } catch (RuntimeException e) {
            log.warn("{}: taking over games of lapsed owners failed; tried again in {}", name, renewInterval, e);
        }
    }

    /**
     * Writes what the lapsed owner {@code host} acknowledged and had not written, from its journal, when this
     * instance can open it: the folder exists under the same journal root, and no process holds its lock.
     * Answers whether {@code host}'s games may be taken over now: false while another instance is replaying
     * that journal (it holds the takeover lock, see {@link #TAKEOVER_LOCK_SUFFIX}), so that no game is
     * rebuilt from the database before the dead owner's acknowledged moves are in it; true otherwise (replayed,
     * nothing to replay, or the journal is held by its owner's own process, which is alive: a paused or
     * partitioned owner, whose games are taken over without it as before).
     */
    private boolean replayJournalOf(String host) {
        Path root = journalRoot;
        BatchSink<GameStore.ActionRow> sink = actionSink;
        if (root == null || sink == null || host.equals(name)) {
            return true;
        }
        Path dir = root.resolve(host);
        if (!Files.isDirectory(dir)) {
            return true;
        }
        // Two instances may find the same lapsed owner in the same tick. The one that replays holds this lock
        // while it does; the other must not rebuild any of the owner's games until then (a rebuild before the
        // replay misses the moves the owner acknowledged: the round is played again and its result differs
        // from the one the owner sent). Without it, a held journal lock could not tell a peer's replay from
        // the owner's own live process.
        Path lockFile = root.resolve(host + TAKEOVER_LOCK_SUFFIX);
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another instance in this JVM (tests run several)
            }
            if (lock == null) {
                log.info("{}: another instance is replaying the journal of '{}'; its games wait", name, host);
                return false;
            }
            try {
                replayHeld(host, dir, sink);
                return true;
            } finally {
                lock.release();
            }
        } catch (java.io.IOException e) {
            log.warn(
                    "{}: cannot take the takeover lock {} ({}); the games of '{}' are taken over without it",
                    name,
                    lockFile,
                    e.toString(),
                    host);
            replayHeld(host, dir, sink);
            return true;
        }
    }

    /** The replay itself, with the takeover lock held (or none to be had). */
    private void replayHeld(String host, Path dir, BatchSink<GameStore.ActionRow> sink) {
        ActionJournal<GameStore.ActionRow> journal;
        try {
            journal = ActionJournal.builder(name + "-replay-" + host, dir, GameStore.ACTION_CODEC)
                    .build();
        } catch (RuntimeException e) {
            log.info(
                    "{}: the journal of '{}' at {} cannot be opened ({}); its games are taken over without it",
                    name,
                    host,
                    dir,
                    e.getMessage());
            return;
        }
        try (ActionBatcher<GameStore.ActionRow> replay = ActionBatcher.builder(name + "-replay-" + host, sink)
                .journal(journal)
                .retryOn(JdbcBatchSink.retryOn())
                .build()) {
            replay.replayed().get(lease.toMillis() * 2, TimeUnit.MILLISECONDS);
            journalsReplayed.increment();
            log.info("{}: replayed the journal of lapsed owner '{}' before taking its games over", name, host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn(
                    "{}: replaying the journal of '{}' failed; its games are taken over without it: {}",
                    name,
                    host,
                    e.toString());
        }
    }

    /** Stops the ticks (the lease is given up by {@link #release()}, after the last writes). */
    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Gives the lease up at once (a graceful stop, after every write): other instances take the games over
     * at their next tick instead of a lease later. Failures are logged: the lease then lapses by itself.
     */
    void release() {
        try {
            store.dropLease();
        } catch (RuntimeException e) {
            log.warn("{}: giving up the lease failed; it lapses in {}: {}", name, lease, e.toString());
        }
    }
}
