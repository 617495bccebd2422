package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenStateTest {

    @Test
    void tokensAreReplicatedStateAndSurviveASnapshot() throws Exception {
        String secret = TokenSecrets.newSecret();
        MetadataState s = new MetadataState();
        TokenRecord t = new TokenRecord("id-1", "ci", Role.OPERATOR, TokenSecrets.hash(secret), 1, 2);
        assertInstanceOf(MetaResult.Applied.class, s.apply(new MetaCommand.CreateToken(t)));
        assertInstanceOf(MetaResult.Rejected.class, s.apply(new MetaCommand.CreateToken(t)), "names are unique");

        byte[] image = s.snapshot();
        assertFalse(new String(image, StandardCharsets.UTF_8).contains(secret.substring(4)), "the snapshot holds no secret");
        MetadataState restored = MetadataState.restore(image);
        assertEquals(t, restored.token("ci").orElseThrow());

        assertInstanceOf(MetaResult.Applied.class, restored.apply(new MetaCommand.RevokeToken("ci")));
        assertTrue(restored.tokens().isEmpty());
        assertInstanceOf(MetaResult.Rejected.class, restored.apply(new MetaCommand.RevokeToken("ci")));
    }
}
