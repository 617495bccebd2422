package io.galleonfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the CLI's token comes from, first match wins: {@code --token}; {@code $GALLEONFS_TOKEN}; the current context
 * of {@code <config dir>/config.toml} when its address is the daemon's (a token is never sent to another daemon than
 * the one it was configured for); else local discovery: the pointer {@code <config dir>/local/<host>_<port>} a daemon
 * on this host wrote names its admin token file, used if this user can read it. The config dir is
 * {@code $GALLEONFS_CONFIG_DIR}, else {@code ~/.config/galleonfs}.
 */
record Credentials(Map<String, String> env, Path configDir) {

    static Credentials fromEnvironment() {
        Map<String, String> env = System.getenv();
        String override = env.get("GALLEONFS_CONFIG_DIR");
        Path dir = override != null && !override.isBlank() ? Path.of(override) : Path.of(System.getProperty("user.home"), ".config", "galleonfs");
        return new Credentials(env, dir);
    }

    /** A token and where it was found (for messages; never the token itself). */
    record Found(String token, String source) {
        @Override
        public String toString() {
            return "token from " + source;
        }
    }

    /** The address of the current context, if the config file names one. */
    Optional<String> contextAddress() {
        return currentContext().map(c -> c.path("address").asText(null)).filter(a -> a != null && !a.isBlank());
    }

    Optional<Found> resolve(String explicitToken, String daemonAddress) {
        if (explicitToken != null && !explicitToken.isBlank()) {
            return Optional.of(new Found(explicitToken.strip(), "--token"));
        }
        String env = this.env.get("GALLEONFS_TOKEN");
        if (env != null && !env.isBlank()) {
            return Optional.of(new Found(env.strip(), "GALLEONFS_TOKEN"));
        }
        Optional<JsonNode> context = currentContext();
        if (context.isPresent() && context.get().hasNonNull("token")) {
            String address = context.get().path("address").asText("");
            if (address.isBlank() || sameAddress(address, daemonAddress)) {
                return Optional.of(new Found(context.get().get("token").asText().strip(), configDir.resolve("config.toml").toString()));
            }
        }
        return discovered(daemonAddress);
    }

    private Optional<JsonNode> currentContext() {
        Path file = configDir.resolve("config.toml");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(file.toFile());
        } catch (IOException e) {
            String first = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new ErrorHandler.CliException(file + " is not valid TOML: " + first);
        }
        String name = root.path("current_context").asText("");
        if (name.isBlank()) {
            return Optional.empty();
        }
        JsonNode context = root.path("contexts").path(name);
        if (context.isMissingNode()) {
            throw new ErrorHandler.CliException(file + ": current_context '" + name + "' has no [contexts." + name + "] table");
        }
        return Optional.of(context);
    }

    private Optional<Found> discovered(String daemonAddress) {
        String hostPort = strip(daemonAddress);
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String host = hostPort.substring(0, colon);
        String port = hostPort.substring(colon + 1);
        for (String h : host.equals("localhost") ? new String[] {"localhost", "127.0.0.1"} : new String[] {host}) {
            Path pointer = configDir.resolve("local").resolve(h + "_" + port);
            try {
                if (!Files.isReadable(pointer)) {
                    continue;
                }
                Path tokenFile = Path.of(Files.readString(pointer).strip());
                if (tokenFile.isAbsolute() && Files.isReadable(tokenFile)) {
                    String token = Files.readString(tokenFile).strip();
                    if (!token.isEmpty()) {
                        return Optional.of(new Found(token, tokenFile.toString()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable or stale pointer is the same as none: the daemon's 401 then explains what to do
            }
        }
        return Optional.empty();
    }

    private static String strip(String address) {
        String a = address.replaceFirst("^https?://", "");
        return a.endsWith("/") ? a.substring(0, a.length() - 1) : a;
    }

    private static boolean sameAddress(String a, String b) {
        return strip(a).equals(strip(b));
    }
}
