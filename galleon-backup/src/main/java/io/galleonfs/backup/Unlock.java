package io.galleonfs.backup;

/** How {@link BackupRepository#open} unwraps the repository master key. */
public sealed interface Unlock {

    /** The operator's recovery passphrase: works on any cluster, including a brand-new one. */
    record Passphrase(char[] passphrase) implements Unlock {
        @Override
        public String toString() {
            return "Passphrase[***]";
        }
    }

    /** The cluster's backup key (from its key provider); any length, at least 16 bytes. */
    record ClusterKey(byte[] key) implements Unlock {
        @Override
        public String toString() {
            return "ClusterKey[***]";
        }
    }

    static Unlock passphrase(char[] passphrase) {
        return new Passphrase(passphrase);
    }

    static Unlock clusterKey(byte[] key) {
        return new ClusterKey(key);
    }
}
