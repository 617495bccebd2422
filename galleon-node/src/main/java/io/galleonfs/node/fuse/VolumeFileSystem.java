package io.galleonfs.node.fuse;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * Translates libfuse's high-level callbacks into {@link VolumeLayout} calls. Callbacks run on libfuse's own worker
 * threads (several per mount), never on a Vert.x event loop, so blocking volume I/O is fine here. Reads and writes
 * use the kernel's request buffer in place (a ByteBuffer view of the native memory), so no extra copy is made
 * between FUSE and the volume.
 */
final class VolumeFileSystem extends FuseStubFS {
    private final VolumeLayout layout;
    private final int uid;
    private final int gid;

    VolumeFileSystem(VolumeLayout layout, int uid, int gid) {
        this.layout = layout;
        this.uid = uid;
        this.gid = gid;
    }

    /** Runs libfuse's multithreaded loop until the file system is unmounted; returns libfuse's exit code. */
    int run(String[] args) {
        return libFuse.fuse_main_real(args.length, args, fuseOperations, Struct.size(fuseOperations), null);
    }

    private static ByteBuffer view(Pointer buf, long size) {
        return MemorySegment.ofAddress(buf.address()).reinterpret(size).asByteBuffer();
    }

    @Override
    public int getattr(String path, FileStat stat) {
        VolumeLayout.Entry e = VolumeLayout.find(path);
        if (e == null) {
            return -Errno.ENOENT;
        }
        VolumeLayout.Attributes a = layout.attributes(e);
        stat.st_mode.set((a.directory() ? FileStat.S_IFDIR : FileStat.S_IFREG) | a.mode());
        stat.st_nlink.set(a.directory() ? 2 : 1);
        stat.st_size.set(a.size());
        stat.st_blocks.set((a.size() + 511) / 512);
        stat.st_blksize.set(layout.volume().blockSize());
        stat.st_uid.set(uid);
        stat.st_gid.set(gid);
        setTime(stat.st_mtim, a.modifiedMillis());
        setTime(stat.st_ctim, a.modifiedMillis());
        setTime(stat.st_atim, a.modifiedMillis());
        return 0;
    }

    private static void setTime(Timespec t, long millis) {
        t.tv_sec.set(millis / 1000);
        t.tv_nsec.set((millis % 1000) * 1_000_000L);
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
        if (VolumeLayout.find(path) != VolumeLayout.Entry.ROOT) {
            return -Errno.ENOENT;
        }
        filler.apply(buf, ".", null, 0);
        filler.apply(buf, "..", null, 0);
        for (String name : VolumeLayout.NAMES) {
            filler.apply(buf, name, null, 0);
        }
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        VolumeLayout.Entry e = VolumeLayout.find(path);
        return e == null ? -Errno.ENOENT : layout.open(e, fi.flags.get());
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        VolumeLayout.Entry e = VolumeLayout.find(path);
        return e == null ? -Errno.ENOENT : layout.read(e, offset, view(buf, size));
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        VolumeLayout.Entry e = VolumeLayout.find(path);
        return e == null ? -Errno.ENOENT : layout.write(e, offset, view(buf, size));
    }

    @Override
    public int truncate(String path, @off_t long size) {
        VolumeLayout.Entry e = VolumeLayout.find(path);
        return e == null ? -Errno.ENOENT : layout.truncate(e, size);
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return truncate(path, size);
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        VolumeLayout.Entry e = VolumeLayout.find(path);
        return e == null ? -Errno.ENOENT : layout.fsync(e);
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        // close() is not a durability point (POSIX); fsync is.
        return 0;
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int fallocate(String path, int mode, @off_t long offset, @off_t long length, FuseFileInfo fi) {
        VolumeLayout.Entry e = VolumeLayout.find(path);
        return e == null ? -Errno.ENOENT : layout.fallocate(e, mode, offset, length);
    }

    @Override
    public int statfs(String path, Statvfs st) {
        long bs = layout.volume().blockSize();
        st.f_bsize.set(bs);
        st.f_frsize.set(bs);
        st.f_blocks.set(layout.volume().sizeBytes() / bs);
        st.f_bfree.set(0);
        st.f_bavail.set(0);
        st.f_files.set(VolumeLayout.NAMES.size() + 1);
        st.f_ffree.set(0);
        st.f_namemax.set(255);
        return 0;
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        // touch(1) must work on data; times are not stored, so accepting the call changes nothing.
        return VolumeLayout.find(path) == null ? -Errno.ENOENT : 0;
    }

    @Override
    public int access(String path, int mask) {
        return VolumeLayout.find(path) == null ? -Errno.ENOENT : 0;
    }

    private int fixedLayout() {
        return layout.readOnly() ? -Errno.EROFS : -Errno.EPERM;
    }

    @Override
    public int create(String path, @mode_t long mode, FuseFileInfo fi) {
        return fixedLayout();
    }

    @Override
    public int mknod(String path, @mode_t long mode, long rdev) {
        return fixedLayout();
    }

    @Override
    public int mkdir(String path, @mode_t long mode) {
        return fixedLayout();
    }

    @Override
    public int unlink(String path) {
        return fixedLayout();
    }

    @Override
    public int rmdir(String path) {
        return fixedLayout();
    }

    @Override
    public int rename(String oldpath, String newpath) {
        return fixedLayout();
    }

    @Override
    public int symlink(String oldpath, String newpath) {
        return fixedLayout();
    }

    @Override
    public int link(String oldpath, String newpath) {
        return fixedLayout();
    }

    @Override
    public int chmod(String path, @mode_t long mode) {
        return fixedLayout();
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return fixedLayout();
    }
}
