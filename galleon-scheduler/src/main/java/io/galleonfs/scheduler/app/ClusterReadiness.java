package io.galleonfs.scheduler.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while some node answered within the last 10 s (or 20 ticks, if longer). */
@Readiness
@ApplicationScoped
public class ClusterReadiness implements HealthCheck {

    @Inject
    SchedulerService scheduler;

    @Override
    public HealthCheckResponse call() {
        Instant last = scheduler.loop() == null ? null : scheduler.loop().lastContact();
        Duration window = Duration.ofMillis(Math.max(10_000, 20L * scheduler.tickMillis()));
        boolean up = last != null && Duration.between(last, Instant.now()).compareTo(window) < 0;
        return HealthCheckResponse.named("cluster").status(up)
                .withData("claimant", String.valueOf(scheduler.claimant()))
                .withData("last_contact", String.valueOf(last))
                .withData("runs_here", scheduler.loop() == null ? 0 : scheduler.loop().runningHere())
                .build();
    }
}
