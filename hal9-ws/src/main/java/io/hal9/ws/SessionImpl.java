package io.hal9.ws;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session: the {@link Session} the host holds and, at the same time, the last inbound handler of its
 * connection's pipeline (one object per connection instead of two).
 *
 * <p>What could leave this class has left it: the batch frame's bytes ({@link BatchFrames}, static), the messages kept
 * for a resume ({@link ReplayBuffer}, made only when resumption is on) and the inbound rate-limit and
 * decode-error accounting ({@link InboundGate}, the superclass, so that a session stays one object). <b>Why it
 * stays longer than 700 lines:</b> what is left is one state machine ({@code state}, {@code channel}) that the
 * lock-free send queue, the close paths and the resumption handover between event loops all read and move;
 * the invariants below hold only together, and the send path (trySend, enqueue, drain) is the hottest code of
 * the module, where a split into objects would add a hop per message.
 *
 * <p>Design / Concurrency / Invariants:
 *
 * <ul>
 *   <li>Producers (any thread) encode, reserve room with atomic adds on {@code queuedCount}/{@code
 *       queuedBytes} (undone if a bound refuses under DROP_NEWEST/DISCONNECT), offer the frame to the lazily
 *       created lock-free {@code queue}, and schedule one drain per event-loop turn with a CAS on {@code
 *       drainScheduled}. The event loop is the only consumer: it polls, subtracts what it polled, writes while
 *       the channel is writable, and flushes once.
 *   <li>Under DROP_OLDEST a producer always offers, and the event loop trims the oldest frames until both
 *       bounds hold again, so the bounds may be exceeded between an offer and the next drain (one turn).
 *   <li>{@code state} is volatile: OPEN, DETACHED (waiting for resume), CLOSING (close frame queued), CLOSED.
 *       Only the event loop moves to CLOSED, and it then releases every queued frame; a producer that offered
 *       after that (it read an older state) sees CLOSED after its offer and releases the queue itself, so no
 *       buffer is leaked whichever thread polls it (poll is atomic).
 *   <li>Every other mutable field (heartbeat, pending pong, {@code loopIndex}, the {@link InboundGate}'s rate
 *       limit and decode errors, the {@link ReplayBuffer}'s numbers and payloads) is touched only on the event
 *       loop of the current connection; {@code channel} is volatile because producers read it to find that
 *       loop.
 *   <li>Resumption: a dropped connection moves OPEN to DETACHED on its loop (CAS); a resuming connection moves
 *       DETACHED to OPEN on its own loop (CAS), then sets {@code channel}; the grace sweep moves DETACHED to
 *       CLOSED (CAS), so exactly one of resume and expiry wins. The volatile state write/CAS orders the old
 *       loop's writes of the event-loop fields before the new loop's reads. A drain task that finds itself on
 *       a loop that is no longer the channel's re-dispatches to the right one, so there is one consumer at a
 *       time. The session stays in the old loop's {@link LoopState} list until that loop removes it; the
 *       volatile {@code loop} field tells the old loop's sweep to skip it meanwhile.
 *   <li>Pongs bypass the queue but not its discipline: at most one is pending ({@code pendingPong}, the latest
 *       ping's payload, at most 125 bytes), and it is written by {@code drain} only while the channel is
 *       writable, so pings from a client that does not read cost O(1) per session.
 *   <li>Encoding happens on the producer's thread (not the event loop): the byte bound is then exact at
 *       admission, the cost of encoding is spread over the game's threads instead of the I/O threads, and a
 *       refused message costs only its encoding.
 * </ul>
 *
 * <p>Not part of the API. Thread safety: the {@link Session} methods are safe from any thread.
 */
final class SessionImpl<M> extends InboundGate implements Session<M>, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionImpl.class);

    static final int OPEN = 0;
    static final int DETACHED = 1;
    static final int CLOSING = 2;
    static final int CLOSED = 3;

    private static final VarHandle QUEUED_COUNT;
    private static final VarHandle QUEUED_BYTES;
    private static final VarHandle DRAIN_SCHEDULED;
    private static final VarHandle QUEUE;
    private static final VarHandle ATTRIBUTES;
    private static final VarHandle ROOMS;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            QUEUED_COUNT = l.findVarHandle(SessionImpl.class, "queuedCount", int.class);
            QUEUED_BYTES = l.findVarHandle(SessionImpl.class, "queuedBytes", long.class);
            DRAIN_SCHEDULED = l.findVarHandle(SessionImpl.class, "drainScheduled", int.class);
            QUEUE = l.findVarHandle(SessionImpl.class, "queue", ConcurrentLinkedQueue.class);
            ATTRIBUTES = l.findVarHandle(SessionImpl.class, "attributes", ConcurrentHashMap.class);
            ROOMS = l.findVarHandle(SessionImpl.class, "rooms", Set.class);
            STATE = l.findVarHandle(SessionImpl.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final WsServerImpl<M> server;
    private final long id;
    private InetAddress ip; // of the current connection; written on attach, on the new loop
    final @Nullable String resumeToken;
    final boolean batching;

    private volatile Channel channel;
    private volatile int state;

    // accessed through VarHandles (any thread)
    @SuppressWarnings("unused")
    private int queuedCount;

    @SuppressWarnings("unused")
    private long queuedBytes;

    @SuppressWarnings("unused")
    private int drainScheduled;

    private volatile @Nullable ConcurrentLinkedQueue<Object> queue;
    private volatile @Nullable ConcurrentHashMap<String, Object> attributes;
    private volatile @Nullable Set<RoomImpl<M>> rooms;

    // the loop whose list holds this session; volatile: a resumed session moves to another loop, and the old
    // loop's sweep skips sessions that are no longer its own
    volatile @Nullable LoopState loop;

    // event loop only (the loop of the current channel; handed over with the volatile state on resume)
    int loopIndex = -1;
    // the messages kept for a resume: made only when resumption is on
    private final @Nullable ReplayBuffer replay;
    private long detachedAtNanos;
    private boolean heartbeatTimedOut;
    private boolean takeover;
    private @Nullable CompletableFuture<Boolean> detachSignal;
    private @Nullable String pendingResync;

    private long lastReadNanos;
    private long pingSentNanos;
    private boolean pinged;
    private int closeCode = -1;
    private String closeReason = "";
    private boolean opened;
    // the payload of the one pong waiting for the channel to be writable (the latest ping's), or null
    private byte @Nullable [] pendingPong;

    SessionImpl(WsServerImpl<M> server, long id, Channel channel, InetAddress ip, boolean batching) {
        this(server, id, channel, ip, batching, server.ticker.read());
    }

    private SessionImpl(WsServerImpl<M> server, long id, Channel channel, InetAddress ip, boolean batching, long now) {
        super(now, server.inboundBurst);
        this.server = server;
        this.id = id;
        this.channel = channel;
        this.ip = ip;
        this.batching = batching;
        this.resumeToken = server.resumable ? server.newResumeToken() : null;
        this.replay = server.replayBufferMessages > 0 ? new ReplayBuffer(server.replayBufferMessages) : null;
        this.lastReadNanos = now;
    }

    // ---------------------------------------------------------------- Session

    @Override
    public long id() {
        return id;
    }

    @Override
    public SocketAddress remoteAddress() {
        SocketAddress a = channel.remoteAddress();
        return a != null ? a : new InetSocketAddress(ip, 0);
    }

    @Override
    public ConcurrentMap<String, Object> attributes() {
        ConcurrentHashMap<String, Object> a = attributes;
        if (a == null) {
            ConcurrentHashMap<String, Object> created = new ConcurrentHashMap<>(4);
            // compareAndExchange (volatile): the first creator wins and every caller sees one map
            Object witness = ATTRIBUTES.compareAndExchange(this, null, created);
            @SuppressWarnings("unchecked")
            ConcurrentHashMap<String, Object> winner =
                    witness == null ? created : (ConcurrentHashMap<String, Object>) witness;
            a = winner;
        }
        return a;
    }

    @Override
    public Admission trySend(M message) {
        Objects.requireNonNull(message, "message");
        if (state >= CLOSING) {
            return Admission.CLOSED;
        }
        if (fullBeforeEncoding()) {
            return Admission.FULL;
        }
        ByteBuf buf = server.codec.encode(message, server.alloc);
        return enqueue(buf, server.codec.binary(), null, true);
    }

    @Override
    public CompletionStage<Void> send(M message) {
        Objects.requireNonNull(message, "message");
        if (state >= CLOSING) {
            return CompletableFuture.failedFuture(rejected(Admission.CLOSED));
        }
        if (fullBeforeEncoding()) {
            return CompletableFuture.failedFuture(rejected(Admission.FULL));
        }
        ByteBuf buf = server.codec.encode(message, server.alloc);
        CompletableFuture<Void> f = new CompletableFuture<>();
        Admission a = enqueue(buf, server.codec.binary(), f, true);
        if (!a.isAccepted()) {
            f.completeExceptionally(rejected(a));
        }
        return f;
    }

    /**
     * Refuses a send without encoding it when the queue already holds {@code sendQueueMessages} (a stalled
     * reader meets this on every send); counted and handled as {@link #enqueue} refuses. The byte bound needs
     * the encoded size, so {@link #enqueue} checks it. benign race: a drain running meanwhile may free a
     * place this read did not see; the send is refused as it would have been a moment earlier.
     */
    private boolean fullBeforeEncoding() {
        OverflowPolicy policy = server.overflowPolicy;
        if (policy == OverflowPolicy.DROP_OLDEST || (int) QUEUED_COUNT.getVolatile(this) < server.sendQueueMessages) {
            return false;
        }
        server.dropped(policy);
        if (policy == OverflowPolicy.DISCONNECT) {
            slowConsumer();
        }
        return true;
    }

    RejectedException rejected(Admission why) {
        String what = why == Admission.CLOSED ? "closed" : "send queue full";
        return new RejectedException(
                server.component + " session " + id,
                why,
                server.component + " session " + id + ": " + what + " (queuedMessages=" + queuedMessages()
                        + "/" + server.sendQueueMessages + ", queuedBytes=" + queuedBytes() + "/"
                        + server.sendQueueBytes + ", policy=" + server.overflowPolicy + ")");
    }

    /** Queues a shared buffer for a room broadcast: takes a retained duplicate, never the buffer itself. */
    Admission enqueueShared(ByteBuf shared, boolean binary) {
        if (state >= CLOSING) {
            return Admission.CLOSED;
        }
        return enqueue(shared.retainedDuplicate(), binary, null, true);
    }

    /**
     * Queues an encoded payload; takes ownership of {@code buf} whatever the outcome.
     *
     * @param data true for a data message (bound by the queue, counted for replay), false for a control
     */
    Admission enqueue(ByteBuf buf, boolean binary, @Nullable CompletableFuture<Void> promise, boolean data) {
        int bytes = buf.readableBytes();
        int count = (int) QUEUED_COUNT.getAndAdd(this, 1) + 1;
        long total = (long) QUEUED_BYTES.getAndAdd(this, (long) bytes) + bytes;
        OverflowPolicy policy = server.overflowPolicy;
        if ((count > server.sendQueueMessages || total > server.sendQueueBytes)
                && policy != OverflowPolicy.DROP_OLDEST) {
            QUEUED_COUNT.getAndAdd(this, -1);
            QUEUED_BYTES.getAndAdd(this, (long) -bytes);
            buf.release();
            server.dropped(policy);
            if (policy == OverflowPolicy.DISCONNECT) {
                slowConsumer();
            }
            return Admission.FULL;
        }
        WebSocketFrame frame = binary ? new BinaryWebSocketFrame(buf) : new TextWebSocketFrame(buf);
        Object item =
                promise == null ? (data ? frame : new Queued(frame, null, false)) : new Queued(frame, promise, data);
        server.queuedAdd(1, bytes);
        queue().offer(item);
        if (state == CLOSED) {
            releaseQueued();
            return Admission.CLOSED;
        }
        scheduleDrain();
        return Admission.ACCEPTED;
    }

    private ConcurrentLinkedQueue<Object> queue() {
        ConcurrentLinkedQueue<Object> q = queue;
        if (q == null) {
            ConcurrentLinkedQueue<Object> created = new ConcurrentLinkedQueue<>();
            // compareAndExchange (volatile): one queue per session, whoever creates it first
            Object witness = QUEUE.compareAndExchange(this, null, created);
            @SuppressWarnings("unchecked")
            ConcurrentLinkedQueue<Object> winner = witness == null ? created : (ConcurrentLinkedQueue<Object>) witness;
            q = winner;
        }
        return q;
    }

    private void scheduleDrain() {
        // getAndSet (volatile): at most one drain task in flight; the drain clears the flag before polling,
        // so an offer that happens after the clear schedules another drain
        if ((int) DRAIN_SCHEDULED.getAndSet(this, 1) == 0) {
            try {
                channel.eventLoop().execute(this);
            } catch (RuntimeException rejected) {
                // the event loop is shut down: nothing will drain, release what is queued
                DRAIN_SCHEDULED.setVolatile(this, 0);
                releaseQueued();
            }
        }
    }

    @Override
    public int queuedMessages() {
        return Math.max(0, (int) QUEUED_COUNT.getVolatile(this));
    }

    @Override
    public long queuedBytes() {
        return Math.max(0, (long) QUEUED_BYTES.getVolatile(this));
    }

    @Override
    public void close(int code, String reason) {
        if (code != 1000 && (code < 3000 || code > 4999)) {
            throw new IllegalArgumentException(
                    server.component + ": close code must be 1000 or in [3000, 4999], was " + code);
        }
        Objects.requireNonNull(reason, "reason");
        closeFromServer(code, reason, true);
    }

    /** Closes from the server side; graceful: queued messages leave first. Any thread. */
    void closeFromServer(int code, String reason, boolean graceful) {
        int s = state;
        if (s >= CLOSING) {
            return;
        }
        if (s == DETACHED) {
            // no connection to close: end it on its loop, unless a resume wins the race (then close that)
            runOnLoop(() -> {
                if (!closeDetached(code, reason) && state == OPEN) {
                    closeFromServer(code, reason, graceful);
                }
            });
            return;
        }
        if (!STATE.compareAndSet(this, OPEN, CLOSING)) {
            closeFromServer(code, reason, graceful);
            return;
        }
        runOnLoop(() -> {
            closeCode = code;
            closeReason = reason;
            Channel ch = channel;
            if (graceful) {
                drainAll(ch);
            } else {
                releaseQueued();
            }
            ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
            if (graceful) {
                // a client that does not read never lets the close frame out: close anyway after closeTimeout
                io.netty.util.concurrent.ScheduledFuture<?> force =
                        ch.eventLoop().schedule(() -> ch.close(), server.closeTimeoutNanos, TimeUnit.NANOSECONDS);
                ch.closeFuture().addListener(f -> force.cancel(false));
            } else {
                ch.close();
            }
        });
    }

    private void runOnLoop(Runnable task) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            try {
                loop.execute(task);
            } catch (RuntimeException shutDown) {
                STATE.setVolatile(this, CLOSED);
                releaseQueued();
            }
        }
    }

    /**
     * Closes a detached session for good if it is still detached; false if a resume took it first. On the loop
     * whose list holds it.
     */
    private boolean closeDetached(int code, String reason) {
        if (!STATE.compareAndSet(this, DETACHED, CLOSED)) {
            return false;
        }
        server.detachedAdd(-1);
        closed(code, reason);
        return true;
    }

    @Override
    public boolean isOpen() {
        return state < CLOSED;
    }

    @Override
    public boolean isConnected() {
        int s = state;
        return s == OPEN || s == CLOSING;
    }

    @Override
    public @Nullable String resumeToken() {
        return resumeToken;
    }

    @Override
    public boolean batching() {
        return batching;
    }

    @Override
    public WsServer<M> server() {
        return server;
    }

    @Override
    public String toString() {
        return "session " + id + " of " + server.component;
    }

    // ---------------------------------------------------------------- rooms

    boolean addRoom(RoomImpl<M> room) {
        Set<RoomImpl<M>> r = rooms;
        if (r == null) {
            Set<RoomImpl<M>> created = ConcurrentHashMap.newKeySet(4);
            // compareAndExchange (volatile): one set per session
            Object witness = ROOMS.compareAndExchange(this, null, created);
            @SuppressWarnings("unchecked")
            Set<RoomImpl<M>> winner = witness == null ? created : (Set<RoomImpl<M>>) witness;
            r = winner;
        }
        return r.add(room);
    }

    void removeRoom(RoomImpl<M> room) {
        Set<RoomImpl<M>> r = rooms;
        if (r != null) {
            r.remove(room);
        }
    }

    // ---------------------------------------------------------------- event loop: draining

    /** The drain task: runs on the event loop, once per turn in which something was queued. */
    @Override
    public void run() {
        Channel ch = channel;
        if (!ch.eventLoop().inEventLoop()) {
            // resumed on another loop meanwhile: drain there, where every event-loop field now lives
            try {
                ch.eventLoop().execute(this);
            } catch (RuntimeException shutDown) {
                DRAIN_SCHEDULED.setVolatile(this, 0);
                releaseQueued();
            }
            return;
        }
        // setVolatile: later offers must schedule a new drain; done before polling so none is missed
        DRAIN_SCHEDULED.setVolatile(this, 0);
        if (state == CLOSED) {
            releaseQueued();
            return;
        }
        if (server.overflowPolicy == OverflowPolicy.DROP_OLDEST) {
            trimOldest();
        }
        if (state == DETACHED) {
            return;
        }
        drain(channel, false);
    }

    private void trimOldest() {
        ConcurrentLinkedQueue<Object> q = queue;
        if (q == null) {
            return;
        }
        while ((int) QUEUED_COUNT.getVolatile(this) > server.sendQueueMessages
                || (long) QUEUED_BYTES.getVolatile(this) > server.sendQueueBytes) {
            Object item = q.poll();
            if (item == null) {
                return;
            }
            dequeued(item);
            server.dropped(OverflowPolicy.DROP_OLDEST);
            release(item, Admission.FULL);
        }
    }

    /** Writes queued frames while the channel is writable (or all of them), then flushes once. */
    private void drain(Channel ch, boolean all) {
        if (!ch.isActive()) {
            return;
        }
        boolean wrote = writePendingPong(ch);
        ConcurrentLinkedQueue<Object> q = queue;
        while (q != null && (all || ch.isWritable())) {
            Object item = q.poll();
            if (item == null) {
                break;
            }
            dequeued(item);
            if (isData(item)) {
                remember(item instanceof Queued qd ? qd.frame : (WebSocketFrame) item);
            }
            if (batching && isData(item) && !(item instanceof Queued)) {
                item = batch((WebSocketFrame) item, q);
            }
            write(ch, item);
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
    }

    private void drainAll(Channel ch) {
        drain(ch, true);
    }

    /**
     * Coalesces the data frames that follow {@code first} (plain trySend ones, of the same kind) into one batch
     * frame (see {@link BatchFrames}). Stops at the first other item.
     */
    private WebSocketFrame batch(WebSocketFrame first, ConcurrentLinkedQueue<Object> q) {
        Object next = q.peek();
        if (!(next instanceof WebSocketFrame n) || n.getClass() != first.getClass()) {
            WebSocketFrame single = BatchFrames.single(server.alloc, first);
            server.batchedMessages(1);
            return single;
        }
        boolean text = first instanceof TextWebSocketFrame;
        ByteBuf out = BatchFrames.open(server.alloc, text);
        int count = 0;
        try {
            BatchFrames.append(out, first, text, count++);
            while (out.readableBytes() < BatchFrames.BATCH_BYTES) {
                next = q.peek();
                if (next == null || !BatchFrames.fits(next, first, out)) {
                    break;
                }
                WebSocketFrame f = (WebSocketFrame) next;
                q.poll();
                dequeued(f);
                remember(f);
                BatchFrames.append(out, f, text, count++);
            }
            server.batchedMessages(count);
            return BatchFrames.close(out, text);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** Numbers a data message as it is written and keeps it for replay, when resumption is on. */
    private void remember(WebSocketFrame f) {
        ReplayBuffer r = replay;
        if (r != null) {
            r.add(f.content());
        }
    }

    private static boolean isData(Object item) {
        return !(item instanceof Queued q) || q.data;
    }

    private void write(Channel ch, Object item) {
        WebSocketFrame frame;
        CompletableFuture<Void> promise;
        if (item instanceof Queued q) {
            frame = q.frame;
            promise = q.promise;
        } else {
            frame = (WebSocketFrame) item;
            promise = null;
        }
        server.wrote(frame.content().readableBytes(), isData(item));
        if (promise == null) {
            ch.write(frame, ch.voidPromise());
        } else {
            ch.write(frame).addListener(f -> {
                if (f.isSuccess()) {
                    promise.complete(null);
                } else {
                    promise.completeExceptionally(rejected(Admission.CLOSED));
                }
            });
        }
    }

    private void dequeued(Object item) {
        WebSocketFrame frame = item instanceof Queued q ? q.frame : (WebSocketFrame) item;
        int bytes = frame.content().readableBytes();
        QUEUED_COUNT.getAndAdd(this, -1);
        QUEUED_BYTES.getAndAdd(this, (long) -bytes);
        server.queuedAdd(-1, -bytes);
    }

    private void release(Object item, Admission why) {
        if (item instanceof Queued q) {
            q.frame.release();
            if (q.promise != null) {
                q.promise.completeExceptionally(rejected(why));
            }
        } else {
            ReferenceCountUtil.release(item);
        }
    }

    /** Releases every queued frame (failing pending sends). Safe from any thread: poll is atomic. */
    void releaseQueued() {
        ConcurrentLinkedQueue<Object> q = queue;
        if (q == null) {
            return;
        }
        Object item;
        while ((item = q.poll()) != null) {
            dequeued(item);
            release(item, Admission.CLOSED);
        }
    }

    private void slowConsumer() {
        int s = state;
        if (s == OPEN || s == DETACHED) {
            server.slowConsumerClosed();
            closeFromServer(WsCloseCodes.POLICY_VIOLATION, "slow consumer", false);
        }
    }

    // ---------------------------------------------------------------- event loop: lifecycle and inbound

    /** Called on the event loop when the handshake response was written. */
    void opened() {
        if (state != OPEN || !channel.isActive()) {
            return;
        }
        opened = true;
        LoopState l = server.loopState(channel.eventLoop());
        loop = l;
        l.add(this);
        server.sessionOpened(this);
        if (resumeToken != null) {
            server.registerResumable(resumeToken, this);
            if (pendingResync != null) {
                enqueue(Control.resync(server.alloc, pendingResync, 0), false, null, false);
                pendingResync = null;
            }
            enqueue(Control.session(server.alloc, resumeToken), false, null, false);
        }
        try {
            server.handler.onOpen(this);
        } catch (RuntimeException e) {
            server.handlerError(this, "onOpen", e);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastReadNanos = server.ticker.read();
        pinged = false;
        if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
            WebSocketFrame frame = (WebSocketFrame) msg;
            try {
                onData(frame.content());
            } finally {
                frame.release();
            }
        } else if (msg instanceof PingWebSocketFrame ping) {
            byte[] payload;
            try {
                // at most 125 bytes (RFC 6455 5.5; Netty's decoder refuses longer control frames): copied so that
                // Netty's buffer goes back at once, whatever happens to the pong
                payload = ByteBufUtil.getBytes(ping.content());
            } finally {
                ping.release();
            }
            onPing(payload);
        } else if (msg instanceof PongWebSocketFrame pong) {
            pong.release();
            server.controlFrameIn();
            if (state == OPEN) {
                admitInbound();
            }
        } else if (msg instanceof CloseWebSocketFrame close) {
            int code = close.statusCode();
            String reason = close.reasonText();
            close.release();
            onClientClose(ctx, code == -1 ? 1005 : code, reason == null ? "" : reason);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * A ping: counted against the inbound rate like a message; answered by the one pong this session may have
     * pending, which takes the payload of the latest ping (RFC 6455 5.5.3 lets an endpoint answer only the most
     * recent ping). The pong leaves when the channel is writable, at the end of this read or when the channel
     * becomes writable again, so a client that pings and never reads costs one pending payload, not a pong per
     * ping.
     */
    private void onPing(byte[] payload) {
        server.controlFrameIn();
        if (state != OPEN || !admitInbound()) {
            return;
        }
        if (pendingPong != null) {
            server.pongCoalesced();
        }
        pendingPong = payload;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pendingPong != null) {
            drain(ctx.channel(), false);
        }
        ctx.fireChannelReadComplete();
    }

    /** Writes the pending pong if the channel is writable and the session open; true if it wrote. */
    private boolean writePendingPong(Channel ch) {
        byte[] payload = pendingPong;
        if (payload == null || !ch.isWritable()) {
            return false;
        }
        pendingPong = null;
        if (state != OPEN) {
            return false;
        }
        server.wrote(payload.length, false);
        ch.write(new PongWebSocketFrame(Unpooled.wrappedBuffer(payload)), ch.voidPromise());
        return true;
    }

    /**
     * Takes a token of the inbound rate limit for a message or a control frame from the client. Over the rate,
     * the frame is refused: counted, the first refusal of a run answered (see {@link #refuse}), and {@code
     * maxRateLimitedInRow} refusals in one run (less than a second from one to the next, whatever was admitted
     * between them) close the session with 1008. On the event loop, state OPEN.
     */
    private boolean admitInbound() {
        long now = server.ticker.read();
        if (takeToken(now, server.inboundRate, server.inboundBurst)) {
            return true;
        }
        int inRow = refused(now);
        server.rateLimited();
        if (inRow == 1) {
            refuse("rate-limited", "message refused: over " + server.inboundRate + " messages/s");
        }
        int max = server.maxRateLimitedInRow;
        if (max > 0 && inRow >= max && state == OPEN) {
            server.rateLimitClosed();
            closeFromServer(WsCloseCodes.POLICY_VIOLATION, "rate limit exceeded", false);
        }
        return false;
    }

    /**
     * Tells the client that its message was refused: in the host's own protocol if its handler gives a message
     * for this refusal ({@link io.hal9.ws.WsHandler#refusal}), sent as a data message; else as HAL9's {@code
     * error} control message.
     */
    private void refuse(String reason, String fullDetail) {
        // the codec's message may quote the client's input: never more than DETAIL_CHARS of it
        String detail = fullDetail.length() > DETAIL_CHARS ? fullDetail.substring(0, DETAIL_CHARS) : fullDetail;
        M own = null;
        try {
            own = server.handler.refusal(this, reason, detail);
        } catch (RuntimeException e) {
            server.handlerError(this, "refusal", e);
        }
        if (own != null) {
            try {
                trySend(own);
                return;
            } catch (RuntimeException e) {
                // the codec could not encode the host's refusal: the control message goes instead
                server.handlerError(this, "refusal (encoding)", e);
            }
        }
        enqueue(Control.error(server.alloc, reason, detail), false, null, false);
    }

    static final int DETAIL_CHARS = 200;

    private void onData(ByteBuf content) {
        if (state != OPEN) {
            return;
        }
        int bytes = content.readableBytes();
        server.received(bytes);
        if (!admitInbound()) {
            return;
        }
        M message;
        try {
            message = server.codec.decode(content);
        } catch (RuntimeException e) {
            boolean tooMany = decodeFailed(server.maxDecodeErrors);
            server.decodeError();
            refuse("decode", String.valueOf(e.getMessage()));
            try {
                server.handler.onDecodeError(this, e);
            } catch (RuntimeException handlerFailure) {
                server.handlerError(this, "onDecodeError", handlerFailure);
            }
            if (tooMany) {
                closeFromServer(WsCloseCodes.UNSUPPORTED_DATA, "too many undecodable messages", false);
            }
            return;
        }
        decoded();
        try {
            server.handler.onMessage(this, message);
        } catch (RuntimeException e) {
            server.handlerError(this, "onMessage", e);
        }
    }

    private void onClientClose(ChannelHandlerContext ctx, int code, String reason) {
        if (closeCode == -1) {
            closeCode = code;
            closeReason = reason;
        }
        STATE.compareAndSet(this, OPEN, CLOSING);
        int echo = code == 1005 ? WsCloseCodes.NORMAL : code;
        ctx.writeAndFlush(new CloseWebSocketFrame(echo, "")).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && state != CLOSED) {
            drain(ctx.channel(), false);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException c) {
            // Netty has already sent the close frame (1002, 1007 or 1009) and closes the channel
            if (closeCode == -1) {
                closeCode = c.closeStatus().code();
                closeReason = String.valueOf(c.getMessage());
            }
            ctx.close();
        } else if (cause instanceof TooLongFrameException) {
            if (closeCode == -1) {
                closeCode = WsCloseCodes.MESSAGE_TOO_BIG;
                closeReason = "message too big";
            }
            STATE.compareAndSet(this, OPEN, CLOSING);
            releaseQueued();
            ctx.writeAndFlush(new CloseWebSocketFrame(WsCloseCodes.MESSAGE_TOO_BIG, "message too big"))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (cause instanceof IOException) {
            LOG.trace("{}: session {}: connection failed", server.component, id, cause);
            ctx.close();
        } else {
            LOG.debug("{}: session {}: unexpected error, closing with 1011", server.component, id, cause);
            if (closeCode == -1) {
                closeCode = WsCloseCodes.INTERNAL_ERROR;
                closeReason = "internal error";
            }
            ctx.writeAndFlush(new CloseWebSocketFrame(WsCloseCodes.INTERNAL_ERROR, "internal error"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel() != channel) {
            return; // an old connection of a resumed session
        }
        server.connectionClosed(ip, opened);
        if (!opened) {
            STATE.setVolatile(this, CLOSED);
            releaseQueued();
            return;
        }
        boolean dropped = closeCode == -1 || heartbeatTimedOut || takeover;
        if (server.resumable && dropped && STATE.compareAndSet(this, OPEN, DETACHED)) {
            detach();
            return;
        }
        LoopState l = loop;
        if (l != null) {
            l.remove(this);
        }
        int code = closeCode == -1 ? WsCloseCodes.ABNORMAL : closeCode;
        finalClose(code, closeReason);
    }

    /** The connection dropped and the session waits for its client: on the old connection's loop. */
    private void detach() {
        detachedAtNanos = server.ticker.read();
        if (closeCode == -1) {
            closeCode = WsCloseCodes.ABNORMAL;
            closeReason = "connection lost";
        }
        server.detachedAdd(1);
        CompletableFuture<Boolean> signal = detachSignal;
        detachSignal = null;
        try {
            server.handler.onDetach(this);
        } catch (RuntimeException e) {
            server.handlerError(this, "onDetach", e);
        }
        if (signal != null) {
            signal.complete(true);
        }
    }

    /**
     * A client presents this session's token while the old connection still looks alive (the server has not
     * noticed the drop yet): closes the old connection and completes when the session is detached (true), or
     * could not be (false: closed meanwhile). Any thread.
     */
    CompletableFuture<Boolean> takeOver() {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        Channel old = channel;
        try {
            old.eventLoop().execute(() -> {
                int st = state;
                if (st == DETACHED) {
                    f.complete(true);
                } else if (st != OPEN || channel != old) {
                    f.complete(false);
                } else {
                    takeover = true;
                    detachSignal = f;
                    old.close();
                }
            });
        } catch (RuntimeException shutDown) {
            f.complete(false);
        }
        return f;
    }

    /**
     * Binds this detached session to a new connection (on the new connection's loop, before its handshake
     * response is written). Returns false if the session is no longer detached (expired or closed).
     */
    boolean attach(Channel newChannel, InetAddress newIp) {
        if (!STATE.compareAndSet(this, DETACHED, OPEN)) {
            return false;
        }
        server.detachedAdd(-1);
        ip = newIp;
        channel = newChannel;
        return true;
    }

    /** The new connection's handshake response was written: replay and resume. On the new loop. */
    void resumed(long lastSeq) {
        if (state != OPEN || !channel.isActive()) {
            return;
        }
        LoopState old = loop;
        LoopState now = server.loopState(channel.eventLoop());
        if (old != now) {
            loop = now;
            if (old != null) {
                try {
                    old.executor.execute(() -> old.remove(this));
                } catch (RuntimeException shutDown) {
                    // the old loop is gone with its list
                }
            }
            now.add(this);
        }
        lastReadNanos = server.ticker.read();
        pinged = false;
        pendingPong = null; // it answered a ping of the old connection
        heartbeatTimedOut = false;
        takeover = false;
        closeCode = -1;
        closeReason = "";
        server.sessionResumed(this);
        replayAfter(lastSeq);
        scheduleDrain();
        try {
            server.handler.onResume(this);
        } catch (RuntimeException e) {
            server.handlerError(this, "onResume", e);
        }
    }

    /** Writes the kept messages numbered after {@code lastSeq}, or tells the client to resynchronise. */
    private void replayAfter(long lastSeq) {
        Channel ch = channel;
        ReplayBuffer r = replay; // there is one: only a resumable session resumes
        String gap = r == null ? "gap" : r.gap(lastSeq);
        if (r == null || gap != null) {
            long sentSeq = r == null ? 0 : r.sentSeq();
            ch.write(new TextWebSocketFrame(Control.resync(server.alloc, gap, sentSeq)), ch.voidPromise());
            ch.flush();
            return;
        }
        long toReplay = r.sentSeq() - lastSeq;
        ch.write(new TextWebSocketFrame(Control.resumed(server.alloc, lastSeq, toReplay)), ch.voidPromise());
        boolean binary = server.codec.binary();
        for (Iterator<ByteBuf> it = r.after(lastSeq); it.hasNext(); ) {
            ByteBuf b = it.next();
            ByteBuf payload = batching ? BatchFrames.ofOne(server.alloc, b, binary) : b.retainedDuplicate();
            server.wrote(payload.readableBytes(), true);
            ch.write(binary ? new BinaryWebSocketFrame(payload) : new TextWebSocketFrame(payload), ch.voidPromise());
        }
        ch.flush();
    }

    /** A resume with an unknown or expired token opens a new session that is first told to resynchronise. */
    void resyncOnOpen(String reason) {
        pendingResync = reason;
    }

    /** Closes for good: on the event loop. */
    void finalClose(int code, String reason) {
        int prev;
        do {
            prev = state;
            if (prev == CLOSED || prev == DETACHED) {
                return; // closed already, or detached: only closeDetached ends a detached session
            }
        } while (!STATE.compareAndSet(this, prev, CLOSED));
        closed(code, reason);
    }

    /** What closing for good does, once, after the state became CLOSED. */
    private void closed(int code, String reason) {
        LoopState l = loop;
        if (l != null && l.executor.inEventLoop()) {
            l.remove(this);
        }
        if (resumeToken != null) {
            server.unregisterResumable(resumeToken, this);
        }
        ReplayBuffer kept = replay;
        if (kept != null) {
            kept.release();
        }
        releaseQueued();
        Set<RoomImpl<M>> r = rooms;
        if (r != null) {
            for (RoomImpl<M> room : r) {
                room.leave(this);
            }
        }
        server.sessionClosed(this, code);
        try {
            server.handler.onClose(this, code, reason);
        } catch (RuntimeException e) {
            server.handlerError(this, "onClose", e);
        }
    }

    /** The periodic sweep of this session's event loop: heartbeats. */
    void sweep(long now) {
        int st = state;
        if (st == DETACHED) {
            if (now - detachedAtNanos >= server.resumeGraceNanos) {
                closeDetached(closeCode == -1 ? WsCloseCodes.ABNORMAL : closeCode, "resume grace expired");
            }
            return;
        }
        if (st != OPEN) {
            return;
        }
        if (pinged) {
            if (now - pingSentNanos >= server.heartbeatTimeoutNanos) {
                server.heartbeatTimeout();
                if (server.resumable) {
                    // a dead connection, not a decision of the server: the session waits for its client
                    heartbeatTimedOut = true;
                    closeCode = WsCloseCodes.GOING_AWAY;
                    closeReason = "heartbeat timeout";
                    channel.writeAndFlush(new CloseWebSocketFrame(WsCloseCodes.GOING_AWAY, "heartbeat timeout"));
                    channel.close();
                } else {
                    closeFromServer(WsCloseCodes.GOING_AWAY, "heartbeat timeout", false);
                }
            }
        } else if (now - lastReadNanos >= server.heartbeatIntervalNanos) {
            pinged = true;
            pingSentNanos = now;
            channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
        }
    }

    /** One pipeline at a time; a resumed session is added to its new connection's pipeline. */
    @Override
    public boolean isSharable() {
        return true;
    }

    /** A queued frame that needs more than the frame: a completion for {@code send}, or a control message. */
    private record Queued(WebSocketFrame frame, @Nullable CompletableFuture<Void> promise, boolean data) {}
}
