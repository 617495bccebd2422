package io.galleonfs.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a resource spec a user wrote (storage class, policy, QoS policy) from a JSON or YAML file. */
final class SpecFiles {
    private SpecFiles() {
    }

    /**
     * JSON when the text starts with '{', YAML otherwise; unknown fields are errors.
     *
     * @param what how the error line names the file's kind, e.g. "storage class"
     * @throws ErrorHandler.CliException with one readable line
     */
    static <T> T read(Path file, Class<T> type, String what) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ErrorHandler.CliException("file " + file + " does not exist");
        } catch (IOException e) {
            throw new ErrorHandler.CliException("cannot read " + file + ": " + e.getMessage());
        }
        boolean json = text.stripLeading().startsWith("{");
        ObjectMapper mapper = (json ? new ObjectMapper() : new ObjectMapper(new YAMLFactory()))
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            return mapper.readValue(text, type);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new ErrorHandler.CliException(file + " is not a valid " + what + " " + (json ? "JSON" : "YAML") + " file: " + msg);
        }
    }
}
