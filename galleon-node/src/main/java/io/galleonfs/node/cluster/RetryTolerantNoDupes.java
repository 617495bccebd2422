package io.galleonfs.node.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.View;
import org.jgroups.protocols.VERIFY_SUSPECT;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.raft.NO_DUPES;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.util.ExtendedUUID;
import org.jboss.logging.Logger;

/**
 * NO_DUPES (refuse a JOIN from a second process with a Raft id already in the view) that lets a retried JOIN through,
 * and has the process it refuses for checked.
 *
 * <p>A joiner that did not get its JOIN response within GMS's join timeout sends the JOIN again. When the first one
 * was admitted but answered late (a loaded machine), the joiner's own address is already in the view, and NO_DUPES
 * refused the retry as a duplicate, which failed the join. The same address is the same process (addresses are
 * random per channel), so the request goes on to GMS, whose coordinator answers it with the current view.
 *
 * <p>A JOIN from a <em>new</em> address with the Raft id of a member in the view is mostly that member restarted after
 * a crash, before failure detection noticed (with TLS there is no FD_SOCK2, so FD_ALL3's heartbeat timeout can take
 * 6 s or more). It is still refused (two live processes with one identity must never both be members), but the old
 * address is handed to VERIFY_SUSPECT at once: if it does not answer within VERIFY_SUSPECT's timeout it is removed
 * from the view, and the restarted node's next attempt ({@link ClusterNode} retries) gets in. A live old process
 * answers and stays; the newcomer keeps being refused.
 */
final class RetryTolerantNoDupes extends NO_DUPES {
    private static final Logger LOG = Logger.getLogger(RetryTolerantNoDupes.class);

    @Override
    protected boolean handleGmsHeader(GMS.GmsHeader hdr, Address sender) {
        View current = view;
        boolean join = hdr.getType() == GMS.GmsHeader.JOIN_REQ || hdr.getType() == GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER;
        if (join && current != null && hdr.getMember() != null) {
            if (current.containsMember(hdr.getMember())) {
                return true;
            }
            if (hdr.getMember() instanceof ExtendedUUID joiner) {
                previousProcessOf(current, joiner).ifPresent(this::verify);
            }
        }
        return super.handleGmsHeader(hdr, sender);
    }

    private static java.util.Optional<Address> previousProcessOf(View view, ExtendedUUID joiner) {
        byte[] raftId = joiner.get(RAFT.raft_id_key);
        if (raftId == null) {
            return java.util.Optional.empty();
        }
        for (Address member : view) {
            if (member instanceof ExtendedUUID uuid && !member.equals(joiner) && Arrays.equals(raftId, uuid.get(RAFT.raft_id_key))) {
                return java.util.Optional.of(member);
            }
        }
        return java.util.Optional.empty();
    }

    private void verify(Address previous) {
        VERIFY_SUSPECT verifier = getProtocolStack() == null ? null : getProtocolStack().findProtocol(VERIFY_SUSPECT.class);
        if (verifier != null && !previous.equals(local_addr)) {
            LOG.infof("cluster: a new process asks to join as member %s, which the view still lists; checking whether the listed one is alive", previous);
            verifier.up(new Event(Event.SUSPECT, new ArrayList<>(List.of(previous)))); // VERIFY_SUSPECT edits the collection
        }
    }
}
