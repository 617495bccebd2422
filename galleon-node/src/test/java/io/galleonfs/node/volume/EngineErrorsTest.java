package io.galleonfs.node.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.OutOfSpaceException;
import io.galleonfs.node.replication.DataClient;
import io.galleonfs.node.replication.DataMessage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class EngineErrorsTest {

    @Test
    void outOfSpaceIs507WithoutJavaClassNames() {
        for (IOException e : new IOException[] {
            new OutOfSpaceException("no space left for writes: 1000 bytes free, 67108864 bytes reserved for the node"),
            new IOException("No space left on device"),
            new EngineException("checkpoint failed: java.io.IOException: No space left on device", new IOException("No space left on device")),
            new DataClient.RemoteException(DataMessage.ErrorCode.IO, "no space left on the storage device; the write was not made durable")}) {
            GalleonException g = EngineErrors.translate("db", e);
            assertEquals(GalleonException.Kind.INSUFFICIENT_STORAGE, g.kind(), e.toString());
            assertEquals(507, g.kind().status);
            assertFalse(g.getMessage().contains("java."), g.getMessage());
            assertTrue(g.getMessage().contains("'db'"), g.getMessage());
            assertTrue(OutOfSpace.is(g));
        }
    }

    @Test
    void otherFailuresStayStorageErrors() {
        GalleonException g = EngineErrors.translate("db", new IOException("Input/output error"));
        assertEquals(GalleonException.Kind.STORAGE, g.kind());
        assertFalse(OutOfSpace.is(g));
    }
}
