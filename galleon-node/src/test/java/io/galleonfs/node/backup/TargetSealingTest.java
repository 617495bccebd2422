package io.galleonfs.node.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.CreateBackupTargetRequest;
import io.galleonfs.node.meta.BackupTargetRecord;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.tls.ClusterCa;
import io.galleonfs.node.tls.ClusterSecrets;
import io.galleonfs.node.volume.GalleonException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup target's cluster key and S3 secret key reach metadata sealed when the node holds the cluster CA key, are
 * opened for use, and plain records from before still work; a node without the key refuses with the reason.
 */
class TargetSealingTest {
    @TempDir
    Path dir;

    /** Metadata applied in memory as the Raft state machine applies it: copy, apply, publish. */
    private static final class MemoryStore implements MetadataStore {
        private volatile MetadataState state = new MetadataState();

        @Override
        public MetadataState state() {
            return state;
        }

        @Override
        public synchronized MetaResult submit(MetaCommand command) {
            MetadataState next = state.copy();
            MetaResult r = next.apply(command);
            if (r instanceof MetaResult.Applied) {
                state = next;
            }
            return r;
        }
    }

    private CreateBackupTargetRequest request(String name, String repo) {
        // (not Path.toUri: it ends in '/' once the directory exists, and the second target must name the same URL)
        return new CreateBackupTargetRequest(name, "file://" + dir.resolve(repo), null, null, null, "AKIAEXAMPLE", "s3cr3t-key",
                "correct horse battery");
    }

    private static String image(MetadataState s) throws Exception {
        return new String(s.snapshot(), StandardCharsets.UTF_8);
    }

    @Test
    void secretsAreSealedInMetadataAndOpenedForUse() throws Exception {
        Path storage = dir.resolve("node");
        ClusterCa.ensure(storage, List.of("127.0.0.1"));
        MemoryStore store = new MemoryStore();
        TargetService targets = new TargetService(store, Clock.systemUTC(), ClusterSecrets.of(storage));

        BackupTargetRecord made = targets.create(request("t1", "repo"));
        BackupTargetRecord stored = store.state().backups().target("t1").orElseThrow();
        assertTrue(ClusterSecrets.sealed(stored.clusterKey()), stored.clusterKey());
        assertTrue(ClusterSecrets.sealed(stored.secretAccessKey()), stored.secretAccessKey());
        String snapshot = image(store.state());
        assertFalse(snapshot.contains("s3cr3t-key"), "no plain S3 secret in the metadata image");
        assertFalse(snapshot.contains(made.clusterKey()), "no plain cluster key in the metadata image");

        BackupTargetRecord opened = targets.get("t1");
        assertEquals("s3cr3t-key", opened.secretAccessKey());
        assertEquals(made.clusterKey(), opened.clusterKey());
        try (OpenRepository repo = OpenRepository.open(opened)) {
            assertEquals(stored.repositoryId(), repo.repository().repositoryId());
        }
        // a second target on the same repository shares its cluster key (read through the sealed record)
        BackupTargetRecord second = targets.create(request("t2", "repo"));
        assertEquals(made.clusterKey(), second.clusterKey());
        assertEquals(made.clusterKey(), targets.get("t2").clusterKey());

        // a member without the CA key sees the target, but cannot use it, and says why
        TargetService keyless = new TargetService(store, Clock.systemUTC(), ClusterSecrets.of(dir.resolve("keyless")));
        BackupTargetRecord sealed = keyless.get("t1");
        GalleonException e = assertThrows(GalleonException.class, () -> OpenRepository.open(sealed));
        assertEquals(GalleonException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("sealed with the cluster secrets key"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    }

    @Test
    void plainRecordsFromBeforeSealingStillWork() throws Exception {
        MemoryStore store = new MemoryStore();
        BackupTargetRecord plain = new TargetService(store, Clock.systemUTC(), ClusterSecrets.none()).create(request("old", "repo"));
        assertEquals(plain.clusterKey(), store.state().backups().target("old").orElseThrow().clusterKey(), "stored as before");

        Path storage = dir.resolve("node");
        ClusterCa.ensure(storage, List.of("127.0.0.1"));
        TargetService sealing = new TargetService(store, Clock.systemUTC(), ClusterSecrets.of(storage));
        BackupTargetRecord read = sealing.get("old");
        assertEquals("s3cr3t-key", read.secretAccessKey());
        try (OpenRepository repo = OpenRepository.open(read)) {
            assertEquals(plain.repositoryId(), repo.repository().repositoryId());
        }
    }
}
