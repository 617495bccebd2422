package io.galleonfs.node.volume.qos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The node's last calibration, kept in one small JSON file under the storage path ({@code qos/capacity.json}). Node-local
 * on purpose: the capacity is a property of this node's disk, measured here, and it reaches the other nodes with every
 * heartbeat, so no Raft entry is needed. Written to a temporary file, fsynced, renamed over the old one and the directory
 * fsynced, so a crash leaves the old calibration or the new one, never a torn file.
 */
public final class CalibrationFile {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final Path file;

    public CalibrationFile(Path storagePath) {
        this.file = storagePath.resolve("qos").resolve("capacity.json");
    }

    public Path path() {
        return file;
    }

    /** The stored calibration, if any. @throws IOException when the file exists but cannot be read or parsed */
    public Optional<Calibration> read() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(file), Calibration.class));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("calibration file " + file + " is unreadable (" + e.getMessage()
                    + "); delete it and run galleonfs node calibrate again", e);
        }
    }

    public void write(Calibration c) throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
