package io.galleonfs.node.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.galleonfs.api.Problem;
import io.galleonfs.node.volume.GalleonException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves the API as application/problem+json with a readable detail, never a stack trace. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response galleon(GalleonException e) {
        return problem(e.kind().status, e.kind().title, e.getMessage());
    }

    @ServerExceptionMapper({JsonProcessingException.class, JsonParseException.class, MismatchedInputException.class,
        UnrecognizedPropertyException.class, InvalidFormatException.class, ValueInstantiationException.class})
    public Response badJson(JsonProcessingException e) {
        return problem(400, "Bad Request", describe(e));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException jpe) {
            return problem(400, "Bad Request", describe(jpe));
        }
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed on this resource";
            case 415 -> "unsupported media type: send application/json";
            case 406 -> "not acceptable: this resource produces application/json";
            default -> e.getMessage();
        };
        if (status == 400 && (e.getMessage() == null || e.getMessage().isBlank())) {
            detail = "bad request";
        }
        return problem(status, Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase(), detail);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            if (root instanceof GalleonException ge) {
                return galleon(ge);
            }
            root = root.getCause();
        }
        if (root instanceof GalleonException ge) {
            return galleon(ge);
        }
        if (io.galleonfs.node.volume.OutOfSpace.is(e)) {
            // A full device reached us by a path that did not translate it: still 507, and no Java class names.
            LOG.warnf("request refused: node storage is full (%s)", e.getMessage());
            GalleonException.Kind k = GalleonException.Kind.INSUFFICIENT_STORAGE;
            return problem(k.status, k.title, "no space left on this node's storage; delete volumes or snapshots to free space");
        }
        LOG.error("request failed unexpectedly", e);
        return problem(500, "Internal Server Error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    static Response problem(int status, String title, String detail) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.of(status, title, detail)).build();
    }

    static String describe(JsonProcessingException e) {
        return switch (e) {
            case UnrecognizedPropertyException u -> "unknown field '" + u.getPropertyName() + "'";
            case ValueInstantiationException v -> v.getCause() != null && v.getCause().getMessage() != null
                    ? v.getCause().getMessage() : "invalid value";
            case InvalidFormatException f -> "field '" + path(f) + "' has an invalid value " + f.getValue();
            case MismatchedInputException m -> m.getPath().isEmpty() ? "request body is empty or not the expected JSON object"
                    : "field '" + path(m) + "' has the wrong type";
            case JsonMappingException j when j.getCause() instanceof InputCoercionException c -> "field '" + path(j) + "': " + c.getOriginalMessage();
            case JsonParseException p when p.getOriginalMessage() != null && p.getOriginalMessage().startsWith("Duplicate field") ->
                    "d" + p.getOriginalMessage().substring(1) + ": each field may appear once";
            default -> "malformed JSON" + (e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr());
        };
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
