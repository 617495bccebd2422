package io.galleonfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.galleonfs.api.Problem;
import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns any failure into one readable line on stderr and a non-zero exit code; stack traces never reach users. */
final class ErrorHandler implements IExecutionExceptionHandler {
    static final int FAILED = 1;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        cmd.getErr().println("error: " + describe(e));
        return FAILED;
    }

    static String describe(Throwable e) {
        if (e instanceof CliException ce) {
            return ce.getMessage();
        }
        if (e instanceof ApiException answered) {
            return problemDetail(answered);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnresolvedAddressException
                    || (t.getClass().getName().contains("ConnectException"))) {
                return "cannot reach the GalleonFS daemon at " + GalleonCli.daemonAddress()
                        + " (connection refused); is it running? start one with: galleonfs -d";
            }
            if (t instanceof ApiException answered) {
                return problemDetail(answered);
            }
            if (t instanceof javax.net.ssl.SSLException) {
                return "the TLS connection to the daemon at " + GalleonCli.daemonAddress() + " failed (" + rootMessage(t)
                        + "); its certificate must be signed by the cluster CA: pass --ca-cert FILE (<storage>/tls/ca.crt on a node)"
                        + " or set GALLEONFS_CA_CERT";
            }
        }
        if (e instanceof ApiTransportException && plainHttp()) {
            return "talking to the daemon at " + GalleonCli.daemonAddress() + " over plain HTTP failed (" + rootMessage(e)
                    + "); if it serves HTTPS (--tls), pass its CA with --ca-cert FILE (<storage>/tls/ca.crt on a node) or set GALLEONFS_CA_CERT";
        }
        if (e instanceof ApiTransportException) {
            return "talking to the daemon at " + GalleonCli.daemonAddress() + " failed: " + rootMessage(e);
        }
        return rootMessage(e);
    }

    private static boolean plainHttp() {
        try {
            return "http".equals(ApiClients.baseUri().getScheme());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String problemDetail(ApiException e) {
        int status = e.status();
        if (status == 401) {
            // one line that says how to authenticate; the daemon's detail says what was wrong with what was sent
            return "the daemon at " + GalleonCli.daemonAddress() + " needs a valid API token (" + detailOf(e).orElse("HTTP 401")
                    + "); pass --token TOKEN or set GALLEONFS_TOKEN (an admin's is in <storage>/auth/admin.token on the founding node)";
        }
        return detailOf(e).map(detail -> detail + " (HTTP " + status + ")").orElse("the daemon answered HTTP " + status);
    }

    /** The problem document's {@code detail}, if the body is one and has it. */
    private static java.util.Optional<String> detailOf(ApiException e) {
        try {
            Problem problem = (Problem) RecordJson.decode(e.body(), Problem.class);
            return java.util.Optional.ofNullable(problem == null ? null : problem.detail());
        } catch (RecordJson.Unsupported notBoundHere) {
            // a detail that is not a string, or a body that is no JSON object: Jackson's tree decides, as before
            // (RecordJson spares a failing call Jackson's start-up, ~50 ms)
        }
        try {
            JsonNode body = Printer.json().readTree(e.bodyText());
            return body.hasNonNull("detail") ? java.util.Optional.of(body.get("detail").asText()) : java.util.Optional.empty();
        } catch (Exception notAProblem) {
            return java.util.Optional.empty();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** A failure the CLI itself detected, with a message meant for users. */
    static final class CliException extends RuntimeException {
        CliException(String message) {
            super(message);
        }
    }
}
