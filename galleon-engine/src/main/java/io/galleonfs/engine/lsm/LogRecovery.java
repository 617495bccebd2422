package io.galleonfs.engine.lsm;

import io.galleonfs.engine.EngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Rebuilds the extent index at open: loads the checkpoint, then replays the log from the checkpoint's position,
 * segment by segment, record by record, as long as records are whole (magic, length, CRC32C) and their sequence
 * numbers continue without a gap. The first record that fails ends the log: the rest of that segment is cut off
 * (a torn or never-synced tail), and a later segment that holds records is set aside as {@code .orphaned} (never
 * deleted): a crash produces one when a writer died holding a place just before a roll while later appenders went on
 * into the next segment (none of their records was acknowledged), and so does corruption in the middle of the log.
 */
final class LogRecovery {
    private static final Logger LOG = Logger.getLogger(LogRecovery.class);

    /** What recovery produced: the index is filled, the segments opened; the writer continues at nextSeq. */
    record Result(long nextSeq, long lastSegmentId, long replayedRecords) {
    }

    private final LogStoreConfig config;
    private final ExtentIndex index;
    private final Map<Long, Segment> segments;

    LogRecovery(LogStoreConfig config, ExtentIndex index, Map<Long, Segment> segments) {
        this.config = config;
        this.index = index;
        this.segments = segments;
    }

    Result recover() throws IOException {
        Path dir = config.root();
        int blockSize = config.blockSize();
        Checkpoint checkpoint = Checkpoint.read(dir, blockSize);
        if (checkpoint != null) {
            Map<java.util.UUID, VolumeVersions> loaded = new java.util.HashMap<>();
            checkpoint.volumes().forEach((volume, cut) -> {
                VolumeVersions vv = new VolumeVersions(cut.family(), cut.live());
                for (ExtentIndex.VersionCut v : cut.versions()) {
                    vv.versions.add(new VolumeVersions.Version(v.name(), v.id(), v.createdAtMillis(), v.map(),
                            v.fileId()));
                }
                loaded.put(volume, vv);
            });
            index.installAll(loaded);
            index.nextFileId(checkpoint.nextFileId());
        }
        Checkpoint.deleteUnreferencedVersionFiles(dir, checkpoint, Long.MAX_VALUE);
        TreeMap<Long, Path> files = listSegments(dir);
        long startSegment = checkpoint != null ? checkpoint.segment() : (files.isEmpty() ? 1 : files.firstKey());
        long startOffset = checkpoint != null ? checkpoint.offset() : LogFormat.SEGMENT_HEADER;
        long expectedSeq = checkpoint != null ? checkpoint.nextSeq() : 1;
        long lastId = checkpoint != null ? checkpoint.segment() : 0;
        long replayed = 0;
        boolean ended = false;
        boolean corrupt = false; // the log ended at a whole record out of sequence: no crash produces one
        for (long id : files.keySet()) {
            lastId = Math.max(lastId, id);
            Segment segment = Segment.open(dir, id);
            String bad = checkHeader(segment, blockSize);
            if (bad != null) {
                segment.close();
                if (id == files.lastKey() && id >= startSegment) {
                    // Created by a roll that crashed before its header was synced: it never held a record.
                    LOG.warnf("segment %d: %s; it was being created at the crash, deleting it", id, bad);
                    Files.delete(segment.path);
                    continue;
                }
                throw new EngineException("segment " + segment.path + ": " + bad);
            }
            if (id < startSegment) {
                // Sealed before the checkpoint: read only through the index, never replayed.
                segment.end(segment.channel.size());
                segments.put(id, segment);
                continue;
            }
            if (ended) {
                if (zeroFrom(segment, LogFormat.SEGMENT_HEADER)) {
                    segments.put(id, segment); // prepared ahead and never written: deleted below as empty
                } else {
                    setAside(segment, "it follows the end of the log", corrupt);
                }
                continue;
            }
            long from = id == startSegment ? startOffset : LogFormat.SEGMENT_HEADER;
            Scan scan = replay(segment, from, expectedSeq);
            replayed += scan.nextSeq - expectedSeq;
            expectedSeq = scan.nextSeq;
            segment.end(scan.end);
            long size = segment.channel.size();
            if (size > scan.end && !zeroFrom(segment, scan.end)) {
                // Bytes after the last whole record: a torn record, records an appender wrote after a hole (a place
                // reserved by a writer that died before filling it), or corruption. Records are applied, hence
                // acknowledged and covered by a durable acknowledgement's fdatasync, strictly in seq order, so nothing
                // after the first missing record was ever acknowledged: the log ends here either way. When later
                // segments hold records too, keep the bytes after the cut for inspection and set those segments aside.
                if (scan.gap || laterSegmentHoldsData(files, id)) {
                    ended = true;
                    Path kept = unusedName(segment.path.resolveSibling(segment.path.getFileName() + ".cut-at-" + scan.end));
                    copyTail(segment, scan.end, kept);
                    String what = "segment %d: the log ends at offset %d (record %d): %s; the %d bytes after it are"
                            + " kept in %s";
                    if (scan.gap && scan.end > LogFormat.SEGMENT_HEADER) {
                        // A whole record right after whole records whose seq does not continue: no crash does that.
                        corrupt = true;
                        LOG.errorf(what, id, scan.end, expectedSeq, "a record out of sequence (corruption)",
                                size - scan.end, kept);
                    } else {
                        LOG.warnf(what, id, scan.end, expectedSeq,
                                "later records were never acknowledged (a hole, torn record or corruption precedes them)",
                                size - scan.end, kept);
                    }
                }
            }
            // The tail after the last whole record (torn, never synced or preallocated) is not part of the log.
            segment.trimToEnd();
            // What this run appends must never outlive what it replayed: make the replayed records durable first.
            segment.channel.force(false);
            segments.put(id, segment);
        }
        for (long referenced : index.liveBytesBySegment().keySet()) {
            if (!segments.containsKey(referenced)) {
                throw new EngineException("the index references segment " + referenced + ", which is missing in "
                        + dir);
            }
        }
        deleteEmpty(dir);
        if (replayed > 0) {
            LOG.infof("log store %s: replayed %d records after the checkpoint", dir, replayed);
        }
        return new Result(expectedSeq, lastId, replayed);
    }

    /** Where a replay stopped; {@code gap}: at a whole record whose sequence number does not continue the log. */
    private record Scan(long end, long nextSeq, boolean gap) {
    }

    /** Applies the whole records from {@code from} on; stops at the first invalid or out-of-sequence record. */
    private Scan replay(Segment segment, long from, long expectedSeq) throws IOException {
        long size = segment.channel.size();
        if (size <= from) {
            return new Scan(from, expectedSeq, false);
        }
        MappedByteBuffer map = segment.channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        ByteBuffer buf = map.order(ByteOrder.LITTLE_ENDIAN);
        int pos = (int) from;
        long seq = expectedSeq;
        LogFormat.Record rec;
        while ((rec = LogFormat.parse(buf, pos, config.blockSize())) != null && rec.seq() == seq) {
            apply(buf, rec, LogFormat.location(segment.id, pos));
            pos += rec.length();
            seq++;
        }
        return new Scan(pos, seq, rec != null);
    }

    /** Whether {@code segment} holds only zero bytes from {@code from} to its end (preallocated, never written). */
    private static boolean zeroFrom(Segment segment, long from) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
        long pos = from;
        long size = segment.channel.size();
        while (pos < size) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), size - pos));
            segment.readFully(chunk, pos);
            for (int i = 0; i < chunk.limit(); i++) {
                if (chunk.get(i) != 0) {
                    return false;
                }
            }
            pos += chunk.limit();
        }
        return true;
    }

    private static void copyTail(Segment segment, long from, Path target) throws IOException {
        try (FileChannel out = FileChannel.open(target, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = segment.channel.size();
            long pos = from;
            while (pos < size) {
                pos += segment.channel.transferTo(pos, size - pos, out);
            }
            out.force(true);
        }
    }

    /** Whether a segment after {@code id} holds any non-zero byte after its header (a record or part of one). */
    private static boolean laterSegmentHoldsData(TreeMap<Long, Path> files, long id) throws IOException {
        for (long later : files.tailMap(id, false).keySet()) {
            try (Segment s = Segment.open(files.get(later).getParent(), later)) {
                if (s.channel.size() > LogFormat.SEGMENT_HEADER && !zeroFrom(s, LogFormat.SEGMENT_HEADER)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void apply(ByteBuffer buf, LogFormat.Record rec, long location) {
        if (rec.type() == LogFormat.PAD) {
            return; // a place its writer could not fill: applies to nothing
        }
        ByteBuffer payload = LogFormat.isVersionOp(rec.type())
                ? buf.duplicate().limit(rec.payloadOffset() + rec.payloadLength()).position(rec.payloadOffset())
                : null;
        index.apply(rec.type(), rec.seq(), rec.volume(), rec.block(), rec.arg(), rec.dataCrc(), payload, location);
    }

    private static String checkHeader(Segment segment, int blockSize) throws IOException {
        if (segment.channel.size() < LogFormat.SEGMENT_HEADER) {
            return "shorter than its header";
        }
        ByteBuffer header = ByteBuffer.allocate(LogFormat.SEGMENT_HEADER);
        segment.readFully(header, 0);
        return LogFormat.checkSegmentHeader(header.flip(), segment.id, blockSize);
    }

    /**
     * Renames a segment that is not part of the log out of the way, keeping its bytes for inspection: at WARN after a
     * crash's hole or torn record (its records were never acknowledged), at ERROR after corruption.
     */
    private static void setAside(Segment segment, String why, boolean corrupt) throws IOException {
        segment.close();
        Path target = unusedName(segment.path.resolveSibling(segment.path.getFileName() + ".orphaned"));
        Files.move(segment.path, target);
        LOG.logf(corrupt ? org.jboss.logging.Logger.Level.ERROR : org.jboss.logging.Logger.Level.WARN,
                "segment %d set aside as %s: %s", segment.id, target, why);
    }

    /**
     * {@code kept}, or {@code kept-2}, {@code kept-3}... when a file of that name exists: a segment id set aside once can
     * be created again (a crash between the set-aside and the new head's creation) and set aside again, and what
     * recovery keeps it never overwrites.
     */
    static Path unusedName(Path kept) {
        Path name = kept;
        for (int n = 2; Files.exists(name, java.nio.file.LinkOption.NOFOLLOW_LINKS); n++) {
            name = kept.resolveSibling(kept.getFileName() + "-" + n);
        }
        return name;
    }

    /** Segments without records and without referenced blocks hold nothing: delete them. */
    private void deleteEmpty(Path dir) throws IOException {
        Map<Long, Long> live = index.liveBytesBySegment();
        for (Segment s : java.util.List.copyOf(segments.values())) {
            if (s.end() <= LogFormat.SEGMENT_HEADER && !live.containsKey(s.id)) {
                segments.remove(s.id);
                s.close();
                Files.delete(s.path);
            }
        }
    }

    static TreeMap<Long, Path> listSegments(Path dir) throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "segment-*.log")) {
            for (Path p : stream) {
                long id = Segment.idOf(p.getFileName().toString());
                if (id >= 0) {
                    files.put(id, p);
                }
            }
        }
        return files;
    }
}
