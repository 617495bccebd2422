package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments while several threads do durable writes (and snapshots are created and
 * merged; on the log store the cleaner runs without pause and checkpoints come every 256 KiB of log), then verify
 * that every acknowledged cell survived byte for byte and no block fails its checksum. Runs on both engines.
 * Cycles: {@code -Dgalleon.crash.cycles=100} (default 20); seed: {@code -Dgalleon.crash.seed}.
 */
class CrashRecoveryTest {
    private static final Logger LOG = Logger.getLogger(CrashRecoveryTest.class);

    @TempDir
    Path tmp;

    /** Collects the child's stdout and lets the test wait for a number of acknowledgements. */
    private static final class AckCollector implements Runnable {
        private final BufferedReader reader;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final long[][] acked;
        /** Generations the child's recovery found, -1 where it printed none. */
        private final long[][] recovered;
        /** The highest generation the child announced it was about to write, per cell (-1: none this cycle). */
        private final long[][] issued;
        private long acks;
        /** Every line taken in, in order. */
        private final List<String> lines = new ArrayList<>();
        /** Lines that are none of the child's (the JVM's own output would be one) or whose numbers skip: at most a few. */
        private final List<String> strayLines = new ArrayList<>();
        /** Cleaner passes that freed segments (log store), as the child reported them. */
        private long maintenancePasses;
        private boolean started;
        private boolean opened;
        private boolean eof;

        AckCollector(Process p, long[][] acked) {
            this(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)), acked);
        }

        private AckCollector(BufferedReader reader, long[][] acked) {
            this.reader = reader;
            this.acked = acked;
            this.recovered = new long[acked.length][CrashCells.CELLS];
            this.issued = new long[acked.length][CrashCells.CELLS];
            for (long[] r : recovered) {
                java.util.Arrays.fill(r, -1);
            }
            for (long[] r : issued) {
                java.util.Arrays.fill(r, -1);
            }
        }

        /**
         * What the child printed, read from the file its every line went to before the pipe (whole lines only: a
         * line the kill cut short was never followed by anything).
         */
        static AckCollector printed(Path linesFile, long[][] acked) throws IOException {
            AckCollector printed = new AckCollector((BufferedReader) null, acked);
            if (Files.exists(linesFile)) {
                String text = Files.readString(linesFile, StandardCharsets.US_ASCII);
                for (String line : text.substring(0, text.lastIndexOf('\n') + 1).lines().toList()) {
                    printed.accept(line);
                }
            }
            return printed;
        }

        @Override
        public void run() {
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    accept(line);
                }
            } catch (IOException | NumberFormatException e) {
                // Not expected (the kill only signals the child): what the pipe did not deliver shows when its lines
                // are held against the child's lines file.
            } finally {
                lock.lock();
                try {
                    eof = true;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        private void accept(String line) {
            lock.lock();
            try {
                lines.add(line);
                if (line.equals("START")) {
                    started = true;
                } else if (line.equals("OPEN")) {
                    opened = true;
                } else if (line.startsWith("M ")) {
                    maintenancePasses++;
                } else if (line.matches("G \\d+ \\d+ \\d+")) {
                    String[] f = line.split(" ");
                    recovered[Integer.parseInt(f[1])][Integer.parseInt(f[2])] = Long.parseLong(f[3]);
                } else if (line.matches("W \\d+ \\d+ \\d+")) {
                    String[] f = line.split(" ");
                    int v = Integer.parseInt(f[1]);
                    int c = Integer.parseInt(f[2]);
                    issued[v][c] = Math.max(issued[v][c], Long.parseLong(f[3]));
                } else if (line.matches("A \\d+ \\d+ \\d+ \\d+")) {
                    String[] f = line.split(" ");
                    if (Long.parseLong(f[1]) != acks + 1) {
                        stray("acknowledgement line " + f[1] + " after " + acks + ": " + line);
                    }
                    int v = Integer.parseInt(f[2]);
                    int c = Integer.parseInt(f[3]);
                    acked[v][c] = Math.max(acked[v][c], Long.parseLong(f[4]));
                    acks = Long.parseLong(f[1]);
                } else {
                    stray(line);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private void stray(String line) {
            if (strayLines.size() < 10) {
                strayLines.add(line);
            }
        }

        /** What arrived on the child's stdout besides its own lines, or with a line of its missing. */
        List<String> strayLines() {
            lock.lock();
            try {
                return List.copyOf(strayLines);
            } finally {
                lock.unlock();
            }
        }

        /** Waits for the event; false if the child's output ended first. */
        boolean await(int mode, long acksWanted) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            lock.lock();
            try {
                while (!(mode == 0 ? started : mode == 1 ? opened : acks >= acksWanted)) {
                    if (eof) {
                        return false;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        fail("child made no progress within 60 s (acks " + acks + ")");
                    }
                    changed.awaitNanos(left);
                }
                return true;
            } finally {
                lock.unlock();
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} engine")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"layers", "log"})
    void acknowledgedWritesSurviveKillMinus9(String kind) throws Exception {
        String only = System.getProperty("galleon.crash.engine"); // a long run on one engine: -Dgalleon.crash.engine=log
        org.junit.jupiter.api.Assumptions.assumeTrue(only == null || only.isBlank() || only.equals(kind), "only " + only + " asked for");
        int cycles = Integer.getInteger("galleon.crash.cycles", 20);
        long seed = Long.getLong("galleon.crash.seed", 20_260_101L);
        Random random = new Random(seed);
        Path root = tmp.resolve("root");
        Path stderr = tmp.resolve("child-stderr.log");
        long[][] expected = new long[CrashCells.VOLUMES.length][CrashCells.CELLS];
        long totalAcks = 0;
        long maintenancePasses = 0;
        int comparedRecoveries = 0;
        Path before = tmp.resolve("before-cycle");
        Path childLeft = tmp.resolve("child-left");
        Path linesFile = tmp.resolve("child-lines.log");
        long pipeShortfalls = 0;
        for (int cycle = 0; cycle < cycles; cycle++) {
            copyTree(root, before); // the store as the last verification left it: kept if this cycle fails
            Files.deleteIfExists(linesFile);
            Process child = startChild(root, seed * 1000 + cycle, stderr, linesFile, kind);
            // The pipe only paces the kill; the verification uses the child's lines file (below).
            AckCollector collector = new AckCollector(child, new long[expected.length][CrashCells.CELLS]);
            Thread reader = Thread.ofPlatform().daemon().start(collector);
            int mode = random.nextInt(10);
            boolean alive;
            if (mode == 0) {
                alive = collector.await(0, 0);      // kill while recovery may be running
            } else if (mode == 1) {
                alive = collector.await(1, 0);      // kill right after recovery
            } else {
                alive = collector.await(2, 1 + random.nextInt(400));
            }
            if (!alive) {
                fail("child exited by itself (code " + child.waitFor() + "): " + Files.readString(stderr));
            }
            // Through the handle: Process.destroyForcibly() also closes the child's stdout, which throws away the lines
            // still in the pipe (acknowledgements among them) and made acknowledged cells look two writes ahead.
            child.toHandle().destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "killed child did not exit");
            assertTrue(reader.join(java.time.Duration.ofSeconds(60)), "the child's stdout did not end after its kill");
            maintenancePasses += collector.maintenancePasses;
            copyTree(root, childLeft); // what the killed child left, before the verification's recovery cuts anything
            try {
                // What the child printed, whole, is in its lines file (each line went there before the pipe): the
                // verification holds the store against that, and a pipe that delivered less is reported, not trusted.
                long[][] printedAcked = new long[expected.length][];
                for (int v = 0; v < expected.length; v++) {
                    printedAcked[v] = expected[v].clone();
                }
                AckCollector printed = AckCollector.printed(linesFile, printedAcked);
                assertEquals(List.of(), printed.strayLines(), "cycle " + cycle + ": the child's lines file holds lines"
                        + " that are not its own, or misses some of its acknowledgements");
                if (assertPipeDeliveredAllButTheLastPrint(printed.lines, collector.lines, cycle)) {
                    pipeShortfalls++;
                }
                totalAcks += printed.acks;
                comparedRecoveries += assertRepeatableRecovery(printed.recovered, expected, cycle) ? 1 : 0;
                verify(kind, root, printedAcked, printed.issued, expected, cycle);
            } catch (AssertionError e) {
                throw keepEvidence(e, kind, cycle, seed, before, childLeft, root, stderr, linesFile);
            }
        }
        LOG.infof("crash test (%s engine): %d cycles, %d acknowledged cell writes verified, %d cleaner passes that freed"
                + " segments, %d children's recoveries compared with the verification's, %d kills inside a print"
                + " (its lines in the child's file, not yet in the pipe)", kind, cycles, totalAcks, maintenancePasses,
                comparedRecoveries, pipeShortfalls);
        assertTrue(comparedRecoveries > cycles / 2, "too few children reported what they recovered: " + comparedRecoveries);
        assertTrue(totalAcks > cycles, "children acknowledged too little to be meaningful: " + totalAcks);
        if (kind.equals("log")) {
            assertTrue(maintenancePasses > 0, "the cleaner never freed a segment, so no kill could land in it");
        }
    }

    /**
     * The pipe delivered what the child printed, except at most its last print (the kill can land between the child's
     * write to its lines file and its write to the pipe, or inside a pipe write of more than 4 KiB, which is not atomic
     * and can leave a last line cut short): one print is lines of one kind, at most six of them unless they are the
     * recovery's G lines. Anything else (lines lost before the end, foreign lines such as the JVM's own output) means
     * the harness does not see what the child printed, as happened while the child was killed with
     * {@code Process.destroyForcibly()}. True when a last print is missing.
     */
    private static boolean assertPipeDeliveredAllButTheLastPrint(List<String> printed, List<String> delivered, int cycle) {
        int whole = delivered.size();
        if (whole > 0 && whole <= printed.size() && !delivered.get(whole - 1).equals(printed.get(whole - 1))
                && printed.get(whole - 1).startsWith(delivered.get(whole - 1))) {
            whole--; // the last line arrived cut short
        }
        assertTrue(whole <= printed.size() && printed.subList(0, whole).equals(delivered.subList(0, whole)),
                "cycle " + cycle + ": the pipe delivered lines the child did not print, or not in that order");
        List<String> missing = printed.subList(whole, printed.size());
        if (missing.isEmpty()) {
            return false;
        }
        char kind = missing.getFirst().charAt(0);
        boolean onePrint = missing.stream().allMatch(l -> l.charAt(0) == kind) && (missing.size() <= 6 || kind == 'G');
        assertTrue(onePrint, "cycle " + cycle + ": the pipe lost more than the child's last print: " + missing);
        LOG.debugf("cycle %d: the kill landed inside a print, the pipe lacks its %d lines", cycle, missing.size());
        return true;
    }

    /**
     * The child's recovery found what the previous verification's recovery of the same files found: nothing was written
     * in between, so a write that one recovery rolled back must not reappear in the next (and one it kept must not vanish).
     * False when the child was killed before it reported any.
     */
    private static boolean assertRepeatableRecovery(long[][] recovered, long[][] expected, int cycle) {
        boolean compared = false;
        for (int v = 0; v < expected.length; v++) {
            for (int c = 0; c < CrashCells.CELLS; c++) {
                compared |= recovered[v][c] >= 0;
                if (recovered[v][c] >= 0 && recovered[v][c] != expected[v][c]) {
                    fail("cycle " + cycle + ": the child's recovery found volume " + v + " cell " + c + " at generation "
                            + recovered[v][c] + ", the previous verification's recovery at " + expected[v][c]);
                }
            }
        }
        return compared;
    }

    /** Every cell holds its last acknowledged generation or the one in flight after it; nothing is corrupt. */
    private static void verify(String kind, Path root, long[][] acked, long[][] issued, long[][] expected, int cycle) throws Exception {
        try (BlockEngine engine = CrashCells.open(kind, root)) {
            for (int v = 0; v < CrashCells.VOLUMES.length; v++) {
                var found = engine.find(CrashCells.VOLUMES[v]);
                if (found.isEmpty()) {
                    for (long g : acked[v]) {
                        assertEquals(0, g, "cycle " + cycle + ": volume " + v + " vanished after acknowledged writes");
                    }
                    continue;
                }
                Volume volume = found.get();
                ByteBuffer all = ByteBuffer.allocate((int) CrashCells.VOLUME_BYTES);
                volume.read(0, all);
                for (int c = 0; c < CrashCells.CELLS; c++) {
                    long gen = CrashCells.generationOf(all.position(c * CrashCells.CELL), v, c);
                    long ack = acked[v][c];
                    if (gen < ack || gen > ack + 1) {
                        fail("cycle " + cycle + ": volume " + v + " cell " + c + " holds generation " + gen
                                + " but generation " + ack + " was acknowledged (the previous verification found "
                                + expected[v][c] + " for it; the highest generation the child issued for it: "
                                + (issued[v][c] < 0 ? "none" : issued[v][c]) + ")");
                    }
                    expected[v][c] = gen;
                }
                VerifyReport report = volume.verify();
                assertTrue(report.healthy(), "cycle " + cycle + ": bad blocks " + report.badBlocks());
                for (SnapshotInfo s : volume.snapshots()) {
                    volume.readSnapshot(s.name(), 0, ByteBuffer.allocate((int) CrashCells.VOLUME_BYTES));
                }
            }
        }
    }

    /**
     * Keeps what a failed cycle leaves for a post-mortem, since the temporary directory goes with the test, under
     * {@code target/crash-evidence}: the store as the previous verification left it ({@code before}: what the child
     * started from), as the killed child left it ({@code child-left}), as the failed verification left it
     * ({@code after-verification}: its recovery may have cut or set aside parts), the key file, the children's stderr and the failed child's lines.
     * A rare failure cannot be studied from its message alone.
     */
    private static AssertionError keepEvidence(AssertionError failure, String kind, int cycle, long seed, Path before, Path childLeft,
                                               Path root, Path stderr, Path linesFile) {
        Path dir = Path.of("target", "crash-evidence", kind + "-seed-" + seed + "-cycle-" + cycle + "-" + System.currentTimeMillis());
        try {
            copyTree(before, dir.resolve("before"));
            copyTree(childLeft, dir.resolve("child-left"));
            copyTree(root, dir.resolve("after-verification"));
            Path key = root.resolveSibling("crash.key");
            if (Files.exists(key)) {
                Files.copy(key, dir.resolve("crash.key"));
            }
            if (Files.exists(stderr)) {
                Files.copy(stderr, dir.resolve("child-stderr.log"));
            }
            if (Files.exists(linesFile)) {
                Files.copy(linesFile, dir.resolve("child-lines.log"));
            }
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
            return failure;
        }
        AssertionError kept = new AssertionError(failure.getMessage() + " (the store before, during and after this cycle is"
                + " kept in " + dir.toAbsolutePath() + ")", failure);
        kept.setStackTrace(failure.getStackTrace());
        return kept;
    }

    /** Replaces {@code target} with a copy of {@code source} (nothing when {@code source} does not exist yet). */
    private static void copyTree(Path source, Path target) throws IOException {
        if (Files.exists(target)) {
            try (var old = Files.walk(target)) {
                for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        if (!Files.exists(source)) {
            return;
        }
        try (var files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
    }

    private static Process startChild(Path root, long seed, Path stderr, Path linesFile, String kind) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java,
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx128m",
                // The JVM's own messages (warnings, unified logging) default to stdout, where they could split a line.
                "-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr",
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), root.toString(), Long.toString(seed), kind, linesFile.toString()));
        return new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                .start();
    }
}
