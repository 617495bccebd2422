package io.galleonfs.node.cluster;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.raft.NO_DUPES;

/**
 * NO_DUPES (refuse a JOIN from a second process with a Raft id already in the view) that lets a retried JOIN through.
 *
 * <p>A joiner that did not get its JOIN response within GMS's join timeout sends the JOIN again. When the first one
 * was admitted but answered late (a loaded machine), the joiner's own address is already in the view, and NO_DUPES
 * refused the retry as a duplicate, which failed the join. The same address is the same process (addresses are
 * random per channel), so the request goes on to GMS, whose coordinator answers it with the current view.
 */
final class RetryTolerantNoDupes extends NO_DUPES {
    @Override
    protected boolean handleGmsHeader(GMS.GmsHeader hdr, Address sender) {
        View current = view;
        boolean join = hdr.getType() == GMS.GmsHeader.JOIN_REQ || hdr.getType() == GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER;
        if (join && current != null && hdr.getMember() != null && current.containsMember(hdr.getMember())) {
            return true;
        }
        return super.handleGmsHeader(hdr, sender);
    }
}
