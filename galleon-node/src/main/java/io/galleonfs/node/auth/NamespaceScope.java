package io.galleonfs.node.auth;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The namespaces a caller may see: every one (admin tokens, unrestricted tokens, auth off) or a fixed set. Volumes
 * outside the scope do not exist for the caller: lookups answer "not found", lists leave them out.
 */
public final class NamespaceScope {
    public static final NamespaceScope ALL = new NamespaceScope(null);

    private final Set<String> namespaces;

    private NamespaceScope(Set<String> namespaces) {
        this.namespaces = namespaces;
    }

    public static NamespaceScope of(Collection<String> namespaces) {
        return new NamespaceScope(Set.copyOf(new TreeSet<>(namespaces)));
    }

    public boolean allows(String namespace) {
        return namespaces == null || namespaces.contains(namespace);
    }

    public boolean unrestricted() {
        return namespaces == null;
    }

    @Override
    public String toString() {
        return namespaces == null ? "*" : String.join(",", new TreeSet<>(namespaces));
    }
}
