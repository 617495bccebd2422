package io.galleonfs.scheduler.app;

import io.galleonfs.scheduler.core.SchedulerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/**
 * Prometheus series: {@code galleon_scheduler_runs_total{status}}, {@code galleon_scheduler_failures_total},
 * {@code galleon_scheduler_missed_total}, {@code galleon_scheduler_start_lag_seconds} (scheduled → started, with
 * percentiles) and {@code galleon_scheduler_run_duration_seconds}. Per-policy labels are left out on purpose: a
 * thousand policies must not mean a thousand series per meter.
 */
@ApplicationScoped
public class MicrometerSchedulerMetrics implements SchedulerMetrics {

    @Inject
    MeterRegistry registry;

    @Override
    public void started(String policy, Duration lag) {
        Timer.builder("galleon.scheduler.start.lag").description("Delay from a firing's scheduled time to its start")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry).record(lag.isNegative() ? Duration.ZERO : lag);
    }

    @Override
    public void finished(String policy, String status, Duration took) {
        Counter.builder("galleon.scheduler.runs").description("Runs this instance executed, by outcome").tag("status", status)
                .register(registry).increment();
        if (!"succeeded".equals(status)) {
            Counter.builder("galleon.scheduler.failures").description("Runs that failed").register(registry).increment();
        }
        Timer.builder("galleon.scheduler.run.duration").register(registry).record(took);
    }

    @Override
    public void missed(String policy, long count) {
        Counter.builder("galleon.scheduler.missed").description("Firings recorded as missed (too late to start)").register(registry)
                .increment(count);
    }
}
