package io.hal9.ws.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.RejectedExecutionHandlers;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Event loops for sessions that must stay responsive while a burst of work runs beside them: the loops HAL9's
 * standalone {@link io.hal9.ws.WsServer} runs on, for a host that binds its own port.
 *
 * <p>A Netty event loop alternates between I/O (reading the sockets that are ready) and its task queue (writes
 * handed over from other threads, timers that fired, channels to register). By default it may run tasks for up
 * to a second before it reads the sockets again. A burst of tasks, such as thousands of connection timeouts
 * firing together after a flood of connections that opened together, then holds every other session on that
 * loop for as long as the burst lasts. These loops go back to I/O after {@link #TASK_QUANTUM} of tasks at most
 * (checked every 64 tasks, as Netty does), so a burst is spread over many turns and the sessions' reads and
 * writes go on in between. (HAL9 also spreads its connection timeouts over the last fifth of their span, so
 * that such bursts are rarer to begin with.)
 *
 * <p>Thread safety: the factory methods are safe to call from any thread; the groups are Netty's.
 */
public final class WsEventLoops {
    /** How long a loop runs tasks before it reads its sockets again: 5 ms (Netty's default is 1 s). */
    public static final Duration TASK_QUANTUM = Duration.ofMillis(5);

    private WsEventLoops() {}

    /**
     * A group of {@code threads} NIO event loops (0: Netty's default, two per processor) whose threads are
     * named {@code <name>-<group>-<n>}, each running tasks for at most {@link #TASK_QUANTUM} between I/O.
     *
     * @throws IllegalArgumentException if {@code threads} is negative
     */
    public static EventLoopGroup group(int threads, String name) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0: Netty's default), was " + threads);
        }
        return new Group(threads, name);
    }

    private static final class Group extends MultiThreadIoEventLoopGroup {
        Group(int threads, String name) {
            super(threads, new DefaultThreadFactory(name), NioIoHandler.newFactory());
        }

        @Override
        protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
            return new SingleThreadIoEventLoop(
                    this,
                    executor,
                    ioHandlerFactory,
                    Integer.MAX_VALUE,
                    RejectedExecutionHandlers.reject(),
                    TASK_QUANTUM.toMillis());
        }
    }
}
