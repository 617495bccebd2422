package io.galleonfs.node.volume.qos;

import io.galleonfs.api.QosPolicy;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.Optional;

/**
 * Which QoS policy a volume is under, first match wins: the volume's own (inline, {@code volume qos set}, or a named
 * policy, {@code volume set-qos}; a volume has at most one of the two), then its storage class's ({@code qos} inline, or
 * the named policy its {@code qos_policy} parameter names; a class has at most one of the two). A class naming a policy
 * that was deleted with {@code --force} contributes nothing.
 */
public final class QosResolution {
    /** @param source volume, policy, storage_class, storage_class_policy or none; @param policyName the named policy, if one */
    public record Resolved(QosPolicy policy, String source, String policyName) {
        static final Resolved NONE = new Resolved(null, "none", null);
    }

    private QosResolution() {
    }

    public static Resolved resolve(MetadataState state, VolumeRecord v) {
        Optional<QosPolicy> own = state.volumeQos(v.id());
        if (own.isPresent()) {
            return new Resolved(own.get(), "volume", null);
        }
        Optional<String> ref = state.volumeQosPolicy(v.id());
        if (ref.isPresent() && state.qosPolicy(ref.get()).isPresent()) {
            return new Resolved(state.qosPolicy(ref.get()).get(), "policy", ref.get());
        }
        Optional<StorageClassRecord> cls = state.storageClass(v.storageClass());
        if (cls.isEmpty()) {
            return Resolved.NONE;
        }
        if (cls.get().qos() != null) {
            return new Resolved(cls.get().qos(), "storage_class", null);
        }
        String named = cls.get().qosPolicyName();
        if (named != null && state.qosPolicy(named).isPresent()) {
            return new Resolved(state.qosPolicy(named).get(), "storage_class_policy", named);
        }
        return Resolved.NONE;
    }

    public static Optional<QosPolicy> effective(MetadataState state, VolumeRecord v) {
        return Optional.ofNullable(resolve(state, v).policy());
    }
}
