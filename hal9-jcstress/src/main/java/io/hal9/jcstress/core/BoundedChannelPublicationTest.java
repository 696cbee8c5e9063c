package io.hal9.jcstress.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.core.BoundedChannel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A message built with plain writes and sent on one thread is, when the consumer polls it on another, either
 * absent or complete: publication safety through the channel. Checks {@code BoundedChannelImpl}'s design
 * rule that a send stores its message into the reserved slot with a release store and the consumer reads
 * the slot with an acquire load (invariant 1: the consumer takes slot C only once it holds a message), so
 * everything the sender wrote before {@code trySend} happens-before what the consumer reads from the message.
 *
 * <p>Results: {@code r1}, {@code r2}, {@code r3} the message's three fields as the consumer saw them, or
 * {@code -1, -1, -1} when {@code poll()} found the channel empty.
 *
 * <p>Thread safety: the message's fields are deliberately plain, non-final: only the channel orders them.
 */
@JCStressTest
@Outcome(id = "-1, -1, -1", expect = ACCEPTABLE, desc = "The consumer polled before the message was sent: empty.")
@Outcome(id = "1, 2, 3", expect = ACCEPTABLE, desc = "The consumer got the message with every field as written.")
@Outcome(expect = FORBIDDEN, desc = "The consumer got the message with a field missing (0): an unsafe publication.")
@State
public class BoundedChannelPublicationTest {
    private final BoundedChannel<Message> channel =
            BoundedChannel.<Message>builder("publication").capacity(2).build();

    /** A message whose fields only the channel's hand-off orders. */
    static final class Message {
        int a;
        int b;
        int c;
    }

    /** Builds the message with plain writes, then sends it. */
    @Actor
    public void sender() {
        Message m = new Message();
        m.a = 1;
        m.b = 2;
        m.c = 3;
        channel.trySend(m);
    }

    /** The consumer: reads the message's fields if there is one. */
    @Actor
    public void consumer(III_Result r) {
        Message m = channel.poll();
        if (m == null) {
            r.r1 = -1;
            r.r2 = -1;
            r.r3 = -1;
        } else {
            r.r1 = m.a;
            r.r2 = m.b;
            r.r3 = m.c;
        }
    }
}
