package io.galleonfs.node.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where this node's master key lives ({@code [keys]} in the TOML file): {@code file} (default,
 * {@code <storage>/keys/master.key}), {@code pkcs11} (a key in an HSM token) or {@code command} (an external program
 * in front of any KMS). Holds no secret: the PKCS#11 PIN is read from {@code pin_file} when the node starts.
 */
public record KeySettings(
        String provider,
        Path pkcs11Library,
        Optional<Long> pkcs11Slot,
        Optional<String> pkcs11TokenLabel,
        Optional<Path> pkcs11PinFile,
        String keyLabel,
        List<String> command,
        Duration commandTimeout) {

    public static final String FILE = "file";
    public static final String PKCS11 = "pkcs11";
    public static final String COMMAND = "command";

    /** Canonical keys (see {@link NodeConfig#KEYS}); TOML {@code [keys] x} is canonical {@code key_x} except provider/label. */
    static final List<String> KEYS = List.of("key_provider", "key_pkcs11_library", "key_pkcs11_slot", "key_pkcs11_token_label",
            "key_pkcs11_pin_file", "key_label", "key_command", "key_command_timeout");

    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("key_provider", FILE);
        d.put("key_pkcs11_library", "/usr/lib/softhsm/libsofthsm2.so");
        d.put("key_pkcs11_slot", "");
        d.put("key_pkcs11_token_label", "");
        d.put("key_pkcs11_pin_file", "");
        d.put("key_label", "galleonfs-master");
        d.put("key_command", "");
        d.put("key_command_timeout", "30");
        return d;
    }

    /** @throws IllegalArgumentException one readable line naming the bad key */
    static KeySettings parse(Map<String, String> m) {
        String provider = m.get("key_provider").trim().toLowerCase(Locale.ROOT);
        if (!List.of(FILE, PKCS11, COMMAND).contains(provider)) {
            throw new IllegalArgumentException("[keys] provider '" + m.get("key_provider") + "' is invalid; expected file, pkcs11 or command");
        }
        Optional<Long> slot = Optional.empty();
        String slotText = m.get("key_pkcs11_slot").trim();
        if (!slotText.isEmpty()) {
            try {
                slot = Optional.of(Long.parseLong(slotText));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("[keys] slot '" + slotText + "' is not a slot id (a whole number); or set token_label");
            }
        }
        Optional<String> tokenLabel = blankToEmpty(m.get("key_pkcs11_token_label"));
        Optional<Path> pinFile = blankToEmpty(m.get("key_pkcs11_pin_file")).map(p -> Path.of(p).toAbsolutePath().normalize());
        String keyLabel = m.get("key_label").trim();
        if (keyLabel.isEmpty() || keyLabel.length() > 64 || !keyLabel.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("[keys] key_label '" + keyLabel + "' is invalid: 1-64 letters, digits, '.', '_' or '-'");
        }
        List<String> command = Arrays.stream(m.get("key_command").trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        long timeout;
        try {
            timeout = Long.parseLong(m.get("key_command_timeout").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("[keys] command_timeout '" + m.get("key_command_timeout") + "' is not a whole number of seconds");
        }
        if (timeout < 1 || timeout > 600) {
            throw new IllegalArgumentException("[keys] command_timeout must be 1 to 600 seconds, got " + timeout);
        }
        if (provider.equals(PKCS11) && pinFile.isEmpty()) {
            throw new IllegalArgumentException("[keys] provider = \"pkcs11\" needs pin_file (a file holding the token's user PIN)");
        }
        if (provider.equals(COMMAND) && command.isEmpty()) {
            throw new IllegalArgumentException("[keys] provider = \"command\" needs command (the program called as PROG wrap|unwrap)");
        }
        return new KeySettings(provider, Path.of(m.get("key_pkcs11_library").trim()), slot, tokenLabel, pinFile, keyLabel, command,
                Duration.ofSeconds(timeout));
    }

    private static Optional<String> blankToEmpty(String text) {
        return text == null || text.isBlank() ? Optional.empty() : Optional.of(text.trim());
    }

    Map<String, String> toKeyMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("key_provider", provider);
        m.put("key_pkcs11_library", pkcs11Library.toString());
        m.put("key_pkcs11_slot", pkcs11Slot.map(String::valueOf).orElse(""));
        m.put("key_pkcs11_token_label", pkcs11TokenLabel.orElse(""));
        m.put("key_pkcs11_pin_file", pkcs11PinFile.map(Path::toString).orElse(""));
        m.put("key_label", keyLabel);
        m.put("key_command", String.join(" ", command));
        m.put("key_command_timeout", Long.toString(commandTimeout.toSeconds()));
        return m;
    }
}
