package io.galleonfs.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Every on-disk integer of the engine is little endian; java.io streams are big endian. */
final class LittleEndian {
    private LittleEndian() {
    }

    static void writeInt(DataOutput out, int v) throws IOException {
        out.writeInt(Integer.reverseBytes(v));
    }

    static void writeLong(DataOutput out, long v) throws IOException {
        out.writeLong(Long.reverseBytes(v));
    }

    static int readInt(DataInput in) throws IOException {
        return Integer.reverseBytes(in.readInt());
    }

    static long readLong(DataInput in) throws IOException {
        return Long.reverseBytes(in.readLong());
    }
}
