package io.galleonfs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
