package io.galleonfs.engine.lsm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory extent index: per volume a {@link BlockMap} (block -> record location + CRC32C), plus the live
 * bytes each segment still holds (the cleaner's accounting). Mutated only by the log writer thread (and by
 * recovery before the writer starts), in log order, through the {@code apply*} methods; those same methods replay
 * the log, so the live index and a recovered one go through identical states. Readers look up concurrently; each
 * volume's map is guarded by its own monitor.
 */
final class ExtentIndex {
    /** Where a block's current bytes are. */
    record Extent(long location, int crc) {
    }

    /** One mapped block, as the cleaner collects them. */
    record Entry(UUID volume, int block, long location, int crc) {
    }

    private final ConcurrentHashMap<UUID, BlockMap> volumes = new ConcurrentHashMap<>();
    private final Map<Long, Long> liveBytes = new HashMap<>();
    private final int recordLength;

    ExtentIndex(int blockSize) {
        this.recordLength = LogFormat.dataRecordLength(blockSize);
    }

    /** The block's extent or null when the block reads as zeros. */
    Extent lookup(UUID volume, int block) {
        BlockMap map = volumes.get(volume);
        if (map == null) {
            return null;
        }
        synchronized (map) {
            long loc = map.location(block);
            return loc == BlockMap.ABSENT ? null : new Extent(loc, map.crc(block));
        }
    }

    void applyWrite(UUID volume, int block, long location, int crc) {
        BlockMap map = volumes.computeIfAbsent(volume, v -> new BlockMap());
        long previous;
        synchronized (map) {
            previous = map.put(block, location, crc);
        }
        moveLive(previous, location);
    }

    /**
     * Applies a cleaner relocation only if the block still lives at {@code from}: a client write or trim that came
     * earlier in the log wins over the copy.
     *
     * @return whether the index now points at {@code to}
     */
    boolean applyRelocate(UUID volume, int block, long from, long to, int crc) {
        BlockMap map = volumes.get(volume);
        if (map == null) {
            return false;
        }
        synchronized (map) {
            if (map.location(block) != from) {
                return false;
            }
            map.put(block, to, crc);
        }
        moveLive(from, to);
        return true;
    }

    void applyTrim(UUID volume, long first, long count) {
        BlockMap map = volumes.get(volume);
        if (map == null) {
            return;
        }
        List<Long> removed = new ArrayList<>();
        synchronized (map) {
            map.removeRange(first, count, removed::add);
        }
        for (long loc : removed) {
            moveLive(loc, BlockMap.ABSENT);
        }
    }

    void applyDrop(UUID volume) {
        BlockMap map = volumes.remove(volume);
        if (map == null) {
            return;
        }
        List<Long> removed = new ArrayList<>();
        synchronized (map) {
            map.forEach((b, loc, crc) -> removed.add(loc));
        }
        for (long loc : removed) {
            moveLive(loc, BlockMap.ABSENT);
        }
    }

    private synchronized void moveLive(long from, long to) {
        if (from != BlockMap.ABSENT) {
            liveBytes.merge(LogFormat.segmentOf(from), (long) -recordLength, (a, b) -> a + b == 0 ? null : a + b);
        }
        if (to != BlockMap.ABSENT) {
            liveBytes.merge(LogFormat.segmentOf(to), (long) recordLength, Long::sum);
        }
    }

    synchronized long liveBytes(long segment) {
        return liveBytes.getOrDefault(segment, 0L);
    }

    /** Live bytes per segment; segments without live data are absent. */
    synchronized Map<Long, Long> liveBytesBySegment() {
        return new HashMap<>(liveBytes);
    }

    synchronized long totalLiveBytes() {
        return liveBytes.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Installs a volume's map loaded from a checkpoint (recovery only). */
    void install(UUID volume, BlockMap map) {
        volumes.put(volume, map);
        map.forEach((b, loc, crc) -> moveLive(BlockMap.ABSENT, loc));
    }

    /** A consistent copy of every volume's map; call from the writer thread so no apply runs concurrently. */
    Map<UUID, BlockMap> copy() {
        Map<UUID, BlockMap> copy = new HashMap<>();
        volumes.forEach((v, map) -> {
            synchronized (map) {
                if (map.size() > 0) {
                    copy.put(v, map.copy());
                }
            }
        });
        return copy;
    }

    /** Every mapped block whose record lives in one of {@code segments}. */
    List<Entry> entriesIn(java.util.Set<Long> segments) {
        List<Entry> out = new ArrayList<>();
        volumes.forEach((v, map) -> {
            synchronized (map) {
                map.forEach((b, loc, crc) -> {
                    if (segments.contains(LogFormat.segmentOf(loc))) {
                        out.add(new Entry(v, b, loc, crc));
                    }
                });
            }
        });
        return out;
    }

    long mappedBlocks() {
        long n = 0;
        for (BlockMap map : volumes.values()) {
            synchronized (map) {
                n += map.size();
            }
        }
        return n;
    }

    long heapBytes() {
        long n = 0;
        for (BlockMap map : volumes.values()) {
            synchronized (map) {
                n += map.heapBytes();
            }
        }
        return n;
    }

    int volumeCount() {
        return volumes.size();
    }
}
