package io.galleonfs.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The node's control-plane REST API, as the CLI (and any Java client) calls it. Every path is under /api/v1. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface GalleonApi {

    @GET
    @Path("/volumes")
    List<VolumeInfo> listVolumes();

    @POST
    @Path("/volumes")
    VolumeInfo createVolume(CreateVolumeRequest request);

    @GET
    @Path("/volumes/{ref}")
    VolumeInfo getVolume(@PathParam("ref") String ref);

    @DELETE
    @Path("/volumes/{ref}")
    void deleteVolume(@PathParam("ref") String ref, @QueryParam("force") boolean force);

    @GET
    @Path("/storage-classes")
    List<StorageClassInfo> listStorageClasses();

    @GET
    @Path("/storage-classes/{name}")
    StorageClassInfo getStorageClass(@PathParam("name") String name);

    @POST
    @Path("/storage-classes")
    StorageClassInfo createStorageClass(StorageClassInfo storageClass);

    @DELETE
    @Path("/storage-classes/{name}")
    void deleteStorageClass(@PathParam("name") String name);

    @GET
    @Path("/daemon/status")
    DaemonStatus daemonStatus();

    @GET
    @Path("/daemon/config")
    DaemonConfigInfo daemonConfig();

    @POST
    @Path("/daemon/stop")
    DaemonAction stopDaemon();

    @POST
    @Path("/daemon/restart")
    DaemonAction restartDaemon();
}
