package io.galleonfs.node.meta;

import io.galleonfs.api.QosPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The named QoS policies part of {@link MetadataState}: the policies by name and which volume follows which. A volume
 * has at most one own QoS, either inline ({@code volumeQos}) or a named reference ({@code volumeRefs}); setting one
 * drops the other, so there is nothing to rank between them.
 */
final class QosPolicyTransitions {
    private final Map<String, QosPolicy> policies;
    private final Map<UUID, String> volumeRefs;
    private final Map<UUID, QosPolicy> volumeQos;
    private final Map<UUID, VolumeRecord> volumes;
    private final Map<String, StorageClassRecord> classes;

    QosPolicyTransitions(Map<String, QosPolicy> policies, Map<UUID, String> volumeRefs, Map<UUID, QosPolicy> volumeQos,
                         Map<UUID, VolumeRecord> volumes, Map<String, StorageClassRecord> classes) {
        this.policies = policies;
        this.volumeRefs = volumeRefs;
        this.volumeQos = volumeQos;
        this.volumes = volumes;
        this.classes = classes;
    }

    MetaResult put(MetaCommand.PutQosPolicy c) {
        QosPolicy p = c.policy();
        if (p == null || p.name() == null) {
            return new MetaResult.Rejected(MetaResult.Reason.INVALID, "a named QoS policy needs a name");
        }
        boolean exists = policies.containsKey(p.name());
        if (c.create() && exists) {
            return new MetaResult.Rejected(MetaResult.Reason.CONFLICT, "QoS policy '" + p.name() + "' already exists");
        }
        if (!c.create() && !exists) {
            return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "QoS policy '" + p.name() + "' not found");
        }
        policies.put(p.name(), p);
        return null;
    }

    MetaResult delete(MetaCommand.DeleteQosPolicy d) {
        if (!policies.containsKey(d.name())) {
            return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "QoS policy '" + d.name() + "' not found");
        }
        List<String> vols = volumesUsing(d.name());
        List<String> cls = classesUsing(d.name());
        if (!d.force() && (!vols.isEmpty() || !cls.isEmpty())) {
            return new MetaResult.Rejected(MetaResult.Reason.CONFLICT, "QoS policy '" + d.name() + "' is in use by "
                    + users(vols, cls) + " (--force detaches them: volumes fall back to their class's QoS)");
        }
        volumeRefs.values().removeIf(d.name()::equals);
        policies.remove(d.name());
        return null;
    }

    MetaResult setVolume(MetaCommand.SetVolumeQosPolicy s) {
        if (!volumes.containsKey(s.volumeId())) {
            return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "volume " + s.volumeId() + " not found");
        }
        if (s.policy() == null) {
            volumeRefs.remove(s.volumeId());
            volumeQos.remove(s.volumeId());
            return null;
        }
        if (!policies.containsKey(s.policy())) {
            return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "QoS policy '" + s.policy() + "' not found");
        }
        volumeRefs.put(s.volumeId(), s.policy());
        volumeQos.remove(s.volumeId());
        return null;
    }

    /** A class may only name a policy that exists when it is created. */
    MetaResult checkClass(StorageClassRecord c) {
        String name = c.qosPolicyName();
        if (name != null && !policies.containsKey(name)) {
            return new MetaResult.Rejected(MetaResult.Reason.INVALID, "storage class '" + c.name() + "': parameter "
                    + StorageClassRecord.QOS_POLICY_PARAMETER + " names QoS policy '" + name + "', which does not exist");
        }
        return null;
    }

    Optional<String> volumeRef(UUID volumeId) {
        return volumes.containsKey(volumeId) ? Optional.ofNullable(volumeRefs.get(volumeId)) : Optional.empty();
    }

    List<String> volumesUsing(String policy) {
        return volumeRefs.entrySet().stream().filter(e -> e.getValue().equals(policy) && volumes.containsKey(e.getKey()))
                .map(e -> volumes.get(e.getKey()).name()).sorted().toList();
    }

    List<String> classesUsing(String policy) {
        return classes.values().stream().filter(c -> policy.equals(c.qosPolicyName()))
                .map(StorageClassRecord::name).toList();
    }

    private static String users(List<String> vols, List<String> cls) {
        StringBuilder s = new StringBuilder();
        if (!vols.isEmpty()) {
            s.append("volume(s) ").append(String.join(", ", vols));
        }
        if (!cls.isEmpty()) {
            s.append(s.isEmpty() ? "" : " and ").append("storage class(es) ").append(String.join(", ", cls));
        }
        return s.toString();
    }
}
