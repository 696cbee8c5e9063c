package io.hal9.examples.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator's WebSocket side: every player's connection on one small Netty event loop group
 * (pooled buffers, void promises: no future per message), every game paced on the event loop its
 * players share. A game sends one move per player for round r, waits for every player's result of
 * round r, then sends round r+1 at its next slot (at once when it is late, counted in {@link #late}). Each move's latency is
 * recorded from its round's slot (when it was due) and from when it was written: see {@link
 * LatencyRecorder}.
 *
 * <p>Design / Concurrency / Invariants: a game's players are all registered on one event loop (its
 * {@code loop}); every field of {@link GamePlay} is read and written only on that loop after
 * {@link #start}. Counters are adders and the latencies concurrent histograms, read by the
 * controlling thread after {@link #awaitIdle}. {@code stopped} is volatile: once set no round starts.
 *
 * <p>Thread safety: the control methods ({@link #connect}, {@link #start}, {@link #stop}, {@link
 * #close}) are for one controlling thread.
 */
final class WsPlayers implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String[] MOVES = {"rock", "paper", "scissors", "lizard", "spock"};
    /**
     * Rounds are sent on a grid of whole milliseconds (a round goes out at the first tick at or after its slot).
     * With a timer at each game's own slot, 5,000 games a second put the next timer a fraction of a millisecond
     * away nearly always, and the loops spun on selectNow between them: over a core of this 2-core machine,
     * taken from the server under test. A move's corrected latency still counts from its slot, so the grid
     * adds its wait (under 1 ms) to that figure and nothing to the uncorrected one.
     */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final long TICK_ORIGIN = System.nanoTime();

    private final EventLoopGroup group;
    private final LatencyRecorder latencies;
    final LongAdder sent = new LongAdder();
    final LongAdder results = new LongAdder();
    final LongAdder late = new LongAdder();
    /** Set by start before any game is scheduled (the loops' execute publishes it); read on the loops. */
    private volatile long measureFromNanos;

    final LongAdder gamesFinished = new LongAdder();
    final LongAdder errors = new LongAdder();
    final Map<String, LongAdder> errorsByCode = new ConcurrentHashMap<>();
    private final List<GamePlay> games = new ArrayList<>();
    private volatile boolean stopped;
    private volatile long endNanos = Long.MAX_VALUE;
    /** When the last result arrived (System.nanoTime); benign race: read after awaitIdle. */
    private volatile long lastResultNanos;

    WsPlayers(int threads, LatencyRecorder latencies) {
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        this.latencies = latencies;
    }

    /** A game to play: its id and its players' ids and tokens. */
    record GameSpec(long id, long[] playerIds, String[] tokens) {}

    /**
     * Opens every player's connection of {@code spec} and counts {@code welcomed} down once per
     * player whose welcome arrived (or whose connection failed: then {@link #errors} counts it).
     */
    void connect(String wsUrl, GameSpec spec, CountDownLatch welcomed) {
        connect(java.util.Collections.nCopies(spec.playerIds().length, wsUrl), spec, welcomed);
    }

    /** As {@link #connect(String, GameSpec, CountDownLatch)}, player i to {@code wsUrls[i]}. */
    void connect(List<String> wsUrls, GameSpec spec, CountDownLatch welcomed) {
        EventLoop loop = group.next();
        GamePlay g = new GamePlay(spec, loop);
        synchronized (games) {
            games.add(g);
        }
        for (int i = 0; i < spec.playerIds().length; i++) {
            int index = i;
            URI uri = URI.create(wsUrls.get(i) + "?token=" + spec.tokens()[i]);
            WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                    .webSocketUri(uri)
                    .version(WebSocketVersion.V13)
                    .handshakeTimeoutMillis(30_000)
                    .maxFramePayloadLength(64 * 1024)
                    .build();
            new Bootstrap()
                    .group(loop)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new HttpClientCodec())
                                    .addLast(new HttpObjectAggregator(8192))
                                    .addLast(new WebSocketClientProtocolHandler(config))
                                    .addLast(new Receiver(g, index, welcomed));
                        }
                    })
                    .connect(uri.getHost(), uri.getPort())
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            error("connect_failed");
                            welcomed.countDown();
                        }
                    });
        }
    }

    /**
     * Starts every game: game i's first round at {@code firstNanos + interval * i / games}, then one
     * round every {@code intervalNanos}; no round starts at or after {@code endNanos}. Latencies (of the
     * rounds due from then on) and late rounds count only from {@code measureFromNanos} on (the warm-up before it lets both JVMs compile
     * the paths they run; a cold start at full rate queues moves for a second or more).
     */
    void start(long firstNanos, long intervalNanos, long endNanos, long measureFromNanos) {
        this.endNanos = endNanos;
        this.measureFromNanos = measureFromNanos;
        List<GamePlay> all;
        synchronized (games) {
            all = new ArrayList<>(games);
        }
        for (int i = 0; i < all.size(); i++) {
            GamePlay g = all.get(i);
            g.interval = intervalNanos;
            g.next = firstNanos + intervalNanos * i / all.size();
            g.loop.execute(g::schedule);
        }
    }

    /** When the last result arrived, as System.nanoTime(); 0 before the first. */
    long lastResultNanos() {
        return lastResultNanos;
    }

    /** No new round starts after this; rounds in flight still complete. */
    void stop() {
        stopped = true;
    }

    /** Waits up to {@code timeoutMillis} for every round in flight to get its results. */
    boolean awaitIdle(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            boolean idle = true;
            synchronized (games) {
                for (GamePlay g : games) {
                    if (g.inFlight) {
                        idle = false;
                        break;
                    }
                }
            }
            if (idle) {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // the end of a run: a poll is enough
        }
        return false;
    }

    private void error(String code) {
        errors.increment();
        errorsByCode.computeIfAbsent(code, k -> new LongAdder()).increment();
    }

    @Override
    public void close() {
        stopped = true;
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One game's pacing and round state; confined to its loop. */
    private final class GamePlay {
        final GameSpec spec;
        final EventLoop loop;
        final Channel[] channels;
        final long[] sentAt;
        final boolean[] answered;
        int round = 1;
        int answers;
        /** The slot of the next round: when the schedule wants it sent. */
        long next;
        /** The slot of the round in flight: its moves' latencies count from here when corrected. */
        long due;

        long interval;
        /** Written on the loop, read by awaitIdle: a stale read only lengthens the wait by a poll. */
        volatile boolean inFlight;

        boolean over;

        GamePlay(GameSpec spec, EventLoop loop) {
            this.spec = spec;
            this.loop = loop;
            int n = spec.playerIds().length;
            this.channels = new Channel[n];
            this.sentAt = new long[n];
            this.answered = new boolean[n];
        }

        void schedule() {
            if (over || stopped || next >= endNanos) {
                return;
            }
            long delay = next - System.nanoTime();
            if (delay <= 0) {
                if (delay < -interval && next >= measureFromNanos) {
                    late.increment();
                }
                sendRound();
            } else {
                long tick = next + Math.floorMod(TICK_ORIGIN - next, TICK_NANOS); // the first tick at or after next
                loop.schedule(this::sendRound, delay + (tick - next), TimeUnit.NANOSECONDS);
            }
        }

        void sendRound() {
            if (over || stopped) {
                return;
            }
            inFlight = true;
            answers = 0;
            due = next;
            for (int i = 0; i < channels.length; i++) {
                Channel ch = channels[i];
                answered[i] = false;
                String move = MOVES[(int) ((spec.playerIds()[i] + round + i) % MOVES.length)];
                ByteBuf buf = ByteBufUtil.writeUtf8(
                        ch.alloc(), "{\"type\":\"move\",\"round\":" + round + ",\"move\":\"" + move + "\"}");
                sentAt[i] = System.nanoTime();
                ch.writeAndFlush(new TextWebSocketFrame(buf), ch.voidPromise());
                sent.increment();
            }
        }

        void onResult(int player, int resultRound, int nextRound) {
            if (!inFlight || resultRound != round || answered[player]) {
                error("unexpected_result");
                return;
            }
            answered[player] = true;
            long now = System.nanoTime();
            lastResultNanos = now;
            if (due >= measureFromNanos) {
                latencies.record(due, sentAt[player], now);
            }
            results.increment();
            if (++answers < channels.length) {
                return;
            }
            inFlight = false;
            if (nextRound == 0) {
                over = true;
                gamesFinished.increment();
                return;
            }
            round = nextRound;
            next += interval;
            schedule();
        }

        void fail(String code) {
            error(code);
            over = true;
            inFlight = false;
        }
    }

    /** Reads one player's frames; not sharable (one per channel). */
    private final class Receiver extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        private final GamePlay game;
        private final int player;
        private final CountDownLatch welcomed;
        private boolean welcome;

        Receiver(GamePlay game, int player, CountDownLatch welcomed) {
            this.game = game;
            this.player = player;
            this.welcomed = welcomed;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            game.channels[player] = ctx.channel();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            Message m = Message.parse(frame.content());
            switch (m.type) {
                case "result" -> game.onResult(player, m.round, m.nextRound);
                case "welcome" -> {
                    if (!welcome) {
                        welcome = true;
                        welcomed.countDown();
                    }
                }
                case "error" -> game.fail(m.error);
                default -> {} // "started" and anything new
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!welcome) {
                welcome = true;
                error("closed_before_welcome");
                welcomed.countDown();
            } else if (!stopped && !game.over) {
                game.fail("closed_by_server");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The top-level fields of a server message the player reads; the rest is skipped unparsed. */
    static final class Message {
        String type = "";
        String error = "";
        int round;
        int nextRound = -1;

        static Message parse(ByteBuf content) {
            Message m = new Message();
            byte[] bytes;
            int offset;
            int length = content.readableBytes();
            if (content.hasArray()) {
                bytes = content.array();
                offset = content.arrayOffset() + content.readerIndex();
            } else {
                bytes = ByteBufUtil.getBytes(content);
                offset = 0;
            }
            try (JsonParser p = JSON.createParser(bytes, offset, length)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    m.type = "error";
                    m.error = "bad_json";
                    return m;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    switch (name) {
                        case "type" -> m.type = p.getValueAsString("");
                        case "error" -> m.error = p.getValueAsString("");
                        case "round" -> m.round = p.getValueAsInt();
                        case "nextRound" -> m.nextRound = p.getValueAsInt();
                        default -> {
                            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                                p.skipChildren();
                            }
                        }
                    }
                }
            } catch (IOException e) {
                m.type = "error";
                m.error = "bad_json: " + new String(bytes, offset, length, StandardCharsets.UTF_8);
            }
            return m;
        }
    }
}
