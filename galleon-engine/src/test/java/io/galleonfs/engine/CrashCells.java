package io.galleonfs.engine;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Content model shared by {@link CrashWriter} and {@link CrashRecoveryTest}: a volume is an array of
 * half-block cells; every cell holds (cell index, generation) followed by filler derived from
 * (volume, cell, generation), so any stored cell can be checked byte for byte.
 */
final class CrashCells {
    static final int BLOCK_SIZE = 4096;
    static final int CELL = BLOCK_SIZE / 2;
    static final int THREADS = 4;
    static final int CELLS_PER_THREAD = 64;
    static final int CELLS = THREADS * CELLS_PER_THREAD;
    static final long VOLUME_BYTES = (long) CELLS * CELL;
    static final UUID[] VOLUMES = {
            UUID.fromString("00000000-0000-4000-8000-00000000c0de"),
            UUID.fromString("00000000-0000-4000-8000-00000000c1de")
    };
    static final boolean[] ENCRYPTED = {false, true};

    private CrashCells() {
    }

    static EngineConfig config(java.nio.file.Path root) throws java.io.IOException {
        return new EngineConfig(root, BLOCK_SIZE, 1 << 20, 4 << 20,
                FileKeyProvider.openOrCreate(root.resolveSibling("crash.key")));
    }

    /** The engine under test, behind the node's seam: {@code layers} or {@code log} (issue 18's log store). */
    static BlockEngine open(String kind, java.nio.file.Path root) throws java.io.IOException {
        return switch (kind) {
            case "layers" -> LayerEngine.open(config(root));
            // 1 MiB segments (the live data is 1 MiB) and a checkpoint every 256 KiB of log: kills land in segment rolls,
            // checkpoints and cleaner passes, not only in appends
            case "log" -> io.galleonfs.engine.lsm.LogEngine.open(root, BLOCK_SIZE, 1L << 20, 256L << 10,
                    FileKeyProvider.openOrCreate(root.resolveSibling("crash.key")));
            default -> throw new IllegalArgumentException("engine kind " + kind);
        };
    }

    /**
     * One cleaner pass of a log store; returns the segments it freed, or -1 for the layer engine (its merges run in
     * the churn thread's snapshot deletes).
     */
    static int churnMaintenance(BlockEngine engine) throws java.io.IOException {
        return engine instanceof io.galleonfs.engine.lsm.LogEngine log ? log.store().clean(0.9).segmentsDeleted() : -1;
    }

    static void fill(ByteBuffer out, int volume, int cell, long gen) {
        ByteBuffer b = out.slice(out.position(), CELL);
        b.putLong(cell).putLong(gen);
        SplittableRandom r = new SplittableRandom(volume * 0x9E3779B97F4A7C15L ^ cell * 0xC2B2AE3D27D4EB4FL ^ gen);
        while (b.remaining() >= 8) {
            b.putLong(r.nextLong());
        }
        out.position(out.position() + CELL);
    }

    /** Generation stored in a cell (0 = never written); -1 if the cell is not a valid generation. */
    static long generationOf(ByteBuffer content, int volume, int cell) {
        ByteBuffer c = content.slice(content.position(), CELL);
        boolean zero = true;
        for (int i = 0; i < CELL && zero; i++) {
            zero = c.get(i) == 0;
        }
        if (zero) {
            return 0;
        }
        long storedCell = c.getLong(0);
        long gen = c.getLong(8);
        if (storedCell != cell || gen <= 0) {
            return -1;
        }
        ByteBuffer expected = ByteBuffer.allocate(CELL);
        fill(expected, volume, cell, gen);
        return expected.flip().equals(c) ? gen : -1;
    }
}
