package io.galleonfs.engine.lsm;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The index versions of one volume: the live map (the whole live view, block -> record) and its snapshots as
 * <em>reverse deltas</em>, oldest first. A snapshot's map holds exactly the blocks whose content differs between that
 * snapshot and the next newer version (the next snapshot, or live for the newest), with the value the snapshot sees
 * ({@link BlockMap#HOLE} for "zeros"). So:
 * <ul>
 *   <li>a live read is one probe of the live map, whatever the number of snapshots, and a volume without snapshots
 *       costs exactly what phase 1 cost (no resolved map, no second structure);</li>
 *   <li>taking a snapshot appends an empty map (O(1));</li>
 *   <li>the first change of a block after the newest snapshot copies the block's previous live entry into that
 *       snapshot's map (one extra probe per write while a snapshot exists);</li>
 *   <li>a snapshot read checks its map and then the newer ones up to live (O(newer snapshots));</li>
 *   <li>deleting a snapshot moves its entries into the next older snapshot where that one has none, and drops the
 *       rest (O(entries of the deleted map)).</li>
 * </ul>
 * Guarded by its own monitor: the writer thread mutates under it, readers resolve under it.
 */
final class VolumeVersions {
    /** One snapshot: {@code id} is the seq of the record that created it (unique, replayed identically). */
    static final class Version {
        final String name;
        final long id;
        final long createdAtMillis;
        final BlockMap map;
        /** The version file holding {@link #map} as of the last checkpoint, or 0 when the map changed since. */
        long fileId;

        Version(String name, long id, long createdAtMillis, BlockMap map, long fileId) {
            this.name = name;
            this.id = id;
            this.createdAtMillis = createdAtMillis;
            this.map = map;
            this.fileId = fileId;
        }
    }

    /** Volumes sharing records (a source and its clones) have one family id: the cleaner relocates within it. */
    final UUID family;
    final BlockMap live;
    final List<Version> versions = new ArrayList<>();

    VolumeVersions(UUID family, BlockMap live) {
        this.family = family;
        this.live = live;
    }

    Version newest() {
        return versions.isEmpty() ? null : versions.getLast();
    }

    int indexOf(String name) {
        for (int i = 0; i < versions.size(); i++) {
            if (versions.get(i).name.equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether nothing is stored: no live block and no snapshot. */
    boolean isEmpty() {
        return live.size() == 0 && versions.isEmpty();
    }

    /**
     * Where {@code block} is in version {@code from} ({@code versions.size()} = live): the first map from there towards
     * live that holds it. Returns {@link BlockMap#ABSENT} when the block reads as zeros; the CRC goes to {@code crcOut[0]}.
     */
    long resolve(int from, int block, int[] crcOut) {
        for (int i = from; i < versions.size(); i++) {
            BlockMap map = versions.get(i).map;
            long loc = map.location(block);
            if (loc != BlockMap.ABSENT) {
                if (loc == BlockMap.HOLE) {
                    return BlockMap.ABSENT;
                }
                crcOut[0] = map.crc(block);
                return loc;
            }
        }
        long loc = live.location(block);
        if (loc != BlockMap.ABSENT) {
            crcOut[0] = live.crc(block);
        }
        return loc;
    }

    /** The whole view of version {@code index} as a new map ({@code versions.size()} = a copy of live). */
    BlockMap view(int index) {
        BlockMap view = live.copy();
        for (int i = versions.size() - 1; i >= index; i--) {
            versions.get(i).map.forEach((b, loc, crc) -> {
                if (loc == BlockMap.HOLE) {
                    view.remove(b);
                } else {
                    view.put(b, loc, crc);
                }
            });
        }
        return view;
    }

    long heapBytes() {
        long n = live.heapBytes();
        for (Version v : versions) {
            n += v.map.heapBytes();
        }
        return n;
    }
}
