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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One node's data-plane client without sockets: a request goes to the destination node's {@link DataRequestHandler}
 * in this process. Like {@link DataClient} over TCP, each destination has one connection that delivers requests in
 * send order (one delivery thread), the answer arrives on another thread, a new connection starts with a HELLO that
 * reports the peer's incarnation, and {@link #disconnect} fails what is pending. Per destination node, {@link Faults}
 * injects what a network and a sick peer do: refuse (IOException), drop (no answer, so the caller times out), delay,
 * stall until released, or answer with a {@link DataMessage.Failure} of any code (STALE_EPOCH, IO, ...).
 */
final class InMemoryTransport implements DataTransport, AutoCloseable {

    /** A node reachable through this transport. */
    private record Endpoint(String nodeId, long incarnation, DataRequestHandler handler, Faults faults) {
    }

    private final String self;
    private final DataClient.IncarnationListener listener;
    private final Map<HostPort, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<String, HostPort> addresses = new ConcurrentHashMap<>();
    private final Map<HostPort, Connection> connections = new ConcurrentHashMap<>();
    private final Map<String, List<DataMessage>> delivered = new ConcurrentHashMap<>();
    private final Set<ExecutorService> threads = ConcurrentHashMap.newKeySet();

    InMemoryTransport(String self, DataClient.IncarnationListener listener) {
        this.self = self;
        this.listener = listener;
    }

    /** Makes {@code nodeId} reachable at {@code address}; its handler serves what is sent there. */
    void register(String nodeId, HostPort address, long incarnation, DataRequestHandler handler) {
        endpoints.put(address, new Endpoint(nodeId, incarnation, handler, new Faults()));
        addresses.put(nodeId, address);
        delivered.put(nodeId, new CopyOnWriteArrayList<>());
    }

    HostPort address(String nodeId) {
        return addresses.get(nodeId);
    }

    /** The fault hooks of everything sent to {@code nodeId}. */
    Faults faults(String nodeId) {
        return endpoint(nodeId).faults();
    }

    /** Requests the handler of {@code nodeId} received, in delivery order (dropped and refused ones are not there). */
    List<DataMessage> delivered(String nodeId) {
        return List.copyOf(delivered.get(nodeId));
    }

    void clearDelivered(String nodeId) {
        delivered.get(nodeId).clear();
    }

    private Endpoint endpoint(String nodeId) {
        HostPort a = addresses.get(nodeId);
        if (a == null) {
            throw new IllegalArgumentException("unknown node " + nodeId);
        }
        return endpoints.get(a);
    }

    @Override
    public CompletableFuture<DataMessage> send(HostPort to, DataMessage request, Duration timeout) {
        CompletableFuture<DataMessage> f = new CompletableFuture<>();
        f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Endpoint ep = endpoints.get(to);
        if (ep == null) {
            f.completeExceptionally(new IOException("cannot connect to the data plane of " + to + ": no such node"));
            return f;
        }
        if (ep.faults().refusing) {
            f.completeExceptionally(new IOException("cannot connect to the data plane of " + to + " (injected)"));
            return f;
        }
        Connection c = connections.computeIfAbsent(to, a -> new Connection(ep));
        c.send(request, f);
        return f;
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
        endpoints.values().forEach(e -> e.faults().release());
        threads.forEach(ExecutorService::shutdownNow);
    }

    private ExecutorService thread(String name) {
        ExecutorService e = Executors.newSingleThreadExecutor(Thread.ofVirtual().name(name).factory());
        threads.add(e);
        return e;
    }

    /** One connection: requests delivered in send order by one thread, answers completed by another. */
    private final class Connection {
        private final Endpoint to;
        private final ExecutorService delivery;
        private final ExecutorService answers;
        private final Set<CompletableFuture<DataMessage>> pending = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        Connection(Endpoint to) {
            this.to = to;
            this.delivery = thread("inmem-" + self + "->" + to.nodeId());
            this.answers = thread("inmem-" + to.nodeId() + "->" + self);
            // The HELLO exchange: the caller learns which process incarnation answers on this connection.
            listener.seen(to.nodeId(), to.incarnation());
        }

        void send(DataMessage request, CompletableFuture<DataMessage> f) {
            pending.add(f);
            f.whenComplete((m, e) -> pending.remove(f));
            delivery.execute(() -> deliver(request, f));
        }

        private void deliver(DataMessage request, CompletableFuture<DataMessage> f) {
            Faults faults = to.faults();
            try {
                faults.beforeDelivery();
            } catch (InterruptedException e) {
                return;
            }
            if (closed || f.isDone()) {
                return;
            }
            if (faults.refusing) {
                close(new IOException("connection to " + to.nodeId() + " lost (injected)"));
                return;
            }
            if (faults.dropping.test(request)) {
                return;
            }
            DataMessage.ErrorCode code = faults.answer(request);
            delivered.get(to.nodeId()).add(request);
            if (code != null) {
                answer(f, new DataMessage.Failure(code, "injected " + code + " from " + to.nodeId()));
                return;
            }
            to.handler().handle(self, request).whenComplete((m, e) -> answer(f,
                    e != null ? ReplicaApplier.failure(e) : m));
        }

        private void answer(CompletableFuture<DataMessage> f, DataMessage m) {
            try {
                answers.execute(() -> {
                    if (!closed) {
                        f.complete(m);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                f.completeExceptionally(new IOException("transport closed"));
            }
        }

        void close(IOException cause) {
            closed = true;
            connections.remove(addresses.get(to.nodeId()), this);
            for (CompletableFuture<DataMessage> f : new ArrayList<>(pending)) {
                f.completeExceptionally(cause);
            }
            delivery.shutdown();
            answers.shutdown();
        }
    }

    /**
     * What happens to requests sent to one node. Faults apply at delivery time, in order, so requests already queued
     * behind a stall see the faults in force when the stall is released.
     */
    static final class Faults {
        private volatile boolean refusing;
        private volatile Predicate<DataMessage> dropping = m -> false;
        private volatile Duration delay = Duration.ZERO;
        private volatile CountDownLatch stall;
        private final List<Answer> answers = new CopyOnWriteArrayList<>();

        private record Answer(Predicate<DataMessage> which, DataMessage.ErrorCode code) {
        }

        /** New sends fail at once and queued ones lose their connection, as when the node's process is gone. */
        Faults refuse() {
            refusing = true;
            return this;
        }

        /** Matching requests vanish: no answer ever comes, so the caller's timeout fires. */
        Faults drop(Predicate<DataMessage> which) {
            dropping = which;
            return this;
        }

        Faults delay(Duration d) {
            delay = d;
            return this;
        }

        /** Holds every delivery (in order) until {@link #release}. */
        Faults stall() {
            stall = new CountDownLatch(1);
            return this;
        }

        Faults release() {
            CountDownLatch s = stall;
            stall = null;
            if (s != null) {
                s.countDown();
            }
            return this;
        }

        /** Matching requests are delivered but answered with a failure of {@code code} instead of being handled. */
        Faults answer(Predicate<DataMessage> which, DataMessage.ErrorCode code) {
            answers.add(new Answer(which, code));
            return this;
        }

        /** Back to a healthy link. */
        Faults heal() {
            refusing = false;
            dropping = m -> false;
            delay = Duration.ZERO;
            answers.clear();
            return release();
        }

        private void beforeDelivery() throws InterruptedException {
            CountDownLatch s = stall;
            if (s != null) {
                s.await();
            }
            Duration d = delay;
            if (!d.isZero()) {
                Thread.sleep(d);
            }
        }

        private DataMessage.ErrorCode answer(DataMessage request) {
            for (Answer a : answers) {
                if (a.which().test(request)) {
                    return a.code();
                }
            }
            return null;
        }
    }
}
