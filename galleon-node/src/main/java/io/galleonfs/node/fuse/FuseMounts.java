package io.galleonfs.node.fuse;

import io.galleonfs.node.cluster.RaftMetadataStore;
import io.galleonfs.node.config.NodeConfig;
import io.galleonfs.node.daemon.NodeServices;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.VolumeService;
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
    NodeConfig config;

    @Inject
    NodeServices.Self identity;

    @Inject
    VolumeService volumes;

    @Inject
    VolumeDataService data;

    @Inject
    MetadataStore metadata;

    private volatile MountService service;

    // After NodeRuntime (default priority): mounts need its engine and metadata.
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 650) StartupEvent event) {
        MountService s = new MountService(identity.nodeId(), config.mountPoint(), volumes, data,
                metadata, UUID::randomUUID,
                new MountRoots(config.mountPoint(), config.allowedMountRoots()));
        if (metadata instanceof RaftMetadataStore raft) {
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
