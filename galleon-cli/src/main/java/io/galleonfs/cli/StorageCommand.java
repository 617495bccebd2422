package io.galleonfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.galleonfs.engine.CommandKeyProvider;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.KeyProvider;
import io.galleonfs.engine.Pkcs11KeyProvider;
import io.galleonfs.engine.StorageFormat;
import io.galleonfs.engine.convert.StorageConverter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code galleonfs storage <command>}: offline work on a node's storage path (the daemon must be stopped). Runs in the
 * CLI's own JVM on the engine classes, not through the API.
 */
@Subcommands({StorageCommand.Convert.class})
@Command(name = "storage", description = "Offline work on a stopped node's storage path", mixinStandardHelpOptions = true)
public class StorageCommand {
    /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final java.util.logging.Logger ENGINE_LOG = java.util.logging.Logger.getLogger("io.galleonfs");

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Convert the engine storage of a stopped node to another on-disk format (layers or log): every volume,"
                    + " snapshot and block is copied into a new store beside the old one, verified, then switched in atomically")
    static class Convert implements Callable<Integer> {
        @Option(names = "--storage-path", required = true, paramLabel = "DIR", description = "The node's storage path")
        Path storagePath;

        @Option(names = "--to", required = true, paramLabel = "FORMAT", description = "Target format: layers or log")
        String to;

        @Option(names = "--block-size", paramLabel = "BYTES",
                description = "The node's block_size (the log store's block size); default: the config file's, else a log"
                        + " store's own, else 4096")
        Integer blockSize;

        @Option(names = "--config", paramLabel = "FILE",
                description = "The daemon's TOML config: its [keys] (master key provider) and [daemon] block_size are used")
        Path config;

        @Option(names = "--keep-old", description = "Keep the old store as <storage>/engine.old-<format> instead of removing it")
        boolean keepOld;

        @Override
        public Integer call() {
            String target = switch (to) {
                case "log" -> StorageFormat.LOG_V1;
                case "layers" -> StorageFormat.LAYERS_V1;
                default -> throw new ErrorHandler.CliException("--to must be layers or log, not '" + to + "'");
            };
            // The engines log through JBoss Logging, here java.util.logging: progress goes to stdout, warnings to stderr.
            ENGINE_LOG.setLevel(Level.WARNING);
            JsonNode toml = readConfig();
            Path storage = storagePath.toAbsolutePath().normalize();
            try {
                int bs = blockSize != null ? blockSize : toml.path("daemon").hasNonNull("block_size")
                        ? toml.path("daemon").get("block_size").asInt()
                        : io.galleonfs.engine.lsm.LogEngine.recordedBlockSize(storage.resolve("engine")).orElse(4096);
                KeyProvider keys = keyProvider(toml.path("keys"), storage);
                new StorageConverter(storage, target, bs, keys, keepOld, line -> {
                    System.out.println(line);
                    System.out.flush();
                }).convert();
                return 0;
            } catch (ErrorHandler.CliException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new ErrorHandler.CliException(e.getMessage() == null ? e.toString() : e.getMessage().replace('\n', ' '));
            }
        }

        private JsonNode readConfig() {
            if (config == null) {
                return new TomlMapper().createObjectNode();
            }
            try {
                return new TomlMapper().readTree(config.toFile());
            } catch (IOException e) {
                throw new ErrorHandler.CliException("cannot read config file " + config + ": " + e.getMessage().lines().findFirst().orElse(""));
            }
        }

        /**
         * The node's master key provider, as the daemon builds it from {@code [keys]}: the file provider's keys live in
         * {@code <storage>/keys} (none yet: no provider, and an encrypted volume then fails with one line).
         */
        private static KeyProvider keyProvider(JsonNode keys, Path storage) throws IOException {
            String provider = keys.path("provider").asText("file");
            String label = keys.path("key_label").asText("galleonfs-master");
            return switch (provider) {
                case "file" -> {
                    Path first = storage.resolve("keys").resolve("master.key");
                    yield Files.exists(first) ? FileKeyProvider.openOrCreate(first) : null;
                }
                case "pkcs11" -> {
                    if (keys.path("pin_file").asText("").isBlank()) {
                        throw new ErrorHandler.CliException("[keys] provider = \"pkcs11\" needs pin_file");
                    }
                    yield Pkcs11KeyProvider.open(new Pkcs11KeyProvider.Settings(
                            Path.of(keys.path("pkcs11_library").asText("/usr/lib/softhsm/libsofthsm2.so")),
                            keys.hasNonNull("slot") ? keys.get("slot").asLong() : null,
                            keys.path("token_label").asText("").isBlank() ? null : keys.path("token_label").asText(),
                            Path.of(keys.path("pin_file").asText()), label));
                }
                case "command" -> {
                    var command = Arrays.stream(keys.path("command").asText("").trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
                    if (command.isEmpty()) {
                        throw new ErrorHandler.CliException("[keys] provider = \"command\" needs command");
                    }
                    yield CommandKeyProvider.of(command, Duration.ofSeconds(keys.path("command_timeout").asLong(30)), label);
                }
                default -> throw new ErrorHandler.CliException("[keys] provider '" + provider + "' is invalid; expected file, pkcs11 or command");
            };
        }
    }
}
