package io.galleonfs.node.replication;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What happens to requests sent to one node: the hooks of both test networks (in-memory, and real TCP where a
 * handler wrapper on the receiving side plays them). Faults apply at delivery time, in order, so requests already
 * queued behind a stall see the faults in force when the stall is released. Reordering and duplication exist only on
 * the in-memory transport (TCP cannot do either within a connection); their coin flips come from a seeded random.
 */
final class LinkFaults {
    private volatile boolean refusing;
    private volatile Predicate<DataMessage> dropping = m -> false;
    private volatile Duration delay = Duration.ZERO;
    private volatile CountDownLatch stall;
    private final List<Answer> answers = new CopyOnWriteArrayList<>();
    private volatile Predicate<DataMessage> reordering = m -> false;
    private volatile Predicate<DataMessage> duplicating = m -> false;
    private volatile double reorderChance;
    private volatile double duplicateChance;
    private volatile Random random = new Random(0);
    /** Told when refusal starts (true) or ends (false): the TCP network closes and reopens the node's listener. */
    private volatile Consumer<Boolean> refusalListener = b -> { };

    private record Answer(Predicate<DataMessage> which, DataMessage.ErrorCode code) {
    }

    void onRefusal(Consumer<Boolean> listener) {
        refusalListener = listener;
    }

    /** New sends fail at once and queued ones lose their connection, as when the node's process is gone. */
    LinkFaults refuse() {
        if (!refusing) {
            refusing = true;
            refusalListener.accept(true);
        }
        return this;
    }

    /** Matching requests vanish: no answer ever comes, so the caller's timeout fires. */
    LinkFaults drop(Predicate<DataMessage> which) {
        dropping = which;
        return this;
    }

    LinkFaults delay(Duration d) {
        delay = d;
        return this;
    }

    /** Holds every delivery (in order) until {@link #release}. */
    LinkFaults stall() {
        if (stall == null) {
            // A second stall keeps the first: deliveries already waiting on it must be freed by the next release.
            stall = new CountDownLatch(1);
        }
        return this;
    }

    LinkFaults release() {
        CountDownLatch s = stall;
        stall = null;
        if (s != null) {
            s.countDown();
        }
        return this;
    }

    /** Matching requests are delivered but answered with a failure of {@code code} instead of being handled. */
    LinkFaults answer(Predicate<DataMessage> which, DataMessage.ErrorCode code) {
        answers.add(new Answer(which, code));
        return this;
    }

    /**
     * In-memory only: a matching request is, with probability {@code chance}, held back and delivered right after the
     * next request on its connection (two neighbours swap places).
     */
    LinkFaults reorder(Predicate<DataMessage> which, double chance) {
        reordering = which;
        reorderChance = chance;
        return this;
    }

    /** In-memory only: a matching request is, with probability {@code chance}, delivered twice in a row. */
    LinkFaults duplicate(Predicate<DataMessage> which, double chance) {
        duplicating = which;
        duplicateChance = chance;
        return this;
    }

    /** Seeds the coin flips of {@link #reorder} and {@link #duplicate}. */
    LinkFaults seed(long seed) {
        random = new Random(seed);
        return this;
    }

    /** Back to a healthy link. */
    LinkFaults heal() {
        dropping = m -> false;
        delay = Duration.ZERO;
        answers.clear();
        reordering = m -> false;
        duplicating = m -> false;
        release();
        if (refusing) {
            refusing = false;
            refusalListener.accept(false);
        }
        return this;
    }

    boolean refusing() {
        return refusing;
    }

    boolean drops(DataMessage m) {
        return dropping.test(m);
    }

    boolean stalled() {
        return stall != null;
    }

    synchronized boolean reorders(DataMessage m) {
        return reordering.test(m) && random.nextDouble() < reorderChance;
    }

    synchronized boolean duplicates(DataMessage m) {
        return duplicating.test(m) && random.nextDouble() < duplicateChance;
    }

    void beforeDelivery() throws InterruptedException {
        CountDownLatch s = stall;
        if (s != null) {
            s.await();
        }
        Duration d = delay;
        if (!d.isZero()) {
            Thread.sleep(d);
        }
    }

    /** The injected failure code for {@code request}, or null to handle it. */
    DataMessage.ErrorCode answerFor(DataMessage request) {
        for (Answer a : answers) {
            if (a.which().test(request)) {
                return a.code();
            }
        }
        return null;
    }
}
