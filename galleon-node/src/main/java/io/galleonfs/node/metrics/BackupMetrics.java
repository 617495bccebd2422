package io.galleonfs.node.metrics;

import io.galleonfs.node.backup.BackupService;
import io.galleonfs.node.backup.JobRunner;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus series of backup jobs: {@code galleon_backup_bytes_total{kind}} (bytes read for backups, written for
 * restores, checked for verify, sent for copy), {@code galleon_backup_jobs_total{kind,result}} and the
 * {@code galleon_backup_job_duration_seconds{kind,result}} timer.
 */
@ApplicationScoped
public class BackupMetrics implements JobRunner.JobOutcomes, BackupService.ByteCounter {

    @Inject
    MeterRegistry registry;

    @Override
    public void finished(String kind, String state, long millis, long bytes) {
        Counter.builder("galleon_backup_jobs_total").description("backup, restore, verify, copy and prune jobs by result")
                .tag("kind", kind).tag("result", state).register(registry).increment();
        Timer.builder("galleon_backup_job_duration_seconds").description("run time of finished backup jobs")
                .tag("kind", kind).tag("result", state).register(registry).record(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void add(String kind, long bytes) {
        Counter.builder("galleon_backup_bytes_total").description("bytes moved by backup jobs").baseUnit("bytes")
                .tag("kind", kind).register(registry).increment(bytes);
    }
}
