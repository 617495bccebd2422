package io.galleonfs.node.volume;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.NoSuchSnapshotException;
import io.galleonfs.engine.OutOfRangeException;
import io.galleonfs.engine.OutOfSpaceException;
import io.galleonfs.engine.SnapshotExistsException;
import io.galleonfs.engine.VolumeExistsException;
import java.io.IOException;
import org.jboss.logging.Logger;

/** Translates storage engine failures into API errors with the right status and a message naming what failed. */
final class EngineErrors {
    private static final Logger LOG = Logger.getLogger(EngineErrors.class);

    private EngineErrors() {
    }

    static GalleonException translate(String volumeName, IOException e) {
        return switch (e) {
            case IOException full when OutOfSpace.is(full) -> outOfSpace(volumeName, full);
            case OutOfRangeException o -> GalleonException.badRequest(o.getMessage());
            case NoSuchSnapshotException n -> GalleonException.notFound(n.getMessage());
            case SnapshotExistsException s -> GalleonException.conflict(s.getMessage());
            case VolumeExistsException v -> GalleonException.conflict(v.getMessage());
            case io.galleonfs.node.replication.DataClient.RemoteException r -> switch (r.code()) {
                case NOT_FOUND -> GalleonException.notFound(r.getMessage());
                case BAD_REQUEST -> GalleonException.badRequest(r.getMessage());
                case CHECKSUM -> new GalleonException(GalleonException.Kind.DATA_INTEGRITY, r.getMessage());
                case NOT_PRIMARY, STALE_EPOCH, UNAVAILABLE -> new GalleonException(GalleonException.Kind.UNAVAILABLE, r.getMessage());
                case IO -> new GalleonException(GalleonException.Kind.STORAGE, "storage operation on volume '" + volumeName
                        + "' failed on its primary: " + r.getMessage());
            };
            case ChecksumMismatchException c -> {
                LOG.errorf("volume %s: %s", volumeName, c.getMessage());
                yield new GalleonException(GalleonException.Kind.DATA_INTEGRITY, c.getMessage());
            }
            default -> {
                LOG.errorf(e, "volume %s: storage operation failed", volumeName);
                yield new GalleonException(GalleonException.Kind.STORAGE, "storage operation on volume '" + volumeName
                        + "' failed: " + e.getMessage());
            }
        };
    }

    /** 507 with the engine's own words (free and reserved bytes), never a Java class name. */
    private static GalleonException outOfSpace(String volumeName, IOException e) {
        String why = e instanceof OutOfSpaceException || e instanceof io.galleonfs.node.replication.DataClient.RemoteException
                ? e.getMessage() : "no space left on the storage device";
        LOG.debugf("volume %s: out of space: %s", volumeName, e.getMessage());
        return new GalleonException(GalleonException.Kind.INSUFFICIENT_STORAGE, "no space for volume '" + volumeName
                + "' on this node's storage: " + why + "; delete volumes or snapshots, or trim, to free space");
    }

    @FunctionalInterface
    interface IoCall<T> {
        T call() throws IOException;
    }

    static <T> T call(String volumeName, IoCall<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw translate(volumeName, e);
        }
    }
}
