package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One node's data-plane client without sockets: a request goes to the destination node's {@link DataRequestHandler}
 * in this process. Like {@link DataClient} over TCP, each destination has one connection that delivers requests in
 * send order (one delivery thread; a request whose caller gave up is still delivered while the connection lives), the
 * answer arrives on another thread, a new connection starts with a HELLO that reports the peer's incarnation, and
 * {@link #disconnect} fails what is pending. Per destination node, {@link LinkFaults} injects what a network and a
 * sick peer do: refuse (IOException), drop (no answer, so the caller times out), delay, stall until released, answer
 * with a {@link DataMessage.Failure} of any code, and (beyond what TCP can do) reorder neighbours and duplicate.
 * <p>
 * With a {@link ManualClock}, request timeouts fire when the test advances the clock, and {@link #quiet()} tells
 * whether anything is still moving without it: the fault suite advances time only then.
 */
final class InMemoryTransport implements DataTransport, AutoCloseable {

    /** A node reachable through this transport. */
    private record Endpoint(String nodeId, long incarnation, DataRequestHandler handler) {
    }

    private final String self;
    private final DataClient.IncarnationListener listener;
    private final ManualClock clock;
    private final Map<HostPort, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<String, HostPort> addresses = new ConcurrentHashMap<>();
    private final Map<String, LinkFaults> faults = new ConcurrentHashMap<>();
    private final Map<HostPort, Connection> connections = new ConcurrentHashMap<>();
    private final Map<String, List<DataMessage>> delivered = new ConcurrentHashMap<>();
    private final Set<ExecutorService> threads = ConcurrentHashMap.newKeySet();
    /** Requests handed to a handler whose answer has not reached the caller yet. */
    private final AtomicInteger inHandler = new AtomicInteger();

    InMemoryTransport(String self, DataClient.IncarnationListener listener) {
        this(self, listener, null);
    }

    /** @param clock drives request timeouts; null for real time */
    InMemoryTransport(String self, DataClient.IncarnationListener listener, ManualClock clock) {
        this.self = self;
        this.listener = listener;
        this.clock = clock;
    }

    /** Makes {@code nodeId} reachable at {@code address}; its handler serves what is sent there. */
    void register(String nodeId, HostPort address, long incarnation, DataRequestHandler handler) {
        endpoints.put(address, new Endpoint(nodeId, incarnation, handler));
        addresses.put(nodeId, address);
        faults.computeIfAbsent(nodeId, n -> new LinkFaults());
        delivered.computeIfAbsent(nodeId, n -> new CopyOnWriteArrayList<>());
    }

    /**
     * The node's process restarted: its connections break (what was pending on them fails) and the next connection
     * meets the new incarnation and handler. Faults and the delivery log stay.
     */
    void restart(String nodeId, long incarnation, DataRequestHandler handler) {
        HostPort a = addresses.get(nodeId);
        endpoints.put(a, new Endpoint(nodeId, incarnation, handler));
        Connection c = connections.get(a);
        if (c != null) {
            c.close(new IOException("connection to " + nodeId + " reset (peer restarted)"));
        }
    }

    HostPort address(String nodeId) {
        return addresses.get(nodeId);
    }

    /** The fault hooks of everything sent to {@code nodeId}. */
    LinkFaults faults(String nodeId) {
        LinkFaults f = faults.get(nodeId);
        if (f == null) {
            throw new IllegalArgumentException("unknown node " + nodeId);
        }
        return f;
    }

    /** Requests the handler of {@code nodeId} received, in delivery order (dropped and refused ones are not there). */
    List<DataMessage> delivered(String nodeId) {
        return List.copyOf(delivered.get(nodeId));
    }

    void clearDelivered(String nodeId) {
        delivered.get(nodeId).clear();
    }

    /**
     * Nothing moves without the test: no request waits for a free delivery thread or for its handler, so every
     * unanswered request is dropped, stalled or held back, and only a timeout (or a release) can end it.
     */
    boolean quiet() {
        if (inHandler.get() > 0) {
            return false;
        }
        for (Connection c : connections.values()) {
            if (c.queued.get() > 0 && !c.stalledNow) {
                return false;
            }
        }
        return true;
    }

    @Override
    public CompletableFuture<DataMessage.Response> send(HostPort to, DataMessage.Request request, Duration timeout) {
        CompletableFuture<DataMessage.Response> f = new CompletableFuture<>();
        if (clock == null) {
            f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        sendOn(to, request, f);
        if (clock != null) {
            // Armed once the request is queued, so that quiet() never sees an armed request that is not accounted for.
            clock.schedule(timeout, () -> !f.isDone(), () -> f.completeExceptionally(new TimeoutException("no answer in time")));
        }
        return f;
    }

    private void sendOn(HostPort to, DataMessage.Request request, CompletableFuture<DataMessage.Response> f) {
        Endpoint ep = endpoints.get(to);
        if (ep == null) {
            f.completeExceptionally(new IOException("cannot connect to the data plane of " + to + ": no such node"));
            return;
        }
        if (faults.get(ep.nodeId()).refusing()) {
            f.completeExceptionally(new IOException("cannot connect to the data plane of " + to + " (injected)"));
            return;
        }
        while (true) {
            Connection c = connections.computeIfAbsent(to, a -> new Connection(endpoints.get(a)));
            if (c.send(request, f)) {
                return;
            }
            connections.remove(to, c);
        }
    }

    @Override
    public void disconnect(HostPort to) {
        Connection c = connections.remove(to);
        if (c != null) {
            c.close(new IOException("disconnected from " + to));
        }
    }

    @Override
    public void close() {
        connections.keySet().forEach(this::disconnect);
        faults.values().forEach(LinkFaults::release);
        threads.forEach(ExecutorService::shutdownNow);
    }

    private ExecutorService thread(String name) {
        ExecutorService e = Executors.newSingleThreadExecutor(Thread.ofVirtual().name(name).factory());
        threads.add(e);
        return e;
    }

    private record Held(DataMessage.Request request, CompletableFuture<DataMessage.Response> reply) {
    }

    /** One connection: requests delivered in send order by one thread, answers completed by another. */
    private final class Connection {
        private final Endpoint to;
        private final LinkFaults faults;
        private final ExecutorService delivery;
        private final ExecutorService answers;
        private final Set<CompletableFuture<DataMessage.Response>> pending = ConcurrentHashMap.newKeySet();
        final AtomicInteger queued = new AtomicInteger();
        volatile boolean stalledNow;
        /** A request held back by the reorder hook: delivered after the next one (delivery thread only). */
        private Held held;
        private volatile boolean closed;

        Connection(Endpoint to) {
            this.to = to;
            this.faults = InMemoryTransport.this.faults.get(to.nodeId());
            this.delivery = thread("inmem-" + self + "->" + to.nodeId());
            this.answers = thread("inmem-" + to.nodeId() + "->" + self);
            // The HELLO exchange: the caller learns which process incarnation answers on this connection.
            listener.seen(to.nodeId(), to.incarnation());
        }

        /** False if the connection closed meanwhile (the caller opens a new one). */
        synchronized boolean send(DataMessage.Request request, CompletableFuture<DataMessage.Response> f) {
            if (closed) {
                return false;
            }
            pending.add(f);
            f.whenComplete((m, e) -> pending.remove(f));
            queued.incrementAndGet();
            try {
                delivery.execute(() -> {
                    try {
                        deliver(request, f);
                    } finally {
                        queued.decrementAndGet();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                queued.decrementAndGet();
                f.completeExceptionally(new IOException("connection to " + to.nodeId() + " closed"));
            }
            return true;
        }

        private void deliver(DataMessage.Request request, CompletableFuture<DataMessage.Response> f) {
            try {
                stalledNow = faults.stalled();
                faults.beforeDelivery();
            } catch (InterruptedException e) {
                return;
            } finally {
                stalledNow = false;
            }
            if (closed) {
                return;
            }
            if (faults.refusing()) {
                close(new IOException("connection to " + to.nodeId() + " lost (injected)"));
                return;
            }
            if (held == null && faults.reorders(request)) {
                held = new Held(request, f);
                return;
            }
            handOver(request, f);
            if (faults.duplicates(request)) {
                handOver(request, new CompletableFuture<>());
            }
            Held h = held;
            held = null;
            if (h != null) {
                handOver(h.request(), h.reply());
            }
        }

        private void handOver(DataMessage.Request request, CompletableFuture<DataMessage.Response> f) {
            if (faults.drops(request)) {
                return;
            }
            DataMessage.ErrorCode code = faults.answerFor(request);
            delivered.get(to.nodeId()).add(request);
            inHandler.incrementAndGet();
            if (code != null) {
                answer(f, new DataMessage.Failure(code, "injected " + code + " from " + to.nodeId()));
                return;
            }
            try {
                to.handler().handle(self, request).whenComplete((m, e) -> answer(f, e != null ? ReplicaApplier.failure(e) : m));
            } catch (RuntimeException e) {
                answer(f, ReplicaApplier.failure(e));
            }
        }

        private void answer(CompletableFuture<DataMessage.Response> f, DataMessage.Response m) {
            try {
                answers.execute(() -> {
                    try {
                        if (!closed) {
                            f.complete(m);
                        }
                    } finally {
                        inHandler.decrementAndGet();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                inHandler.decrementAndGet();
                f.completeExceptionally(new IOException("transport closed"));
            }
        }

        void close(IOException cause) {
            synchronized (this) {
                closed = true;
            }
            connections.remove(addresses.get(to.nodeId()), this);
            for (CompletableFuture<DataMessage.Response> f : new ArrayList<>(pending)) {
                f.completeExceptionally(cause);
            }
            delivery.shutdown();
            answers.shutdown();
        }
    }
}
