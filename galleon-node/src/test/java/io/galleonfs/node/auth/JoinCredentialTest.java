package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class JoinCredentialTest {
    private static final String SECRET = "gjt_" + "A".repeat(43);
    private static final String PIN = "ab".repeat(32);

    @Test
    void aPlainTokenHasNoPin() {
        assertEquals(Optional.of(new JoinCredential(SECRET, Optional.empty())), JoinCredential.parse(" " + SECRET + "\n"));
        assertEquals(Optional.empty(), JoinCredential.parse(null));
        assertEquals(Optional.empty(), JoinCredential.parse("  "));
    }

    @Test
    void aTlsTokenCarriesTheCaFingerprintAfterADot() {
        JoinCredential c = JoinCredential.parse(SECRET + "." + PIN.toUpperCase()).orElseThrow();
        assertEquals(SECRET, c.secret());
        assertEquals(Optional.of(PIN), c.caFingerprint());
        assertEquals(SECRET + "." + PIN, JoinCredential.format(SECRET, Optional.of(PIN)));
        assertEquals(SECRET, JoinCredential.format(SECRET, Optional.empty()));
    }

    @Test
    void aMalformedFingerprintIsOneReadableLine() {
        var e = assertThrows(IllegalArgumentException.class, () -> JoinCredential.parse(SECRET + ".abc"));
        assertEquals("the join token's CA fingerprint (after the '.') must be 64 hex digits (SHA-256)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JoinCredential.parse(SECRET + "." + "g".repeat(64)));
    }

    @Test
    void theSecretIsNeverInItsStringForm() {
        assertFalse(JoinCredential.parse(SECRET + "." + PIN).orElseThrow().toString().contains(SECRET));
    }
}
