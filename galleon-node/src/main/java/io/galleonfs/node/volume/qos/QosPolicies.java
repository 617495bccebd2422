package io.galleonfs.node.volume.qos;

import io.galleonfs.api.Names;
import io.galleonfs.api.QosPolicy;
import io.galleonfs.node.volume.GalleonException;

/** Validation of QoS policies sent by users: a bad policy is refused whole, with the first problem named. */
public final class QosPolicies {
    static final long MAX_IOPS = 100_000_000L;
    static final long MAX_MBPS = 1_000_000L;
    static final long MAX_LATENCY_MS = 3_600_000L;
    static final long MAX_BURST_SECONDS = 86_400L;
    static final double MAX_MULTIPLIER = 100;

    private QosPolicies() {
    }

    /** The policy as stored (burst normalised: disabled burst is dropped), or a 400 naming what is wrong. */
    public static QosPolicy validate(String what, QosPolicy p) {
        if (p == null) {
            throw GalleonException.badRequest(what + ": a QoS policy object is required");
        }
        if (p.name() != null) {
            try {
                Names.requireValid("QoS policy", p.name());
            } catch (IllegalArgumentException e) {
                throw GalleonException.badRequest(what + ": " + e.getMessage());
            }
        }
        QosPolicy.Limits l = p.limits();
        if (l != null) {
            positive(what, "limits.iops", l.iops(), MAX_IOPS);
            positive(what, "limits.throughput_mbps", l.throughputMbps(), MAX_MBPS);
            positive(what, "limits.latency_ms", l.latencyMs(), MAX_LATENCY_MS);
        }
        QosPolicy.Guarantees g = p.guarantees();
        if (g != null) {
            positive(what, "guarantees.iops", g.iops(), MAX_IOPS);
            positive(what, "guarantees.throughput_mbps", g.throughputMbps(), MAX_MBPS);
            if (l != null && g.iops() != null && l.iops() != null && g.iops() > l.iops()) {
                throw GalleonException.badRequest(what + ": guarantees.iops (" + g.iops() + ") is above limits.iops (" + l.iops() + ")");
            }
            if (l != null && g.throughputMbps() != null && l.throughputMbps() != null && g.throughputMbps() > l.throughputMbps()) {
                throw GalleonException.badRequest(what + ": guarantees.throughput_mbps (" + g.throughputMbps()
                        + ") is above limits.throughput_mbps (" + l.throughputMbps() + ")");
            }
        }
        QosPolicy.Burstable b = p.burstable();
        if (b != null && Boolean.FALSE.equals(b.enabled())) {
            b = null;
        }
        if (b != null) {
            boolean iopsLimited = l != null && l.iops() != null;
            boolean mbpsLimited = l != null && l.throughputMbps() != null;
            if (!iopsLimited && !mbpsLimited) {
                throw GalleonException.badRequest(what + ": burstable needs a limit to burst above: set limits.iops or limits.throughput_mbps");
            }
            if (b.durationSeconds() == null) {
                throw GalleonException.badRequest(what + ": burstable.duration_seconds is required");
            }
            positive(what, "burstable.duration_seconds", b.durationSeconds(), MAX_BURST_SECONDS);
            multiplier(what, "burstable.iops_multiplier", b.iopsMultiplier());
            multiplier(what, "burstable.throughput_multiplier", b.throughputMultiplier());
            if (b.iopsMultiplier() == null && b.throughputMultiplier() == null) {
                throw GalleonException.badRequest(what + ": burstable needs iops_multiplier or throughput_multiplier");
            }
            if (b.iopsMultiplier() != null && !iopsLimited) {
                throw GalleonException.badRequest(what + ": burstable.iops_multiplier needs limits.iops");
            }
            if (b.throughputMultiplier() != null && !mbpsLimited) {
                throw GalleonException.badRequest(what + ": burstable.throughput_multiplier needs limits.throughput_mbps");
            }
            b = new QosPolicy.Burstable(true, b.durationSeconds(), b.iopsMultiplier(), b.throughputMultiplier());
        }
        boolean limits = l != null && (l.iops() != null || l.throughputMbps() != null || l.latencyMs() != null);
        boolean guarantees = g != null && (g.iops() != null || g.throughputMbps() != null);
        if (!limits && !guarantees) {
            throw GalleonException.badRequest(what + ": the policy sets no limit and no guarantee (to remove a volume's policy, DELETE it)");
        }
        return new QosPolicy(p.name(), limits ? l : null, guarantees ? g : null, b);
    }

    private static void positive(String what, String field, Long value, long max) {
        if (value != null && (value <= 0 || value > max)) {
            throw GalleonException.badRequest(what + ": " + field + " must be between 1 and " + max + ", got " + value);
        }
    }

    private static void multiplier(String what, String field, Double value) {
        if (value != null && (!(value >= 1) || value > MAX_MULTIPLIER)) {
            throw GalleonException.badRequest(what + ": " + field + " must be between 1 and " + (int) MAX_MULTIPLIER + ", got " + value);
        }
    }
}
