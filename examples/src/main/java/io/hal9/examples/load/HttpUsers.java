package io.hal9.examples.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The load generator's HTTP stages as Netty clients: each virtual user is one keep-alive connection that sends
 * {@code GET}, waits for the whole answer, thinks, and sends again, all on a small event loop group of its own.
 * The JDK {@code HttpClient} with a virtual thread per user cost the generator more than a core at 500 users on 2
 * cores, and the game's latency measured beside it included that.
 *
 * <p>Design / Concurrency: a user's state is confined to its channel's event loop; {@link #target} (how many
 * users should be active now) is read there, written by the controlling thread. A user whose number is at or
 * above the target idles (re-checks every 100 ms) on an open connection. Counters and the histogram are
 * concurrent.
 *
 * <p>Thread safety: {@link #rampTo} and {@link #close} are for one controlling thread.
 */
final class HttpUsers implements AutoCloseable {
    private final EventLoopGroup group;
    private final URI uri;
    private final Duration think;
    private final Histogram latency;
    private final LongAdder requests;
    private final LongAdder errors;
    private final AtomicInteger target = new AtomicInteger();
    private final List<Channel> users = new ArrayList<>();
    private volatile boolean stopped;

    HttpUsers(int threads, URI uri, Duration think, Histogram latency, LongAdder requests, LongAdder errors) {
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        this.uri = uri;
        this.think = think;
        this.latency = latency;
        this.requests = requests;
        this.errors = errors;
    }

    /** Sets how many users are active; opens connections for users that do not exist yet. */
    void rampTo(int vus) {
        target.set(vus);
        while (users.size() < vus && !stopped) {
            int me = users.size();
            users.add(open(me));
        }
    }

    private Channel open(int me) {
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        return new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpClientCodec())
                                .addLast(new HttpContentDecompressor(1 << 20)) // at most 1 MiB per answer
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new User(me));
                    }
                })
                .connect(uri.getHost(), port)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        errors.increment();
                        requests.increment();
                    }
                })
                .channel();
    }

    /** One virtual user on its connection. */
    private final class User extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final int me;
        private long sentNanos;
        private boolean waiting;

        User(int me) {
            this.me = me;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            next(ctx);
            ctx.fireChannelActive();
        }

        /** Sends the next request now if this user is active, else checks again in 100 ms. */
        private void next(ChannelHandlerContext ctx) {
            if (stopped || !ctx.channel().isActive()) {
                return;
            }
            if (me >= target.get()) {
                ctx.executor().schedule(() -> next(ctx), 100, TimeUnit.MILLISECONDS);
                return;
            }
            FullHttpRequest req = new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1,
                    HttpMethod.GET,
                    uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
            req.headers()
                    .set(HttpHeaderNames.HOST, uri.getHost() + ":" + uri.getPort())
                    .set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.GZIP)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            sentNanos = System.nanoTime();
            waiting = true;
            ctx.writeAndFlush(req, ctx.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            waiting = false;
            latency.recordValue(System.nanoTime() - sentNanos);
            requests.increment();
            if (res.status().code() != 200) {
                errors.increment();
            }
            ctx.executor().schedule(() -> next(ctx), think.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!stopped && waiting) {
                // the server closed the connection under a request: an error, and this user is gone
                errors.increment();
                requests.increment();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!stopped) {
                errors.increment();
                requests.increment();
            }
            waiting = false;
            ctx.close();
        }
    }

    @Override
    public void close() {
        stopped = true;
        for (Channel c : users) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
