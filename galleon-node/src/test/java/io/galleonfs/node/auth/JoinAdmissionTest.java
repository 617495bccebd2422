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
}
