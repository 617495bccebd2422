package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.ReplicaRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.Fence;
import io.galleonfs.node.replication.DataMessage.Status;
import io.galleonfs.node.replication.DataMessage.StatusRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.roaringbitmap.RoaringBitmap;

/**
 * A node becoming a volume's primary takes over its replica set: asks each replica how far it is, sets its next
 * sequence number and epoch (fencing any older primary there), and decides per replica: in sync, stale with known
 * missed blocks, or rebuild. Copies that are not in sync are recorded stale before the primary serves.
 */
final class PrimaryTakeover {
    private static final Logger LOG = Logger.getLogger(PrimaryVolume.class);

    private final PrimaryState s;

    PrimaryTakeover(PrimaryState state) {
        this.s = state;
    }

    void run() {
        VolumeRecord v = s.record();
        List<MetaCommand.SetReplicaState> changes = new ArrayList<>();
        s.order.lock();
        try {
            for (String node : v.replicaNodes()) {
                if (node.equals(s.self)) {
                    continue;
                }
                ReplicaLink link = new ReplicaLink(node, ReplicaLink.Mode.NEEDS_REBUILD);
                s.links.put(node, link);
                ReplicaRecord meta = v.replicaState(node);
                link.recordedHealthy = meta.healthy();
                if (!meta.healthy()) {
                    continue;
                }
                if (!takeOver(v, link)) {
                    changes.add(new MetaCommand.SetReplicaState(v.id(), v.epoch(), node, new ReplicaRecord(ReplicaRecord.STALE, 0)));
                }
            }
            s.linksChanged();
        } finally {
            s.order.unlock();
        }
        for (MetaCommand.SetReplicaState c : changes) {
            try {
                s.ctx.commit(c);
                s.links.get(c.nodeId()).recordedHealthy = false;
            } catch (IOException e) {
                s.fence("cannot record replica states at takeover: " + e.getMessage());
            }
        }
        LOG.infof("volume %s: primary on this node at epoch %d, seq %d, replicas %s", v.name(), v.epoch(), s.seq, s.describeLinks());
    }

    /** Fences one healthy replica at this epoch and sets its link's mode; false when it must be recorded stale. */
    private boolean takeOver(VolumeRecord v, ReplicaLink link) {
        Optional<HostPort> addr = s.ctx.dataAddress(link.nodeId);
        try {
            if (addr.isEmpty()) {
                throw new IOException("no address known");
            }
            Status st = (Status) s.ctx.client().call(addr.get(), new StatusRequest(v.id()), s.ctx.replicaTimeout());
            s.ctx.client().call(addr.get(), new Fence(v.id(), v.epoch(), s.seq), s.ctx.replicaTimeout());
            // A volume nothing was ever written to: its copies are being created empty right now.
            boolean fresh = v.epoch() == 1 && s.seq == 0 && st.appliedSeq() == 0 && s.local.allocatedBlocks().isEmpty();
            // 0 from a replica process that restarted means unknown, not "applied nothing": it may hold a deposed
            // primary's writes beyond our sequence, which no delta would undo.
            boolean known = st.appliedSeq() > 0 || fresh;
            if ((st.present() || fresh) && known && st.appliedSeq() == s.seq) {
                link.inSync(st.incarnation());
                return true;
            }
            RoaringBitmap missed = st.present() && known && st.appliedSeq() < s.seq
                    ? s.ctx.applier().recent(v.id()).blocksBetween(st.appliedSeq(), s.seq) : null;
            if (missed != null) {
                link.mode = ReplicaLink.Mode.STALE;
                link.dirty = missed;
            }
            return false;
        } catch (IOException e) {
            LOG.warnf("volume %s: replica on %s unreachable at takeover (%s); it will be rebuilt", v.name(), link.nodeId, e.getMessage());
            return false;
        }
    }
}
