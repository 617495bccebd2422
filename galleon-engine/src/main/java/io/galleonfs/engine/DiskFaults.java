package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Test seam: lets unit tests make the journal or the apply thread meet ENOSPC without a full file system.
 * The default does nothing.
 */
interface DiskFaults {
    DiskFaults NONE = new DiskFaults() {
    };

    /** Called before a batch's bytes are appended; may append part of {@code data} itself and then throw. */
    default void beforeJournalAppend(JournalFile journal, ByteBuffer data) throws IOException {
    }

    /** Called before the apply thread writes a committed batch to the layer files. */
    default void beforeApply() throws IOException {
    }
}
