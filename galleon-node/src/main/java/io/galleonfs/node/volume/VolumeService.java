package io.galleonfs.node.volume;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.CreateVolumeRequest;
import io.galleonfs.api.Names;
import io.galleonfs.api.Sizes;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.placement.NodeState;
import io.galleonfs.node.placement.PlacementEngine;
import io.galleonfs.node.placement.PlacementRequest;
import io.galleonfs.node.placement.PlacementResult;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/** Volume lifecycle on this node: validation, metadata commands, and lookups by name or UUID. */
public final class VolumeService {
    /** Largest volume accepted: 1 PiB keeps every byte offset comfortably inside a long. */
    public static final long MAX_SIZE = 1L << 50;
    static final String DEFAULT_SIZE = "1G";

    private final MetadataStore store;
    private final MetaCommands commands;
    private final NodeContext node;
    private final Clock clock;
    private final Supplier<UUID> ids;
    private final VolumeProvisioner provisioner;
    private final PlacementEngine placement = new PlacementEngine();
    private final VolumeClients clients = new VolumeClients();

    public VolumeService(MetadataStore store, NodeContext node, Clock clock, Supplier<UUID> ids, VolumeProvisioner provisioner) {
        this.store = store;
        this.provisioner = provisioner;
        this.commands = new MetaCommands(store);
        this.node = node;
        this.clock = clock;
        this.ids = ids;
    }

    /** Frontend clients (NBD connections) of each volume on this node. */
    public VolumeClients clients() {
        return clients;
    }

    public List<VolumeRecord> list() {
        return store.state().volumes().stream().sorted(Comparator.comparing(VolumeRecord::name)).toList();
    }

    /** The volumes a caller limited to {@code scope} may see, by name. */
    public List<VolumeRecord> list(io.galleonfs.node.auth.NamespaceScope scope) {
        return list().stream().filter(v -> scope.allows(v.namespace())).toList();
    }

    /** The namespace of the volume {@code id}, if it exists. */
    public Optional<String> namespaceOf(UUID id) {
        return store.state().volume(id).map(VolumeRecord::namespace);
    }

    /** Finds a volume by UUID, name or {@code ns/name} among every namespace (see {@link #resolve}). */
    public VolumeRecord get(String ref) {
        return find(ref).orElseThrow(() -> GalleonException.notFound("volume '" + ref + "' not found"));
    }

    /** Like {@link #get}, empty when missing; a bare name held by several namespaces is a conflict listing them. */
    public Optional<VolumeRecord> find(String ref) {
        return switch (io.galleonfs.node.meta.VolumeLookup.resolve(store.state(), ref, null, io.galleonfs.node.auth.NamespaceScope.ALL)) {
            case io.galleonfs.node.meta.VolumeLookup.Found f -> Optional.of(f.volume());
            case io.galleonfs.node.meta.VolumeLookup.Missing m -> Optional.empty();
            case io.galleonfs.node.meta.VolumeLookup.Ambiguous a -> throw GalleonException.conflict(a.detail());
        };
    }

    /**
     * The volume {@code ref} names for a caller who may see {@code scope}, in {@code namespace} when given: 404 when it
     * is missing or outside the scope, 409 listing the visible namespaces when a bare name is ambiguous.
     */
    public VolumeRecord resolve(String ref, String namespace, io.galleonfs.node.auth.NamespaceScope scope) {
        return switch (io.galleonfs.node.meta.VolumeLookup.resolve(store.state(), ref, namespace, scope)) {
            case io.galleonfs.node.meta.VolumeLookup.Found f -> f.volume();
            case io.galleonfs.node.meta.VolumeLookup.Missing m -> throw GalleonException.notFound("volume '" + ref + "' not found");
            case io.galleonfs.node.meta.VolumeLookup.Ambiguous a -> throw GalleonException.conflict(a.detail());
        };
    }

    /** The volume named {@code name} in {@code namespace}. */
    public Optional<VolumeRecord> findIn(String namespace, String name) {
        return store.state().volumeByName(namespace, name);
    }

    public VolumeRecord create(CreateVolumeRequest request) {
        if (request == null) {
            throw GalleonException.badRequest("request body is required: a volume object");
        }
        UUID id = ids.get();
        String name = request.name() == null || request.name().isBlank() ? "vol-" + id.toString().substring(0, 8) : request.name();
        VolumeType type;
        AccessMode access;
        long size;
        String namespace = request.namespace() == null || request.namespace().isBlank() ? VolumeRecord.DEFAULT_NAMESPACE : request.namespace();
        try {
            Names.requireValid("volume", name);
            Names.requireValid("namespace", namespace);
            type = request.volumeType() == null ? VolumeType.PERSISTENT : VolumeType.parse(request.volumeType());
            access = request.accessMode() == null ? AccessMode.READ_WRITE_ONCE : AccessMode.parse(request.accessMode());
            size = Sizes.parse(request.size() == null ? DEFAULT_SIZE : request.size());
            io.galleonfs.api.Labels.requireValid(request.labels());
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        if (size > MAX_SIZE) {
            throw GalleonException.badRequest("size " + request.size() + " exceeds the maximum volume size of 1P");
        }
        int blockSize = node.blockSize();
        if (size % blockSize != 0) {
            throw GalleonException.badRequest("size " + size + " bytes is not a multiple of the node block size " + blockSize);
        }
        if (size / blockSize > Integer.MAX_VALUE) {
            throw GalleonException.badRequest("size " + request.size() + " is too large for block size " + blockSize
                    + ": a volume has at most 2^31-1 blocks (" + Sizes.format((long) Integer.MAX_VALUE * blockSize) + ")");
        }
        String className = request.storageClass() == null ? BuiltInStorageClasses.ENCRYPTED_STORAGE : request.storageClass();
        StorageClassRecord sc = store.state().storageClass(className)
                .orElseThrow(() -> GalleonException.notFound("storage class '" + className + "' not found"));
        int replicas = request.replicas() != null ? request.replicas() : sc.replication();
        if (replicas < 1 || replicas > node.maxReplicas()) {
            throw GalleonException.badRequest("replicas must be between 1 and " + node.maxReplicas() + " (max_replicas), got " + replicas);
        }
        if (sc.encrypted() && !node.encryptionAtRest()) {
            throw GalleonException.conflict("storage class '" + className + "' is encrypted but this node runs with encryption_at_rest = false");
        }
        if (findIn(namespace, name).isPresent()) {
            throw GalleonException.conflict("a volume named '" + name + "' already exists in namespace '" + namespace + "'");
        }
        List<String> placed = placeReplicas(placementKey(namespace, name), replicas, sc);
        String primary = placed.getFirst();
        // Every copy starts empty, so every copy starts in sync.
        VolumeRecord record = new VolumeRecord(id, name, type, size, blockSize, className, replicas, access, sc.encrypted(),
                clock.millis(), primary, List.of(), placed).inNamespace(namespace);
        MetaCommand create = request.labels() == null || request.labels().isEmpty() ? new MetaCommand.CreateVolume(record)
                : new MetaCommand.CreateLabelledVolume(record, request.labels());
        if (!primary.equals(node.nodeId())) {
            // The primary provisions the storage itself when it applies this command (see VolumeStorageWatcher).
            commands.submit(create);
            return record;
        }
        // Storage first, then metadata: a crash in between leaves only an orphan that the next start removes,
        // never a volume in metadata without its data.
        provisioner.provision(record);
        try {
            commands.submit(create);
        } catch (RuntimeException e) {
            provisioner.release(id);
            throw e;
        }
        return record;
    }

    /** The volume's labels as the cluster stores them. */
    public java.util.Map<String, String> labels(VolumeRecord v) {
        return store.state().volumeLabels(v.id());
    }

    /** Adds or overwrites {@code set} and removes {@code remove} (absent keys are ignored), in one metadata entry. */
    public VolumeRecord setLabels(String ref, java.util.Map<String, String> set, List<String> remove) {
        VolumeRecord v = get(ref);
        java.util.Map<String, String> labels = new java.util.TreeMap<>(labels(v));
        try {
            if (set != null) {
                io.galleonfs.api.Labels.requireValid(set);
                if (remove != null && remove.stream().anyMatch(set::containsKey)) {
                    throw new IllegalArgumentException("a label cannot be both set and removed");
                }
                labels.putAll(set);
            }
            if (remove != null) {
                remove.forEach(io.galleonfs.api.Labels::requireKey);
                remove.forEach(labels::remove);
            }
            io.galleonfs.api.Labels.requireValid(labels);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        commands.submit(new MetaCommand.SetVolumeLabels(v.id(), labels));
        return v;
    }

    public void delete(String ref, boolean force) {
        VolumeRecord v = get(ref);
        List<String> using = clients.of(v.id());
        if (!using.isEmpty() && !force) {
            throw GalleonException.conflict("volume '" + v.name() + "' is in use by " + String.join(", ", using)
                    + "; disconnect them first or use --force");
        }
        if (!v.mounts().isEmpty() && !force) {
            throw GalleonException.conflict("volume '" + v.name() + "' is mounted at "
                    + String.join(", ", v.mounts().stream().map(m -> m.path()).toList()) + "; unmount it first or use --force");
        }
        commands.submit(new MetaCommand.DeleteVolume(v.id()));
        provisioner.release(v.id());
    }

    /**
     * How placement names a volume: names are unique per namespace only, so volumes outside {@code default} are
     * {@code ns/name} (otherwise another tenant's volume of the same name would count as this one's replicas, and its
     * refusal would reveal it). Storage class (anti-)affinity lists name volumes this way too.
     */
    static String placementKey(String namespace, String name) {
        return VolumeRecord.DEFAULT_NAMESPACE.equals(namespace) ? name : namespace + io.galleonfs.node.meta.VolumeLookup.NAMESPACE_SEPARATOR + name;
    }

    /**
     * The copies of the volume a placement key names, looked up in the state's name index: placement asks about the
     * volume itself and its class's volume (anti-)affinities only, so no map of every volume is built per create.
     */
    static io.galleonfs.node.placement.PlacementEngine.ReplicaHolders replicaHolders(io.galleonfs.node.meta.MetadataState state) {
        return key -> {
            int slash = key.indexOf(io.galleonfs.node.meta.VolumeLookup.NAMESPACE_SEPARATOR);
            String namespace = slash < 0 ? VolumeRecord.DEFAULT_NAMESPACE : key.substring(0, slash);
            String name = slash < 0 ? key : key.substring(slash + 1);
            return state.volumeByName(namespace, name).<Set<String>>map(v -> Set.copyOf(v.replicaNodes())).orElse(Set.of());
        };
    }

    /**
     * Chooses the nodes that hold the volume's copies by the class's placement rules, primary first. When fewer nodes
     * qualify than replicas wanted, the volume is created with the copies that can be placed and shows as degraded.
     */
    private List<String> placeReplicas(String name, int replicas, StorageClassRecord sc) {
        PlacementRequest request;
        try {
            // Volumes are thin: nothing is reserved at create, so free space ranks nodes but never excludes them.
            request = PlacementRequest.of(name, replicas, 0, sc.parameters(), sc.allowedTopologies());
        } catch (IllegalArgumentException e) {
            throw new GalleonException(GalleonException.Kind.UNPROCESSABLE, "storage class '" + sc.name() + "': " + e.getMessage());
        }
        List<String> nodes = switch (placement.placeUsing(request, node.members().get(), replicaHolders(store.state()))) {
            case PlacementResult.Placed p -> p.nodeIds();
            case PlacementResult.Partial p -> p.nodeIds();
            case PlacementResult.Impossible i -> throw new GalleonException(GalleonException.Kind.UNPROCESSABLE,
                    "volume '" + name + "' cannot be placed: " + i.reason());
        };
        // The node that accepted the request holds the primary when it is among the chosen: no forwarding for its clients.
        if (nodes.contains(node.nodeId()) && !nodes.getFirst().equals(node.nodeId())) {
            List<String> reordered = new java.util.ArrayList<>();
            reordered.add(node.nodeId());
            nodes.stream().filter(n -> !n.equals(node.nodeId())).forEach(reordered::add);
            return reordered;
        }
        return nodes;
    }

    /**
     * A node to take over a copy of {@code v} (re-placement after a node stayed down, or a node leaving): the class's
     * placement rules over the up members that hold no copy yet.
     */
    public Optional<String> replacementNode(VolumeRecord v) {
        StorageClassRecord sc = store.state().storageClass(v.storageClass()).orElse(null);
        if (sc == null) {
            return Optional.empty();
        }
        PlacementRequest request;
        try {
            request = PlacementRequest.of(placementKey(v.namespace(), v.name()) + "-replacement", 1, 0, sc.parameters(), sc.allowedTopologies());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        var candidates = node.members().get().stream().filter(n -> !v.replicaNodes().contains(n.id())).toList();
        return switch (placement.placeUsing(request, candidates, replicaHolders(store.state()))) {
            case PlacementResult.Placed p -> p.nodeIds().stream().findFirst();
            case PlacementResult.Partial p -> p.nodeIds().stream().findFirst();
            case PlacementResult.Impossible i -> Optional.empty();
        };
    }

    /** Health of a volume from its copies' states and the state of their nodes. */
    public VolumeHealth health(VolumeRecord v) {
        return health(v, nodeStates());
    }

    /** {@link #health(VolumeRecord)} with the members' states already looked up ({@link #nodeStates()}). */
    public VolumeHealth health(VolumeRecord v, Map<String, NodeState> states) {
        NodeState primaryState = states.getOrDefault(v.node(), NodeState.DOWN);
        if (primaryState != NodeState.UP && primaryState != NodeState.SUSPECT) {
            return new VolumeHealth("faulted", "the primary node " + v.node() + " is " + primaryState.name().toLowerCase()
                    + (v.replicaNodes().size() > 1 ? "; a healthy replica takes over within seconds" : ""));
        }
        List<String> problems = new java.util.ArrayList<>();
        for (String n : v.replicaNodes()) {
            String state = replicaState(v, n, states);
            if (!state.equals("healthy")) {
                problems.add("replica on " + n + " is " + state);
            }
        }
        int placed = v.replicaNodes().size();
        if (v.replicas() > placed) {
            int missing = v.replicas() - placed;
            problems.add("wants " + v.replicas() + " replicas but " + placed + " " + (placed == 1 ? "is" : "are") + " placed: "
                    + missing + " replica" + (missing == 1 ? " is" : "s are") + " unplaced (not enough eligible nodes)");
        }
        return problems.isEmpty() ? new VolumeHealth("healthy", null) : new VolumeHealth("degraded", String.join("; ", problems));
    }

    /** State of the copy on a node: its recorded state, and stale while its node is away (it misses writes). */
    public String replicaState(VolumeRecord v, String nodeId) {
        return replicaState(v, nodeId, nodeStates());
    }

    /**
     * Each member's state, to look up once per answer and pass to {@link #health(VolumeRecord, Map)} and
     * {@link #replicaState(VolumeRecord, String, Map)}: building the member list reads this node's heartbeat, and a volume
     * create's answer asked for it once per copy and once more for the health.
     */
    public Map<String, NodeState> nodeStates() {
        Map<String, NodeState> states = new HashMap<>();
        node.members().get().forEach(n -> states.put(n.id(), n.state()));
        return states;
    }

    /** {@link #replicaState(VolumeRecord, String)} with the members' states already looked up ({@link #nodeStates()}). */
    public static String replicaState(VolumeRecord v, String nodeId, Map<String, NodeState> states) {
        String recorded = v.replicaState(nodeId).state();
        NodeState state = states.get(nodeId);
        boolean up = state != null && state != NodeState.DOWN;
        if (!up) {
            return nodeId.equals(v.node()) ? "failed" : "stale";
        }
        return recorded;
    }

    public record VolumeHealth(String state, String reason) {
    }
}
