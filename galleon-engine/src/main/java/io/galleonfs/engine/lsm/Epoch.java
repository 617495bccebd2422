package io.galleonfs.engine.lsm;

import io.galleonfs.engine.AtomicFiles;
import io.galleonfs.engine.EngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code <root>/epoch}: how many times the store was opened (u64 LE, then CRC32C of it), replaced atomically at every
 * open before the writer starts. It is the high part of the nonces of encrypted blocks, so no run reuses a nonce a
 * crashed run may have written.
 */
final class Epoch {
    static final String FILE = "epoch";
    /** 2^24 opens: the nonce keeps 40 bits for the log sequence number. */
    private static final long MAX = (1L << 24) - 1;

    private Epoch() {
    }

    static long next(Path root) throws IOException {
        Path file = root.resolve(FILE);
        long current = 0;
        if (Files.exists(file)) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() != 12 || b.getInt(8) != LogFormat.crc(b, 0, 8)) {
                throw new EngineException("epoch file " + file + " is corrupt");
            }
            current = b.getLong(0);
        }
        if (current >= MAX) {
            throw new EngineException("store " + root + " was opened " + current + " times: its nonce epochs are used up");
        }
        long next = current + 1;
        ByteBuffer out = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(next);
        out.putInt(LogFormat.crc(out, 0, 8)).flip();
        AtomicFiles.write(file, out);
        return next;
    }
}
