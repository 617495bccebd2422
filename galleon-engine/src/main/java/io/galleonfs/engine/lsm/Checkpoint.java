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
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * A persisted copy of the extent index and the log position it covers: recovery loads it and replays only the
 * records from {@code segment}/{@code offset} on, starting at sequence number {@code nextSeq}.
 *
 * <p>File {@code checkpoint.idx}, replaced atomically: magic "GLCP", version 2, block size, volume count (u32 each),
 * segment, offset, nextSeq, nextFileId (u64 each); per volume: uuid and family uuid (msb, lsb as u64 each), live entry
 * count (u32) and entries of block (u32), location (u64), crc32c (u32), snapshot count (u32) and per snapshot, oldest
 * first: id, createdAtMillis, version file id (u64 each), name (u32 length + UTF-8); then a CRC32C of everything before
 * it. Version 1 (phase 1: no family, no snapshots, no nextFileId) is still read.
 *
 * <p>A snapshot's map lives in its own file {@code version-<file id, 16 hex>.map} (magic "GLVM", version 1, entry
 * count, entries as above, CRC32C), written once when the map first goes into a checkpoint and then only referenced:
 * a map that changes afterwards (the newest snapshot receiving overwritten entries, a merge, a relocation) gets a new
 * file at the next checkpoint. Files no durable checkpoint references are deleted after the checkpoint and at open.
 */
record Checkpoint(long segment, long offset, long nextSeq, long nextFileId, Map<UUID, ExtentIndex.VolumeCut> volumes) {
    static final String FILE = "checkpoint.idx";
    private static final int MAGIC = 0x50434c47; // "GLCP"
    private static final int VERSION = 2;
    private static final int VERSION_FILE_MAGIC = 0x4d564c47; // "GLVM"
    private static final int CHUNK = 1 << 16;

    static Path versionFile(Path dir, long fileId) {
        return dir.resolve(String.format("version-%016x.map", fileId));
    }

    /** Writes the version files this cut introduces, then the checkpoint file (each atomically and durably). */
    void write(Path dir, int blockSize) throws IOException {
        for (ExtentIndex.VolumeCut v : volumes.values()) {
            for (ExtentIndex.VersionCut version : v.versions()) {
                if (version.map() == null && !Files.exists(versionFile(dir, version.fileId()))) {
                    // An earlier checkpoint that was to write it failed after this cut was taken: never name a
                    // missing file (the writer rewrites every map at the next cut).
                    throw new EngineException("version file " + versionFile(dir, version.fileId()) + " is missing");
                }
                if (version.map() != null) {
                    AtomicFiles.write(versionFile(dir, version.fileId()), out -> {
                        try {
                            Encoder enc = new Encoder(out);
                            enc.putInt(VERSION_FILE_MAGIC).putInt(1);
                            putMap(enc, version.map());
                            enc.finish();
                        } catch (java.io.UncheckedIOException e) {
                            throw e.getCause();
                        }
                    });
                }
            }
        }
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
        enc.putLong(segment).putLong(offset).putLong(nextSeq).putLong(nextFileId);
        for (Map.Entry<UUID, ExtentIndex.VolumeCut> v : volumes.entrySet()) {
            ExtentIndex.VolumeCut cut = v.getValue();
            enc.putLong(v.getKey().getMostSignificantBits()).putLong(v.getKey().getLeastSignificantBits());
            enc.putLong(cut.family().getMostSignificantBits()).putLong(cut.family().getLeastSignificantBits());
            putMap(enc, cut.live());
            enc.putInt(cut.versions().size());
            for (ExtentIndex.VersionCut version : cut.versions()) {
                enc.putLong(version.id()).putLong(version.createdAtMillis()).putLong(version.fileId());
                byte[] name = version.name().getBytes(StandardCharsets.UTF_8);
                enc.putInt(name.length);
                for (byte b : name) {
                    enc.putByte(b);
                }
            }
        }
        enc.finish();
    }

    private static void putMap(Encoder enc, BlockMap map) {
        enc.putInt(map.size());
        map.forEach((block, loc, crc) -> enc.putInt(block).putLong(loc).putInt(crc));
    }

    private static BlockMap getMap(Decoder dec) throws IOException {
        int count = dec.getInt();
        if (count < 0) {
            throw new EngineException("checkpoint map with " + count + " entries in " + dec.file);
        }
        BlockMap map = new BlockMap();
        for (int e = 0; e < count; e++) {
            map.put(dec.getInt(), dec.getLong(), dec.getInt());
        }
        return map;
    }

    /**
     * Loads the checkpoint of {@code dir} with the snapshot maps its version files hold, or returns null when there is
     * none (a store that never checkpointed). A missing or corrupt version file refuses the open.
     */
    static Checkpoint read(Path dir, int blockSize) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
            Decoder dec = new Decoder(in, file);
            int magic = dec.getInt();
            int version = dec.getInt();
            if (magic != MAGIC || version != 1 && version != VERSION) {
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
            long nextFileId = version == 1 ? 1 : dec.getLong();
            Map<UUID, ExtentIndex.VolumeCut> volumes = new HashMap<>();
            for (int i = 0; i < volumeCount; i++) {
                UUID volume = new UUID(dec.getLong(), dec.getLong());
                UUID family = version == 1 ? volume : new UUID(dec.getLong(), dec.getLong());
                BlockMap live = getMap(dec);
                List<ExtentIndex.VersionCut> versions = new ArrayList<>();
                int count = version == 1 ? 0 : dec.getInt();
                for (int k = 0; k < count; k++) {
                    long id = dec.getLong();
                    long created = dec.getLong();
                    long fileId = dec.getLong();
                    int n = dec.getInt();
                    if (n <= 0 || n > LogFormat.MAX_NAME_BYTES) {
                        throw new EngineException("checkpoint " + file + " has a snapshot name of " + n + " bytes");
                    }
                    byte[] name = new byte[n];
                    for (int b = 0; b < n; b++) {
                        name[b] = dec.getByte();
                    }
                    versions.add(new ExtentIndex.VersionCut(new String(name, StandardCharsets.UTF_8), id, created,
                            fileId, null));
                }
                volumes.put(volume, new ExtentIndex.VolumeCut(family, live, versions));
            }
            dec.verifyChecksum();
            // Snapshot maps after the checkpoint's own checksum passed: its file ids are trustworthy.
            for (Map.Entry<UUID, ExtentIndex.VolumeCut> v : volumes.entrySet()) {
                List<ExtentIndex.VersionCut> loaded = new ArrayList<>();
                for (ExtentIndex.VersionCut vc : v.getValue().versions()) {
                    loaded.add(new ExtentIndex.VersionCut(vc.name(), vc.id(), vc.createdAtMillis(), vc.fileId(),
                            readVersionFile(dir, vc.fileId())));
                }
                v.setValue(new ExtentIndex.VolumeCut(v.getValue().family(), v.getValue().live(), loaded));
            }
            return new Checkpoint(segment, offset, nextSeq, nextFileId, volumes);
        }
    }

    private static BlockMap readVersionFile(Path dir, long fileId) throws IOException {
        Path file = versionFile(dir, fileId);
        if (!Files.exists(file)) {
            throw new EngineException("the checkpoint references " + file + ", which is missing");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
            Decoder dec = new Decoder(in, file);
            if (dec.getInt() != VERSION_FILE_MAGIC || dec.getInt() != 1) {
                throw new EngineException("version file " + file + " has no valid header");
            }
            BlockMap map = getMap(dec);
            dec.verifyChecksum();
            return map;
        }
    }

    /**
     * Deletes version files that {@code durable} (the newest durable checkpoint) does not reference and that no later cut
     * can reference: file ids below its {@code nextFileId} (a later cut's new files have higher ids, and a map a later
     * cut still references unchanged was referenced by this one too).
     */
    static void deleteUnreferencedVersionFiles(Path dir, Checkpoint durable) throws IOException {
        deleteUnreferencedVersionFiles(dir, durable, durable.nextFileId());
    }

    /** At open no cut is in flight: every version file the loaded checkpoint (or null) does not name goes. */
    static void deleteUnreferencedVersionFiles(Path dir, Checkpoint durable, long bound) throws IOException {
        Set<Long> referenced = new HashSet<>();
        if (durable != null) {
            for (ExtentIndex.VolumeCut v : durable.volumes().values()) {
                for (ExtentIndex.VersionCut version : v.versions()) {
                    referenced.add(version.fileId());
                }
            }
        }
        boolean deleted = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "version-*.map")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                long id;
                try {
                    id = Long.parseUnsignedLong(name.substring(8, name.length() - 4), 16);
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    continue;
                }
                if (id < bound && !referenced.contains(id)) {
                    Files.deleteIfExists(f);
                    deleted = true;
                }
            }
        }
        if (deleted) {
            AtomicFiles.fsyncDirectory(dir);
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

        Encoder putByte(byte v) {
            room(1);
            buf.put(v);
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
        final Path file;
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

        byte getByte() throws IOException {
            fill(1);
            crc.update(scratch, 0, 1);
            return scratch[0];
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
