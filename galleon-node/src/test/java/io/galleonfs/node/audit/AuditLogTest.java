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
}
