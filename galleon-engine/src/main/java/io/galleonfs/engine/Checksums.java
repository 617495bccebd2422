package io.galleonfs.engine;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

final class Checksums {
    private Checksums() {
    }

    /** CRC32C of the remaining bytes; does not move the buffer's position. */
    static int crc32c(ByteBuffer buf) {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate());
        return (int) crc.getValue();
    }
}
