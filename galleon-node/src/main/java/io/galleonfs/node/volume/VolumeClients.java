package io.galleonfs.node.volume;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Who is using a volume right now through a frontend (e.g. "nbd 127.0.0.1:53120"), so delete can refuse it. */
public final class VolumeClients {
    private final Map<UUID, Set<String>> clients = new ConcurrentHashMap<>();

    public void add(UUID volume, String client) {
        clients.computeIfAbsent(volume, k -> ConcurrentHashMap.newKeySet()).add(client);
    }

    public void remove(UUID volume, String client) {
        clients.computeIfPresent(volume, (k, set) -> {
            set.remove(client);
            return set.isEmpty() ? null : set;
        });
    }

    public List<String> of(UUID volume) {
        Set<String> set = clients.get(volume);
        return set == null ? List.of() : set.stream().sorted().toList();
    }
}
