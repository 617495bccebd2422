package io.galleonfs.node.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class ScrapeBufferTest {

    @Test
    void encodesUtf8AndGrows() throws Exception {
        ScrapeBuffer b = new ScrapeBuffer(1);
        String text = "galleon_x{volume=\"é-日本\"} 1.0\n".repeat(200);
        for (int i = 0; i < text.length(); i++) {
            b.write(text.charAt(i));
        }
        b.write("# HELP µs ≤ 5 MB\n");
        b.write(new char[] {'a', 'ß'}, 0, 2);
        byte[] expected = (text + "# HELP µs ≤ 5 MB\naß").getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(expected, Arrays.copyOf(b.bytes(), b.size()));
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b.gzipped()))) {
            assertArrayEquals(expected, in.readAllBytes());
        }
        assertTrue(b.gzipped().length < expected.length / 5);
    }

    @Test
    void gzipOnlyWhenTheScraperAcceptsIt() {
        assertTrue(MetricsEndpoint.acceptsGzip("gzip"));
        assertTrue(MetricsEndpoint.acceptsGzip("deflate, GZIP;q=0.5"));
        assertTrue(MetricsEndpoint.acceptsGzip("br, gzip ; q=1.0"));
        assertFalse(MetricsEndpoint.acceptsGzip(null));
        assertFalse(MetricsEndpoint.acceptsGzip("identity"));
        assertFalse(MetricsEndpoint.acceptsGzip("gzip;q=0"));
        assertFalse(MetricsEndpoint.acceptsGzip("x-gzip-ish"));
        assertEquals(false, MetricsEndpoint.acceptsGzip(""));
    }
}
