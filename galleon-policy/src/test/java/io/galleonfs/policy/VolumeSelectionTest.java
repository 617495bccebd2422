package io.galleonfs.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumeSelectionTest {
    private static final VolumeSelection.Candidate DB = new VolumeSelection.Candidate("db", "shop", Map.of("app", "pg", "tier", "gold"));
    private static final VolumeSelection.Candidate WEB = new VolumeSelection.Candidate("web", "shop", Map.of("app", "nginx"));
    private static final VolumeSelection.Candidate LOGS = new VolumeSelection.Candidate("logs", "default", Map.of("tier", "gold"));

    @Test
    void namesCoverOnlyThoseNamed() {
        assertEquals(List.of("shop/web"), new VolumeSelection(List.of("web"), null, null).select(List.of(DB, WEB, LOGS)));
        assertEquals(List.of("shop/web"), new VolumeSelection(List.of("shop/web"), null, null).select(List.of(DB, WEB, LOGS)));
        assertEquals(List.of("logs"), new VolumeSelection(List.of("logs"), null, null).select(List.of(DB, WEB, LOGS)),
                "the default namespace's volumes keep their bare names");
    }

    @Test
    void labelsMustAllMatchWithEqualValues() {
        assertEquals(List.of("shop/db", "logs"), new VolumeSelection(null, Map.of("tier", "gold"), null).select(List.of(DB, WEB, LOGS)));
        assertEquals(List.of("shop/db"), new VolumeSelection(null, Map.of("tier", "gold", "app", "pg"), null).select(List.of(DB, WEB, LOGS)));
        assertFalse(new VolumeSelection(null, Map.of("app", "PG"), null).covers(DB));
        assertFalse(new VolumeSelection(null, Map.of("app", ""), null).covers(LOGS), "a missing label is not an empty one");
    }

    @Test
    void namespaceLimitsLabelsAndAloneCoversTheWholeNamespace() {
        assertEquals(List.of("shop/db"), new VolumeSelection(null, Map.of("tier", "gold"), "shop").select(List.of(DB, WEB, LOGS)));
        assertEquals(List.of("shop/db", "shop/web"), new VolumeSelection(null, null, "shop").select(List.of(DB, WEB, LOGS)));
    }

    @Test
    void namesAreAddedToWhatLabelsSelect() {
        assertEquals(List.of("shop/db", "shop/web"), new VolumeSelection(List.of("web"), Map.of("app", "pg"), null).select(List.of(DB, WEB, LOGS)));
    }

    @Test
    void emptySelectionCoversNothing() {
        VolumeSelection none = new VolumeSelection(null, null, " ");
        assertTrue(none.empty());
        assertEquals(List.of(), none.select(List.of(DB, WEB, LOGS)));
    }
}
