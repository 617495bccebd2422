package io.galleonfs.cli;

import io.galleonfs.api.MasterKeyInfo;
import io.galleonfs.api.MasterKeyRotationResult;
import java.io.PrintStream;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code galleonfs key <command>}: the answering node's master keys (admin only). Master keys are per node (each node
 * wraps the data keys of its own copies), so rotate every node: {@code --daemon-address} picks the node.
 */
@Subcommands({KeyCommand.Status.class, KeyCommand.Rotate.class, KeyCommand.DestroyOld.class})
@Command(name = "key", description = "Show and rotate the node's master key (admin only; acts on the node it talks to)",
        mixinStandardHelpOptions = true)
public class KeyCommand {

    @Command(name = "status", description = "The provider, the current and retired master keys and the volumes each wraps",
            mixinStandardHelpOptions = true)
    static class Status implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            MasterKeyInfo k = ApiClients.api().keyStatus();
            Printer.print(System.out, out.format(), k, o -> {
                o.println("node " + k.node() + ", provider " + k.provider() + (k.rotatable() ? "" : " (rotated in the key service)"));
                Printer.Table t = new Printer.Table("KEY", "STATE", "VOLUMES");
                for (String id : k.heldKeys()) {
                    t.row(id, id.equals(k.currentKey()) ? "current" : "retired", k.volumesByKey().getOrDefault(id, 0));
                }
                for (Map.Entry<String, Integer> e : k.volumesByKey().entrySet()) {
                    if (!k.heldKeys().contains(e.getKey())) {
                        t.row(e.getKey(), "missing", e.getValue());
                    }
                }
                t.print(o);
            });
        }
    }

    @Command(name = "rotate", description = "Create a new master key and rewrap every data key on this node, online",
            mixinStandardHelpOptions = true)
    static class Rotate implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--destroy-old", description = "Destroy the previous key(s) once every volume is rewrapped")
        boolean destroyOld;
        @Option(names = "--all-nodes", description = "Rotate on every member of the cluster, one node after the other")
        boolean allNodes;
        @Mixin
        OutputOption out;

        @Override
        public Integer call() {
            if (!allNodes) {
                MasterKeyRotationResult r = ApiClients.api(600).rotateKey(destroyOld);
                Printer.print(System.out, out.format(), r, o -> printResult(o, r));
                return 0;
            }
            java.util.List<io.galleonfs.api.PeerInfo> peers = ApiClients.api().clusterPeers();
            java.util.List<MasterKeyRotationResult> done = new java.util.ArrayList<>();
            java.util.List<String> failed = new java.util.ArrayList<>();
            for (io.galleonfs.api.PeerInfo p : peers) {
                try {
                    if (p.ipcAddress() == null) {
                        throw new IllegalStateException("no API address known");
                    }
                    done.add(ApiClients.apiAt(p.ipcAddress(), 600).rotateKey(destroyOld));
                } catch (RuntimeException e) {
                    failed.add(p.id() + " (" + ErrorHandler.describe(e) + ")");
                }
            }
            Printer.print(System.out, out.format(), done, o -> done.forEach(r -> printResult(o, r)));
            if (!failed.isEmpty()) {
                System.err.println("error: master key not rotated on node(s) " + String.join(", ", failed) + "; "
                        + done.size() + " other node(s) rotated; run the command again for the rest");
                return 1;
            }
            return 0;
        }
    }

    @Command(name = "destroy-old", description = "Destroy the retired master keys (refused while a volume still needs one)",
            mixinStandardHelpOptions = true)
    static class DestroyOld implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            MasterKeyRotationResult r = ApiClients.api().destroyOldKeys();
            Printer.print(System.out, out.format(), r, o -> {
                o.println(r.destroyedKeys().isEmpty() ? "no retired master key on node " + r.node()
                        : "destroyed " + String.join(", ", r.destroyedKeys()) + " on node " + r.node() + "; current key " + r.newKey());
            });
        }
    }

    static void printResult(PrintStream o, MasterKeyRotationResult r) {
        o.println("node " + r.node() + ": master key rotated from " + r.previousKey() + " to " + r.newKey() + ", "
                + r.rewrapped() + " volume(s) rewrapped");
        if (!r.destroyedKeys().isEmpty()) {
            o.println("destroyed: " + String.join(", ", r.destroyedKeys()));
        }
        if (!r.retiredKeys().isEmpty()) {
            o.println("still held: " + String.join(", ", r.retiredKeys()) + " (destroy with: galleonfs key destroy-old)");
        }
    }
}
