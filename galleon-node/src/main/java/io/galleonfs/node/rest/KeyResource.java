package io.galleonfs.node.rest;

import io.galleonfs.node.keys.KeyService;
import jakarta.inject.Provider;
import io.galleonfs.api.MasterKeyInfo;
import io.galleonfs.api.MasterKeyRotationResult;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code /api/v1/keys}: this node's master keys (admin only, see AccessRule). Rotation blocks on fsyncs (and on the HSM
 * or KMS), so these run on worker threads, never on the event loop.
 */
@Path("/api/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeyResource {

    @Inject
    Provider<KeyService> keyService;

    @GET
    public MasterKeyInfo status() {
        return keyService.get().status();
    }

    @POST
    @Path("/rotate")
    public MasterKeyRotationResult rotate(@QueryParam("destroy_old") @DefaultValue("false") boolean destroyOld) {
        return keyService.get().rotate(destroyOld);
    }

    @POST
    @Path("/destroy-old")
    public MasterKeyRotationResult destroyOld() {
        return keyService.get().destroyRetired();
    }
}
