package io.galleonfs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @Test
    void parsesSuffixesAsBinaryMultiples() {
        assertEquals(4096L, Sizes.parse("4096"));
        assertEquals(1024L, Sizes.parse("1K"));
        assertEquals(100L << 20, Sizes.parse("100M"));
        assertEquals(1L << 30, Sizes.parse("1G"));
        assertEquals(10L << 30, Sizes.parse("10g"));
        assertEquals(2L << 40, Sizes.parse("2T"));
        assertEquals(10L << 30, Sizes.parse("10GiB"));
        assertEquals(256L << 20, Sizes.parse("256MB"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "-1G", "0", "1X", "G", "1.5G", "99999999999999999999", "9000000T"})
    void rejectsBadSizesWithReadableMessage(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(text));
        assertTrue(e.getMessage().contains("size"), e.getMessage());
    }

    @Test
    void formatsHumanReadable() {
        assertEquals("512 B", Sizes.format(512));
        assertEquals("1.0 GiB", Sizes.format(1L << 30));
        assertEquals("1.5 MiB", Sizes.format(3L << 19));
    }
}
