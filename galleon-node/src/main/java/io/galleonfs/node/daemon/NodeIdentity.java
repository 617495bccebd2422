package io.galleonfs.node.daemon;

import io.galleonfs.engine.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** The node's persistent id, created at first start and kept in {@code <storage>/node.id}. */
public final class NodeIdentity {
    private NodeIdentity() {
    }

    public static String loadOrCreate(Path storage) throws IOException {
        Path file = storage.resolve("node.id");
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            UUID.fromString(id);
            return id;
        }
        String id = UUID.randomUUID().toString();
        AtomicFiles.write(file, java.nio.ByteBuffer.wrap(id.getBytes(StandardCharsets.UTF_8)));
        return id;
    }
}
