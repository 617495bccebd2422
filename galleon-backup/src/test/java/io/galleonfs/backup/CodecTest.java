package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/** Pack, index, manifest and chunk codecs, key wrapping and the chunk index, without a full repository. */
class CodecTest {
    static final RepositoryKeys KEYS = new RepositoryKeys(new byte[32]);

    @TempDir
    Path dir;

    static LongStream seeds200() {
        return LongStream.range(0, 200);
    }

    static LongStream seeds50() {
        return LongStream.range(500, 550);
    }

    /** Random chunks up to 5000 bytes (half of them compressible runs) at zstd levels 0..5, from fixed seeds. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds200")
    void chunkFramesRoundTrip(long seed) {
        Random r = new Random(seed);
        byte[] data = new byte[r.nextInt(5001)];
        if (r.nextBoolean()) {
            r.nextBytes(data);
        } else {
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i / (1 + r.nextInt(64)));
            }
        }
        int level = r.nextInt(6);
        byte[] encoded = Codecs.encodeChunk(data, 0, data.length, level);
        assertArrayEquals(data, Codecs.decodeChunk(encoded, data.length));
        assertNull(Codecs.decodeChunk(encoded, data.length + 1), "a wrong length is detected");
    }

    @Test
    void compressibleChunksAreCompressedAndRandomOnesStoredRaw() {
        byte[] zeros = new byte[65536];
        zeros[1] = 1;
        assertEquals(Codecs.CODEC_ZSTD, Codecs.encodeChunk(zeros, 0, zeros.length, 3)[0]);
        byte[] random = new byte[65536];
        new Random(1).nextBytes(random);
        byte[] enc = Codecs.encodeChunk(random, 0, random.length, 3);
        assertEquals(Codecs.CODEC_RAW, enc[0]);
        assertEquals(random.length + 1, enc.length);
    }

    @Test
    void sealedBlobsNeverRepeatANonceAndDetectTampering() throws Exception {
        byte[] id = new byte[32];
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            byte[] s = KEYS.seal(new byte[] {1, 2, 3}, id);
            assertTrue(nonces.add(Codecs.HEX.formatHex(s, 0, 12)));
        }
        byte[] sealed = KEYS.seal("hello".getBytes(), id);
        assertArrayEquals("hello".getBytes(), KEYS.open(sealed, id));
        byte[] otherId = id.clone();
        otherId[0] = 1;
        assertThrows(AEADBadTagException.class, () -> KEYS.open(sealed, otherId), "aad binds the blob to its id");
        sealed[13] ^= 1;
        assertThrows(AEADBadTagException.class, () -> KEYS.open(sealed, id));
    }

    @Test
    void packTrailerIndexRoundTripsAndRejectsTampering() {
        DirectoryObjectStore store = new DirectoryObjectStore(dir.resolve("s"));
        PackWriter w = new PackWriter(0, 1024);
        byte[] a = new byte[32];
        a[0] = 1;
        byte[] b = new byte[32];
        b[0] = 2;
        byte[] blobA = KEYS.seal(Codecs.encodeChunk(new byte[100], 0, 100, 3), a);
        byte[] blobB = KEYS.seal(Codecs.encodeChunk(new byte[7], 0, 7, 0), b);
        w.add(a, blobA, 100);
        w.add(b, blobB, 7);
        byte[] pack = w.finishBytes(KEYS);
        String id = Codecs.sha256Hex(pack);
        store.put(PackWriter.key(id), pack);
        List<PackEntry> entries = PackReader.readTrailer(store, PackWriter.key(id), pack.length, KEYS);
        assertEquals(2, entries.size());
        assertArrayEquals(a, entries.get(0).id());
        assertEquals(blobA.length, entries.get(1).offset());
        assertEquals(7, entries.get(1).plainLength());
        assertEquals(entries.size(), PackReader.entriesOf("x", pack, KEYS).size());
        pack[pack.length - 20] ^= 1;
        assertThrows(RepositoryCorruptedException.class, () -> PackReader.entriesOf("x", pack, KEYS));
        RepositoryKeys other = new RepositoryKeys(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        assertThrows(RepositoryCorruptedException.class,
                () -> PackReader.readTrailer(store, PackWriter.key(id), store.size(PackWriter.key(id)), other));
    }

    @Test
    void indexFilesRoundTripAcrossManyPacks() {
        DirectoryObjectStore store = new DirectoryObjectStore(dir.resolve("i"));
        ChunkIndex index = new ChunkIndex();
        Random r = new Random(2);
        int n = 5000;
        byte[][] ids = new byte[n][32];
        for (int i = 0; i < n; i++) {
            r.nextBytes(ids[i]);
            String pack = String.format("%064x", i / 100);
            index.add(ids[i], 0, index.packNumber(pack), i * 10, 100 + i, 200 + i);
        }
        int[] slots = new int[n];
        for (int i = 0; i < n; i++) {
            slots[i] = index.find(ids[i]);
        }
        List<String> keys = IndexFiles.write(store, KEYS, index, slots, n);
        ChunkIndex loaded = new ChunkIndex();
        for (String k : keys) {
            IndexFiles.load(store, KEYS, k, loaded);
        }
        assertEquals(n, loaded.size());
        for (int i = 0; i < n; i++) {
            int s = loaded.find(ids[i]);
            assertTrue(s >= 0);
            assertEquals(String.format("%064x", i / 100), loaded.packId(loaded.pack(s)));
            assertEquals(i * 10, loaded.offset(s));
            assertEquals(100 + i, loaded.blobLength(s));
            assertEquals(200 + i, loaded.plainLength(s));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds50")
    void chunkIndexFindsEverythingItHolds(long seed) {
        ChunkIndex index = new ChunkIndex();
        Random r = new Random(seed);
        int n = r.nextInt(20001);
        byte[][] ids = new byte[n][32];
        for (int i = 0; i < n; i++) {
            r.nextBytes(ids[i]);
            assertTrue(index.add(ids[i], 0, 0, i, i + 1, i + 2));
        }
        for (int i = 0; i < n; i++) {
            int s = index.find(ids[i]);
            assertEquals(i, index.offset(s));
            assertTrue(!index.add(ids[i], 0, 0, 0, 0, 0), "duplicates are not added");
        }
        byte[] absent = new byte[32];
        r.nextBytes(absent);
        assertEquals(-1, index.find(absent));
        assertEquals(n, index.size());
    }

    @Test
    void manifestsRoundTripAndAreBoundToTheirId() {
        ExtentMap m = ExtentMap.builder().add(0, 4096, new byte[32], 0).addZero(8192, 4096).build();
        BackupInfo info = new BackupInfo("0123456789abcdef0123", "vol", "name", BackupStrategy.INCREMENTAL,
                "aaaaaaaaaaaaaaaaaaaa", "snap", Map.of("a", "b"), 1 << 20, 4096, Instant.ofEpochMilli(1234),
                4096, "digest", new BackupStats(1, 2, 3, 4, 5, 6, 7, 8));
        byte[] obj = ManifestCodec.encode(KEYS, info, m);
        BackupManifest back = ManifestCodec.decode(KEYS, info.id(), obj);
        assertEquals(info, back.info());
        assertEquals(m.extentCount(), back.extents().extentCount());
        assertEquals(info, ManifestCodec.decodeHeader(KEYS, info.id(), obj));
        assertThrows(RepositoryCorruptedException.class,
                () -> ManifestCodec.decode(KEYS, "ffffffffffffffffffff", obj), "a renamed manifest fails");
        obj[obj.length - 3] ^= 1;
        assertThrows(RepositoryCorruptedException.class, () -> ManifestCodec.decode(KEYS, info.id(), obj));
    }

    @Test
    void keysUnwrapOnlyWithTheRightSecret() {
        byte[] master = RepositoryKeys.randomBytes(32);
        byte[] rec = KeyWrapping.wrapWithPassphrase(master, "passphrase-1".toCharArray());
        assertArrayEquals(master, KeyWrapping.unwrapWithPassphrase(rec, "passphrase-1".toCharArray()));
        assertThrows(WrongPassphraseException.class,
                () -> KeyWrapping.unwrapWithPassphrase(rec, "passphrase-2".toCharArray()));
        byte[] ck = "0123456789abcdef0123".getBytes();
        byte[] cl = KeyWrapping.wrapWithClusterKey(master, ck);
        assertArrayEquals(master, KeyWrapping.unwrapWithClusterKey(cl, ck));
        assertThrows(WrongPassphraseException.class,
                () -> KeyWrapping.unwrapWithClusterKey(cl, "0123456789abcdef0124".getBytes()));
        assertThrows(RepositoryCorruptedException.class, () -> KeyWrapping.unwrapWithClusterKey(rec, ck));
        assertThrows(InvalidTargetException.class, () -> KeyWrapping.wrapWithPassphrase(master, "short".toCharArray()));
    }

    /** The backup's pooled path: a chunk sealed into a re-used, larger, dirty buffer opens to the same plaintext. */
    @Test
    void aChunkSealedIntoAReusedBufferOpensLikeAFreshOne() throws AEADBadTagException {
        byte[] buffer = new byte[BackupRun.BLOB_BUFFER_BYTES];
        java.util.Arrays.fill(buffer, (byte) 0x5a); // left over from an earlier chunk
        Random r = new Random(14);
        byte[] random = new byte[BackupRun.CHUNK_MAX];
        r.nextBytes(random);
        byte[] repeated = new byte[BackupRun.CHUNK_MAX];
        for (int i = 0; i < repeated.length; i++) {
            repeated[i] = (byte) (i % 251);
        }
        for (byte[] plain : List.of(random, repeated)) {
            byte[] id = KEYS.chunkId(plain, 0, plain.length);
            int n = Codecs.sealChunkInto(KEYS, plain, 0, plain.length, 3, id, buffer);
            byte[] fresh = Codecs.sealChunk(KEYS, plain, 0, plain.length, 3, id);
            assertEquals(fresh.length, n, "same frame, same length");
            assertArrayEquals(plain, Codecs.openChunk(KEYS, buffer, 0, n, id, plain.length));
            assertArrayEquals(plain, Codecs.openChunk(KEYS, fresh, 0, fresh.length, id, plain.length));
            if (plain == repeated) {
                assertTrue(n < plain.length / 2, "compressible chunk stored compressed: " + n);
            } else {
                assertEquals(plain.length + RepositoryKeys.OVERHEAD + 1, n, "random chunk stored raw");
            }
            buffer[n / 2] ^= 1;
            byte[] tampered = buffer;
            assertThrows(AEADBadTagException.class,
                    () -> Codecs.openChunk(KEYS, tampered, 0, n, id, plain.length));
            buffer[n / 2] ^= 1;
        }
    }

    @Test
    void secretsStayOutOfToString() {
        TargetSpec spec = new TargetSpec("s3://b/p", null, null, false, "AKID", "super-secret");
        assertTrue(!spec.toString().contains("super-secret"), spec.toString());
        assertTrue(!Unlock.passphrase("pw-secret".toCharArray()).toString().contains("pw-secret"));
    }
}
