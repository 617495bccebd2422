package io.galleonfs.node.rest;

import io.galleonfs.node.auth.DashboardSessions;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The dashboard's session store: one per node, in memory (see {@link DashboardSessions} for why). */
public class UiBeans {
    @Produces
    @Singleton
    DashboardSessions dashboardSessions() {
        return new DashboardSessions(Clock.systemUTC());
    }
}
