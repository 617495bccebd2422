package io.galleonfs.node.replication;

import java.util.UUID;

/**
 * Messages of the node-to-node data plane. Requests carry the volume and, for replica traffic, the sender's primary
 * epoch, which replicas use to fence a deposed primary. Each message maps to one frame type (see {@link DataCodec}).
 */
public sealed interface DataMessage {

    /** What a node sends to another; every request gets exactly one {@link Response}. */
    sealed interface Request extends DataMessage {
    }

    /** The answer to one {@link Request}. */
    sealed interface Response extends DataMessage {
    }

    /** Messages a replica applies in arrival order, per volume. */
    sealed interface ReplicaOp extends Request {
        UUID volume();

        long epoch();
    }

    /**
     * Introduces a connection: who is calling, and which process incarnation answers (changes at every start). The
     * one message that is both: the caller's first request and the answer to it.
     */
    record Hello(String nodeId, long incarnation) implements Request, Response {
    }

    record ReplicaWrite(UUID volume, long epoch, long seq, long offset, boolean durable, byte[] data) implements ReplicaOp {
    }

    record ReplicaTrim(UUID volume, long epoch, long seq, long offset, long length) implements ReplicaOp {
    }

    /** Makes everything applied before it durable. */
    record ReplicaFlush(UUID volume, long epoch) implements ReplicaOp {
    }

    record ReplicaSnapshot(UUID volume, long epoch, long seq, String name) implements ReplicaOp {
    }

    record ReplicaDeleteSnapshot(UUID volume, long epoch, long seq, String name) implements ReplicaOp {
    }

    record ReplicaRestore(UUID volume, long epoch, long seq, String name) implements ReplicaOp {
    }

    record ReplicaExpand(UUID volume, long epoch, long seq, long sizeBytes) implements ReplicaOp {
    }

    /** Discards the replica's copy and starts an empty one of the given size: the first step of a full rebuild. */
    record ReplicaReset(UUID volume, long epoch, long sizeBytes, boolean encrypted) implements ReplicaOp {
    }

    /**
     * Raises the replica's epoch for the volume (lower epochs are refused afterwards) and sets the sequence number the
     * next ordered operation must follow: sent by a new primary, and when a resynced replica rejoins the write stream.
     */
    record Fence(UUID volume, long epoch, long seq) implements ReplicaOp {
    }

    /**
     * A rebuild checkpoint in the write stream (after its replica flush): the replica records the blocks written from
     * here on under {@code mark}, so that a primary that crashes later can resume from this checkpoint (see
     * {@code RebuildMarks}).
     */
    record RebuildMark(UUID volume, long epoch, long mark) implements ReplicaOp {
    }

    /** Asks a replica how far it is: answered with {@link Status}. */
    record StatusRequest(UUID volume) implements Request {
    }

    /**
     * Asks a rebuilding replica for the blocks written since {@code mark} of the rebuild whose reset had epoch
     * {@code resetEpoch}: answered with {@link Data} holding a serialized RoaringBitmap, or NOT_FOUND when the replica
     * cannot say (the rebuild must start over).
     */
    record RebuildStateRequest(UUID volume, long resetEpoch, long mark) implements Request {
    }

    /** Reads a replica's own copy (repair and scrub); answered with {@link Data}. */
    record BlockRead(UUID volume, long offset, int length) implements Request {
    }

    /** CRC32C of each block's content in [firstBlock, firstBlock + count); answered with {@link Checksums}. */
    record ChecksumRequest(UUID volume, long firstBlock, int count) implements Request {
    }

    /** Client I/O forwarded by a node that is not the primary. {@code snapshot} is empty for the live volume. */
    record ClientRead(UUID volume, long offset, int length, String snapshot) implements Request {
    }

    /** {@code level}: the ordinal of the caller's {@code WriteConcern}. */
    record ClientWrite(UUID volume, long offset, int level, byte[] data) implements Request {
    }

    record ClientFlush(UUID volume) implements Request {
    }

    record ClientTrim(UUID volume, long offset, long length) implements Request {
    }

    /**
     * Asks a node for its I/O figures of the last second (every volume's client I/O that entered there, and the replica
     * operations it applied); answered with {@link Data} holding them as JSON (see {@code NodeIoReport}).
     */
    record MetricsRequest() implements Request {
    }

    // ---------------------------------------------------------------- responses

    record Ok(long value) implements Response {
    }

    record Data(byte[] bytes) implements Response {
    }

    record Failure(ErrorCode code, String message) implements Response {
    }

    /** {@code appliedSeq}: the last replica operation applied; {@code epoch}: the highest epoch seen. */
    record Status(long appliedSeq, long epoch, long incarnation, boolean present) implements Response {
    }

    record Checksums(int[] crcs) implements Response {
    }

    enum ErrorCode {
        /** The sender's epoch is lower than one this node has seen: it is no longer the primary. */
        STALE_EPOCH,
        /** This node is not the volume's primary (forwarded client I/O must go elsewhere). */
        NOT_PRIMARY,
        NOT_FOUND,
        BAD_REQUEST,
        /** The volume cannot take I/O now (too few healthy copies, metadata unavailable). */
        UNAVAILABLE,
        CHECKSUM,
        IO;

        static ErrorCode of(int ordinal) {
            ErrorCode[] all = values();
            return ordinal >= 0 && ordinal < all.length ? all[ordinal] : IO;
        }
    }
}
