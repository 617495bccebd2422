package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptionTest {
    private static final byte[] MARKER = "GALLEON-PLAINTEXT-MARKER".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private static byte[] markerData(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = MARKER[i % MARKER.length];
        }
        return b;
    }

    /** Files under {@code root} containing the marker (searched with every alignment). */
    private static List<Path> filesWithMarker(Path root) throws IOException {
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(f);
                if (indexOf(content, MARKER) >= 0) {
                    hits.add(f);
                }
            }
        }
        return hits;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void plaintextNeverReachesTheDisk() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[] data = markerData(40 * BS + 333);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 128L * BS, true);
            write(v, 0, data);
            write(v, 60L * BS + 7, data);
            v.createSnapshot("s");
            write(v, 100L * BS + 1, markerData(BS));
            v.trim(10L * BS, 5L * BS);
            v.flush();
            // Journal and data files as they are while the volume is in use.
            assertEquals(List.of(), filesWithMarker(root));
            byte[] expected = data.clone();
            java.util.Arrays.fill(expected, 10 * BS, 15 * BS, (byte) 0);
            assertArrayEquals(expected, read(v, 0, data.length));
            engine.abandonForTest();
        }
        assertEquals(List.of(), filesWithMarker(root));
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.find(id).orElseThrow();
            assertArrayEquals(data, TestSupport.readSnapshot(v, "s", 60L * BS + 7, data.length));
        }
        assertEquals(List.of(), filesWithMarker(root));
    }

    @Test
    void markerScanFindsPlaintextOfUnencryptedVolumes() throws Exception {
        Path root = tmp.resolve("plain");
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(UUID.randomUUID(), 16L * BS, false);
            write(v, 0, markerData(2 * BS));
        }
        assertTrue(!filesWithMarker(root).isEmpty(), "the scan itself must detect plaintext");
    }

    @Test
    void wrongMasterKeyCannotOpenEncryptedVolume() throws Exception {
        Path root = tmp.resolve("root");
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            write(engine.create(UUID.randomUUID(), 16L * BS, true), 0, markerData(BS));
        }
        KeyProvider other = FileKeyProvider.openOrCreate(tmp.resolve("other.key"));
        EngineException e = assertThrows(EngineException.class,
                () -> LayerEngine.open(EngineConfig.defaults(root, BS, other)).close());
        assertTrue(e.getMessage().contains("unwrap"), e.getMessage());
    }

    @Test
    void ciphertextIsBoundToVolumeBlockAndSequence() throws Exception {
        byte[] key = new byte[32];
        UUID volume = UUID.randomUUID();
        VolumeCipher cipher = new VolumeCipher(key, volume);
        byte[] tag = new byte[16];
        ByteBuffer stored = cipher.encrypt(5, 77, ByteBuffer.wrap(markerData(BS)), tag);
        ByteBuffer out = ByteBuffer.allocate(BS);
        cipher.decrypt(5, 77, stored, tag, out);
        assertArrayEquals(markerData(BS), out.array());
        assertThrows(ChecksumMismatchException.class, () -> cipher.decrypt(6, 77, stored, tag, ByteBuffer.allocate(BS)));
        assertThrows(ChecksumMismatchException.class, () -> cipher.decrypt(5, 78, stored, tag, ByteBuffer.allocate(BS)));
        VolumeCipher otherVolume = new VolumeCipher(key, UUID.randomUUID());
        assertThrows(ChecksumMismatchException.class, () -> otherVolume.decrypt(5, 77, stored, tag, ByteBuffer.allocate(BS)));
        byte[] badTag = tag.clone();
        badTag[0] ^= 1;
        assertThrows(ChecksumMismatchException.class, () -> cipher.decrypt(5, 77, stored, badTag, ByteBuffer.allocate(BS)));
    }
}
