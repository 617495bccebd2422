package io.galleonfs.engine;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Child process of {@link CrashRecoveryTest}: prints one line "G volume cell generation" per cell as its recovery
 * found it, then writes verifiable cells from several threads and prints one line "A volume cell generation" per
 * cell once the write covering it is durable. A churn thread
 * keeps creating and deleting snapshots so merges run while the process is killed. Arguments: store root, seed,
 * engine kind, the file that receives a copy of every line.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        String kind = args.length > 2 ? args[2] : "layers";
        // Every line goes to a file first, then to the pipe the parent watches: a write(2) into a file survives the
        // kill in the page cache, so the parent can hold what the pipe delivered against what was really printed.
        PrintStream out = new PrintStream(new LinesTee(new java.io.FileOutputStream(args[3]),
                new java.io.FileOutputStream(java.io.FileDescriptor.out)), false);
        out.println("START");
        out.flush();
        BlockEngine engine = CrashCells.open(kind, root);
        Volume[] volumes = new Volume[CrashCells.VOLUMES.length];
        long[][] gens = new long[volumes.length][CrashCells.CELLS];
        for (int v = 0; v < volumes.length; v++) {
            int vi = v;
            volumes[v] = engine.find(CrashCells.VOLUMES[v]).isPresent() ? engine.find(CrashCells.VOLUMES[v]).get()
                    : engine.create(CrashCells.VOLUMES[v], CrashCells.VOLUME_BYTES, CrashCells.ENCRYPTED[vi]);
            ByteBuffer all = ByteBuffer.allocate((int) CrashCells.VOLUME_BYTES);
            volumes[v].read(0, all);
            for (int c = 0; c < CrashCells.CELLS; c++) {
                long g = CrashCells.generationOf(all.position(c * CrashCells.CELL), v, c);
                if (g < 0) {
                    throw new IllegalStateException("volume " + v + " cell " + c + " is not a valid generation");
                }
                gens[v][c] = g;
            }
        }
        // What this recovery found, for the parent to hold against what its own recovery of the same files found.
        StringBuilder found = new StringBuilder();
        for (int v = 0; v < volumes.length; v++) {
            for (int c = 0; c < CrashCells.CELLS; c++) {
                found.append("G ").append(v).append(' ').append(c).append(' ').append(gens[v][c]).append('\n');
            }
        }
        out.print(found);
        out.println("OPEN");
        out.flush();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < CrashCells.THREADS; t++) {
            int thread = t;
            threads.add(Thread.ofPlatform().start(() -> writeLoop(volumes, gens, thread, new SplittableRandom(seed * 31 + thread), out)));
        }
        threads.add(Thread.ofPlatform().start(() -> churn(volumes[1], new SplittableRandom(seed))));
        threads.add(Thread.ofPlatform().start(() -> maintain(engine, out)));
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Acknowledgement lines printed so far (guarded by the output stream): numbered, so a lost one shows. */
    private static long ackLines;

    private static void writeLoop(Volume[] volumes, long[][] gens, int thread, SplittableRandom random, PrintStream out) {
        int firstCell = thread * CrashCells.CELLS_PER_THREAD;
        try {
            while (true) {
                int v = random.nextInt(volumes.length);
                int start = firstCell + random.nextInt(CrashCells.CELLS_PER_THREAD);
                int count = Math.min(1 + random.nextInt(6), firstCell + CrashCells.CELLS_PER_THREAD - start);
                ByteBuffer buf = ByteBuffer.allocate(count * CrashCells.CELL);
                for (int c = start; c < start + count; c++) {
                    CrashCells.fill(buf, v, c, gens[v][c] + 1);
                }
                buf.flip();
                synchronized (out) {
                    // What is about to be written, before the engine sees it: a cell found ahead of its acknowledgements
                    // then tells a write this life issued (its acknowledgement lost) from bytes it never issued.
                    StringBuilder issued = new StringBuilder();
                    for (int c = start; c < start + count; c++) {
                        issued.append("W ").append(v).append(' ').append(c).append(' ').append(gens[v][c] + 1).append('\n');
                    }
                    out.print(issued);
                    out.flush();
                }
                if (random.nextInt(4) == 0) {
                    volumes[v].write((long) start * CrashCells.CELL, buf, WriteConcern.ACKNOWLEDGED);
                    volumes[v].flush();
                } else {
                    volumes[v].write((long) start * CrashCells.CELL, buf, WriteConcern.DURABLE);
                }
                synchronized (out) {
                    StringBuilder lines = new StringBuilder();
                    for (int c = start; c < start + count; c++) {
                        gens[v][c]++;
                        lines.append("A ").append(++ackLines).append(' ').append(v).append(' ').append(c).append(' ')
                                .append(gens[v][c]).append('\n');
                    }
                    out.print(lines);
                    out.flush();
                    if (out.checkError()) {
                        throw new IllegalStateException("acknowledgements could not be written to stdout");
                    }
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(3);
        }
    }

    /** Keeps the engine's background maintenance (the log store's cleaner) running, so kills land inside it too. */
    private static void maintain(BlockEngine engine, PrintStream out) {
        try {
            while (true) {
                int freed = CrashCells.churnMaintenance(engine);
                if (freed < 0) {
                    return;
                }
                if (freed > 0) {
                    synchronized (out) {
                        out.println("M " + freed);
                        out.flush();
                    }
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(5);
        }
    }

    private static void churn(Volume volume, SplittableRandom random) {
        try {
            long n = System.nanoTime();
            while (true) {
                volume.createSnapshot("c" + n++);
                List<SnapshotInfo> snaps = volume.snapshots();
                if (snaps.size() > 3) {
                    volume.deleteSnapshot(snaps.get(random.nextInt(snaps.size() - 1)).name());
                }
                if (random.nextInt(8) == 0 && !snaps.isEmpty()) {
                    volume.readSnapshot(snaps.getLast().name(), 0, ByteBuffer.allocate(CrashCells.CELL));
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(4);
        }
    }

    /** Writes each chunk to the lines file, then to stdout, so the file always holds at least what the pipe got. */
    private static final class LinesTee extends java.io.OutputStream {
        private final java.io.OutputStream file;
        private final java.io.OutputStream pipe;

        LinesTee(java.io.OutputStream file, java.io.OutputStream pipe) {
            this.file = file;
            this.pipe = pipe;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            file.write(b, off, len);
            pipe.write(b, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            pipe.flush();
        }
    }
}
