package io.galleonfs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EnumParsingTest {

    @Test
    void volumeTypesParseCaseInsensitively() {
        assertEquals(VolumeType.PERSISTENT, VolumeType.parse("persistent"));
        assertEquals(VolumeType.EPHEMERAL, VolumeType.parse("Ephemeral"));
        assertEquals("shared", VolumeType.SHARED.wire());
        assertThrows(IllegalArgumentException.class, () -> VolumeType.parse("durable"));
    }

    @Test
    void accessModesAcceptLongAndShortNames() {
        assertEquals(AccessMode.READ_WRITE_ONCE, AccessMode.parse("ReadWriteOnce"));
        assertEquals(AccessMode.READ_ONLY_MANY, AccessMode.parse("rox"));
        assertEquals(AccessMode.READ_WRITE_MANY, AccessMode.parse("RWX"));
        assertThrows(IllegalArgumentException.class, () -> AccessMode.parse("rw"));
    }
}
