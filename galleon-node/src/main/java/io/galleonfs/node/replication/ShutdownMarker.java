package io.galleonfs.node.replication;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Written at a clean stop with each primary volume's last sequence number, removed at start. Its absence at start
 * means the node crashed: its copies may lack writes acknowledged without durability.
 */
final class ShutdownMarker {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    ShutdownMarker(Path dir) {
        this.file = dir.resolve("clean-shutdown.json");
    }

    /** The saved sequence numbers, or null after a crash (or on first start). */
    Map<UUID, Long> readAndClear() throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        Map<UUID, Long> seqs;
        try {
            seqs = JSON.readValue(file.toFile(), new TypeReference<Map<UUID, Long>>() { });
        } catch (IOException e) {
            seqs = null;
        }
        Files.delete(file);
        return seqs == null ? null : new HashMap<>(seqs);
    }

    void write(Map<UUID, Long> seqs) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(seqs));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
