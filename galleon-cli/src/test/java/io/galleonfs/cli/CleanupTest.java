package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CleanupTest {
    private final List<String> done = new ArrayList<>();

    @Test
    void actionsRunLastRegisteredFirstAndOnlyOnce() {
        Cleanup c = new Cleanup().add("remove dir", () -> done.add("dir")).add("stop node", () -> done.add("node"));

        assertEquals(List.of(), c.run());
        c.run();
        c.close();

        assertEquals(List.of("node", "dir"), done);
    }

    @Test
    void aFailingActionDoesNotStopTheOthersAndIsReported() {
        Cleanup c = new Cleanup().add("remove dir", () -> done.add("dir")).add("unmount", () -> {
            throw new java.io.IOException("still mounted: /tmp/x/mnt");
        }).add("stop node", () -> done.add("node"));

        List<String> failures = c.run();

        assertEquals(List.of("node", "dir"), done);
        assertEquals(List.of("unmount: still mounted: /tmp/x/mnt"), failures);
        assertEquals(failures, c.run(), "later calls answer the same failures");
    }

    @Test
    void anActionAddedAfterTheRunRunsAtOnce() {
        Cleanup c = new Cleanup();
        c.run();

        c.add("late node", () -> done.add("late"));

        assertEquals(List.of("late"), done);
    }

    @Test
    void theShutdownHookIsRemovedOnceTheWorkIsDone() {
        Cleanup c = new Cleanup().onShutdown(System.err).add("x", () -> done.add("x"));
        c.run();

        assertFalse(Runtime.getRuntime().removeShutdownHook(c.hook()), "the hook was removed by run()");
        assertEquals(List.of("x"), done);
    }

    @Test
    void theHookCleansUpWhenTheJvmEndsFirstAndTheLaterRunFindsItDone() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        Cleanup c = new Cleanup().onShutdown(new java.io.PrintStream(err, true)).add("stop node", () -> done.add("node"));
        try {
            c.hook().run(); // what the JVM does on Ctrl-C

            assertEquals(List.of("node"), done);
            assertTrue(err.toString().contains("interrupted, cleaning up"), err.toString());
            assertEquals(List.of(), c.run());
            assertEquals(List.of("node"), done, "not run twice");
        } finally {
            Runtime.getRuntime().removeShutdownHook(c.hook());
        }
    }

    @Test
    void deleteTreeRemovesNestedFiles() throws Exception {
        Path dir = Files.createTempDirectory("cleanup-test");
        Files.createDirectories(dir.resolve("a/b"));
        Files.writeString(dir.resolve("a/b/f"), "x");

        LegacyModes.deleteTree(dir);
        LegacyModes.deleteTree(dir);

        assertTrue(Files.notExists(dir));
    }
}
