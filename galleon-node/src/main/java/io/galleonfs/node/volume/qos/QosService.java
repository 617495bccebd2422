package io.galleonfs.node.volume.qos;

import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.VolumeQosInfo;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.MetaCommands;
import io.galleonfs.node.volume.VolumeService;
import org.jboss.logging.Logger;

/**
 * Volumes' own QoS policies: validated here, stored in metadata (Raft), applied by the node serving each volume when the
 * change reaches it ({@link VolumeQos#onMetadata}), without a restart.
 */
public final class QosService {
    private static final Logger LOG = Logger.getLogger(QosService.class);

    private final VolumeService volumes;
    private final MetadataStore store;
    private final MetaCommands commands;
    private final double capacityIops;

    /** @param capacityIops this node's IOPS capacity, for admission control of reservations (0: not checked) */
    public QosService(VolumeService volumes, MetadataStore store, double capacityIops) {
        this.volumes = volumes;
        this.store = store;
        this.commands = new MetaCommands(store);
        this.capacityIops = capacityIops;
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
     * the node's IOPS capacity: such a guarantee could not be kept. The capacity is this node's setting; nodes of one
     * cluster are expected to share it.
     */
    private void admit(MetadataState state, VolumeRecord v, QosPolicy p) {
        long wanted = p.guarantees() == null || p.guarantees().iops() == null ? 0 : p.guarantees().iops();
        if (wanted == 0 || capacityIops <= 0) {
            return;
        }
        long others = state.volumes().stream().filter(o -> o.node().equals(v.node()) && !o.id().equals(v.id()))
                .map(o -> VolumeQos.effective(state, o)).filter(java.util.Optional::isPresent).map(java.util.Optional::get)
                .filter(o -> o.guarantees() != null && o.guarantees().iops() != null).mapToLong(o -> o.guarantees().iops()).sum();
        if (others + wanted > capacityIops) {
            throw GalleonException.conflict("volume '" + v.name() + "': an IOPS reservation of " + wanted + " does not fit node "
                    + v.node() + ": its capacity is " + (long) capacityIops + " IOPS and " + others
                    + " are already reserved by other volumes");
        }
    }

    static VolumeQosInfo info(MetadataState state, VolumeRecord v) {
        QosPolicy own = state.volumeQos(v.id()).orElse(null);
        QosPolicy cls = state.storageClass(v.storageClass()).map(c -> c.qos()).orElse(null);
        String source = own != null ? "volume" : cls != null ? "storage_class" : "none";
        return new VolumeQosInfo(v.name(), v.id().toString(), source, v.storageClass(), own != null ? own : cls, own, cls);
    }
}
