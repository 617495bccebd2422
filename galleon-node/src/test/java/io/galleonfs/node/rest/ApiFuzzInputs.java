package io.galleonfs.node.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hostile and careless values for the API fuzzer, drawn from one seeded random source so a failing run can be replayed:
 * path segments (dot segments, escapes, invalid names), query values, and JSON bodies derived from the OpenAPI schema
 * of the operation, then broken in one of many ways (wrong types, duplicate keys, huge numbers, long and unicode strings,
 * truncation, nesting, wrong content types, oversized bodies).
 */
final class ApiFuzzInputs {
    static final List<String> BAD_SEGMENTS = List.of(".", "..", "%2e%2e", "%2E", ".%2e", "..%2f..", "a%2Fb", "%5c", "%00",
            "%20", "UPPER", "under_score", "-lead", "trail-", "a.b", "%C3%A9t%C3%A9", "x".repeat(64), "y".repeat(300),
            "%3Cscript%3E", "1%27%20OR%201%3D1", "%E2%80%AE", "%F0%9F%92%A5", "con", "a1b2c3d4-e5f6-7890-abcd-ef1234567890x");
    private static final List<String> STRINGS = List.of("", " ", "a", "..", "/", "/etc/passwd", "\u0000", "\u202e", "\uD83D\uDCA5",
            "é", "null", "true", "0", "-1", "1.5", "1e400", "NaN", "9223372036854775808", "<script>", "' OR 1=1 --", "${jndi:x}",
            "%2e%2e", "a,b,c", "k=v", "=", "1G", "-1G", "0G", "9000P", "1X", "4K", "1M", "ReadWriteOnce", "synchronous", "spread");
    private static final List<Object> NUMBERS = List.of(0, -1, 1, 2, 3, 17, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE, "1.5", "1e400", "-0", "99999999999999999999999999", "0x10");
    private static final List<String> CONTENT_TYPES = List.of("application/json", "text/plain", "application/xml",
            "application/octet-stream", "multipart/form-data; boundary=x", "application/json; charset=latin1", "*/*", "");

    private final SplittableRandom rnd;

    ApiFuzzInputs(SplittableRandom rnd) {
        this.rnd = rnd;
    }

    boolean chance(double p) {
        return rnd.nextDouble() < p;
    }

    <T> T pick(List<T> options) {
        return options.get(rnd.nextInt(options.size()));
    }

    String badSegment() {
        return pick(BAD_SEGMENTS);
    }

    String contentType() {
        return pick(CONTENT_TYPES);
    }

    String validName() {
        return "fz-" + Long.toHexString(rnd.nextLong() & 0xffffffffL);
    }

    /** A query value for a parameter of the given OpenAPI type, URL-encoded. */
    String queryValue(String type) {
        Object v = switch (type) {
            case "integer" -> chance(0.5) ? pick(NUMBERS) : rnd.nextLong(0, 1L << 24);
            case "boolean" -> pick(List.of("true", "false", "yes", "", "TRUE", "1"));
            default -> chance(0.3) ? pick(List.of("acknowledged", "durable", "replicated", "distributed")) : pick(STRINGS);
        };
        return URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8);
    }

    /** Random bytes for an octet-stream body: mostly small, sometimes over the 8 MiB limit. */
    byte[] binaryBody() {
        int n = chance(0.01) ? (8 << 20) + 1 + rnd.nextInt(2 << 20) : pick(List.of(0, 1, 511, 512, 4096, 4097, rnd.nextInt(65536)));
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** A JSON body for {@code schema}: valid-looking with one or more defects, or raw garbage. */
    String jsonBody(JsonNode schema, Map<String, JsonNode> components) {
        double roll = rnd.nextDouble();
        if (roll < 0.15) {
            return pick(List.of("", " ", "{", "}", "[]", "null", "\"x\"", "42", "{\"a\":}", "{'name':'x'}", "{\"name\" \"x\"}",
                    "{\"name\":\"x\"}{\"name\":\"y\"}", "{\"name\":\"x\",}", "\uFEFF{}", "{\"name\":\"\\ud800\"}"));
        }
        if (roll < 0.18) {
            int depth = 1 + rnd.nextInt(5000);
            return "[".repeat(depth) + "]".repeat(rnd.nextBoolean() ? depth : 0);
        }
        if (roll < 0.19) {
            return "{\"name\":\"" + "x".repeat(1 << (10 + rnd.nextInt(11))) + "\"}";
        }
        StringBuilder b = new StringBuilder("{");
        List<Map.Entry<String, JsonNode>> props = properties(schema, components);
        boolean first = true;
        for (Map.Entry<String, JsonNode> p : props) {
            if (chance(0.3)) {
                continue;
            }
            first = field(b, first, p.getKey(), value(p.getKey(), p.getValue()));
            if (chance(0.05)) {
                first = field(b, first, p.getKey(), value(p.getKey(), p.getValue()));
            }
        }
        if (chance(0.1)) {
            first = field(b, first, pick(List.of("nmae", "extra", "__proto__", "")), json(pick(STRINGS)));
        }
        b.append('}');
        String text = b.toString();
        return chance(0.05) && text.length() > 2 ? text.substring(0, rnd.nextInt(1, text.length())) : text;
    }

    private static boolean field(StringBuilder b, boolean first, String name, String value) {
        if (!first) {
            b.append(',');
        }
        b.append(json(name)).append(':').append(value);
        return false;
    }

    private String value(String field, JsonNode schema) {
        String type = schema.path("type").asText("object");
        double roll = rnd.nextDouble();
        if (roll < 0.15) {
            return pick(List.of("null", "[]", "{}", "true", "\"\"", "-1", "1.5", "1e400", "[1,2]", "{\"a\":1}"));
        }
        return switch (type) {
            case "integer", "number" -> String.valueOf(pick(NUMBERS)).replace("\"", "");
            case "boolean" -> rnd.nextBoolean() ? "true" : "false";
            case "array" -> "[" + json(pick(STRINGS)) + (chance(0.5) ? "," + json(pick(STRINGS)) : "") + "]";
            case "object" -> "{" + json(pick(List.of("encryption", "replication", "placement", "min_replicas", "x", "")))
                    + ":" + json(pick(STRINGS)) + "}";
            default -> json(stringFor(field));
        };
    }

    private String stringFor(String field) {
        if (chance(0.4)) {
            return switch (field) {
                case "name" -> validName();
                case "size" -> pick(List.of("1M", "2M", "4K", "64M"));
                case "snapshot" -> pick(List.of("s1", "nope"));
                case "storage_class" -> pick(List.of("fast-local-ssd", "standard"));
                default -> pick(STRINGS);
            };
        }
        return chance(0.05) ? "z".repeat(rnd.nextInt(100, 5000)) : pick(STRINGS);
    }

    private static List<Map.Entry<String, JsonNode>> properties(JsonNode schema, Map<String, JsonNode> components) {
        JsonNode s = schema;
        if (s != null && s.has("$ref")) {
            s = components.get(s.get("$ref").asText().substring("#/components/schemas/".length()));
        }
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        if (s != null && s.has("properties")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = s.get("properties").properties().iterator(); it.hasNext(); ) {
                out.add(it.next());
            }
        }
        return out;
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
