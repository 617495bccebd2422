package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StepRunnerTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    /** Each reading advances 250 ms: a step takes 0.25 s between its two readings. */
    private final AtomicLong clock = new AtomicLong();
    private final StepRunner runner = new StepRunner(out, () -> clock.getAndAdd(250_000_000L),
            e -> "described: " + e.getMessage());
    private final List<String> ran = new ArrayList<>();

    private StepRunner.Step step(String name, String result) {
        return new StepRunner.Step(name, () -> {
            ran.add(name);
            return result;
        });
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void everyStepPassesAndPrintsOneLineWithItsResultAndTiming() {
        StepRunner.Report r = runner.run(List.of(step("start a node", "node abc"), step("create volume", "healthy")));

        assertTrue(r.passed());
        assertEquals(List.of("start a node", "create volume"), ran);
        assertEquals(2, lines().size(), lines().toString());
        assertTrue(lines().get(0).matches("\\[1/2\\] start a node\\s+ok\\s+0\\.25 s  node abc"), lines().get(0));
        assertTrue(lines().get(1).startsWith("[2/2] create volume"), lines().get(1));
        assertEquals("all 2 steps passed", r.errorLine());
    }

    @Test
    void aFailureStopsTheRunAndNamesTheStepInOneLine() {
        StepRunner.Report r = runner.run(List.of(step("one", "fine"),
                new StepRunner.Step("two", () -> {
                    throw new IllegalStateException("checksum mismatch\n  at byte 7");
                }),
                step("three", "never")));

        assertFalse(r.passed());
        assertEquals(List.of("one"), ran, "no step runs after a failed one");
        assertEquals(2, r.outcomes().size());
        assertEquals(StepRunner.Status.FAILED, r.failure().orElseThrow().status());
        assertEquals("step 2/3 'two' failed: described: checksum mismatch | at byte 7", r.errorLine());
        assertTrue(lines().get(1).contains(" FAIL "), lines().get(1));
        assertEquals(2, lines().size(), "a multi-line message still prints one line: " + lines());
    }

    @Test
    void aSkippedStepSaysWhyAndCountsAsPassed() {
        StepRunner.Report r = runner.run(List.of(step("one", "fine"), new StepRunner.Step("mount", () -> {
            throw new StepRunner.Skipped("FUSE is not available on this host: /dev/fuse is absent");
        }), step("three", "done")));

        assertTrue(r.passed());
        assertEquals(List.of("one", "three"), ran);
        assertTrue(lines().get(1).matches("\\[2/3\\] mount\\s+skip\\s+0\\.25 s  FUSE is not available on this host: /dev/fuse is absent"),
                lines().get(1));
    }

    @Test
    void errorsAreCaughtToo() {
        StepRunner.Report r = runner.run(List.of(new StepRunner.Step("boom", () -> {
            throw new AssertionError("bad");
        })));

        assertFalse(r.passed());
        assertEquals("step 1/1 'boom' failed: described: bad", r.errorLine());
    }

    @Test
    void anEmptyResultPrintsNoTrailingBlanks() {
        runner.run(List.of(step("quiet", null)));

        assertEquals(lines().getFirst().stripTrailing(), lines().getFirst());
    }

    @Test
    void numbersAreAlignedForTwoDigitRuns() {
        List<StepRunner.Step> steps = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            steps.add(step("s" + i, "r"));
        }
        runner.run(steps);

        assertTrue(lines().get(0).startsWith("[ 1/10] s1 "), lines().get(0));
        assertTrue(lines().get(9).startsWith("[10/10] s10 "), lines().get(9));
    }
}
