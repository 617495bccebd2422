package io.galleonfs.node.ingress;

/**
 * The node's ingress limits and budgets: one per process, because a daemon is one node and the memory they protect is
 * the process's heap. Created on first use from the system properties.
 */
public final class Ingress {
    private static final class Holder {
        static final IngressLimits LIMITS = IngressLimits.from(System::getProperty, Runtime.getRuntime().maxMemory());
        static final IngressBudget CLIENTS = new IngressBudget("clients", LIMITS.clientBudgetBytes());
        static final IngressBudget PEERS = new IngressBudget("peers", LIMITS.peerBudgetBytes());
    }

    private Ingress() {
    }

    public static IngressLimits limits() {
        return Holder.LIMITS;
    }

    /** NBD clients. */
    public static IngressBudget clients() {
        return Holder.CLIENTS;
    }

    /** Requests from other nodes on the replication data plane. */
    public static IngressBudget peers() {
        return Holder.PEERS;
    }
}
