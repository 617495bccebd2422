package io.galleonfs.engine.lsm;

import io.galleonfs.engine.AtomicFiles;
import io.galleonfs.engine.EngineException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * A persisted copy of the extent index and the log position it covers: recovery loads it and replays only the
 * records from {@code segment}/{@code offset} on, starting at sequence number {@code nextSeq}.
 *
 * <p>File {@code checkpoint.idx}, replaced atomically: magic "GLCP", version, block size, volume count (u32 each),
 * segment (u64), offset (u64), nextSeq (u64); per volume: uuid msb, lsb (u64), entry count (u32), entries of
 * block (u32), location (u64), crc32c (u32); then a CRC32C of everything before it.
 */
record Checkpoint(long segment, long offset, long nextSeq, Map<UUID, BlockMap> volumes) {
    static final String FILE = "checkpoint.idx";
    private static final int MAGIC = 0x50434c47; // "GLCP"
    private static final int VERSION = 1;
    private static final int CHUNK = 1 << 16;

    void write(Path dir, int blockSize) throws IOException {
        AtomicFiles.write(dir.resolve(FILE), out -> {
            try {
                encode(new Encoder(out), blockSize);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
        });
    }

    private void encode(Encoder enc, int blockSize) throws IOException {
        enc.putInt(MAGIC).putInt(VERSION).putInt(blockSize).putInt(volumes.size());
        enc.putLong(segment).putLong(offset).putLong(nextSeq);
        for (Map.Entry<UUID, BlockMap> v : volumes.entrySet()) {
            enc.putLong(v.getKey().getMostSignificantBits()).putLong(v.getKey().getLeastSignificantBits());
            enc.putInt(v.getValue().size());
            v.getValue().forEach((block, loc, crc) -> enc.putInt(block).putLong(loc).putInt(crc));
        }
        enc.finish();
    }

    /** Loads the checkpoint of {@code dir}, or returns null when there is none (a store that never checkpointed). */
    static Checkpoint read(Path dir, int blockSize) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
            Decoder dec = new Decoder(in, file);
            if (dec.getInt() != MAGIC || dec.getInt() != VERSION) {
                throw new EngineException("checkpoint " + file + " has no valid header");
            }
            int storedBlockSize = dec.getInt();
            if (storedBlockSize != blockSize) {
                throw new EngineException("checkpoint " + file + " has block size " + storedBlockSize
                        + ", the store " + blockSize);
            }
            int volumeCount = dec.getInt();
            long segment = dec.getLong();
            long offset = dec.getLong();
            long nextSeq = dec.getLong();
            Map<UUID, BlockMap> volumes = new HashMap<>();
            for (int i = 0; i < volumeCount; i++) {
                UUID volume = new UUID(dec.getLong(), dec.getLong());
                int count = dec.getInt();
                BlockMap map = new BlockMap();
                for (int e = 0; e < count; e++) {
                    map.put(dec.getInt(), dec.getLong(), dec.getInt());
                }
                volumes.put(volume, map);
            }
            dec.verifyChecksum();
            return new Checkpoint(segment, offset, nextSeq, volumes);
        }
    }

    /** Little-endian writer through a chunk buffer that keeps a running CRC32C. */
    private static final class Encoder {
        private final OutputStream out;
        private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();

        Encoder(OutputStream out) {
            this.out = out;
        }

        Encoder putInt(int v) {
            room(Integer.BYTES);
            buf.putInt(v);
            return this;
        }

        Encoder putLong(long v) {
            room(Long.BYTES);
            buf.putLong(v);
            return this;
        }

        private void room(int n) {
            if (buf.remaining() < n) {
                drain();
            }
        }

        private void drain() {
            try {
                crc.update(buf.array(), 0, buf.position());
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void finish() throws IOException {
            try {
                drain();
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            buf.putInt((int) crc.getValue());
            out.write(buf.array(), 0, Integer.BYTES);
        }
    }

    private static final class Decoder {
        private final InputStream in;
        private final Path file;
        private final byte[] scratch = new byte[Long.BYTES];
        private final ByteBuffer view = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();

        Decoder(InputStream in, Path file) {
            this.in = in;
            this.file = file;
        }

        private void fill(int n) throws IOException {
            if (in.readNBytes(scratch, 0, n) != n) {
                throw new EngineException("checkpoint " + file + " is truncated");
            }
        }

        int getInt() throws IOException {
            fill(Integer.BYTES);
            crc.update(scratch, 0, Integer.BYTES);
            return view.getInt(0);
        }

        long getLong() throws IOException {
            fill(Long.BYTES);
            crc.update(scratch, 0, Long.BYTES);
            return view.getLong(0);
        }

        void verifyChecksum() throws IOException {
            int expected = (int) crc.getValue();
            fill(Integer.BYTES);
            if (view.getInt(0) != expected || in.read() != -1) {
                throw new EngineException("checkpoint " + file + " fails its checksum");
            }
        }
    }
}
