package io.galleonfs.node.volume.qos;

import io.galleonfs.api.Names;
import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.QosPolicyInfo;
import io.galleonfs.api.QosPolicyRef;
import io.galleonfs.api.VolumeQosInfo;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.MetaCommands;
import io.galleonfs.node.volume.VolumeService;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Volumes' own QoS policies and the named policies they (or their classes) follow: validated here, stored in metadata (Raft), applied by the node serving each volume when the
 * change reaches it ({@link VolumeQos#onMetadata}), without a restart.
 */
public final class QosService {
    private static final Logger LOG = Logger.getLogger(QosService.class);

    private final VolumeService volumes;
    private final MetadataStore store;
    private final MetaCommands commands;
    private final java.util.function.ToDoubleFunction<String> capacityOf;
    private final java.util.function.ToDoubleFunction<String> mbpsOf;

    /** @param capacityIops the IOPS capacity of every node, for admission control of reservations (0: not checked) */
    public QosService(VolumeService volumes, MetadataStore store, double capacityIops) {
        this(volumes, store, node -> capacityIops);
    }

    /**
     * @param capacityOf a node's IOPS capacity by node id, for admission control of reservations: this node's own, the
     *                   others' as their heartbeats advertise them (0: unknown, that node's reservations are not checked)
     */
    public QosService(VolumeService volumes, MetadataStore store, java.util.function.ToDoubleFunction<String> capacityOf) {
        this(volumes, store, capacityOf, node -> 0);
    }

    /** @param mbpsOf a node's throughput capacity (MB/s) by node id, for throughput reservations (0: not checked) */
    public QosService(VolumeService volumes, MetadataStore store, java.util.function.ToDoubleFunction<String> capacityOf,
                      java.util.function.ToDoubleFunction<String> mbpsOf) {
        this.volumes = volumes;
        this.store = store;
        this.commands = new MetaCommands(store);
        this.capacityOf = capacityOf;
        this.mbpsOf = mbpsOf;
    }

    public VolumeQosInfo get(String ref) {
        VolumeRecord v = volumes.get(ref);
        return info(store.state(), v);
    }

    public VolumeQosInfo set(String ref, QosPolicy policy) {
        VolumeRecord v = volumes.get(ref);
        QosPolicy p = QosPolicies.validate("volume '" + v.name() + "'", policy);
        admit(store.state(), v, p);
        commands.submit(new MetaCommand.SetVolumeQos(v.id(), p));
        LOG.infof("volume %s: QoS policy set: %s", v.name(), p);
        return info(store.state(), volumes.get(v.id().toString()));
    }

    public VolumeQosInfo clear(String ref) {
        VolumeRecord v = volumes.get(ref);
        if (store.state().volumeQos(v.id()).isPresent()) {
            commands.submit(new MetaCommand.SetVolumeQos(v.id(), null));
            LOG.infof("volume %s: QoS policy removed", v.name());
        }
        return info(store.state(), v);
    }

    /**
     * Refuses a reservation that, with the reservations of the other volumes whose primary is on the same node, exceeds
     * the node's IOPS or MB/s capacity: such a guarantee could not be kept. Each node is checked against its own capacity.
     */
    private void admit(MetadataState state, VolumeRecord v, QosPolicy p) {
        admitChange(state, o -> o.id().equals(v.id()), o -> o.id().equals(v.id()) ? Optional.of(p) : VolumeQos.effective(state, o),
                "volume '" + v.name() + "'");
    }

    /**
     * Refuses a change after which the reservations of the volumes whose primary is on one node exceed that node's
     * capacity. Only nodes holding a volume the change affects are checked, and a change that does not raise a node's
     * total is never refused (so lowering a reservation always works, even on an over-committed node).
     */
    private void admitChange(MetadataState state, Predicate<VolumeRecord> affected, Function<VolumeRecord, Optional<QosPolicy>> after,
                             String what) {
        Map<String, long[]> byNode = new TreeMap<>(); // node -> {IOPS before, after, MB/s before, after}
        Set<String> touched = new java.util.HashSet<>();
        for (VolumeRecord o : state.volumes()) {
            long[] sums = byNode.computeIfAbsent(o.node(), k -> new long[4]);
            Optional<QosPolicy> before = VolumeQos.effective(state, o);
            Optional<QosPolicy> now = after.apply(o);
            sums[0] += reservation(before, QosPolicy.Guarantees::iops);
            sums[1] += reservation(now, QosPolicy.Guarantees::iops);
            sums[2] += reservation(before, QosPolicy.Guarantees::throughputMbps);
            sums[3] += reservation(now, QosPolicy.Guarantees::throughputMbps);
            if (affected.test(o)) {
                touched.add(o.node());
            }
        }
        for (String node : touched) {
            long[] sums = byNode.get(node);
            refuseAbove(what, node, sums[0], sums[1], capacityOf.applyAsDouble(node), "IOPS", "IOPS");
            refuseAbove(what, node, sums[2], sums[3], mbpsOf.applyAsDouble(node), "throughput", "MB/s");
        }
    }

    /** Refuses a raise of a node's reservations ({@code before} → {@code after}) above its {@code capacity} (0: unknown). */
    private static void refuseAbove(String what, String node, long before, long after, double capacity, String kind, String unit) {
        if (capacity > 0 && after > capacity && after > before) {
            throw GalleonException.conflict(what + ": the " + kind + " reservations on node " + node + " would total " + after + " "
                    + unit + ", above its capacity of " + (long) capacity + " " + unit + " (" + before + " reserved now; see "
                    + "galleonfs cluster peers, and galleonfs node calibrate to measure a node)");
        }
    }

    private static long reservation(Optional<QosPolicy> p, Function<QosPolicy.Guarantees, Long> of) {
        return p.map(QosPolicy::guarantees).map(of).orElse(0L);
    }

    // --- named policies ---

    public List<QosPolicyInfo> listPolicies() {
        MetadataState state = store.state();
        return state.qosPolicies().stream().map(p -> policyInfo(state, p)).toList();
    }

    public QosPolicyInfo getPolicy(String name) {
        MetadataState state = store.state();
        return policyInfo(state, namedPolicy(state, name));
    }

    public QosPolicyInfo createPolicy(QosPolicy policy) {
        QosPolicy p = validateNamed(policy, null);
        commands.submit(new MetaCommand.PutQosPolicy(p, true));
        LOG.infof("QoS policy %s created: %s", p.name(), p);
        return getPolicy(p.name());
    }

    /** Replaces a named policy; the volumes following it get the new values from their primaries at once. */
    public QosPolicyInfo updatePolicy(String name, QosPolicy policy) {
        QosPolicy p = validateNamed(policy, name);
        MetadataState state = store.state();
        namedPolicy(state, name);
        admitChange(state, o -> usesPolicy(state, o, name),
                o -> usesPolicy(state, o, name) ? Optional.of(p) : VolumeQos.effective(state, o), "QoS policy '" + name + "'");
        commands.submit(new MetaCommand.PutQosPolicy(p, false));
        LOG.infof("QoS policy %s replaced: %s", name, p);
        return getPolicy(name);
    }

    public void deletePolicy(String name, boolean force) {
        try {
            Names.requireValid("QoS policy", name);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        commands.submit(new MetaCommand.DeleteQosPolicy(name, force));
        LOG.infof("QoS policy %s deleted%s", name, force ? " (forced: users detached)" : "");
    }

    /** The volume follows the named policy from now on (its inline policy, if any, is dropped). */
    public VolumeQosInfo setVolumePolicy(String ref, QosPolicyRef body) {
        VolumeRecord v = volumes.get(ref);
        if (body == null || body.policy() == null || body.policy().isBlank()) {
            throw GalleonException.badRequest("volume '" + v.name() + "': body {\"policy\": NAME} is required (DELETE removes the policy)");
        }
        MetadataState state = store.state();
        QosPolicy p = namedPolicy(state, body.policy());
        admit(state, v, p);
        commands.submit(new MetaCommand.SetVolumeQosPolicy(v.id(), body.policy()));
        LOG.infof("volume %s: follows QoS policy %s", v.name(), body.policy());
        return info(store.state(), volumes.get(v.id().toString()));
    }

    /** Removes the volume's own QoS, named or inline: its class's applies again. */
    public VolumeQosInfo clearVolumePolicy(String ref) {
        VolumeRecord v = volumes.get(ref);
        MetadataState state = store.state();
        if (state.volumeQosPolicy(v.id()).isPresent() || state.volumeQos(v.id()).isPresent()) {
            commands.submit(new MetaCommand.SetVolumeQosPolicy(v.id(), null));
            LOG.infof("volume %s: own QoS removed", v.name());
        }
        return info(store.state(), v);
    }

    private static QosPolicy validateNamed(QosPolicy policy, String pathName) {
        if (policy != null && policy.name() == null && pathName != null) {
            policy = new QosPolicy(pathName, policy.limits(), policy.guarantees(), policy.burstable());
        }
        if (policy != null && policy.name() == null) {
            throw GalleonException.badRequest("a named QoS policy needs a name");
        }
        String what = policy == null ? "QoS policy" : "QoS policy '" + policy.name() + "'";
        QosPolicy p = QosPolicies.validate(what, policy);
        if (pathName != null && !pathName.equals(p.name())) {
            throw GalleonException.badRequest(what + ": the body's name does not match '" + pathName + "' in the path");
        }
        return p;
    }

    private static QosPolicy namedPolicy(MetadataState state, String name) {
        return state.qosPolicy(name).orElseThrow(() -> GalleonException.notFound("QoS policy '" + name + "' not found"));
    }

    private static boolean usesPolicy(MetadataState state, VolumeRecord v, String name) {
        return name.equals(QosResolution.resolve(state, v).policyName());
    }

    private static QosPolicyInfo policyInfo(MetadataState state, QosPolicy p) {
        return new QosPolicyInfo(p, state.volumesUsingQosPolicy(p.name()), state.classesUsingQosPolicy(p.name()));
    }

    static VolumeQosInfo info(MetadataState state, VolumeRecord v) {
        QosPolicy own = state.volumeQos(v.id()).orElse(null);
        StorageClassRecord c = state.storageClass(v.storageClass()).orElse(null);
        QosPolicy cls = c == null ? null : c.qos() != null ? c.qos() : c.qosPolicyName() == null ? null
                : state.qosPolicy(c.qosPolicyName()).orElse(null);
        QosResolution.Resolved r = QosResolution.resolve(state, v);
        return new VolumeQosInfo(v.name(), v.id().toString(), r.source(), v.storageClass(), r.policy(), own, cls, r.policyName());
    }
}
