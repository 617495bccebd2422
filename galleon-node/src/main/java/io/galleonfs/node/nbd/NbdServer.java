package io.galleonfs.node.nbd;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.config.NbdTls;
import io.galleonfs.node.config.NodeConfig;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.VolumeService;
import io.galleonfs.node.ingress.ConnectionLimiter;
import io.galleonfs.node.ingress.Ingress;
import io.galleonfs.node.ingress.IngressLimits;
import io.galleonfs.node.tls.ClusterCa;
import io.galleonfs.node.tls.ClusterTls;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** Serves this node's volumes over NBD when {@code nbd_address} is set; off otherwise. */
@ApplicationScoped
public class NbdServer {
    private static final Logger LOG = Logger.getLogger(NbdServer.class);

    @Inject
    Vertx vertx;

    @Inject
    NodeConfig config;

    @Inject
    VolumeService volumes;

    @Inject
    VolumeDataService data;

    @Inject
    MetadataStore metadata;

    private NetServer server;

    // After NodeRuntime (default priority): the exports need its engine and metadata.
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 600) StartupEvent event) throws Exception {
        Optional<HostPort> address = config.nbdAddress();
        if (address.isEmpty()) {
            return;
        }
        NbdExports exports = new VolumeExports(volumes, data, metadata);
        NbdTls tls = config.nbdTls();
        NetServerOptions options = new NetServerOptions().setHost(address.get().host()).setPort(address.get().port()).setTcpNoDelay(true);
        if (tls != NbdTls.OFF) {
            options = ClusterTls.load(ClusterCa.of(config.storagePath())).nbdServerOptions(options);
        }
        NetServer s = vertx.createNetServer(options);
        IngressLimits limits = Ingress.limits();
        ConnectionLimiter limiter = new ConnectionLimiter("nbd", limits.maxConnections(), limits.maxConnectionsPerAddress());
        s.connectHandler(socket -> {
            String from = socket.remoteAddress() == null ? "?" : socket.remoteAddress().hostAddress();
            if (!limiter.tryAdmit(from)) {
                socket.close();
                return;
            }
            NbdConnection.attach(vertx, socket, exports, Ingress.clients(), limits, tls, () -> limiter.release(from));
        });
        // Listening from the data plane's loop serves every NBD connection on it: a forwarded request goes from the
        // client's socket to the primary's connection, and its answer back, on one thread (issue 19).
        java.util.concurrent.CompletableFuture<NetServer> listening = new java.util.concurrent.CompletableFuture<>();
        data.dataPlaneLoop().runOnContext(v -> s.listen().onComplete(ar -> {
            if (ar.succeeded()) {
                listening.complete(ar.result());
            } else {
                listening.completeExceptionally(ar.cause());
            }
        }));
        server = listening.get(30, TimeUnit.SECONDS);
        LOG.infof("NBD server listening on %s (exports: the volumes stored on this node; TLS %s; ingress budget %d MiB, at most %d"
                + " connections, %d per address)", address.get(), tls.wire(), Ingress.clients().capacity() >> 20, limits.maxConnections(),
                limits.maxConnectionsPerAddress());
    }

    // Before NodeRuntime closes the engine, so no connection uses it afterwards.
    void onStop(@Observes @Priority(Interceptor.Priority.APPLICATION + 400) ShutdownEvent event) {
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warnf("NBD server did not close cleanly: %s", e.toString());
            }
            server = null;
        }
    }
}
