package io.galleonfs.node.volume.qos;

import io.galleonfs.api.NodeCapacityInfo;
import io.galleonfs.node.volume.GalleonException;
import java.io.IOException;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * This node's IOPS capacity: loads the stored calibration at start, runs a new one on request
 * ({@code galleonfs node calibrate}), stores it and hands the resulting capacity to the reservation scheduler at once.
 */
public final class CapacityService {
    private static final Logger LOG = Logger.getLogger(CapacityService.class);

    private final String nodeId;
    private final NodeCapacity capacity;
    private final CalibrationFile file;
    private final CapacityCalibrator calibrator;
    private final VolumeQos qos;

    public CapacityService(String nodeId, NodeCapacity capacity, CalibrationFile file, CapacityCalibrator calibrator, VolumeQos qos) {
        this.nodeId = nodeId;
        this.capacity = capacity;
        this.file = file;
        this.calibrator = calibrator;
        this.qos = qos;
    }

    /** The configured capacity and the calibration stored under the storage path (a broken file is logged and ignored). */
    public static NodeCapacity load(double configuredIops, CalibrationFile file) {
        return load(configuredIops, 0, file);
    }

    /** The configured capacities (IOPS, MB/s) and the stored calibration (a broken file is logged and ignored). */
    public static NodeCapacity load(double configuredIops, double configuredMbps, CalibrationFile file) {
        Calibration stored = null;
        try {
            stored = file.read().orElse(null);
        } catch (IOException e) {
            LOG.warnf("%s; the node has no calibrated capacity until then", e.getMessage());
        }
        NodeCapacity c = new NodeCapacity(configuredIops, configuredMbps, stored);
        LOG.infof("QoS capacity for reservations: %s (%s), %s (%s)", c.schedulable() > 0 ? (long) c.schedulable() + " IOPS" : "no IOPS",
                c.source(), c.schedulableMbps() > 0 ? (long) c.schedulableMbps() + " MB/s" : "no MB/s", c.sourceMbps());
        return c;
    }

    /** IOPS that reservations on this node may add up to (0: unknown). */
    public double schedulable() {
        return capacity.schedulable();
    }

    /** MB/s that throughput reservations on this node may add up to (0: unknown). */
    public double schedulableMbps() {
        return capacity.schedulableMbps();
    }

    public NodeCapacityInfo info() {
        Calibration c = capacity.calibrated();
        return new NodeCapacityInfo(nodeId, (long) capacity.schedulable(), capacity.source(), (long) capacity.configured(),
                c == null ? null : c.iops(), NodeCapacity.USABLE_FRACTION,
                c == null ? null : Instant.ofEpochMilli(c.measuredAtMillis()).toString(), c == null ? null : c.seconds(),
                c == null ? null : c.queueDepth(), (long) capacity.schedulableMbps(), capacity.sourceMbps(),
                (long) capacity.configuredMbps(), c == null ? null : c.mbps());
    }

    /**
     * Measures, stores and applies a new calibration. Blocks for the warm-up plus {@code seconds}: call it off the event
     * loop. A configured capacity keeps precedence; the calibration is still stored and shown.
     */
    public NodeCapacityInfo calibrate(int seconds) {
        Calibration c;
        try {
            c = calibrator.measure(seconds);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        } catch (CapacityCalibrator.BusyException e) {
            throw GalleonException.conflict(e.getMessage());
        } catch (IOException e) {
            throw new GalleonException(GalleonException.Kind.STORAGE, "calibration failed: " + e.getMessage());
        }
        try {
            file.write(c);
        } catch (IOException e) {
            throw new GalleonException(GalleonException.Kind.STORAGE, "calibration measured " + c.iops()
                    + " IOPS but could not be stored in " + file.path() + ": " + e.getMessage());
        }
        capacity.calibrated(c);
        qos.setCapacity(capacity.schedulable(), capacity.schedulableMbps());
        LOG.infof("QoS capacity for reservations now %d IOPS (%s; calibrated %d IOPS), %d MB/s (%s; calibrated %d MB/s)",
                (long) capacity.schedulable(), capacity.source(), c.iops(), (long) capacity.schedulableMbps(), capacity.sourceMbps(), c.mbps());
        return info();
    }
}
