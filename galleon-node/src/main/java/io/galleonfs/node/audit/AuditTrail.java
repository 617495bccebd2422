package io.galleonfs.node.audit;

import io.galleonfs.node.config.NodeConfig;
import jakarta.inject.Provider;
import io.galleonfs.node.volume.GalleonException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.jboss.logging.Logger;

/** Opens this node's {@link AuditLog} once the node runs and closes it (flushing the queue) at shutdown. */
@ApplicationScoped
public class AuditTrail {
    private static final Logger LOG = Logger.getLogger(AuditTrail.class);

    @Inject
    Provider<NodeConfig> config;

    private volatile AuditLog log;

    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 600) StartupEvent event) {
        NodeConfig c = config.get(); // the node's start-up observer (default priority) has run
        try {
            log = AuditLog.open(c.storagePath(), c.auditMaxFileBytes(), c.auditKeepFiles());
        } catch (IOException e) {
            // A node that cannot keep its audit log must not serve: calls would go unrecorded.
            throw new UncheckedIOException("cannot open the audit log under " + c.storagePath(), e);
        }
    }

    // Late (after the HTTP server stopped taking requests is not guaranteed, so it drains what was queued).
    void onStop(@Observes @Priority(Interceptor.Priority.APPLICATION + 900) ShutdownEvent event) {
        AuditLog l = log;
        if (l != null) {
            try {
                l.close();
            } catch (IOException e) {
                LOG.warn("closing the audit log failed", e);
            }
        }
    }

    /** Records an event if the log is open (it is, from start to shutdown); never blocks. */
    public void record(AuditRecord.Event event) {
        AuditLog l = log;
        if (l != null) {
            l.record(event);
        } else {
            LOG.warnf("audit event before the audit log opened or after it closed: %s %s -> %d", event.action(), event.resource(), event.status());
        }
    }

    public AuditLog log() {
        AuditLog l = log;
        if (l == null) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "the node is still starting");
        }
        return l;
    }
}
