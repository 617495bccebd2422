package io.galleonfs.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;

/**
 * Master keys are AES-256 keys inside a PKCS#11 token (an HSM; tested with SoftHSM2), used through the JDK's
 * SunPKCS11 provider. The key never leaves the token: data keys are wrapped by AES-GCM <em>encryption</em> inside
 * the token (SoftHSM2 cannot GCM-wrap), in the same format as {@link FileKeyProvider}.
 *
 * <p>Keys are token objects labelled {@code <key label>} (the first) and {@code <key label>-v2}, {@code -v3}, ... (one
 * per rotation); the highest version is current. The first key is generated in the token on first use (sensitive,
 * not extractable). The PIN is read from a file and never logged or put in a message.
 */
public final class Pkcs11KeyProvider implements RotatableKeyProvider {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * @param library    the PKCS#11 module (e.g. {@code /usr/lib/softhsm/libsofthsm2.so})
     * @param slot       the slot id, or null to find the token by {@code tokenLabel} (or the first token if both null)
     * @param tokenLabel the token's label, used when {@code slot} is null
     * @param pinFile    a file holding the user PIN (trailing newline ignored)
     * @param keyLabel   label of the first master key; rotations add {@code -v2}, {@code -v3}, ...
     */
    public record Settings(Path library, Long slot, String tokenLabel, Path pinFile, String keyLabel) {
    }

    private final Settings settings;
    private final Provider provider;
    private final KeyStore store;
    /** version -> token key; replaced as a whole on rotate/destroy. */
    private volatile TreeMap<Integer, MasterKey> keys;

    private record MasterKey(int version, String label, String id, Key key) {
    }

    private Pkcs11KeyProvider(Settings settings, Provider provider, KeyStore store) {
        this.settings = settings;
        this.provider = provider;
        this.store = store;
    }

    /** Logs into the token and loads the master keys, generating the first one if the token has none. */
    public static Pkcs11KeyProvider open(Settings s) throws IOException {
        if (!Files.isReadable(s.library())) {
            throw new EngineException("PKCS#11 library " + s.library() + " is missing or not readable");
        }
        if (s.keyLabel() == null || s.keyLabel().isBlank()) {
            throw new EngineException("the PKCS#11 key label is empty");
        }
        String slotLine;
        if (s.slot() != null) {
            slotLine = "slot = " + s.slot();
        } else if (s.tokenLabel() != null && !s.tokenLabel().isBlank()) {
            slotLine = "slot = " + Pkcs11Slots.slotOfToken(s.library(), s.tokenLabel());
        } else {
            slotLine = "slotListIndex = 0";
        }
        String config = "--name = galleonfs-" + INSTANCES.incrementAndGet() + "\n"
                + "library = " + s.library() + "\n"
                + slotLine + "\n"
                // Keys generated here stay in the token: never readable in clear, never exportable.
                + "attributes(generate, CKO_SECRET_KEY, CKK_AES) = {\n  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n}\n";
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new EngineException("this JDK has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
        }
        Provider provider;
        try {
            provider = base.configure(config);
        } catch (RuntimeException e) {
            throw new EngineException("cannot open PKCS#11 token (" + slotLine + ") with " + s.library() + ": "
                    + rootMessage(e), e);
        }
        char[] pin = readPin(s.pinFile());
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS11", provider);
            store.load(null, pin);
        } catch (GeneralSecurityException | IOException e) {
            // The message of a failed login names the CKR code, never the PIN.
            throw new EngineException("cannot log into PKCS#11 token (" + slotLine + ") with the PIN in " + s.pinFile()
                    + ": " + rootMessage(e), e);
        } finally {
            Arrays.fill(pin, '\0');
        }
        Pkcs11KeyProvider p = new Pkcs11KeyProvider(s, provider, store);
        synchronized (p) {
            p.keys = p.load();
            if (p.keys.isEmpty()) {
                p.generate(s.keyLabel());
                p.keys = p.load();
            }
        }
        return p;
    }

    private static char[] readPin(Path pinFile) throws IOException {
        if (pinFile == null) {
            throw new EngineException("no PKCS#11 PIN file is configured");
        }
        byte[] raw;
        try {
            raw = Files.readAllBytes(pinFile);
        } catch (IOException e) {
            throw new EngineException("cannot read the PKCS#11 PIN file " + pinFile + ": " + e.getMessage(), e);
        }
        int end = raw.length;
        while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r')) {
            end--;
        }
        char[] pin = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(raw, 0, end)).array();
        Arrays.fill(raw, (byte) 0);
        char[] exact = Arrays.copyOf(pin, pinLength(pin));
        Arrays.fill(pin, '\0');
        return exact;
    }

    private static int pinLength(char[] decoded) {
        int n = decoded.length;
        while (n > 0 && decoded[n - 1] == '\0') {
            n--;
        }
        return n;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private TreeMap<Integer, MasterKey> load() throws EngineException {
        TreeMap<Integer, MasterKey> out = new TreeMap<>();
        String base = settings.keyLabel();
        try {
            for (String alias : Collections.list(store.aliases())) {
                int version = versionOf(base, alias);
                if (version > 0 && store.isKeyEntry(alias)) {
                    Key key = store.getKey(alias, null);
                    if (key instanceof SecretKey) {
                        out.put(version, new MasterKey(version, alias, "pkcs11:" + alias, key));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw new EngineException("cannot list the keys in the PKCS#11 token: " + rootMessage(e), e);
        }
        return out;
    }

    static int versionOf(String base, String alias) {
        if (alias.equals(base)) {
            return 1;
        }
        String prefix = base + "-v";
        if (alias.startsWith(prefix)) {
            String suffix = alias.substring(prefix.length());
            if (!suffix.isEmpty() && suffix.length() < 9 && suffix.chars().allMatch(Character::isDigit)) {
                int v = Integer.parseInt(suffix);
                return v >= 2 ? v : 0;
            }
        }
        return 0;
    }

    private void generate(String label) throws EngineException {
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES", provider);
            generator.init(256);
            SecretKey sessionKey = generator.generateKey();
            // Storing under an alias copies the key into a token object with that label (CKA_TOKEN = true).
            store.setKeyEntry(label, sessionKey, null, null);
        } catch (GeneralSecurityException e) {
            throw new EngineException("cannot create master key '" + label + "' in the PKCS#11 token: " + rootMessage(e), e);
        }
    }

    private MasterKey current() {
        return keys.lastEntry().getValue();
    }

    @Override
    public String id() {
        return current().id();
    }

    @Override
    public synchronized String rotate() throws IOException {
        TreeMap<Integer, MasterKey> now = load();
        int version = Math.max(2, (now.isEmpty() ? 0 : now.lastKey()) + 1);
        generate(settings.keyLabel() + "-v" + version);
        keys = load();
        if (keys.lastKey() != version) {
            throw new EngineException("the new master key " + settings.keyLabel() + "-v" + version + " is not in the token after creating it");
        }
        return current().id();
    }

    @Override
    public List<String> keyIds() {
        List<String> out = new ArrayList<>();
        for (MasterKey k : keys.values()) {
            out.add(k.id());
        }
        return out;
    }

    @Override
    public synchronized void destroy(String keyId) throws IOException {
        MasterKey k = byId(keyId);
        if (k == null) {
            throw new EngineException("no master key " + keyId + " in the PKCS#11 token");
        }
        if (k == current()) {
            throw new EngineException("master key " + keyId + " is the current key; rotate before destroying it");
        }
        try {
            store.deleteEntry(k.label());
        } catch (GeneralSecurityException e) {
            throw new EngineException("cannot destroy master key " + keyId + " in the PKCS#11 token: " + rootMessage(e), e);
        }
        TreeMap<Integer, MasterKey> next = new TreeMap<>(keys);
        next.remove(k.version());
        keys = next;
    }

    private MasterKey byId(String keyId) {
        for (MasterKey k : keys.values()) {
            if (k.id().equals(keyId)) {
                return k;
            }
        }
        return null;
    }

    @Override
    public byte[] wrap(byte[] dataKey) throws GeneralSecurityException {
        return wrapCurrent(dataKey).bytes();
    }

    @Override
    public WrappedKey wrapCurrent(byte[] dataKey) throws GeneralSecurityException {
        MasterKey k = current();
        return new WrappedKey(k.id(), GcmWrapping.wrap(k.key(), provider, dataKey));
    }

    @Override
    public byte[] unwrap(byte[] wrapped) throws GeneralSecurityException {
        return GcmWrapping.unwrap(current().key(), provider, wrapped);
    }

    @Override
    public byte[] unwrap(String keyId, byte[] wrapped) throws GeneralSecurityException {
        if (keyId == null) {
            return unwrap(wrapped);
        }
        MasterKey k = byId(keyId);
        if (k == null) {
            throw new GeneralSecurityException("master key " + keyId + " is not in the PKCS#11 token (held: "
                    + String.join(", ", keyIds()) + ")");
        }
        return GcmWrapping.unwrap(k.key(), provider, wrapped);
    }

    /** For status output: the labels of the token keys by id. */
    Map<String, String> labels() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        keys.values().forEach(k -> out.put(k.id(), k.label()));
        return out;
    }
}
