package io.galleonfs.node.rest;

import io.galleonfs.node.volume.BenchRunner;
import io.galleonfs.node.volume.VolumeService;
import jakarta.inject.Provider;
import io.galleonfs.api.BenchRequest;
import io.galleonfs.api.BenchResult;
import io.galleonfs.api.CloneRequest;
import io.galleonfs.api.ExpandRequest;
import io.galleonfs.api.NameRequest;
import io.galleonfs.api.RestoreRequest;
import io.galleonfs.api.SnapshotView;
import io.galleonfs.api.TrimRequest;
import io.galleonfs.api.VerifyResult;
import io.galleonfs.api.VolumeInfo;
import io.galleonfs.api.WriteResult;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.VerifyReport;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.VolumeDataService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Block data, snapshots, clones, expansion, verification and bench of one volume. */
@Path("/api/v1/volumes/{ref}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VolumeDataResource {
    @Inject
    VolumeRefs refs;

    @Inject
    Provider<BenchRunner> benchRunner;

    @Inject
    Provider<VolumeDataService> dataService;

    @Inject
    Provider<VolumeService> volumeService;

    @Inject
    VolumeResource volumes;

    /** Writes the request body at {@code offset} (at most 8 MiB per request). */
    @PUT
    @Path("/data")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    public WriteResult write(@PathParam("ref") String ref, @QueryParam("offset") long offset,
                             @QueryParam("write_concern") String writeConcern,
                             @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength, InputStream body) throws IOException {
        ref = refs.id(ref); // the caller's volume, as a UUID
        byte[] data = BoundedBody.read(body, contentLength == null ? BoundedBody.UNKNOWN : contentLength,
                VolumeDataService.MAX_TRANSFER);
        VolumeDataService.Written w = dataService.get().write(ref, offset, data, writeConcern);
        return new WriteResult(w.offset(), w.bytes(), w.concern());
    }

    /**
     * Streams {@code length} bytes from {@code offset} (default: to the end of the volume); a range of any length is
     * served, the {@link VolumeDataService#MAX_TRANSFER} limit is on writes.
     */
    @GET
    @Path("/data")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response read(@PathParam("ref") String ref, @QueryParam("offset") long offset, @QueryParam("length") Long length) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        VolumeRecord v = volumeService.get().get(ref);
        long len = length == null ? v.sizeBytes() - Math.max(0, offset) : length;
        dataService.get().checkRange(v, offset, len);
        if (len <= VolumeDataService.STREAM_PIECE) {
            return Response.ok(dataService.get().read(ref, offset, len)).build();
        }
        // Larger ranges (the CLI's export asks for 4 MiB at a time) go out in pieces through one small buffer; the
        // first piece is read here, so its errors still answer with a status.
        VolumeDataService.RangeStream range = dataService.get().openRange(v, offset, len);
        StreamingOutput stream = range::writeTo;
        return Response.ok(stream).header("Content-Length", len).build();
    }

    @POST
    @Path("/flush")
    @Consumes(MediaType.WILDCARD)
    public Response flush(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        dataService.get().flush(ref);
        return Response.noContent().build();
    }

    @POST
    @Path("/trim")
    public VolumeInfo trim(@PathParam("ref") String ref, TrimRequest request) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        TrimRequest r = request == null ? new TrimRequest(null, null) : request;
        return volumes.toInfo(dataService.get().trim(ref, r.offset(), r.length()));
    }

    @GET
    @Path("/snapshots")
    public List<SnapshotView> snapshots(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        VolumeRecord v = volumeService.get().get(ref);
        return dataService.get().snapshots(ref).stream().map(s -> view(v, s)).toList();
    }

    @POST
    @Path("/snapshots")
    public Response createSnapshot(@PathParam("ref") String ref, NameRequest request) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        if (request == null) {
            throw GalleonException.badRequest("request body is required: {\"name\": \"<snapshot>\"}");
        }
        VolumeRecord v = volumeService.get().get(ref);
        SnapshotView s = view(v, dataService.get().createSnapshot(ref, request.name()));
        return Response.created(URI.create("/api/v1/volumes/" + v.id() + "/snapshots/" + s.name())).entity(s).build();
    }

    @DELETE
    @Path("/snapshots/{name}")
    public Response deleteSnapshot(@PathParam("ref") String ref, @PathParam("name") String name) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        dataService.get().deleteSnapshot(ref, name);
        return Response.noContent().build();
    }

    @POST
    @Path("/restore")
    public VolumeInfo restore(@PathParam("ref") String ref, RestoreRequest request) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        if (request == null) {
            throw GalleonException.badRequest("request body is required: {\"snapshot\": \"<name>\"}");
        }
        return volumes.toInfo(dataService.get().restore(ref, request.snapshot()));
    }

    @POST
    @Path("/clone")
    public Response cloneVolume(@PathParam("ref") String ref, CloneRequest request) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        if (request == null) {
            throw GalleonException.badRequest("request body is required: {\"name\": \"<new volume>\", \"snapshot\": \"<optional>\"}");
        }
        VolumeInfo created = volumes.toInfo(dataService.get().cloneVolume(ref, request.name(), request.snapshot()));
        return Response.created(URI.create("/api/v1/volumes/" + created.id())).entity(created).build();
    }

    @POST
    @Path("/expand")
    public VolumeInfo expand(@PathParam("ref") String ref, ExpandRequest request) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        if (request == null) {
            throw GalleonException.badRequest("request body is required: {\"size\": \"<new size>\"}");
        }
        return volumes.toInfo(dataService.get().expand(ref, request.size()));
    }

    @POST
    @Path("/verify")
    @Consumes(MediaType.WILDCARD)
    public VerifyResult verify(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        VolumeRecord v = volumeService.get().get(ref);
        VerifyReport r = dataService.get().verify(ref);
        return new VerifyResult(v.name(), r.blocksChecked(), r.badBlocks(), r.healthy());
    }

    @POST
    @Path("/scrub")
    @Consumes(MediaType.WILDCARD)
    public io.galleonfs.api.ScrubResult scrub(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        VolumeRecord v = volumeService.get().get(ref);
        var r = dataService.get().scrub(ref);
        return new io.galleonfs.api.ScrubResult(v.name(), r.checkedBlocks(), r.repairedBlocks());
    }

    /** Runs a bench; it stops as soon as the caller's connection closes, so an abandoned run does not hold a core. */
    @POST
    @Path("/bench")
    public BenchResult bench(@PathParam("ref") String ref, BenchRequest request, @Context HttpServerRequest http) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        AtomicBoolean gone = new AtomicBoolean();
        http.response().closeHandler(v -> gone.set(true));
        return benchRunner.get().run(ref, request, gone::get);
    }

    private static SnapshotView view(VolumeRecord v, SnapshotInfo s) {
        return new SnapshotView(s.name(), v.name(), Instant.ofEpochMilli(s.createdAtMillis()).toString(), s.allocatedBytes());
    }
}
