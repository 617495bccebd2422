package io.galleonfs.node.volume.qos;

/**
 * This node's IOPS capacity for the reservation scheduler and admission control: the configured value
 * ({@code galleon.qos.node-iops}) when set, else the last calibration, else none (reservations are stored but neither
 * admitted against a capacity nor enforced). The scheduler and admission control use {@link #schedulable()}: the
 * calibrated figure measured the engine alone, while clients reach it through a frontend (NBD parsing and replies,
 * FUSE, HTTP) that takes part of the same CPU, so only {@link #USABLE_FRACTION} of it is promised.
 */
public final class NodeCapacity {
    /**
     * Share of a calibrated capacity that reservations may use; a configured capacity is taken as given. bench/qos
     * (docs/BENCHMARKS.md): two NBD clients together got 0.26 of the engine-only figure on a quiet host (18,263 of 69,618
     * IOPS) and 0.44 on a loaded one; the reservation scheduler adapts to what is left of the difference.
     */
    public static final double USABLE_FRACTION = 0.25;

    private final double configured;
    private final double configuredMbps;
    private volatile Calibration calibrated;

    public NodeCapacity(double configuredIops, Calibration calibrated) {
        this(configuredIops, 0, calibrated);
    }

    /** @param configuredMbps {@code galleon.qos.node-mbps} (0: take the calibration's) */
    public NodeCapacity(double configuredIops, double configuredMbps, Calibration calibrated) {
        if (configuredIops < 0 || configuredMbps < 0) {
            throw new IllegalArgumentException("configured capacity must be >= 0");
        }
        this.configured = configuredIops;
        this.configuredMbps = configuredMbps;
        this.calibrated = calibrated;
    }

    /**
     * MB/s that throughput reservations on this node may add up to (0: unknown, not enforced): the configured value, else
     * the calibrated 1 MiB write throughput × {@link #USABLE_FRACTION}. The same fraction as for IOPS, without a
     * measurement of its own: large requests cost the frontend less CPU per byte, so it is on the safe side, and the
     * scheduler's adaptation lowers the shared rate further when the node delivers less.
     */
    public double schedulableMbps() {
        if (configuredMbps > 0) {
            return configuredMbps;
        }
        Calibration c = calibrated;
        return c == null || c.mbps() == null ? 0 : Math.floor(c.mbps() * USABLE_FRACTION);
    }

    public double configuredMbps() {
        return configuredMbps;
    }

    /** IOPS that reservations on this node may add up to (0: unknown, not enforced). */
    public double schedulable() {
        if (configured > 0) {
            return configured;
        }
        Calibration c = calibrated;
        return c == null ? 0 : Math.floor(c.iops() * USABLE_FRACTION);
    }

    /** "configured", "calibrated" or "none": where {@link #schedulable()} comes from. */
    public String source() {
        return configured > 0 ? "configured" : calibrated != null ? "calibrated" : "none";
    }

    /** The same for {@link #schedulableMbps()}. */
    public String sourceMbps() {
        return configuredMbps > 0 ? "configured" : calibrated != null && calibrated.mbps() != null ? "calibrated" : "none";
    }

    public double configured() {
        return configured;
    }

    public Calibration calibrated() {
        return calibrated;
    }

    void calibrated(Calibration c) {
        this.calibrated = c;
    }
}
