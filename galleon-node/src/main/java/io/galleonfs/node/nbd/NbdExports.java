package io.galleonfs.node.nbd;

import java.util.List;
import java.util.Optional;

/**
 * The exports a connection may choose from. Both calls may read the engine's metadata (and so wait briefly for a
 * volume's structure lock): the session runs them on the connection's worker, never on the event loop.
 */
interface NbdExports {
    List<String> names();

    Optional<NbdExport> open(String name);
}
