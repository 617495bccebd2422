package io.galleonfs.node.rest;

import io.galleonfs.api.BackupView;
import io.galleonfs.api.JobInfo;
import io.galleonfs.node.meta.BackupRecord;
import io.galleonfs.node.meta.JobRecord;
import java.time.Instant;

/** Metadata records to API records. */
final class BackupViews {
    private BackupViews() {
    }

    static BackupView backup(BackupRecord b) {
        return new BackupView(b.id(), b.volumeId(), b.volumeName(), b.target(), b.strategy(), b.parentId(), b.snapshot(), b.status(),
                b.sizeBytes(), b.bytesRead(), b.bytesNew(), b.bytesStored(), b.jobId(), time(b.createdAtMillis()), time(b.finishedAtMillis()),
                b.error());
    }

    static JobInfo job(JobRecord j) {
        Long eta = null;
        if (JobRecord.RUNNING.equals(j.state()) && j.bytesPerSecond() > 0 && j.bytesTotal() >= j.bytesDone()) {
            eta = (j.bytesTotal() - j.bytesDone()) / j.bytesPerSecond();
        }
        return new JobInfo(j.id(), j.kind(), j.state(), j.node(), j.target(), j.backupId(), j.volume(), j.bytesDone(), j.bytesTotal(),
                j.bytesPerSecond(), eta, j.phase(), j.message(), j.error(), time(j.createdAtMillis()), time(j.startedAtMillis()),
                time(j.finishedAtMillis()));
    }

    private static String time(long millis) {
        return millis <= 0 ? null : Instant.ofEpochMilli(millis).toString();
    }
}
