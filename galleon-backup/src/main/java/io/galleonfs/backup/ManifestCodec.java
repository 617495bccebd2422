package io.galleonfs.backup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Manifest objects {@code manifests/<backup id>}:
 * {@code "GLNMAN01" | u32 header length | sealed header | sealed extent map}, both sealed bodies zstd-compressed and
 * bound to the backup id through their aad, so a manifest renamed or spliced from another fails to open. The header
 * comes first so {@code list()} reads only a prefix of each manifest.
 */
final class ManifestCodec {
    static final String PREFIX = "manifests/";
    static final int FORMAT = 1;
    private static final byte[] MAGIC = Codecs.ascii("GLNMAN01");

    private ManifestCodec() {
    }

    static String key(String backupId) {
        return PREFIX + backupId;
    }

    private static byte[] aad(String part, String id) {
        return Codecs.ascii("galleon-backup manifest " + part + " " + id);
    }

    static byte[] encode(RepositoryKeys keys, BackupInfo info, ExtentMap extents) {
        byte[] header = Codecs.sealBody(keys, headerBytes(info), aad("header", info.id()));
        ByteArrayOutputStream ext = new ByteArrayOutputStream(Math.max(64, extents.extentCount() * 8));
        try (DataOutputStream out = new DataOutputStream(ext)) {
            extents.writeTo(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] body = Codecs.sealBody(keys, ext.toByteArray(), aad("extents", info.id()));
        byte[] obj = new byte[MAGIC.length + 4 + header.length + body.length];
        System.arraycopy(MAGIC, 0, obj, 0, MAGIC.length);
        int p = MAGIC.length;
        obj[p] = (byte) (header.length >>> 24);
        obj[p + 1] = (byte) (header.length >>> 16);
        obj[p + 2] = (byte) (header.length >>> 8);
        obj[p + 3] = (byte) header.length;
        System.arraycopy(header, 0, obj, p + 4, header.length);
        System.arraycopy(body, 0, obj, p + 4 + header.length, body.length);
        return obj;
    }

    /** Bytes of the object needed to decode the header, given its first {@code prefix.length} bytes; -1 if enough. */
    static int headerBytesNeeded(byte[] prefix, String id) {
        checkMagic(prefix, id);
        return MAGIC.length + 4 + headerLength(prefix);
    }

    private static int headerLength(byte[] obj) {
        int p = MAGIC.length;
        return (obj[p] & 0xFF) << 24 | (obj[p + 1] & 0xFF) << 16 | (obj[p + 2] & 0xFF) << 8 | (obj[p + 3] & 0xFF);
    }

    private static void checkMagic(byte[] obj, String id) {
        if (obj.length < MAGIC.length + 4 || !Arrays.equals(obj, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new RepositoryCorruptedException("manifest of backup " + id + " has no manifest magic");
        }
    }

    static BackupInfo decodeHeader(RepositoryKeys keys, String id, byte[] obj) {
        checkMagic(obj, id);
        int len = headerLength(obj);
        if (len < 0 || MAGIC.length + 4L + len > obj.length) {
            throw new RepositoryCorruptedException("manifest of backup " + id + " is truncated");
        }
        byte[] plain = Codecs.openBody(keys, obj, MAGIC.length + 4, len, aad("header", id), "manifest " + id);
        return parseHeader(plain, id);
    }

    static BackupManifest decode(RepositoryKeys keys, String id, byte[] obj) {
        BackupInfo info = decodeHeader(keys, id, obj);
        int start = MAGIC.length + 4 + headerLength(obj);
        byte[] plain = Codecs.openBody(keys, obj, start, obj.length - start, aad("extents", id),
                "extent map of backup " + id);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain))) {
            return new BackupManifest(info, ExtentMap.readFrom(in));
        } catch (IOException | ArithmeticException e) {
            throw new RepositoryCorruptedException("extent map of backup " + id + " is malformed", e);
        }
    }

    private static void writeOptional(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readOptional(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    static byte[] headerBytes(BackupInfo i) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeInt(FORMAT);
            out.writeUTF(i.id());
            out.writeUTF(i.volumeId());
            out.writeUTF(i.volumeName());
            out.writeUTF(i.strategy().name());
            writeOptional(out, i.parentBackupId());
            writeOptional(out, i.snapshotName());
            out.writeInt(i.labels().size());
            for (Map.Entry<String, String> e : i.labels().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.writeLong(i.sizeBytes());
            out.writeInt(i.blockSize());
            out.writeLong(i.created().toEpochMilli());
            out.writeLong(i.referencedBytes());
            out.writeUTF(i.contentDigest());
            BackupStats s = i.stats();
            out.writeLong(s.bytesRead());
            out.writeLong(s.bytesZero());
            out.writeLong(s.bytesNew());
            out.writeLong(s.bytesStored());
            out.writeLong(s.chunksNew());
            out.writeLong(s.chunksReused());
            out.writeInt(s.packsWritten());
            out.writeLong(s.durationMillis());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bos.toByteArray();
    }

    private static BackupInfo parseHeader(byte[] plain, String expectedId) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new RepositoryCorruptedException("manifest " + expectedId + " has unknown format " + format);
            }
            String id = in.readUTF();
            if (!id.equals(expectedId)) {
                throw new RepositoryCorruptedException("manifest " + expectedId + " names backup " + id);
            }
            String volumeId = in.readUTF();
            String volumeName = in.readUTF();
            BackupStrategy strategy = BackupStrategy.valueOf(in.readUTF());
            String parent = readOptional(in);
            String snapshot = readOptional(in);
            int nLabels = in.readInt();
            Map<String, String> labels = new LinkedHashMap<>();
            for (int k = 0; k < nLabels; k++) {
                labels.put(in.readUTF(), in.readUTF());
            }
            long size = in.readLong();
            int blockSize = in.readInt();
            Instant created = Instant.ofEpochMilli(in.readLong());
            long referenced = in.readLong();
            String digest = in.readUTF();
            BackupStats stats = new BackupStats(in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                    in.readLong(), in.readLong(), in.readInt(), in.readLong());
            return new BackupInfo(id, volumeId, volumeName, strategy, parent, snapshot, labels, size, blockSize,
                    created, referenced, digest, stats);
        } catch (IOException | IllegalArgumentException e) {
            throw new RepositoryCorruptedException("manifest " + expectedId + " header is malformed", e);
        }
    }
}
