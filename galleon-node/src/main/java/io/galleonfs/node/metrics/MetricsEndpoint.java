package io.galleonfs.node.metrics;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Serves {@code GET /q/metrics} ahead of the Quarkus handler, with the same registry and formats (text 0.0.4 or
 * OpenMetrics, chosen from Accept), but rendered into a {@link ScrapeBuffer} and gzipped when the scraper accepts it
 * (Prometheus always does). Quarkus offers compression only server-wide at build time, and this server also carries
 * gRPC and the live SSE streams, so compression is done here, for this one route. Runs on a worker thread.
 */
@ApplicationScoped
public class MetricsEndpoint {
    private static final Logger LOG = Logger.getLogger(MetricsEndpoint.class);
    static final String PATH = "/q/metrics";

    @Inject
    PrometheusMeterRegistry registry;

    /** The previous scrape's size, so the next one's buffer rarely grows. */
    private volatile int lastSize = 64 * 1024;

    void install(@Observes Router router) {
        // After RawPathGuard (Integer.MIN_VALUE), before the Quarkus metrics route.
        router.get(PATH).order(Integer.MIN_VALUE + 10).blockingHandler(this::serve, false);
    }

    private void serve(RoutingContext ctx) {
        try {
            String contentType = contentType(ctx.request().getHeader(HttpHeaders.ACCEPT));
            ScrapeBuffer text = new ScrapeBuffer(lastSize + lastSize / 8);
            TextFormat.writeFormat(contentType, text, registry.getPrometheusRegistry().metricFamilySamples());
            lastSize = text.size();
            var response = ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType);
            if (acceptsGzip(ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING))) {
                byte[] gz = text.gzipped();
                response.putHeader(HttpHeaders.CONTENT_ENCODING, "gzip").end(Buffer.buffer(gz));
            } else {
                response.end(Buffer.buffer().appendBytes(text.bytes(), 0, text.size()));
            }
        } catch (Exception e) {
            LOG.error("metrics scrape failed", e);
            ctx.fail(500, e);
        }
    }

    /**
     * OpenMetrics unless the client asks for the text format only: a client that accepts anything (curl, {@code *}{@code /*})
     * got OpenMetrics from the Quarkus handler this endpoint replaces, and keeps getting it.
     */
    static String contentType(String accept) {
        if (accept == null || accept.isBlank() || accept.strip().equals("*/*")) {
            return TextFormat.CONTENT_TYPE_OPENMETRICS_100;
        }
        return TextFormat.chooseContentType(accept);
    }

    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] coding = part.trim().split(";");
            if (coding[0].trim().equalsIgnoreCase("gzip")) {
                for (int i = 1; i < coding.length; i++) {
                    String p = coding[i].trim().replace(" ", "");
                    if (p.equals("q=0") || p.equals("q=0.0") || p.equals("q=0.00") || p.equals("q=0.000")) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }
}
