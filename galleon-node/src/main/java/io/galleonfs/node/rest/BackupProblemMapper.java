package io.galleonfs.node.rest;

import io.galleonfs.backup.BackupException;
import io.galleonfs.node.backup.BackupErrors;
import io.galleonfs.node.volume.GalleonException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Backup repository errors that escape a service as problem bodies (bad target, wrong passphrase: 4xx). */
public class BackupProblemMapper {

    @ServerExceptionMapper
    public Response backup(BackupException e) {
        GalleonException g = BackupErrors.translate(e);
        return ProblemMappers.problem(g.kind().status, g.kind().title, g.getMessage());
    }
}
