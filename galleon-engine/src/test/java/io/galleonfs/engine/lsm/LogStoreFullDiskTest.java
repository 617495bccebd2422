package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.config;
import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.OutOfSpaceException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another program fills the disk past the node's reserve, so the log store cannot create its next segment: the
 * appends that need one are refused as out of space, everything acknowledged stays, and appends resume by themselves
 * once space is back (the store used to refuse everything until it was reopened).
 */
class LogStoreFullDiskTest {
    private static final UUID VOL = new UUID(0x4242, 0x1717);

    @TempDir
    Path dir;

    @Test
    void aFullDiskRefusesAppendsUntilSpaceIsBackAndLosesNothingAcknowledged() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        long[] version = new long[64];
        long written = 0;
        try (LogStore store = LogStore.open(config(dir))) {
            store.segmentFactory((d, id, blockSize, size) -> {
                if (full.get()) {
                    throw new IOException("No space left on device");
                }
                return Segment.create(d, id, blockSize, size);
            });
            full.set(true);
            OutOfSpaceException refused = null;
            // the segment prepared before the disk filled takes the first roll; the one after it cannot be created
            for (int i = 1; i <= 5_000 && refused == null; i++) {
                int block = i % version.length;
                try {
                    store.write(VOL, block, content(VOL, block, i), i % 2 == 0 ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED);
                    version[block] = i;
                    written++;
                } catch (OutOfSpaceException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "a roll on a full disk is refused as out of space (wrote " + written + " blocks)");
            // still refused while the disk stays full, and still readable
            assertThrows(OutOfSpaceException.class, () -> store.write(VOL, 0, content(VOL, 0, 9_999), WriteConcern.DURABLE));
            assertReads(store, version);

            full.set(false);
            for (int i = 10_001; i <= 10_600; i++) { // over the next roll and the one after
                int block = i % version.length;
                store.write(VOL, block, content(VOL, block, i), WriteConcern.DURABLE);
                version[block] = i;
            }
            assertReads(store, version);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertReads(store, version);
        }
    }

    private static void assertReads(LogStore store, long[] version) throws IOException {
        for (int block = 0; block < version.length; block++) {
            byte[] expected = version[block] == 0 ? zeros() : content(VOL, block, version[block]).array();
            assertArrayEquals(expected, read(store, VOL, block), "block " + block);
        }
    }
}
