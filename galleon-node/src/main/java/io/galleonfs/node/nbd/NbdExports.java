package io.galleonfs.node.nbd;

import java.util.List;
import java.util.Optional;

/** The exports a connection may choose from. Both calls are quick, in-memory lookups: they run on the event loop. */
interface NbdExports {
    List<String> names();

    Optional<NbdExport> open(String name);
}
