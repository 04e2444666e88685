package io.l7mp.spec;

import org.jspecify.annotations.Nullable;

/** Checks object names the way l7mp does: non-empty, no whitespace (as JavaScript's {@code \s} has it). */
final class Names {
    private Names() {
    }

    static @Nullable String check(@Nullable String name) {
        if (name == null) {
            return null;
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name: \"\" (expected: a non-empty name without whitespace)");
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            // l7mp's /^\S+?$/: JavaScript's \s also counts no-break spaces and the BOM, which print like a space.
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF') {
                throw new IllegalArgumentException("name: \"" + name + "\" (expected: a name without whitespace)");
            }
        }
        return name;
    }

    static String require(@Nullable String name, String what) {
        if (name == null) {
            throw new IllegalArgumentException("name: missing (expected: a name for the " + what + ")");
        }
        return check(name);
    }
}
