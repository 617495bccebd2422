package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.galleonfs.api.AccessMode;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.VolumeInfo;
import io.galleonfs.api.VolumeType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link RecordJson} against Jackson, the decoder it stands in for: the same values for every answer the API has. */
class RecordJsonTest {
    private static final ObjectMapper JACKSON = RestProxy.json();

    private static Object jackson(String json, Type type) throws Exception {
        JavaType t = JACKSON.getTypeFactory().constructType(type);
        return JACKSON.readValue(json, t);
    }

    private static Object ours(String json, Type type) {
        return RecordJson.decode(json.getBytes(StandardCharsets.UTF_8), type);
    }

    /** Every JSON answer type of the API, from its methods' return types. */
    private static List<Type> answerTypes() {
        List<Type> types = new ArrayList<>();
        for (Method m : GalleonApi.class.getMethods()) {
            Class<?> raw = m.getReturnType();
            if (raw != void.class && raw != byte[].class && raw != String.class) {
                types.add(m.getGenericReturnType());
            }
        }
        return types;
    }

    @Test
    void everyAnswerTypeOfTheApiIsOneItBinds() {
        TreeSet<String> outside = new TreeSet<>();
        for (Type t : answerTypes()) {
            if (!RecordJson.binds(t)) {
                outside.add(t.getTypeName());
            }
        }
        // not wrong (Jackson decodes those), but each one brings Jackson's start-up cost back to the calls that return it
        assertTrue(outside.isEmpty(), "answer types RecordJson leaves to Jackson: " + outside);
        assertTrue(answerTypes().size() > 40, "the API's answer types were not found");
    }

    @Test
    void randomAnswersOfEveryTypeDecodeAsJacksonDecodesThem() throws Exception {
        long seed = Long.getLong("galleon.recordjson.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        int compared = 0;
        for (int round = 0; round < 40; round++) {
            for (Type t : answerTypes()) {
                Object value = random(t, rnd, 0);
                for (ObjectMapper writer : List.of(JACKSON, Printer.json())) { // compact, and indented as -o json prints
                    String json = writer.writeValueAsString(value);
                    assertEquals(jackson(json, t), ours(json, t), "seed " + seed + " (-Dgalleon.recordjson.seed), " + t + ": " + json);
                    compared++;
                }
            }
        }
        assertTrue(compared > 3000);
    }

    /** Every JSON request body type of the API: its methods' parameters without a JAX-RS annotation. */
    private static List<Type> bodyTypes() {
        List<Type> types = new ArrayList<>();
        for (Method m : GalleonApi.class.getMethods()) {
            for (int i = 0; i < m.getParameterCount(); i++) {
                if (m.getParameterAnnotations()[i].length == 0 && m.getParameterTypes()[i] != byte[].class) {
                    types.add(m.getGenericParameterTypes()[i]);
                }
            }
        }
        return types;
    }

    @Test
    void randomRequestBodiesOfEveryTypeAreWrittenAsJacksonWritesThem() throws Exception {
        long seed = Long.getLong("galleon.recordjson.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        assertTrue(bodyTypes().size() > 15, "the API's body types were not found");
        int compared = 0;
        for (int round = 0; round < 60; round++) {
            for (Type t : bodyTypes()) {
                Object value = random(t, rnd, 0);
                byte[] ours;
                try {
                    ours = RecordJson.encode(value);
                } catch (RecordJson.Unsupported e) {
                    throw new AssertionError("seed " + seed + ": RecordJson leaves " + t + " to Jackson: " + e.getMessage(), e);
                }
                String expected = JACKSON.writeValueAsString(value);
                // the same document (member order aside), and the bytes read back as the same value
                assertEquals(JACKSON.readTree(expected), JACKSON.readTree(ours), "seed " + seed + " (-Dgalleon.recordjson.seed), " + t);
                assertEquals(jackson(expected, t), JACKSON.readValue(ours, JACKSON.getTypeFactory().constructType(t)));
                compared++;
            }
        }
        assertTrue(compared > 900);
    }

    @Test
    void bodiesOutsideTheWritersRulesAreLeftToJackson() {
        assertThrows(RecordJson.Unsupported.class, () -> RecordJson.encode(Double.NaN));
        assertThrows(RecordJson.Unsupported.class, () -> RecordJson.encode(Map.of(1, "a")));
        assertThrows(RecordJson.Unsupported.class, () -> RecordJson.encode("\uD800 alone"));
        assertThrows(RecordJson.Unsupported.class, () -> RecordJson.encode(new Object()));
        assertEquals("[\"\\u0001\\n\uD83D\uDE00\",null,-1,2.5,true]",
                new String(RecordJson.encode(java.util.Arrays.asList("\u0001\n\uD83D\uDE00", null, -1L, 2.5, true)), StandardCharsets.UTF_8));
    }

    @Test
    void unknownMissingAndNullPropertiesAreBoundAsJacksonBindsThem() throws Exception {
        String json = """
                [ {"id":"a","name":null,"size_bytes":null,"block_size":4096,"replica_count":2,"encrypted":null,
                   "volume_type":"PERSISTENT","access_mode":"rwx","from_a_newer_daemon":{"x":[1,2,{"y":null}]},
                   "labels":{"k":"v","k":"w","e":""},"replicas":[],"mounts":null,"name":"second wins"},
                  {} ]
                """;
        Type t = GalleonApi.class.getMethod("listVolumes").getGenericReturnType();
        Object expected = jackson(json, t);
        assertEquals(expected, ours(json, t));
        VolumeInfo first = ((List<VolumeInfo>) ours(json, t)).getFirst();
        assertEquals("second wins", first.name());
        assertEquals(0L, first.sizeBytes());
        assertEquals(VolumeType.PERSISTENT, first.volumeType());
        assertEquals(AccessMode.READ_WRITE_MANY, first.accessMode());
        assertEquals(Map.of("k", "w", "e", ""), first.labels());
        assertEquals("null", String.valueOf(ours("null", VolumeInfo.class)));
    }

    record Text(String s, List<Long> n, List<Double> d, List<Boolean> t, Map<String, List<Long>> o, Map<String, String> m) {
    }

    @Test
    void textIsParsedToTheLetter() throws Exception {
        String json = " {\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00ü😀x\",\"n\":[0,-0,-12,9223372036854775807,"
                + "-9223372036854775808,null],\"d\":[1.5,-2.5e-3,1E2,3,0.1e+1],\"t\":[true,false,null],\"o\":{},"
                + "\"m\":{\"é\":\"\\u0041\",\"k\\n\":\"\"},\"unknown\":[{\"x\":[null,true,1.5e3,\"\\\"\"]},{}]} \n";
        List<Long> n = new ArrayList<>(List.of(0L, 0L, -12L, Long.MAX_VALUE, Long.MIN_VALUE));
        n.add(null);
        List<Boolean> t = new ArrayList<>(List.of(true, false));
        t.add(null);
        Text expected = new Text("a\"b\\c/d\b\f\n\r\t\u00e9\uD83D\uDE00ü😀x", n, List.of(1.5, -2.5e-3, 100.0, 3.0, 1.0), t, Map.of(),
                Map.of("é", "A", "k\n", ""));
        assertEquals(expected, ours(json, Text.class));
        assertEquals(jackson(json, Text.class), ours(json, Text.class));
    }

    @Test
    void malformedTextAndValuesOutsideTheRulesAreLeftToJackson() {
        for (String bad : List.of("", "{", "[1,]", "{\"a\" 1}", "{\"a\":01}", "{\"d\":[1.]}", "[-]", "[1e]", "\"\\x\"",
                "\"\\u12\"", "tru", "{} x", "\"a\u0001\"", "{\"a\":1,}", "{\"unknown\":[1,}", "{\"unknown\":nul}")) {
            for (Type type : new Type[] {Text.class, VolumeInfo.class, String.class}) {
                assertThrows(RecordJson.Unsupported.class, () -> ours(bad, type), bad + " as " + type);
            }
        }
        // Jackson coerces these (a string for a number, a fraction for an int, a single value for a list) or refuses
        // them with its own error: RestProxy hands them to it, so the answer is what it always was
        assertThrows(RecordJson.Unsupported.class, () -> ours("{\"n\":[9223372036854775808]}", Text.class));
        assertThrows(RecordJson.Unsupported.class, () -> ours("{\"size_bytes\":\"5\"}", VolumeInfo.class));
        assertThrows(RecordJson.Unsupported.class, () -> ours("{\"block_size\":1.0}", VolumeInfo.class));
        assertThrows(RecordJson.Unsupported.class, () -> ours("{\"block_size\":4294967296}", VolumeInfo.class));
        assertThrows(RecordJson.Unsupported.class, () -> ours("{\"name\":5}", VolumeInfo.class));
        assertThrows(RecordJson.Unsupported.class, () -> ours("{\"replicas\":{}}", VolumeInfo.class));
        assertThrows(RecordJson.Unsupported.class, () -> ours("{\"access_mode\":\"sideways\"}", VolumeInfo.class));
        assertThrows(RecordJson.Unsupported.class, () -> RecordJson.decode(new byte[] {'"', (byte) 0xC3, '"'}, String.class));
        assertThrows(RecordJson.Unsupported.class, () -> RecordJson.decode(new byte[] {'"', '\\', 'n', (byte) 0xC3, '"'}, String.class));
        assertThrows(RecordJson.Unsupported.class, () -> ours("{}", Object.class));
    }

    /** A random value of {@code type}: nulls where Java allows them, edge numbers, strings that need escapes. */
    private static Object random(Type type, SplittableRandom rnd, int depth) {
        return random(type, rnd, depth, true);
    }

    private static Object random(Type type, SplittableRandom rnd, int depth, boolean nulls) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        boolean nullable = !raw.isPrimitive() && nulls;
        if (nullable && rnd.nextInt(8) == 0) {
            return null;
        }
        if (raw == String.class) {
            return randomString(rnd);
        } else if (raw == long.class || raw == Long.class) {
            return switch (rnd.nextInt(4)) {
                case 0 -> Long.MAX_VALUE;
                case 1 -> Long.MIN_VALUE;
                default -> rnd.nextLong(-1_000_000, 1L << 40);
            };
        } else if (raw == int.class || raw == Integer.class) {
            return rnd.nextInt(3) == 0 ? Integer.MIN_VALUE : rnd.nextInt(-5, 1 << 20);
        } else if (raw == double.class || raw == Double.class) {
            return switch (rnd.nextInt(4)) {
                case 0 -> 0.0;
                case 1 -> rnd.nextDouble() * 1e-9;
                case 2 -> (double) rnd.nextLong(1L << 52);
                default -> rnd.nextDouble() * 1e12 - 5e11;
            };
        } else if (raw == boolean.class || raw == Boolean.class) {
            return rnd.nextBoolean();
        } else if (raw.isEnum()) {
            Object[] constants = raw.getEnumConstants();
            return constants[rnd.nextInt(constants.length)];
        } else if (depth > 5) {
            return null;
        } else if (raw == List.class) {
            List<Object> list = new ArrayList<>();
            for (int i = rnd.nextInt(4); i > 0; i--) {
                list.add(random(((ParameterizedType) type).getActualTypeArguments()[0], rnd, depth + 1, nulls));
            }
            return list;
        } else if (raw == Map.class) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = rnd.nextInt(4); i > 0; i--) {
                map.put(randomString(rnd), random(((ParameterizedType) type).getActualTypeArguments()[1], rnd, depth + 1, nulls));
            }
            return map;
        } else if (raw.isRecord()) {
            RecordComponent[] components = raw.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            Object[] values = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                values[i] = random(components[i].getGenericType(), rnd, depth + 1, nulls);
            }
            try {
                return raw.getDeclaredConstructor(types).newInstance(values);
            } catch (ReflectiveOperationException e) {
                if (nulls) { // a record that refuses nulls (List.of in its constructor): the same without them
                    return random(type, rnd, depth, false);
                }
                throw new IllegalStateException("cannot build a random " + raw.getName(), e);
            }
        }
        throw new IllegalStateException("no random value for " + type);
    }

    private static String randomString(SplittableRandom rnd) {
        String[] pieces = {"", "vol-1", "a \"quoted\" name", "back\\slash", "tab\there", "line\nbreak", "é", "\uD83D\uDE00",
                "\u0001\u001f", "/", "ns/name", "9"};
        StringBuilder b = new StringBuilder();
        for (int i = rnd.nextInt(3); i >= 0; i--) {
            b.append(pieces[rnd.nextInt(pieces.length)]);
        }
        return b.toString();
    }
}
