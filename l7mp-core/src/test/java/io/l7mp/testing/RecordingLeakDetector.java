package io.l7mp.testing;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;

/**
 * Netty's leak detector, recording what it reports so {@link LeakCheck} can fail the test. Installed with
 * {@code -Dio.netty.customResourceLeakDetector=io.l7mp.testing.RecordingLeakDetector} (see the parent pom).
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final List<String> LEAKS = new ArrayList<>();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
    }

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        synchronized (LEAKS) {
            LEAKS.add(resourceType + " leaked:" + records);
        }
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        synchronized (LEAKS) {
            LEAKS.add(resourceType + " leaked (no records)");
        }
        super.reportUntracedLeak(resourceType);
    }

    /** Returns and forgets the leaks reported so far. */
    static List<String> drain() {
        synchronized (LEAKS) {
            final List<String> l = new ArrayList<>(LEAKS);
            LEAKS.clear();
            return l;
        }
    }
}
