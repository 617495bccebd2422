package io.galleonfs.scheduler.core;

import java.time.Duration;

/** What the scheduler reports; the Quarkus adapter turns it into Prometheus series. */
public interface SchedulerMetrics {

    /** A run this instance claimed started {@code lag} after its scheduled time. */
    void started(String policy, Duration lag);

    /** A run this instance executed ended with {@code status} (succeeded or failed). */
    void finished(String policy, String status, Duration took);

    void missed(String policy, long count);

    SchedulerMetrics NONE = new SchedulerMetrics() {
        @Override
        public void started(String policy, Duration lag) {
        }

        @Override
        public void finished(String policy, String status, Duration took) {
        }

        @Override
        public void missed(String policy, long count) {
        }
    };
}
