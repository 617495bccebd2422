package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyRotationTest {
    @TempDir
    Path tmp;

    private Path root() {
        return tmp.resolve("engine");
    }

    private Path keyFile() {
        return tmp.resolve("keys").resolve("master.key");
    }

    private LayerEngine open(KeyProvider keys) throws IOException {
        return LayerEngine.open(new EngineConfig(root(), BS, 8L << 20, 16L << 20, keys));
    }

    /** Volumes 0..n-1 encrypted, one plain; block i of volume v holds pattern(v * 100 + i). */
    private List<UUID> createVolumes(LayerEngine engine, int n) throws IOException {
        List<UUID> ids = new ArrayList<>();
        for (int v = 0; v <= n; v++) {
            UUID id = UUID.randomUUID();
            Volume vol = engine.create(id, 16L * BS, v < n);
            for (int i = 0; i < 4; i++) {
                write(vol, (long) i * BS, pattern(v * 100L + i, BS));
            }
            vol.flush();
            ids.add(id);
        }
        return ids;
    }

    private static void assertContent(LayerEngine engine, List<UUID> ids) throws IOException {
        for (int v = 0; v < ids.size(); v++) {
            Volume vol = engine.find(ids.get(v)).orElseThrow();
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(pattern(v * 100L + i, BS), read(vol, (long) i * BS, BS), "volume " + v + " block " + i);
            }
        }
    }

    @Test
    void rotatesOnlineDestroysTheOldKeyAndEveryVolumeReadsAfterRestart() throws Exception {
        List<UUID> ids;
        String oldKey;
        String newKey;
        try (LayerEngine engine = open(FileKeyProvider.openOrCreate(keyFile()))) {
            ids = createVolumes(engine, 3);
            oldKey = engine.keyStatus().currentKeyId();
            MasterKeyRotation r = engine.rotateMasterKey();
            newKey = r.newKeyId();
            assertEquals(oldKey, r.previousKeyId());
            assertNotEquals(oldKey, newKey);
            assertEquals(3, r.rewrapped());
            assertEquals(List.of(oldKey), r.retiredKeyIds());
            assertEquals(Map.of(newKey, 3), engine.keyStatus().volumesByKeyId());
            // The data keys did not change: the volumes serve reads and writes as before.
            assertContent(engine, ids);
            Volume first = engine.find(ids.getFirst()).orElseThrow();
            write(first, 8L * BS, pattern(9, BS));
            Volume created = engine.create(UUID.randomUUID(), 4L * BS, true);
            assertEquals(Map.of(newKey, 4), engine.keyStatus().volumesByKeyId(), "new volumes use the new key");
            engine.delete(created.id());

            assertEquals(List.of(oldKey), engine.destroyRetiredKeys());
            assertEquals(List.of(newKey), engine.keyStatus().heldKeyIds());
            assertContent(engine, ids);
        }
        assertFalse(Files.exists(keyFile()), "the first key file is destroyed");
        try (LayerEngine engine = open(FileKeyProvider.openOrCreate(keyFile()))) {
            assertEquals(newKey, engine.keyStatus().currentKeyId());
            assertContent(engine, ids);
            assertArrayEquals(pattern(9, BS), read(engine.find(ids.getFirst()).orElseThrow(), 8L * BS, BS));
        }
    }

    @Test
    void crashBetweenRewrapsLeavesEveryVolumeReadableAndTheNextStartFinishes() throws Exception {
        List<UUID> ids;
        String oldKey;
        String newKey;
        FailingAfter keys = new FailingAfter(FileKeyProvider.openOrCreate(keyFile()));
        try (LayerEngine engine = open(keys)) {
            ids = createVolumes(engine, 4);
            oldKey = engine.keyStatus().currentKeyId();
            keys.failWrapsAfter(2); // the third rewrap "crashes"
            assertThrows(EngineException.class, engine::rotateMasterKey);
            newKey = keys.id();
            assertNotEquals(oldKey, newKey);
            Map<String, Integer> split = engine.keyStatus().volumesByKeyId();
            assertEquals(Map.of(newKey, 2, oldKey, 2), split, "half rewrapped");
            assertContent(engine, ids);
            EngineException refused = assertThrows(EngineException.class, engine::destroyRetiredKeys);
            assertTrue(refused.getMessage().contains("2 volume(s) are still wrapped by an older master key"), refused.getMessage());
            assertEquals(2, FileKeyProvider.openOrCreate(keyFile()).keyIds().size(), "no key destroyed");
        }
        // Restart with both keys on disk: every volume opens (old or new wrapping) and the rewrap completes.
        try (LayerEngine engine = open(FileKeyProvider.openOrCreate(keyFile()))) {
            assertContent(engine, ids);
            assertEquals(Map.of(newKey, 4), engine.keyStatus().volumesByKeyId());
            assertEquals(List.of(oldKey), engine.destroyRetiredKeys());
        }
        try (LayerEngine engine = open(FileKeyProvider.openOrCreate(keyFile()))) {
            assertContent(engine, ids);
            assertEquals(List.of(newKey), engine.keyStatus().heldKeyIds());
        }
    }

    @Test
    void aProviderThatDoesNotRotateIsRefusedWithAClearError() throws Exception {
        FileKeyProvider file = FileKeyProvider.openOrCreate(keyFile());
        KeyProvider fixed = new KeyProvider() {
            @Override
            public String id() {
                return "command:kms";
            }

            @Override
            public byte[] wrap(byte[] dataKey) throws GeneralSecurityException {
                return file.wrap(dataKey);
            }

            @Override
            public byte[] unwrap(byte[] wrapped) throws GeneralSecurityException {
                return file.unwrap(wrapped);
            }
        };
        try (LayerEngine engine = open(fixed)) {
            EngineException e = assertThrows(EngineException.class, engine::rotateMasterKey);
            assertTrue(e.getMessage().contains("does not rotate"), e.getMessage());
            assertFalse(engine.keyStatus().rotatable());
        }
    }

    /** Delegates to a file provider; after a rotation, wraps fail after a set number (a crash part way). */
    private static final class FailingAfter implements RotatableKeyProvider {
        private final FileKeyProvider delegate;
        private final AtomicInteger wrapsLeft = new AtomicInteger(Integer.MAX_VALUE);

        FailingAfter(FileKeyProvider delegate) {
            this.delegate = delegate;
        }

        void failWrapsAfter(int n) {
            wrapsLeft.set(n);
        }

        @Override
        public String id() {
            return delegate.id();
        }

        @Override
        public byte[] wrap(byte[] dataKey) throws GeneralSecurityException {
            return wrapCurrent(dataKey).bytes();
        }

        @Override
        public WrappedKey wrapCurrent(byte[] dataKey) throws GeneralSecurityException {
            if (wrapsLeft.getAndDecrement() <= 0) {
                throw new GeneralSecurityException("simulated crash");
            }
            return delegate.wrapCurrent(dataKey);
        }

        @Override
        public byte[] unwrap(byte[] wrapped) throws GeneralSecurityException {
            return delegate.unwrap(wrapped);
        }

        @Override
        public byte[] unwrap(String keyId, byte[] wrapped) throws GeneralSecurityException {
            return delegate.unwrap(keyId, wrapped);
        }

        @Override
        public String rotate() throws IOException {
            return delegate.rotate();
        }

        @Override
        public List<String> keyIds() {
            return delegate.keyIds();
        }

        @Override
        public void destroy(String keyId) throws IOException {
            delegate.destroy(keyId);
        }
    }
}
