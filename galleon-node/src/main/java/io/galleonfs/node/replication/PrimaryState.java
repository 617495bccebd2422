package io.galleonfs.node.replication;

import io.galleonfs.engine.Volume;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.ReplicaRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.ErrorCode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * What the jobs of one volume's primary share: the local copy, the volume's metadata record, the order lock, the
 * sequence number, the replica links and whether this node was deposed. {@link PrimaryVolume} orders and acknowledges
 * client operations, {@link ReplicaCatchUp} brings stale copies back, {@link VolumeIntegrity} repairs and scrubs; each
 * works on this state under {@link #order}, which guards {@link #seq}, {@link #links} and every link's fields.
 */
final class PrimaryState {
    private static final Logger LOG = Logger.getLogger(PrimaryVolume.class);

    final PrimaryContext ctx;
    final Volume local;
    final String self;
    final ReentrantLock order = new ReentrantLock();
    /** Signalled (under {@code order}) whenever a replica link becomes in sync. */
    final Condition linkInSync = order.newCondition();
    /** Sequence number of the last ordered operation (under {@code order}). */
    long seq;
    /**
     * This copy's writes and trims ordered but not applied yet (they apply outside {@code order}); whatever reads or
     * changes the copy as a whole under {@code order} drains them first.
     */
    final LocalWrites localWrites = new LocalWrites();
    final Map<String, ReplicaLink> links = new LinkedHashMap<>();
    private volatile VolumeRecord record;
    /** The links as a list metrics may read without the order lock (replaced whenever the link set changes). */
    private volatile List<ReplicaLink> linkSnapshot = List.of();
    private volatile String fencedReason;

    PrimaryState(PrimaryContext ctx, Volume local, VolumeRecord record, String self, long startSeq) {
        this.ctx = ctx;
        this.local = local;
        this.record = record;
        this.self = self;
        this.seq = startSeq;
    }

    UUID id() {
        return local.id();
    }

    int blockSize() {
        return local.blockSize();
    }

    VolumeRecord record() {
        return record;
    }

    void updateRecord(VolumeRecord v) {
        record = v;
    }

    /** Publishes the link set to lock-free readers; call under {@code order} after changing it. */
    void linksChanged() {
        linkSnapshot = List.copyOf(links.values());
    }

    List<ReplicaLink> linkSnapshot() {
        return linkSnapshot;
    }

    /** This node must stop acting as primary (a newer epoch exists, or metadata says so). */
    void fence(String reason) {
        if (fencedReason == null) {
            LOG.warnf("volume %s: no longer serving as primary: %s", record.name(), reason);
        }
        fencedReason = reason;
    }

    boolean fenced() {
        return fencedReason != null;
    }

    void requireServing() throws IOException {
        String reason = fencedReason;
        if (reason != null) {
            throw new DataClient.RemoteException(ErrorCode.NOT_PRIMARY, "this node is no longer the primary of volume '"
                    + record.name() + "': " + reason);
        }
    }

    /** Records a replica's state in metadata; a failure is an UNAVAILABLE answer (the write is not acknowledged). */
    void commitState(ReplicaLink link, String state, int progress) throws IOException {
        VolumeRecord v = record;
        try {
            ctx.commit(new MetaCommand.SetReplicaState(v.id(), v.epoch(), link.nodeId, new ReplicaRecord(state, progress)));
            link.recordedHealthy = ReplicaRecord.HEALTHY.equals(state);
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("no longer its primary")) {
                fence(e.getMessage());
            }
            throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "volume '" + v.name() + "': cannot record that the replica on "
                    + link.nodeId + " is " + state + " (" + e.getMessage() + "); the write is not acknowledged");
        }
    }

    String describeLinks() {
        StringBuilder sb = new StringBuilder();
        links.values().forEach(l -> sb.append(l.nodeId, 0, Math.min(8, l.nodeId.length())).append('=').append(l.mode).append(' '));
        return sb.toString().trim();
    }
}
