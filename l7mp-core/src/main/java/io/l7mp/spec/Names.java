package io.l7mp.spec;

import org.jspecify.annotations.Nullable;

/**
 * Checks object names the way l7mp does: non-empty, no whitespace (as JavaScript's {@code \s} has it), and beyond
 * l7mp no control characters.
 */
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
            // A control character (U+0001, DEL, U+0085, a line separator) would end or garble a log line and a
            // Prometheus label, and cannot be told apart in a listing; tab and newline are counted here too.
            // Whitespace as l7mp's /^\S+?$/ has it: JavaScript's \s also counts no-break spaces and the BOM, which
            // print like a space.
            final String kind = isControl(c) ? "control character"
                    : Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF' ? "whitespace" : null;
            if (kind != null) {
                throw new IllegalArgumentException("name: \"" + escape(name) + "\" (" + kind + " " + escape(c)
                        + " at index " + i + "; expected: a name without whitespace or control characters)");
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

    private static boolean isControl(char c) {
        final int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** Returns the name as a message can show it: what does not print, and quotes and backslashes, escaped. */
    private static String escape(String name) {
        final StringBuilder sb = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            sb.append(c == '"' || c == '\\' ? "\\" + c : visible(c) ? String.valueOf(c) : escape(c));
        }
        return sb.toString();
    }

    private static boolean visible(char c) {
        return c == ' ' || !(isControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c)
                || Character.getType(c) == Character.FORMAT);
    }

    private static String escape(char c) {
        return String.format("\\u%04x", (int) c);
    }
}
