package io.galleonfs.node.keys;

import io.galleonfs.engine.CommandKeyProvider;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.KeyProvider;
import io.galleonfs.engine.Pkcs11KeyProvider;
import io.galleonfs.node.config.KeySettings;
import java.io.IOException;
import java.nio.file.Path;

/** Builds the engine's key provider from {@code [keys]}. */
public final class KeyProviders {
    private KeyProviders() {
    }

    /** The file provider's first key: {@code <storage>/keys/master.key} (rotations add {@code master.key.v2}, ...). */
    public static Path masterKeyFile(Path storagePath) {
        return storagePath.resolve("keys").resolve("master.key");
    }

    public static KeyProvider open(KeySettings s, Path storagePath) throws IOException {
        return switch (s.provider()) {
            case KeySettings.PKCS11 -> Pkcs11KeyProvider.open(new Pkcs11KeyProvider.Settings(s.pkcs11Library(),
                    s.pkcs11Slot().orElse(null), s.pkcs11TokenLabel().orElse(null), s.pkcs11PinFile().orElseThrow(), s.keyLabel()));
            case KeySettings.COMMAND -> CommandKeyProvider.of(s.command(), s.commandTimeout(), s.keyLabel());
            default -> FileKeyProvider.openOrCreate(masterKeyFile(storagePath));
        };
    }
}
