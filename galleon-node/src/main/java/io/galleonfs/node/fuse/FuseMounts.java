package io.galleonfs.node.fuse;

import io.galleonfs.node.cluster.RaftMetadataStore;
import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.volume.GalleonException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.UUID;

/** Starts the mount service once the node runs: cleans up after a crash and restores this node's mounts. */
@ApplicationScoped
public class FuseMounts {
    @Inject
    NodeRuntime runtime;

    private volatile MountService service;

    // After NodeRuntime (default priority): mounts need its engine and metadata.
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 650) StartupEvent event) {
        MountService s = new MountService(runtime.nodeId(), runtime.config().mountPoint(), runtime.volumes(), runtime.data(),
                runtime.metadata(), UUID::randomUUID,
                new MountRoots(runtime.config().mountPoint(), runtime.config().allowedMountRoots()));
        if (runtime.metadata() instanceof RaftMetadataStore raft) {
            raft.addListener(s::onMetadataChange);
        }
        s.restore();
        service = s;
    }

    // Before NodeRuntime closes the engine, so no FUSE request reaches a closed volume.
    void onStop(@Observes @Priority(Interceptor.Priority.APPLICATION + 300) ShutdownEvent event) {
        MountService s = service;
        if (s != null) {
            s.shutdown();
        }
    }

    public MountService service() {
        MountService s = service;
        if (s == null) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "the node is still starting");
        }
        return s;
    }
}
