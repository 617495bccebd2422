package io.galleonfs.scheduler.app;

import io.galleonfs.scheduler.core.HttpClusterClient;
import io.galleonfs.scheduler.core.RunExecutor;
import io.galleonfs.scheduler.core.SchedulerLoop;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Wires the plain scheduler core to this process: its own tick thread and worker threads, never Vert.x's. */
@ApplicationScoped
public class SchedulerService {
    private static final Logger LOG = Logger.getLogger(SchedulerService.class);

    @ConfigProperty(name = "galleon.scheduler.cluster")
    String cluster;
    @ConfigProperty(name = "galleon.scheduler.token-file")
    String tokenFile;
    @ConfigProperty(name = "galleon.scheduler.id")
    Optional<String> id;
    @ConfigProperty(name = "galleon.scheduler.tick-ms", defaultValue = "250")
    int tickMillis;
    @ConfigProperty(name = "galleon.scheduler.lease-seconds", defaultValue = "15")
    int leaseSeconds;
    @ConfigProperty(name = "galleon.scheduler.refresh-seconds", defaultValue = "5")
    int refreshSeconds;
    @ConfigProperty(name = "galleon.scheduler.prune-minutes", defaultValue = "60")
    int pruneMinutes;

    @Inject
    MicrometerSchedulerMetrics metrics;

    private ScheduledExecutorService ticks;
    private ExecutorService workers;
    private SchedulerLoop loop;
    private String claimant;

    void start(@Observes StartupEvent event) {
        String token;
        try {
            token = Files.readString(Path.of(tokenFile)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token file " + tokenFile, e);
        }
        claimant = id.orElseGet(() -> hostName() + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 4));
        List<String> addresses = Arrays.stream(cluster.split(",")).map(String::trim).toList();
        HttpClusterClient client = new HttpClusterClient(addresses, token, Duration.ofSeconds(10));
        ticks = Executors.newScheduledThreadPool(2, Thread.ofPlatform().name("scheduler-tick-", 0).daemon().factory());
        workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("scheduler-run-", 0).factory());
        RunExecutor executor = new RunExecutor(client, metrics, ticks, Clock.systemUTC(), claimant, leaseSeconds, Duration.ofSeconds(1));
        loop = new SchedulerLoop(client, executor, workers, metrics, Clock.systemUTC(), claimant, leaseSeconds,
                Duration.ofSeconds(refreshSeconds));
        ticks.scheduleWithFixedDelay(this::tick, 0, tickMillis, TimeUnit.MILLISECONDS);
        io.galleonfs.scheduler.core.RetentionSweep sweep = new io.galleonfs.scheduler.core.RetentionSweep(client);
        ticks.scheduleWithFixedDelay(() -> workers.execute(sweep::sweep), pruneMinutes, pruneMinutes, TimeUnit.MINUTES);
        LOG.infof("scheduler %s started: cluster %s, tick %d ms, lease %d s", claimant, addresses, tickMillis, leaseSeconds);
    }

    private void tick() {
        try {
            loop.tick();
        } catch (RuntimeException e) {
            LOG.error("scheduler tick failed", e);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (ticks != null) {
            ticks.shutdownNow();
            workers.shutdownNow();
        }
    }

    public SchedulerLoop loop() {
        return loop;
    }

    public String claimant() {
        return claimant;
    }

    public int tickMillis() {
        return tickMillis;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "scheduler";
        }
    }
}
