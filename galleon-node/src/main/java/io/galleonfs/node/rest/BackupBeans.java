package io.galleonfs.node.rest;

import io.galleonfs.node.backup.BackupService;
import io.galleonfs.node.backup.TargetService;
import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.volume.GalleonException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

/** Hands the backup services the node built at start to the REST adapters. */
@ApplicationScoped
public class BackupBeans {

    @Inject
    NodeRuntime node;

    @Produces
    @Dependent
    BackupServices services() {
        return new BackupServices(node);
    }

    /** Resolved per call: the services exist only once the node has started. */
    public static final class BackupServices {
        private final NodeRuntime node;

        BackupServices(NodeRuntime node) {
            this.node = node;
        }

        public BackupService backups() {
            BackupService s = node.backups();
            if (s == null) {
                throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "the node is still starting");
            }
            return s;
        }

        public TargetService targets() {
            TargetService s = node.backupTargets();
            if (s == null) {
                throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "the node is still starting");
            }
            return s;
        }
    }
}
