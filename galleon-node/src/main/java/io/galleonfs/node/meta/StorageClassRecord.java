package io.galleonfs.node.meta;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A validated storage class. Parameters are kept verbatim (the seed's string map); known ones are interpreted by the services. */
public record StorageClassRecord(
        String name,
        String provisioner,
        Map<String, String> parameters,
        ReclaimPolicy reclaimPolicy,
        VolumeBindingMode volumeBindingMode,
        List<String> allowedTopologies,
        List<String> mountOptions,
        boolean builtIn,
        io.galleonfs.api.QosPolicy qos) {

    /** A class without a QoS policy. */
    public StorageClassRecord(String name, String provisioner, Map<String, String> parameters, ReclaimPolicy reclaimPolicy,
                              VolumeBindingMode volumeBindingMode, List<String> allowedTopologies, List<String> mountOptions,
                              boolean builtIn) {
        this(name, provisioner, parameters, reclaimPolicy, volumeBindingMode, allowedTopologies, mountOptions, builtIn, null);
    }

    public StorageClassRecord {
        parameters = parameters == null ? Map.of() : Map.copyOf(new TreeMap<>(parameters));
        allowedTopologies = allowedTopologies == null ? List.of() : List.copyOf(allowedTopologies);
        mountOptions = mountOptions == null ? List.of() : List.copyOf(mountOptions);
    }

    /** The parameter naming the class's default QoS policy (a named policy; exclusive with {@code qos}). */
    public static final String QOS_POLICY_PARAMETER = "qos_policy";

    /** The named QoS policy the class's volumes follow by default, if the class names one. */
    public String qosPolicyName() {
        return parameters.get(QOS_POLICY_PARAMETER);
    }

    public boolean encrypted() {
        return "true".equalsIgnoreCase(parameters.getOrDefault("encryption", "false"));
    }

    /** Replica count the class asks for: parameters.replication, else 1. */
    public int replication() {
        String r = parameters.get("replication");
        return r == null ? 1 : Integer.parseInt(r.trim());
    }

    public enum ReclaimPolicy { Delete, Retain }

    public enum VolumeBindingMode { Immediate, WaitForFirstConsumer }
}
