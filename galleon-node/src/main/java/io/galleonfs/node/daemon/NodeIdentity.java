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
        java.util.Optional<String> existing = existing(storage);
        if (existing.isPresent()) {
            return existing.get();
        }
        String id = UUID.randomUUID().toString();
        write(storage, id);
        return id;
    }

    /** The id this node already has, if any; creates nothing (a refused join must leave the storage as it was). */
    public static java.util.Optional<String> existing(Path storage) throws IOException {
        Path file = storage.resolve("node.id");
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
        String id = Files.readString(file, StandardCharsets.UTF_8).trim();
        UUID.fromString(id);
        return java.util.Optional.of(id);
    }

    /** Records the id chosen before the first start completed (a joiner's certificate names it). */
    public static void write(Path storage, String id) throws IOException {
        AtomicFiles.write(storage.resolve("node.id"), java.nio.ByteBuffer.wrap(id.getBytes(StandardCharsets.UTF_8)));
    }
}
