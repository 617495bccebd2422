package io.galleonfs.cli;

/** The refresh pace of the watching commands: the node samples its meters once a second, so faster shows nothing new. */
final class Pacing {
    private Pacing() {
    }

    static void sleepOneSecond() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
