package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.QosPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsJsonAndYamlAlike() throws Exception {
        Path json = Files.writeString(dir.resolve("q.json"), "{\"limits\": {\"iops\": 1000}}");
        Path yaml = Files.writeString(dir.resolve("q.yaml"), "limits:\n  iops: 1000\n");
        assertEquals(SpecFiles.read(json, QosPolicy.class, "QoS policy"), SpecFiles.read(yaml, QosPolicy.class, "QoS policy"));
    }

    @Test
    void unknownFieldsAndMissingFilesAreOneReadableLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "limitz:\n  iops: 1\n");
        String msg = assertThrows(ErrorHandler.CliException.class, () -> SpecFiles.read(bad, QosPolicy.class, "QoS policy")).getMessage();
        assertTrue(msg.startsWith(bad + " is not a valid QoS policy YAML file: ") && !msg.contains("\n"), msg);
        String missing = assertThrows(ErrorHandler.CliException.class,
                () -> SpecFiles.read(dir.resolve("nope.json"), QosPolicy.class, "QoS policy")).getMessage();
        assertTrue(missing.contains("does not exist"), missing);
    }
}
