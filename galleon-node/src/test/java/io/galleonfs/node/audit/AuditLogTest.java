package io.galleonfs.node.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log's hash chain on a real file: appends survive reopening, and any edit or removal is found. */
class AuditLogTest {
    @TempDir
    Path storage;

    private static AuditRecord.Event event(int i) {
        return new AuditRecord.Event(Instant.ofEpochSecond(1_800_000_000L + i).toString(), "n1", "ci", "operator",
                "POST /api/v1/volumes", "/api/v1/volumes", 201, "127.0.0.1:5000" + i);
    }

    private List<String> write(int n) throws Exception {
        try (AuditLog log = AuditLog.open(storage)) {
            for (int i = 0; i < n; i++) {
                log.record(event(i));
            }
            assertTrue(log.awaitWritten(10_000));
        }
        return Files.readAllLines(AuditLog.fileOf(storage));
    }

    @Test
    void chainSurvivesReopeningAndVerifies() throws Exception {
        write(5);
        List<String> lines = write(3);
        assertEquals(8, lines.size());
        AuditChain.Verification v = AuditChain.verify(lines);
        assertTrue(v.intact(), () -> v.firstBreak().toString());
        assertEquals(8, v.records());
        assertTrue(lines.get(5).contains("\"seq\":6"), lines.get(5));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(AuditLog.fileOf(storage))));
        try (AuditLog log = AuditLog.open(storage)) {
            assertEquals(3, log.read(Instant.ofEpochSecond(1_800_000_000L + 2), 100).stream()
                    .filter(r -> r.seq() <= 5).count(), "records at or after since, across both runs");
        }
    }

    @Test
    void anEditedRecordIsFoundAtItsLine() throws Exception {
        List<String> lines = new ArrayList<>(write(6));
        lines.set(3, lines.get(3).replace("\"status\":201", "\"status\":200"));
        AuditChain.Verification v = AuditChain.verify(lines);
        assertFalse(v.intact());
        assertEquals(4, v.firstBreak().orElseThrow().line());
        assertTrue(v.firstBreak().get().reason().contains("altered"), v.firstBreak().get().reason());
        assertEquals(3, v.records());
    }

    @Test
    void anEditThatAlsoFixesItsOwnHashBreaksTheNextLink() throws Exception {
        List<String> lines = new ArrayList<>(write(4));
        AuditRecord r = AuditChain.JSON.readValue(lines.get(1), AuditRecord.class);
        AuditRecord forged = AuditChain.seal(new AuditRecord(r.seq(), r.time(), r.node(), "someone-else", r.role(), r.action(),
                r.resource(), r.status(), r.remote(), null, r.prev(), null));
        lines.set(1, AuditChain.json(forged));
        AuditChain.Verification v = AuditChain.verify(lines);
        assertEquals(3, v.firstBreak().orElseThrow().line());
        assertTrue(v.firstBreak().get().reason().contains("does not follow"), v.firstBreak().get().reason());
    }

    @Test
    void aDeletedRecordIsFoundWhereTheGapIs() throws Exception {
        List<String> lines = new ArrayList<>(write(5));
        lines.remove(2);
        AuditChain.Verification v = AuditChain.verify(lines);
        assertEquals(3, v.firstBreak().orElseThrow().line());
        assertEquals(2, v.records());
    }

    @Test
    void aTornLastLineIsCutAtOpenAndTheChainContinues() throws Exception {
        write(2);
        Files.writeString(AuditLog.fileOf(storage), "{\"seq\":3,\"time\":\"20", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        List<String> lines = write(1);
        assertEquals(3, lines.size());
        assertTrue(AuditChain.verify(lines).intact());
        assertTrue(lines.get(2).contains("\"seq\":3"), lines.get(2));
    }

    // ---- rotation ---------------------------------------------------------------------------------------------

    /** Writes {@code n} records one batch each into a log rotating at 1,000 bytes (about three records a file). */
    private void writeRotating(int n, int keep) throws Exception {
        try (AuditLog log = AuditLog.open(storage, 1000, keep)) {
            for (int i = 0; i < n; i++) {
                log.record(event(i));
                assertTrue(log.awaitWritten(10_000));
            }
        }
    }

    private AuditChain.Verification verify(int keep) throws Exception {
        try (AuditLog log = AuditLog.open(storage, 1000, keep)) {
            return log.verify();
        }
    }

    private List<Path> rotated() throws Exception {
        return AuditLog.rotated(AuditLog.fileOf(storage).getParent());
    }

    @Test
    void rotationKeepsOneChainAcrossFilesAndRestarts() throws Exception {
        writeRotating(12, 100);
        writeRotating(5, 100);
        List<Path> files = rotated();
        assertTrue(files.size() >= 3, files.toString());
        assertEquals(AuditLog.rotatedName(1), files.getFirst().getFileName().toString());
        for (Path f : files) {
            assertTrue(Files.size(f) >= 1000, f + " was rotated at its size limit");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        }
        // The first record of each file carries the hash of the last record of the file before it.
        List<Path> all = new ArrayList<>(files);
        all.add(AuditLog.fileOf(storage));
        for (int i = 1; i < all.size(); i++) {
            List<String> before = Files.readAllLines(all.get(i - 1));
            List<String> after = Files.readAllLines(all.get(i));
            if (after.isEmpty()) {
                continue;
            }
            AuditRecord last = AuditChain.JSON.readValue(before.getLast(), AuditRecord.class);
            AuditRecord first = AuditChain.JSON.readValue(after.getFirst(), AuditRecord.class);
            assertEquals(last.hash(), first.prev(), all.get(i) + " continues " + all.get(i - 1));
            assertEquals(last.seq() + 1, first.seq());
        }
        AuditChain.Verification v = verify(100);
        assertTrue(v.intact(), () -> v.firstBreak().toString());
        assertEquals(17, v.records());
        assertTrue(v.prunedBefore().isEmpty());
        try (AuditLog log = AuditLog.open(storage, 1000, 100)) {
            List<AuditRecord> listed = log.read(null, 100);
            assertEquals(17, listed.size(), "listing reads every file");
            for (int i = 0; i < listed.size(); i++) {
                assertEquals(i + 1, listed.get(i).seq());
            }
            assertEquals(List.of(16L, 17L), log.read(null, 100).stream().map(AuditRecord::seq).filter(q -> q > 15).toList());
            assertEquals(17, log.lines().size());
        }
    }

    @Test
    void anEditInARotatedFileIsFoundThere() throws Exception {
        writeRotating(12, 100);
        Path middle = rotated().get(1);
        List<String> lines = new ArrayList<>(Files.readAllLines(middle));
        lines.set(1, lines.get(1).replace("\"status\":201", "\"status\":200"));
        Files.write(middle, lines);
        AuditChain.Verification v = verify(100);
        assertFalse(v.intact());
        assertEquals(2, v.firstBreak().orElseThrow().line());
        assertTrue(v.firstBreak().get().reason().contains("altered") && v.firstBreak().get().reason().contains(middle.getFileName().toString()),
                v.firstBreak().get().reason());
    }

    @Test
    void aRemovedRotatedFileBreaksTheChain() throws Exception {
        writeRotating(12, 100);
        Files.delete(rotated().get(1));
        AuditChain.Verification v = verify(100);
        assertFalse(v.intact());
        assertTrue(v.firstBreak().orElseThrow().reason().contains("does not follow"), v.firstBreak().get().reason());
    }

    @Test
    void pruningKeepsTheNewestFilesAndVerifyStartsAtTheOldestKeptRecord() throws Exception {
        writeRotating(20, 2);
        List<Path> kept = rotated();
        assertEquals(2, kept.size(), kept.toString());
        long firstKept = AuditChain.JSON.readValue(Files.readAllLines(kept.getFirst()).getFirst(), AuditRecord.class).seq();
        assertTrue(firstKept > 1);
        AuditChain.Verification v = verify(2);
        assertTrue(v.intact(), () -> v.firstBreak().toString());
        assertEquals(Optional.of(firstKept), v.prunedBefore());
        assertEquals(20 - firstKept + 1, v.records());

        // Records cut from the start by hand are not rotation's doing: the note of the last deleted record does not match.
        Path oldest = kept.getFirst();
        List<String> lines = new ArrayList<>(Files.readAllLines(oldest));
        lines.removeFirst();
        Files.write(oldest, lines);
        AuditChain.Verification cut = verify(2);
        assertFalse(cut.intact());
        assertTrue(cut.firstBreak().orElseThrow().reason().contains("rotation did not delete them"), cut.firstBreak().get().reason());
    }
}
