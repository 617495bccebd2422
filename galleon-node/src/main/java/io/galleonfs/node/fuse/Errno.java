package io.galleonfs.node.fuse;

/** Linux errno values returned (negated) to the kernel; the FUSE frontend runs on Linux only. */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EACCES = 13;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int EFBIG = 27;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int EOPNOTSUPP = 95;

    private Errno() {
    }
}
