package io.galleonfs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"web-data", "db-data", "a", "vol-1", "0abc"})
    void acceptsDnsLabels(String name) {
        assertEquals(name, Names.requireValid("volume", name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Web", "-a", "a-", "a_b", "a.b", "a b", "../etc",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890"})
    void rejectsEverythingElse(String name) {
        assertThrows(IllegalArgumentException.class, () -> Names.requireValid("volume", name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"web-data", "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "A1B2C3D4-E5F6-7890-ABCD-EF1234567890"})
    void referencesAreNamesOrUuids(String ref) {
        assertEquals(ref, Names.requireReference("volume", ref));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a/b", "%2e%2e", "%2E", "a%2Fb", "..%2f", "x\\y", " ", "a\u0000b",
        "0123456789012345678901234567890123456789012345678901234567890123", "\u00e9t\u00e9"})
    void referencesRejectDotSegmentsEscapesAndJunk(String ref) {
        assertThrows(IllegalArgumentException.class, () -> Names.requireReference("snapshot", ref));
    }

    @Test
    void errorMessagesShowAShortPrintablePrefixOnly() {
        String huge = "\u0001".repeat(10) + "x".repeat(100_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Names.requireReference("volume", huge));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
        assertFalse(e.getMessage().contains("\u0001"));
    }

    @Test
    void mountIdsAreUuidsOnly() {
        assertEquals("a1b2c3d4-e5f6-7890-abcd-ef1234567890", Names.requireUuid("mount", "a1b2c3d4-e5f6-7890-abcd-ef1234567890"));
        assertThrows(IllegalArgumentException.class, () -> Names.requireUuid("mount", ".."));
        assertThrows(IllegalArgumentException.class, () -> Names.requireUuid("mount", null));
    }
}
