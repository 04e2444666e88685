package io.l7mp.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (PARANOID in tests) reported a leaked buffer while it ran. Registered
 * for every test through JUnit's extension auto-detection.
 */
public final class LeakCheck implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        final List<String> leaks = collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " ByteBuf leak(s) in " + context.getDisplayName() + ":\n"
                    + String.join("\n", leaks));
        }
    }

    /** Makes the detector look at collected buffers and returns what it reported. */
    public static List<String> collect() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            System.runFinalization();
            // The detector reports leaks of collected buffers when a new buffer is tracked.
            for (int i = 0; i < 64; i++) {
                final ByteBuf b = (i % 2 == 0 ? PooledByteBufAllocator.DEFAULT : UnpooledByteBufAllocator.DEFAULT)
                        .directBuffer(8);
                b.release();
            }
            Thread.onSpinWait();
        }
        return RecordingLeakDetector.drain();
    }
}
