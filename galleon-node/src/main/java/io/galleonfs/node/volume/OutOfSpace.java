package io.galleonfs.node.volume;

import io.galleonfs.engine.OutOfSpaceException;

/** Whether a failure means "the storage is full": HTTP 507, NBD and FUSE ENOSPC. */
public final class OutOfSpace {
    private OutOfSpace() {
    }

    public static boolean is(Throwable t) {
        return t instanceof GalleonException g ? g.kind() == GalleonException.Kind.INSUFFICIENT_STORAGE
                : OutOfSpaceException.causedBy(t);
    }
}
