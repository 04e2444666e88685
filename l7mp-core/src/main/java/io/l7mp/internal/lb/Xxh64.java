package io.l7mp.internal.lb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * XXH64 (xxHash, 64-bit) over UTF-8 bytes. Ring positions of every proxy instance depend on it, so it must stay
 * bit-exact with the reference algorithm (checked against xxhsum in the tests).
 */
final class Xxh64 {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Xxh64() {
    }

    /** Hashes the UTF-8 encoding of s; ASCII strings, the usual keys, are read in place without copying. */
    static long hash(final String s, final long seed) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return hash(s.getBytes(StandardCharsets.UTF_8), seed);
            }
        }
        return hash(null, s, s.length(), seed);
    }

    /** Hashes a byte array. */
    static long hash(final byte[] bytes, final long seed) {
        return hash(bytes, null, bytes.length, seed);
    }

    /** Shared core over exactly one of bytes or ascii, so that one implementation serves both without copying. */
    private static long hash(final byte[] bytes, final String ascii, final int len, final long seed) {
        int p = 0;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            for (final int limit = len - 32; p <= limit; p += 32) {
                v1 = round(v1, long64(bytes, ascii, p));
                v2 = round(v2, long64(bytes, ascii, p + 8));
                v3 = round(v3, long64(bytes, ascii, p + 16));
                v4 = round(v4, long64(bytes, ascii, p + 24));
            }
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        for (; p + 8 <= len; p += 8) {
            h ^= round(0, long64(bytes, ascii, p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        if (p + 4 <= len) {
            h ^= (long64(bytes, ascii, p) & 0xFFFFFFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            p += 4;
        }
        for (; p < len; p++) {
            h ^= byteAt(bytes, ascii, p) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(final long acc, final long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(final long acc, final long v) {
        return (acc ^ round(0, v)) * P1 + P4;
    }

    private static long byteAt(final byte[] bytes, final String ascii, final int i) {
        return bytes != null ? bytes[i] & 0xFFL : ascii.charAt(i);
    }

    /** Little-endian read of 8 bytes at i; for a 4-byte tail read the caller masks, and we stop at the end. */
    private static long long64(final byte[] bytes, final String ascii, final int i) {
        if (bytes != null && i + 8 <= bytes.length) {
            return (long) LONG_LE.get(bytes, i);
        }
        final int len = bytes != null ? bytes.length : ascii.length();
        long v = 0;
        for (int k = Math.min(8, len - i) - 1; k >= 0; k--) {
            v = (v << 8) | byteAt(bytes, ascii, i + k);
        }
        return v;
    }
}
