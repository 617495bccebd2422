package io.galleonfs.node.meta;

import java.util.Map;
import java.util.UUID;

/** Validation and effect of the replica-set commands; every check is on state, so all replicas decide alike. */
final class ReplicaTransitions {
    private ReplicaTransitions() {
    }

    static MetaResult setState(Map<UUID, VolumeRecord> volumes, MetaCommand.SetReplicaState c) {
        VolumeRecord v = volumes.get(c.volumeId());
        if (v == null) {
            return rejected(MetaResult.Reason.NOT_FOUND, "volume " + c.volumeId() + " not found");
        }
        if (v.epoch() != c.epoch()) {
            return rejected(MetaResult.Reason.CONFLICT, "volume '" + v.name() + "' is at epoch " + v.epoch() + ", not " + c.epoch()
                    + ": the sender is no longer its primary");
        }
        if (!v.replicaNodes().contains(c.nodeId()) || c.nodeId().equals(v.node())) {
            return rejected(MetaResult.Reason.INVALID, "node " + c.nodeId() + " holds no replica of volume '" + v.name() + "'");
        }
        volumes.put(v.id(), v.withReplicaState(c.nodeId(), c.state()));
        return null;
    }

    static MetaResult promote(Map<UUID, VolumeRecord> volumes, MetaCommand.PromotePrimary c) {
        VolumeRecord v = volumes.get(c.volumeId());
        MetaResult stale = notAtEpoch(v, c.volumeId(), c.expectedEpoch());
        if (stale != null) {
            return stale;
        }
        if (c.newPrimary().equals(v.node()) || !v.replicaNodes().contains(c.newPrimary())) {
            return rejected(MetaResult.Reason.INVALID, "node " + c.newPrimary() + " is not a replica of volume '" + v.name() + "'");
        }
        if (!v.replicaState(c.newPrimary()).healthy()) {
            return rejected(MetaResult.Reason.CONFLICT, "the replica of volume '" + v.name() + "' on " + c.newPrimary()
                    + " is " + v.replicaState(c.newPrimary()).state() + ", not healthy: it may miss acknowledged writes");
        }
        volumes.put(v.id(), v.promoted(c.newPrimary()));
        return null;
    }

    static MetaResult move(Map<UUID, VolumeRecord> volumes, MetaCommand.MoveReplica c) {
        VolumeRecord v = volumes.get(c.volumeId());
        MetaResult stale = notAtEpoch(v, c.volumeId(), c.expectedEpoch());
        if (stale != null) {
            return stale;
        }
        if (c.fromNode().equals(v.node()) || !v.replicaNodes().contains(c.fromNode())) {
            return rejected(MetaResult.Reason.INVALID, "node " + c.fromNode() + " holds no replica of volume '" + v.name() + "'");
        }
        if (v.replicaNodes().contains(c.toNode())) {
            return rejected(MetaResult.Reason.CONFLICT, "node " + c.toNode() + " already holds a copy of volume '" + v.name() + "'");
        }
        volumes.put(v.id(), v.withReplicaMoved(c.fromNode(), c.toNode()));
        return null;
    }

    static MetaResult add(Map<UUID, VolumeRecord> volumes, MetaCommand.AddReplica c) {
        VolumeRecord v = volumes.get(c.volumeId());
        MetaResult stale = notAtEpoch(v, c.volumeId(), c.expectedEpoch());
        if (stale != null) {
            return stale;
        }
        if (v.replicaNodes().contains(c.toNode())) {
            return rejected(MetaResult.Reason.CONFLICT, "node " + c.toNode() + " already holds a copy of volume '" + v.name() + "'");
        }
        volumes.put(v.id(), v.withReplicaAdded(c.toNode()));
        return null;
    }

    static MetaResult drop(Map<UUID, VolumeRecord> volumes, MetaCommand.DropReplica c) {
        VolumeRecord v = volumes.get(c.volumeId());
        MetaResult stale = notAtEpoch(v, c.volumeId(), c.expectedEpoch());
        if (stale != null) {
            return stale;
        }
        if (c.node().equals(v.node()) || !v.replicaNodes().contains(c.node())) {
            return rejected(MetaResult.Reason.INVALID, "node " + c.node() + " holds no replica of volume '" + v.name() + "'");
        }
        if (v.replicaNodes().size() - 1 < v.replicas()) {
            return rejected(MetaResult.Reason.CONFLICT, "volume '" + v.name() + "' wants " + v.replicas()
                    + " copies: the copy on " + c.node() + " is not surplus");
        }
        volumes.put(v.id(), v.withReplicaDropped(c.node()));
        return null;
    }

    /** Why a command decided at {@code expectedEpoch} no longer applies to the volume, or null if it does. */
    private static MetaResult notAtEpoch(VolumeRecord v, UUID id, long expectedEpoch) {
        if (v == null) {
            return rejected(MetaResult.Reason.NOT_FOUND, "volume " + id + " not found");
        }
        if (v.epoch() != expectedEpoch) {
            return rejected(MetaResult.Reason.CONFLICT, "volume '" + v.name() + "' moved to epoch " + v.epoch() + " meanwhile");
        }
        return null;
    }

    private static MetaResult rejected(MetaResult.Reason reason, String detail) {
        return new MetaResult.Rejected(reason, detail);
    }
}
