package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/** The compiled predicate nodes; each resolves its precompiled path and then does one cheap check. */
final class Matchers {

    private Matchers() {
    }

    /** Base for first-order ops: the path is resolved against the (possibly re-rooted) context node. */
    abstract static class PathMatcher implements Matcher {
        private final CompiledPath path;

        PathMatcher(final CompiledPath path) {
            this.path = path;
        }

        @Override
        public final boolean test(final JsonNode context) {
            return testValue(path.resolve(context));
        }

        /** {@code value} is null when the path is missing. */
        abstract boolean testValue(JsonNode value);
    }

    static final class Defined extends PathMatcher {
        Defined(final CompiledPath path) {
            super(path);
        }

        @Override
        boolean testValue(final JsonNode value) {
            return value != null;
        }
    }

    static final class Undefined extends PathMatcher {
        Undefined(final CompiledPath path) {
            super(path);
        }

        @Override
        boolean testValue(final JsonNode value) {
            return value == null;
        }
    }

    static final class Test extends PathMatcher {
        private final Expected expected;

        Test(final CompiledPath path, final Expected expected) {
            super(path);
            this.expected = expected;
        }

        @Override
        boolean testValue(final JsonNode value) {
            return expected.matches(value);
        }
    }

    static final class In extends PathMatcher {
        private final Expected[] members;

        In(final CompiledPath path, final Expected[] members) {
            super(path);
            this.members = members;
        }

        @Override
        boolean testValue(final JsonNode value) {
            if (value == null) {
                return false;
            }
            for (final Expected member : members) {
                if (member.matches(value)) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class Contained extends PathMatcher {
        private final Expected expected;

        Contained(final CompiledPath path, final Expected expected) {
            super(path);
            this.expected = expected;
        }

        @Override
        boolean testValue(final JsonNode value) {
            if (value == null || !value.isArray()) {
                return false;
            }
            final int size = value.size();
            for (int i = 0; i < size; i++) {
                if (expected.matches(value.get(i))) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class Intersects extends PathMatcher {
        private final Expected[] members;

        Intersects(final CompiledPath path, final Expected[] members) {
            super(path);
            this.members = members;
        }

        @Override
        boolean testValue(final JsonNode value) {
            if (value == null || !value.isArray()) {
                return false;
            }
            final int size = value.size();
            for (int i = 0; i < size; i++) {
                final JsonNode element = value.get(i);
                for (final Expected member : members) {
                    if (member.matches(element)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** Shared by contains/starts/ends: the target must be a string; {@code needle} is pre-lowered if ignoring case. */
    abstract static class StringMatcher extends PathMatcher {
        final String needle;
        final boolean ignoreCase;

        StringMatcher(final CompiledPath path, final String needle, final boolean ignoreCase) {
            super(path);
            this.needle = needle;
            this.ignoreCase = ignoreCase;
        }

        @Override
        final boolean testValue(final JsonNode value) {
            return value != null && value.isTextual() && testString(value.textValue());
        }

        abstract boolean testString(String s);
    }

    static final class Contains extends StringMatcher {
        Contains(final CompiledPath path, final String needle, final boolean ignoreCase) {
            super(path, needle, ignoreCase);
        }

        @Override
        boolean testString(final String s) {
            if (!ignoreCase) {
                return s.contains(needle);
            }
            final int length = needle.length();
            final int lastStart = s.length() - length;
            for (int i = 0; i <= lastStart; i++) {
                if (s.regionMatches(true, i, needle, 0, length)) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class Starts extends StringMatcher {
        Starts(final CompiledPath path, final String needle, final boolean ignoreCase) {
            super(path, needle, ignoreCase);
        }

        @Override
        boolean testString(final String s) {
            return s.regionMatches(ignoreCase, 0, needle, 0, needle.length());
        }
    }

    static final class Ends extends StringMatcher {
        Ends(final CompiledPath path, final String needle, final boolean ignoreCase) {
            super(path, needle, ignoreCase);
        }

        @Override
        boolean testString(final String s) {
            final int start = s.length() - needle.length();
            return start >= 0 && s.regionMatches(ignoreCase, start, needle, 0, needle.length());
        }
    }

    static final class Matches extends PathMatcher {
        private final Pattern pattern;

        Matches(final CompiledPath path, final Pattern pattern) {
            super(path);
            this.pattern = pattern;
        }

        @Override
        boolean testValue(final JsonNode value) {
            // JavaScript's RegExp.test searches, so find() rather than matches(); the Matcher is the one allocation.
            return value != null && value.isTextual() && pattern.matcher(value.textValue()).find();
        }
    }

    static final class Less extends PathMatcher {
        private final Expected.Num bound;

        Less(final CompiledPath path, final Expected.Num bound) {
            super(path);
            this.bound = bound;
        }

        @Override
        boolean testValue(final JsonNode value) {
            return value != null && value.isNumber() && bound.compareTo(value) == -1;
        }
    }

    static final class More extends PathMatcher {
        private final Expected.Num bound;

        More(final CompiledPath path, final Expected.Num bound) {
            super(path);
            this.bound = bound;
        }

        @Override
        boolean testValue(final JsonNode value) {
            return value != null && value.isNumber() && bound.compareTo(value) == 1;
        }
    }

    static final class Type extends PathMatcher {
        private final JsonType type;

        Type(final CompiledPath path, final JsonType type) {
            super(path);
            this.type = type;
        }

        @Override
        boolean testValue(final JsonNode value) {
            return type.test(value);
        }
    }

    /** Base for and/or/not: sub-predicates see the node at {@code path}, or the same context for the root path. */
    abstract static class Compound implements Matcher {
        private final CompiledPath path;
        final Matcher[] operands;

        Compound(final CompiledPath path, final Matcher[] operands) {
            this.path = path;
            this.operands = operands;
        }

        @Override
        public final boolean test(final JsonNode context) {
            return testAll(path.resolve(context));
        }

        abstract boolean testAll(JsonNode context);
    }

    static final class And extends Compound {
        And(final CompiledPath path, final Matcher[] operands) {
            super(path, operands);
        }

        @Override
        boolean testAll(final JsonNode context) {
            for (final Matcher operand : operands) {
                if (!operand.test(context)) {
                    return false;
                }
            }
            return true;
        }
    }

    static final class Or extends Compound {
        Or(final CompiledPath path, final Matcher[] operands) {
            super(path, operands);
        }

        @Override
        boolean testAll(final JsonNode context) {
            // json-predicate 0.9.x treats an empty "or" as true, like the empty "and" and "not".
            if (operands.length == 0) {
                return true;
            }
            for (final Matcher operand : operands) {
                if (operand.test(context)) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class Not extends Compound {
        Not(final CompiledPath path, final Matcher[] operands) {
            super(path, operands);
        }

        @Override
        boolean testAll(final JsonNode context) {
            for (final Matcher operand : operands) {
                if (operand.test(context)) {
                    return false;
                }
            }
            return true;
        }
    }
}
