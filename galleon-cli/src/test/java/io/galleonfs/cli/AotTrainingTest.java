package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.galleonfs.api.VolumeInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class AotTrainingTest {

    @Test
    void theWorkloadsCallsAllEndAsExpected() throws Exception {
        assertEquals(0, AotTraining.run(), "a failing call would leave its path out of the AOT cache");
    }

    @Test
    void aSampleVolumeHasEveryComponentAndSurvivesTheJsonRoundTrip() throws Exception {
        VolumeInfo v = (VolumeInfo) AotTraining.sample(VolumeInfo.class, 0);
        assertEquals("sample", v.name());
        assertEquals(1, v.replicas().size());
        assertFalse(v.labels().isEmpty());
        byte[] json = RestProxy.json().writeValueAsBytes(List.of(v));
        List<VolumeInfo> back = RestProxy.json().readValue(json, RestProxy.json().getTypeFactory()
                .constructCollectionType(List.class, VolumeInfo.class));
        assertEquals(List.of(v), back);
    }
}
