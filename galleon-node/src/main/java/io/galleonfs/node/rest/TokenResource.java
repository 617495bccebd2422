package io.galleonfs.node.rest;

import jakarta.inject.Provider;
import io.galleonfs.api.CreateTokenRequest;
import io.galleonfs.api.TokenInfo;
import io.galleonfs.node.volume.TokenService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/** {@code /api/v1/tokens}: API tokens (admin only, see AccessRule). A secret appears once, in the create answer. */
@Path("/api/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TokenResource {

    @Inject
    Provider<TokenService> tokenService;

    @POST
    public Response create(CreateTokenRequest request) {
        TokenService.Created created = tokenService.get().create(request);
        return Response.created(URI.create("/api/v1/tokens/" + created.token().name()))
                .header("Cache-Control", "no-store")
                .entity(TokenService.toInfo(created.token(), created.secret())).build();
    }

    @GET
    public List<TokenInfo> list() {
        return tokenService.get().list().stream().map(t -> TokenService.toInfo(t, null)).toList();
    }

    @DELETE
    @Path("/{name}")
    public Response revoke(@PathParam("name") String name) {
        tokenService.get().revoke(name);
        return Response.noContent().build();
    }
}
