package io.galleonfs.node.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.volume.MemoryVolumeIo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeLayoutTest {
    private static final int SIZE = 64 * 1024;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;

    private final MemoryVolumeIo io = new MemoryVolumeIo(SIZE);
    private final byte[] readme = "read me\n".getBytes(StandardCharsets.UTF_8);
    private final byte[] meta = "{\"name\":\"mem\"}\n".getBytes(StandardCharsets.UTF_8);

    private VolumeLayout layout(boolean readOnly, boolean sync) {
        return new VolumeLayout(io, readOnly, sync, () -> readme, () -> meta, 1_700_000_000_123L, MountOptions.DEFAULT_MODE);
    }

    @Test
    void pathsMapToTheSeedLayout() {
        assertEquals(VolumeLayout.Entry.ROOT, VolumeLayout.find("/"));
        assertEquals(VolumeLayout.Entry.DATA, VolumeLayout.find("/data"));
        assertEquals(VolumeLayout.Entry.README, VolumeLayout.find("/README.txt"));
        assertEquals(VolumeLayout.Entry.METADATA, VolumeLayout.find("/.galleonfs_metadata"));
        assertNull(VolumeLayout.find("/other"));
        assertNull(VolumeLayout.find("/data/x"));
        assertEquals(List.of("data", "README.txt", ".galleonfs_metadata"), VolumeLayout.NAMES);
    }

    @Test
    void attributesShowTheVolumeSizeAndTheOwnerOnlyModesByDefault() {
        VolumeLayout rw = layout(false, false);
        assertEquals(new VolumeLayout.Attributes(false, 0600, SIZE, 1_700_000_000_123L), rw.attributes(VolumeLayout.Entry.DATA));
        assertEquals(new VolumeLayout.Attributes(true, 0700, 0, 1_700_000_000_123L), rw.attributes(VolumeLayout.Entry.ROOT));
        assertEquals(readme.length, rw.attributes(VolumeLayout.Entry.README).size());
        assertEquals(0400, rw.attributes(VolumeLayout.Entry.METADATA).mode());
        VolumeLayout ro = layout(true, false);
        assertEquals(0400, ro.attributes(VolumeLayout.Entry.DATA).mode());
        assertEquals(0500, ro.attributes(VolumeLayout.Entry.ROOT).mode());
    }

    @Test
    void aRequestedModeIsShownAndReadOnlyMountsDropItsWriteBits() {
        VolumeLayout rw = new VolumeLayout(io, false, false, () -> readme, () -> meta, 1L, 0640);
        assertEquals(0640, rw.attributes(VolumeLayout.Entry.DATA).mode());
        assertEquals(0750, rw.attributes(VolumeLayout.Entry.ROOT).mode());
        assertEquals(0440, rw.attributes(VolumeLayout.Entry.README).mode());
        VolumeLayout ro = new VolumeLayout(io, true, false, () -> readme, () -> meta, 1L, 0664);
        assertEquals(0444, ro.attributes(VolumeLayout.Entry.DATA).mode());
        assertEquals(0555, ro.attributes(VolumeLayout.Entry.ROOT).mode());
    }

    @Test
    void writesAtAnyOffsetReadBack() {
        VolumeLayout l = layout(false, false);
        byte[] hello = "Hello GalleonFS!".getBytes(StandardCharsets.UTF_8);
        assertEquals(hello.length, l.write(VolumeLayout.Entry.DATA, 5000, ByteBuffer.wrap(hello)));
        ByteBuffer dst = ByteBuffer.allocate(hello.length);
        assertEquals(hello.length, l.read(VolumeLayout.Entry.DATA, 5000, dst));
        assertArrayEquals(hello, dst.array());
        assertEquals(List.of("write 5000+16 ACKNOWLEDGED"), io.calls);
        assertTrue(l.attributes(VolumeLayout.Entry.DATA).modifiedMillis() > 1_700_000_000_123L);
    }

    @Test
    void readsStopAtTheEndAndWritesCannotGrowTheFile() {
        VolumeLayout l = layout(false, false);
        ByteBuffer dst = ByteBuffer.allocate(100);
        assertEquals(10, l.read(VolumeLayout.Entry.DATA, SIZE - 10, dst), "short read at the end");
        assertEquals(0, l.read(VolumeLayout.Entry.DATA, SIZE, ByteBuffer.allocate(10)), "EOF");
        assertEquals(10, l.write(VolumeLayout.Entry.DATA, SIZE - 10, ByteBuffer.wrap(new byte[100])), "short write at the end");
        assertEquals(-Errno.ENOSPC, l.write(VolumeLayout.Entry.DATA, SIZE, ByteBuffer.wrap(new byte[1])));
        assertEquals(-Errno.EINVAL, l.read(VolumeLayout.Entry.DATA, -1, ByteBuffer.allocate(1)));
    }

    @Test
    void syncMountsMakeEveryWriteDurableAndFsyncFlushes() {
        VolumeLayout l = layout(false, true);
        l.write(VolumeLayout.Entry.DATA, 0, ByteBuffer.wrap(new byte[8192]));
        assertEquals(List.of("write 0+8192 ACKNOWLEDGED", "flush"), io.calls);
        io.calls.clear();
        VolumeLayout plain = layout(false, false);
        assertEquals(0, plain.fsync(VolumeLayout.Entry.DATA));
        assertEquals(List.of("flush"), io.calls);
    }

    @Test
    void readOnlyRefusesEveryChangeWithErofs() {
        VolumeLayout l = layout(true, false);
        assertEquals(-Errno.EROFS, l.open(VolumeLayout.Entry.DATA, O_WRONLY));
        assertEquals(-Errno.EROFS, l.open(VolumeLayout.Entry.DATA, O_RDWR));
        assertEquals(0, l.open(VolumeLayout.Entry.DATA, O_RDONLY));
        assertEquals(-Errno.EROFS, l.write(VolumeLayout.Entry.DATA, 0, ByteBuffer.wrap(new byte[1])));
        assertEquals(-Errno.EROFS, l.truncate(VolumeLayout.Entry.DATA, 0));
        assertEquals(-Errno.EROFS, l.fallocate(VolumeLayout.Entry.DATA, 3, 0, 4096));
        assertTrue(io.calls.isEmpty());
    }

    @Test
    void textFilesAreReadOnlyAndReadable() {
        VolumeLayout l = layout(false, false);
        assertEquals(-Errno.EACCES, l.open(VolumeLayout.Entry.README, O_WRONLY));
        assertEquals(-Errno.EACCES, l.write(VolumeLayout.Entry.METADATA, 0, ByteBuffer.wrap(new byte[1])));
        ByteBuffer dst = ByteBuffer.allocate(100);
        assertEquals(meta.length, l.read(VolumeLayout.Entry.METADATA, 0, dst));
        assertEquals(new String(meta, StandardCharsets.UTF_8), new String(dst.array(), 0, meta.length, StandardCharsets.UTF_8));
        ByteBuffer tail = ByteBuffer.allocate(100);
        assertEquals(3, l.read(VolumeLayout.Entry.README, readme.length - 3, tail));
        assertEquals(-Errno.EISDIR, l.read(VolumeLayout.Entry.ROOT, 0, tail));
    }

    @Test
    void truncateNeverDiscardsData() {
        VolumeLayout l = layout(false, false);
        l.write(VolumeLayout.Entry.DATA, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertEquals(0, l.truncate(VolumeLayout.Entry.DATA, 0));
        assertEquals(SIZE, l.attributes(VolumeLayout.Entry.DATA).size());
        assertEquals(1, io.bytes[0]);
        assertEquals(-Errno.EFBIG, l.truncate(VolumeLayout.Entry.DATA, SIZE + 1));
    }

    @Test
    void punchHoleAndZeroRangeTrimTheVolume() {
        VolumeLayout l = layout(false, false);
        java.util.Arrays.fill(io.bytes, (byte) 7);
        assertEquals(0, l.fallocate(VolumeLayout.Entry.DATA, 0x01 | 0x02, 4096, 8192));
        assertEquals(0, l.fallocate(VolumeLayout.Entry.DATA, 0x10, SIZE - 100, 1000));
        assertEquals(List.of("trim 4096+8192", "trim " + (SIZE - 100) + "+100"), io.calls);
        assertEquals(0, io.bytes[4096]);
        assertEquals(7, io.bytes[4095]);
        assertEquals(0, l.fallocate(VolumeLayout.Entry.DATA, 0, 0, SIZE), "plain allocation inside the volume is a no-op");
        assertEquals(-Errno.EFBIG, l.fallocate(VolumeLayout.Entry.DATA, 0, 0, SIZE + 1));
        assertEquals(-Errno.EOPNOTSUPP, l.fallocate(VolumeLayout.Entry.DATA, 0x08, 0, 10));
    }

    @Test
    void aFullNodeIsEnospc() {
        VolumeLayout l = layout(false, false);
        io.failWrites = new io.galleonfs.engine.OutOfSpaceException("no space left for writes: 0 bytes free, 64 bytes reserved");
        assertEquals(-Errno.ENOSPC, l.write(VolumeLayout.Entry.DATA, 0, ByteBuffer.wrap(new byte[10])));
        io.failWrites = new java.io.IOException("Input/output error");
        assertEquals(-Errno.EIO, l.write(VolumeLayout.Entry.DATA, 0, ByteBuffer.wrap(new byte[10])));
    }

    @Test
    void volumeErrorsBecomeEio() {
        VolumeLayout l = layout(false, false);
        io.failing = true;
        assertEquals(-Errno.EIO, l.read(VolumeLayout.Entry.DATA, 0, ByteBuffer.allocate(10)));
        assertFalse(io.calls.contains("flush"));
    }
}
