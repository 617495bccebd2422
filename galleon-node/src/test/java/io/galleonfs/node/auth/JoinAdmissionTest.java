package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who may join: anyone until a join token exists, then only a holder of an unexpired one. */
class JoinAdmissionTest {

    @Test
    void aClusterWithoutJoinTokensAdmitsAnyNode() {
        assertEquals(Optional.empty(), JoinAdmission.refusal(List.of(), null, 0));
    }

    @Test
    void onceATokenExistsOnlyAValidUnexpiredOneAdmits() throws Exception {
        String secret = JoinAdmission.newSecret();
        MetadataState state = new MetadataState();
        state.apply(new MetaCommand.CreateJoinToken(new JoinTokenRecord("j1", TokenSecrets.hash(secret), 1000, 5000)));
        // the token survives a snapshot of the state machine
        var tokens = MetadataState.restore(state.snapshot()).joinTokens();
        assertEquals(1, tokens.size());

        assertEquals(Optional.empty(), JoinAdmission.refusal(tokens, secret, 4999));
        assertTrue(JoinAdmission.refusal(tokens, null, 2000).orElseThrow().contains("--join-token"));
        assertTrue(JoinAdmission.refusal(tokens, "  ", 2000).orElseThrow().contains("requires a join token"));
        assertTrue(JoinAdmission.refusal(tokens, "gfs_x", 2000).orElseThrow().contains("malformed"));
        assertTrue(JoinAdmission.refusal(tokens, JoinAdmission.newSecret(), 2000).orElseThrow().contains("not valid"));
        assertTrue(JoinAdmission.refusal(tokens, secret, 5000).orElseThrow().contains("expired"));
        String reason = JoinAdmission.refusal(tokens, JoinAdmission.newSecret(), 2000).orElseThrow();
        assertTrue(!reason.contains("gjt_"), "a refusal never repeats a secret: " + reason);
    }

    @Test
    void signingACertificateAlwaysNeedsAJoinTokenEvenWhereJoiningIsOpen() throws Exception {
        String secret = JoinAdmission.newSecret();
        assertTrue(JoinAdmission.signingRefusal(List.of(), "Bearer " + secret, 0).orElseThrow().startsWith("this cluster has no join token"));
        var tokens = List.of(new JoinTokenRecord("j1", TokenSecrets.hash(secret), 1000, 5000));
        assertEquals(Optional.empty(), JoinAdmission.signingRefusal(tokens, "Bearer " + secret, 2000));
        assertEquals(Optional.empty(), JoinAdmission.signingRefusal(tokens, "bearer " + secret + "." + "a".repeat(64), 2000),
                "the CA pin after the secret is ignored");
        assertTrue(JoinAdmission.signingRefusal(tokens, null, 2000).orElseThrow().contains("join token is required"));
        assertTrue(JoinAdmission.signingRefusal(tokens, "Basic " + secret, 2000).orElseThrow().contains("join token is required"));
        assertTrue(JoinAdmission.signingRefusal(tokens, "Bearer " + secret + ".zz", 2000).orElseThrow().contains("64 hex digits"));
        assertTrue(JoinAdmission.signingRefusal(tokens, "Bearer " + secret, 5000).orElseThrow().contains("expired"));
        assertTrue(JoinAdmission.signingRefusal(tokens, "Bearer " + JoinAdmission.newSecret(), 2000).orElseThrow().contains("not valid"));
    }
}
