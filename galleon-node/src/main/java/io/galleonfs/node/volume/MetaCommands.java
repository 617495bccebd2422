package io.galleonfs.node.volume;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.MetadataUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Submits a metadata command and turns a rejection into the matching {@link GalleonException}. */
public final class MetaCommands {
    private final MetadataStore store;

    public MetaCommands(MetadataStore store) {
        this.store = store;
    }

    public long submit(MetaCommand command) {
        MetaResult result;
        try {
            result = store.submit(command);
        } catch (MetadataUnavailableException e) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("metadata could not be persisted: " + e.getMessage(), e);
        }
        return switch (result) {
            case MetaResult.Applied a -> a.index();
            case MetaResult.Rejected r -> throw new GalleonException(switch (r.reason()) {
                case NOT_FOUND -> GalleonException.Kind.NOT_FOUND;
                case CONFLICT -> GalleonException.Kind.CONFLICT;
                case INVALID -> GalleonException.Kind.BAD_REQUEST;
            }, r.detail());
        };
    }
}
