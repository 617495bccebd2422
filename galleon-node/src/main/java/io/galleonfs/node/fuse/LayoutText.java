package io.galleonfs.node.fuse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.galleonfs.node.meta.MountRecord;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The contents of {@code README.txt} and {@code .galleonfs_metadata} of a mount. */
final class LayoutText {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LayoutText() {
    }

    static byte[] metadata(VolumeRecord v, long sizeBytes, MountRecord m) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("volume_id", v.id().toString());
        doc.put("name", v.name());
        doc.put("storage_class", v.storageClass());
        doc.put("size_bytes", sizeBytes);
        doc.put("block_size", v.blockSize());
        doc.put("replicas", v.replicas());
        doc.put("access_mode", v.accessMode().wire());
        doc.put("encrypted", v.encrypted());
        doc.put("volume_type", v.volumeType().wire());
        doc.put("mount_id", m.id());
        doc.put("mount_path", m.path());
        doc.put("mount_options", m.options());
        doc.put("node", m.node());
        try {
            return (JSON.writeValueAsString(doc) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] readme(VolumeRecord v, long sizeBytes, MountRecord m) {
        String text = """
                GalleonFS volume %s (%s)

                This directory is a mount of a GalleonFS block volume.

                  data                 the volume's bytes: %d bytes, block size %d. Read and write it at any
                                       offset (cat, dd, cp, or any program); its size is fixed and truncating it
                                       changes nothing, like a disk. fsync(2) makes written data durable%s.
                  README.txt           this file
                  .galleonfs_metadata  the volume and this mount as JSON

                Mount options: %s (%s)
                Examples:
                  echo "Hello GalleonFS!" > %s/data
                  dd if=image.bin of=%s/data bs=1M conv=notrunc,fsync
                  head -c 16 %s/data

                Unmount with: galleonfs volume unmount %s
                """.formatted(v.name(), v.id(), sizeBytes, v.blockSize(),
                m.options().contains("sync") ? " (with the sync option every write already is)" : "",
                String.join(",", m.options()), m.readOnly() ? "read-only: writes fail with EROFS" : "read-write",
                m.path(), m.path(), m.path(), m.path());
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
