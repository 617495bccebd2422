package io.galleonfs.engine.lsm;

import io.galleonfs.engine.NoSuchSnapshotException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.roaringbitmap.RoaringBitmap;

/**
 * The in-memory extent index: per volume its {@link VolumeVersions} (the live map and the snapshots' reverse deltas,
 * block -> record location + CRC32C), plus the references each segment still has (the cleaner's accounting). Mutated
 * only by the log writer thread (and by recovery before the writer starts), in log order, through
 * {@link #apply}; recovery replays the log through the same method, so the live index and a recovered one go through
 * identical states. Readers look up concurrently; each volume's versions are guarded by their own monitor.
 *
 * <p>Liveness: every map entry that names a record (live or in any snapshot, of any volume) is a reference. A record
 * is live while it has one; {@link #liveBytesBySegment} counts each live record once (the cleaner's live fraction is
 * exact), and records with more than one reference (a clone's copy of an entry, live sharing a record with a snapshot
 * after a restore) keep their extra count beside it. A segment is dead only when no map of any volume references it,
 * which is what deletion and the cleaner rely on.
 */
final class ExtentIndex {
    /** Where a block's current bytes are. */
    record Extent(long location, int crc) {
    }

    /** One mapped record, as the cleaner collects them; {@code family} is the family of the volume that maps it. */
    record Entry(UUID family, int block, long location, int crc) {
    }

    /** A snapshot as callers see it; {@code blocks}: entries of its own map (blocks changed after it, zeros included). */
    record VersionInfo(String name, long id, long createdAtMillis, long blocks) {
    }

    /** The cut of one volume a checkpoint persists; version maps are copied only when they changed since the last. */
    record VolumeCut(UUID family, BlockMap live, List<VersionCut> versions) {
    }

    /** @param map the copy to write into version file {@code fileId}, or null when that file already holds it */
    record VersionCut(String name, long id, long createdAtMillis, long fileId, BlockMap map) {
    }

    private final ConcurrentHashMap<UUID, VolumeVersions> volumes = new ConcurrentHashMap<>();
    /** Bytes of distinct referenced records per segment. */
    private final Map<Long, Long> liveBytes = new HashMap<>();
    /** References beyond the first, per record that has them (records shared by a clone or by live after a restore). */
    private final LongCounts extraRefs = new LongCounts();
    private final int recordLength;
    /** Next version file id a checkpoint cut assigns (writer thread only). */
    private long nextFileId = 1;

    ExtentIndex(int blockSize) {
        this.recordLength = LogFormat.dataRecordLength(blockSize);
    }

    // ---------------------------------------------------------------- lookups (any thread)

    /** The block's live extent or null when the block reads as zeros. */
    Extent lookup(UUID volume, int block) {
        VolumeVersions vv = volumes.get(volume);
        if (vv == null) {
            return null;
        }
        synchronized (vv) {
            long loc = vv.live.location(block);
            return loc == BlockMap.ABSENT ? null : new Extent(loc, vv.live.crc(block));
        }
    }

    /** The block's extent in snapshot {@code name}, or null when it reads as zeros there. */
    Extent lookup(UUID volume, String name, int block) throws NoSuchSnapshotException {
        VolumeVersions vv = volumes.get(volume);
        if (vv == null) {
            throw noSuchSnapshot(volume, name);
        }
        synchronized (vv) {
            int i = vv.indexOf(name);
            if (i < 0) {
                throw noSuchSnapshot(volume, name);
            }
            int[] crc = new int[1];
            long loc = vv.resolve(i, block, crc);
            return loc == BlockMap.ABSENT ? null : new Extent(loc, crc[0]);
        }
    }

    boolean hasVolume(UUID volume) {
        VolumeVersions vv = volumes.get(volume);
        if (vv == null) {
            return false;
        }
        synchronized (vv) {
            return !vv.isEmpty();
        }
    }

    List<VersionInfo> versions(UUID volume) {
        VolumeVersions vv = volumes.get(volume);
        if (vv == null) {
            return List.of();
        }
        synchronized (vv) {
            List<VersionInfo> out = new ArrayList<>(vv.versions.size());
            for (VolumeVersions.Version v : vv.versions) {
                out.add(new VersionInfo(v.name, v.id, v.createdAtMillis, v.map.size()));
            }
            return out;
        }
    }

    /** Blocks that hold data in the live view (exact: the live map's keys). */
    RoaringBitmap allocatedBlocks(UUID volume) {
        RoaringBitmap out = new RoaringBitmap();
        VolumeVersions vv = volumes.get(volume);
        if (vv != null) {
            synchronized (vv) {
                vv.live.addKeysTo(out);
            }
        }
        return out;
    }

    /**
     * Blocks whose content may differ between version {@code from} and {@code to} (names; null = live): the union of
     * the reverse deltas between them, a superset of the truly changed blocks. With {@code from} null: the blocks
     * holding data in {@code to} (exact).
     */
    RoaringBitmap changedBlocks(UUID volume, String from, String to) throws NoSuchSnapshotException {
        VolumeVersions vv = volumes.get(volume);
        RoaringBitmap out = new RoaringBitmap();
        if (vv == null) {
            if (from != null || to != null) {
                throw noSuchSnapshot(volume, from != null ? from : to);
            }
            return out;
        }
        synchronized (vv) {
            int j = indexOrLive(vv, volume, to);
            if (from == null) {
                vv.view(j).addKeysTo(out);
                return out;
            }
            int i = indexOrLive(vv, volume, from);
            for (int k = Math.min(i, j); k < Math.max(i, j); k++) {
                vv.versions.get(k).map.addKeysTo(out);
            }
            return out;
        }
    }

    /** Every record the volume's maps reference, once each (verify, usage). */
    List<Entry> entriesOf(UUID volume) {
        List<Entry> out = new ArrayList<>();
        VolumeVersions vv = volumes.get(volume);
        if (vv == null) {
            return out;
        }
        Set<Long> seen = new HashSet<>();
        synchronized (vv) {
            collect(vv, vv.live, null, seen, out);
            for (VolumeVersions.Version v : vv.versions) {
                collect(vv, v.map, null, seen, out);
            }
        }
        return out;
    }

    /** Every referenced record whose location is in one of {@code segments}, once per location (the cleaner). */
    List<Entry> entriesIn(Set<Long> segments) {
        List<Entry> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        volumes.forEach((v, vv) -> {
            synchronized (vv) {
                collect(vv, vv.live, segments, seen, out);
                for (VolumeVersions.Version version : vv.versions) {
                    collect(vv, version.map, segments, seen, out);
                }
            }
        });
        return out;
    }

    private static void collect(VolumeVersions vv, BlockMap map, Set<Long> segments, Set<Long> seen, List<Entry> out) {
        map.forEach((b, loc, crc) -> {
            if (loc >= 0 && (segments == null || segments.contains(LogFormat.segmentOf(loc))) && seen.add(loc)) {
                out.add(new Entry(vv.family, b, loc, crc));
            }
        });
    }

    private static int indexOrLive(VolumeVersions vv, UUID volume, String name) throws NoSuchSnapshotException {
        if (name == null) {
            return vv.versions.size();
        }
        int i = vv.indexOf(name);
        if (i < 0) {
            throw noSuchSnapshot(volume, name);
        }
        return i;
    }

    private static NoSuchSnapshotException noSuchSnapshot(UUID volume, String name) {
        return new NoSuchSnapshotException("no snapshot '" + name + "' in volume " + volume);
    }

    // ---------------------------------------------------------------- mutations (writer thread, recovery)

    /**
     * Applies one record to the index, live or on replay.
     *
     * @param seq      the record's sequence number (a new snapshot's id)
     * @param payload  WRITE/RELOCATE: unused; version records: their payload (name, clone source); else null
     * @param location where the record is (a WRITE's or RELOCATE's new place)
     * @return whether the index changed: false for a relocation that lost to a newer write or trim, and for a version
     * operation that does not apply (snapshot name taken or missing, clone target in use)
     */
    boolean apply(byte type, long seq, UUID volume, long block, long arg, int crc, ByteBuffer payload, long location) {
        return switch (type) {
            case LogFormat.WRITE -> {
                applyWrite(volume, (int) block, location, crc);
                yield true;
            }
            case LogFormat.RELOCATE -> applyRelocate(volume, (int) block, arg, location, crc);
            case LogFormat.TRIM -> {
                applyTrim(volume, block, arg);
                yield true;
            }
            case LogFormat.DROP -> {
                applyDrop(volume);
                yield true;
            }
            case LogFormat.SNAPSHOT -> applySnapshot(volume, name(payload, 0), seq, arg);
            case LogFormat.DELETE_SNAPSHOT -> applyDeleteSnapshot(volume, name(payload, 0));
            case LogFormat.RESTORE -> applyRestore(volume, name(payload, 0));
            case LogFormat.CLONE -> {
                ByteBuffer p = payload.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
                UUID source = new UUID(p.getLong(p.position()), p.getLong(p.position() + 8));
                yield applyClone(volume, source, arg != 0 ? name(payload, 16) : null);
            }
            default -> throw new IllegalStateException("unknown record type " + type);
        };
    }

    private static String name(ByteBuffer payload, int skip) {
        ByteBuffer p = payload.duplicate();
        p.position(p.position() + skip);
        byte[] bytes = new byte[p.remaining()];
        p.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private VolumeVersions versionsOf(UUID volume) {
        return volumes.computeIfAbsent(volume, v -> new VolumeVersions(v, new BlockMap()));
    }

    void applyWrite(UUID volume, int block, long location, int crc) {
        VolumeVersions vv = versionsOf(volume);
        synchronized (vv) {
            changeLive(vv, block, location, crc, false);
        }
    }

    /**
     * Points the live entry of {@code block} at {@code location} (ABSENT: unmaps it). If a snapshot exists and its map
     * has no entry for the block yet, the previous live entry (or a HOLE) moves there first: the newest snapshot keeps
     * seeing what it saw. Caller holds vv's monitor.
     */
    private void changeLive(VolumeVersions vv, int block, long location, int crc, boolean shared) {
        VolumeVersions.Version top = vv.newest();
        boolean preserve = top != null && top.map.location(block) == BlockMap.ABSENT;
        if (preserve) {
            long old = vv.live.location(block);
            if (old == BlockMap.ABSENT && location == BlockMap.ABSENT) {
                return; // zeros stay zeros: the snapshot's view is unchanged without an entry
            }
            // The live entry's reference moves to the snapshot.
            top.map.put(block, old == BlockMap.ABSENT ? BlockMap.HOLE : old, old == BlockMap.ABSENT ? 0 : vv.live.crc(block));
            top.fileId = 0;
        }
        long previous = location == BlockMap.ABSENT ? vv.live.remove(block) : vv.live.put(block, location, crc);
        if (!preserve) {
            removeRef(previous);
        }
        addRef(location, shared);
    }

    /**
     * Applies a cleaner relocation to every map, of every volume of the record's family, that still points the block
     * at {@code from}: a client write or trim that came earlier in the log wins over the copy.
     *
     * @param family the family of the volumes sharing the record (the RELOCATE record's volume field)
     * @return whether any map now points at {@code to}
     */
    boolean applyRelocate(UUID family, int block, long from, long to, int crc) {
        boolean moved = false;
        // Every reference to a record is in the maps of its family, all for the same block: they all move together.
        for (VolumeVersions vv : volumes.values()) {
            if (!vv.family.equals(family)) {
                continue;
            }
            synchronized (vv) {
                moved |= relocateIn(vv.live, block, from, to, crc);
                for (VolumeVersions.Version v : vv.versions) {
                    if (relocateIn(v.map, block, from, to, crc)) {
                        v.fileId = 0;
                        moved = true;
                    }
                }
            }
        }
        if (moved) {
            relocateRefs(from, to);
        }
        return moved;
    }

    private static boolean relocateIn(BlockMap map, int block, long from, long to, int crc) {
        if (map.location(block) != from) {
            return false;
        }
        map.put(block, to, crc);
        return true;
    }

    void applyTrim(UUID volume, long first, long count) {
        VolumeVersions vv = volumes.get(volume);
        if (vv == null) {
            return;
        }
        synchronized (vv) {
            for (int b : vv.live.blocksIn(first, count)) {
                changeLive(vv, b, BlockMap.ABSENT, 0, false);
            }
        }
    }

    void applyDrop(UUID volume) {
        VolumeVersions vv = volumes.remove(volume);
        if (vv == null) {
            return;
        }
        synchronized (vv) {
            vv.live.forEach((b, loc, crc) -> removeRef(loc));
            for (VolumeVersions.Version v : vv.versions) {
                v.map.forEach((b, loc, crc) -> removeRef(loc));
            }
        }
    }

    boolean applySnapshot(UUID volume, String name, long id, long createdAtMillis) {
        VolumeVersions vv = versionsOf(volume);
        synchronized (vv) {
            if (vv.indexOf(name) >= 0) {
                return false;
            }
            vv.versions.add(new VolumeVersions.Version(name, id, createdAtMillis, new BlockMap(), 0));
            return true;
        }
    }

    /** Moves the snapshot's entries into the next older snapshot where it has none; drops the others' references. */
    boolean applyDeleteSnapshot(UUID volume, String name) {
        VolumeVersions vv = volumes.get(volume);
        if (vv == null) {
            return false;
        }
        synchronized (vv) {
            int i = vv.indexOf(name);
            if (i < 0) {
                return false;
            }
            VolumeVersions.Version gone = vv.versions.remove(i);
            VolumeVersions.Version older = i > 0 ? vv.versions.get(i - 1) : null;
            gone.map.forEach((b, loc, crc) -> {
                if (older != null && older.map.location(b) == BlockMap.ABSENT) {
                    older.map.put(b, loc, crc); // the reference moves with the entry
                    older.fileId = 0;
                } else {
                    removeRef(loc);
                }
            });
            return true;
        }
    }

    /**
     * Makes live equal to the snapshot: every block any map between it and live holds is set to the snapshot's value,
     * as writes (so the newest snapshot keeps its own view). O(blocks changed since the snapshot).
     */
    boolean applyRestore(UUID volume, String name) {
        VolumeVersions vv = volumes.get(volume);
        if (vv == null) {
            return false;
        }
        synchronized (vv) {
            int k = vv.indexOf(name);
            if (k < 0) {
                return false;
            }
            RoaringBitmap touched = new RoaringBitmap();
            for (int i = k; i < vv.versions.size(); i++) {
                vv.versions.get(i).map.addKeysTo(touched);
            }
            int[] crc = new int[1];
            for (int b : touched) {
                long target = vv.resolve(k, b, crc);
                if (target != vv.live.location(b) || target != BlockMap.ABSENT && crc[0] != vv.live.crc(b)) {
                    changeLive(vv, b, target, target == BlockMap.ABSENT ? 0 : crc[0], true);
                }
            }
            return true;
        }
    }

    /**
     * Creates {@code target} with the view of {@code source}'s snapshot (null: its live view) as its live map: the index
     * entries are copied, the records are shared (no data is copied). The clone joins the source's family, so the
     * cleaner moves shared records for both.
     */
    boolean applyClone(UUID target, UUID source, String name) {
        VolumeVersions src = volumes.get(source);
        VolumeVersions existing = volumes.get(target);
        if (existing != null) {
            synchronized (existing) {
                if (!existing.isEmpty()) {
                    return false;
                }
            }
        }
        if (src == null) {
            if (name != null) {
                return false;
            }
            volumes.remove(target); // cloning an empty live view: an empty volume
            return true;
        }
        BlockMap view;
        synchronized (src) {
            int i = name == null ? src.versions.size() : src.indexOf(name);
            if (i < 0) {
                return false;
            }
            view = src.view(i);
        }
        view.forEach((b, loc, crc) -> addRef(loc, true));
        volumes.put(target, new VolumeVersions(src.family, view));
        return true;
    }

    private void addRef(long location) {
        addRef(location, false);
    }

    /**
     * Counts a new reference. {@code shared}: the record already has one (a clone's or a restore's copy of an entry), so
     * only its extra count grows and the segment's live bytes stay those of distinct records.
     */
    private synchronized void addRef(long location, boolean shared) {
        if (location < 0) {
            return;
        }
        if (shared) {
            extraRefs.add(location, 1);
        } else {
            liveBytes.merge(LogFormat.segmentOf(location), (long) recordLength, Long::sum);
        }
    }

    /** Drops a reference: an extra one first if the record has any, its last one frees its bytes. */
    private synchronized void removeRef(long location) {
        if (location < 0) {
            return;
        }
        if (extraRefs.get(location) > 0) {
            extraRefs.add(location, -1);
            return;
        }
        liveBytes.merge(LogFormat.segmentOf(location), (long) -recordLength, (x, y) -> x + y == 0 ? null : x + y);
    }

    /** Every reference of a record moved from {@code from} to {@code to} (a relocation). */
    private synchronized void relocateRefs(long from, long to) {
        liveBytes.merge(LogFormat.segmentOf(from), (long) -recordLength, (x, y) -> x + y == 0 ? null : x + y);
        liveBytes.merge(LogFormat.segmentOf(to), (long) recordLength, Long::sum);
        int extra = extraRefs.remove(from);
        if (extra > 0) {
            extraRefs.add(to, extra);
        }
    }

    synchronized long liveBytes(long segment) {
        return liveBytes.getOrDefault(segment, 0L);
    }

    /** Referenced bytes per segment (shared records once per reference); segments without references are absent. */
    synchronized Map<Long, Long> liveBytesBySegment() {
        return new HashMap<>(liveBytes);
    }

    synchronized long totalLiveBytes() {
        return liveBytes.values().stream().mapToLong(Long::longValue).sum();
    }

    // ---------------------------------------------------------------- checkpoint and recovery

    /**
     * Installs the volumes loaded from a checkpoint (recovery only) and counts their references: the first reference
     * of a record is its primary one, the others (snapshots and clones sharing it) extra ones.
     */
    void installAll(Map<UUID, VolumeVersions> loaded) {
        long count = 0;
        for (VolumeVersions vv : loaded.values()) {
            count += vv.live.size();
            for (VolumeVersions.Version v : vv.versions) {
                count += v.map.size();
            }
        }
        long[] locations = new long[Math.toIntExact(count)];
        int[] n = {0};
        for (Map.Entry<UUID, VolumeVersions> e : loaded.entrySet()) {
            volumes.put(e.getKey(), e.getValue());
            e.getValue().live.forEach((b, loc, crc) -> locations[n[0]++] = loc);
            for (VolumeVersions.Version v : e.getValue().versions) {
                v.map.forEach((b, loc, crc) -> locations[n[0]++] = loc);
            }
        }
        java.util.Arrays.sort(locations);
        for (int i = 0; i < locations.length; i++) {
            addRef(locations[i], i > 0 && locations[i] == locations[i - 1]);
        }
    }

    void nextFileId(long next) {
        this.nextFileId = next;
    }

    long nextFileId() {
        return nextFileId;
    }

    /**
     * A consistent cut of every volume; call from the writer thread so no apply runs concurrently. Live maps are
     * copied; a snapshot map is copied (and given a new file id) only when it changed since the last cut, else the
     * cut names the file that already holds it.
     */
    Map<UUID, VolumeCut> cut() {
        Map<UUID, VolumeCut> copy = new HashMap<>();
        volumes.forEach((v, vv) -> {
            synchronized (vv) {
                if (vv.isEmpty()) {
                    return;
                }
                List<VersionCut> versions = new ArrayList<>(vv.versions.size());
                for (VolumeVersions.Version version : vv.versions) {
                    BlockMap map = null;
                    if (version.fileId == 0) {
                        version.fileId = nextFileId++;
                        map = version.map.copy();
                    }
                    versions.add(new VersionCut(version.name, version.id, version.createdAtMillis, version.fileId, map));
                }
                copy.put(v, new VolumeCut(vv.family, vv.live.copy(), versions));
            }
        });
        return copy;
    }

    /** Makes the next cut write every snapshot map to a new file (after a failed checkpoint). */
    void dirtyAllVersions() {
        volumes.forEach((v, vv) -> {
            synchronized (vv) {
                for (VolumeVersions.Version version : vv.versions) {
                    version.fileId = 0;
                }
            }
        });
    }

    long mappedBlocks() {
        long n = 0;
        for (VolumeVersions vv : volumes.values()) {
            synchronized (vv) {
                n += vv.live.size();
            }
        }
        return n;
    }

    long heapBytes() {
        long n;
        synchronized (this) {
            n = extraRefs.heapBytes();
        }
        for (VolumeVersions vv : volumes.values()) {
            synchronized (vv) {
                n += vv.heapBytes();
            }
        }
        return n;
    }

    /** Volumes holding blocks or snapshots. */
    Set<UUID> volumeIds() {
        Set<UUID> out = new HashSet<>();
        volumes.forEach((v, vv) -> {
            synchronized (vv) {
                if (!vv.isEmpty()) {
                    out.add(v);
                }
            }
        });
        return out;
    }

    int volumeCount() {
        return volumes.size();
    }
}
