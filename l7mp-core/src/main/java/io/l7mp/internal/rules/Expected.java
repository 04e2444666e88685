package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;

/**
 * A predicate constant pre-shaped for JSON deep equality: numbers compare by value (1 == 1.0), strings optionally
 * ignore case at any depth, object keys always compare exactly, and a missing actual (null) never matches.
 */
abstract class Expected {

    abstract boolean matches(JsonNode actual);

    static Expected of(final JsonNode value, final boolean ignoreCase) {
        if (value.isTextual()) {
            return new Text(value.textValue(), ignoreCase);
        }
        if (value.isNumber()) {
            return new Num(value);
        }
        if (value.isBoolean()) {
            return value.booleanValue() ? Bool.TRUE : Bool.FALSE;
        }
        if (value.isNull()) {
            return Null.INSTANCE;
        }
        if (value.isArray()) {
            final Expected[] items = new Expected[value.size()];
            for (int i = 0; i < items.length; i++) {
                items[i] = of(value.get(i), ignoreCase);
            }
            return new Arr(items);
        }
        if (value.isObject()) {
            final String[] keys = new String[value.size()];
            final Expected[] values = new Expected[keys.length];
            int i = 0;
            for (final Map.Entry<String, JsonNode> field : value.properties()) {
                keys[i] = field.getKey();
                values[i] = of(field.getValue(), ignoreCase);
                i++;
            }
            return new Obj(keys, values);
        }
        return new Other(value.deepCopy());
    }

    static Expected[] ofEach(final JsonNode array, final boolean ignoreCase) {
        final Expected[] members = new Expected[array.size()];
        for (int i = 0; i < members.length; i++) {
            members[i] = of(array.get(i), ignoreCase);
        }
        return members;
    }

    private static final class Text extends Expected {
        private final String value;
        private final boolean ignoreCase;

        Text(final String value, final boolean ignoreCase) {
            // equalsIgnoreCase would accept either form; lowering once keeps the stored constant canonical.
            this.value = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
            this.ignoreCase = ignoreCase;
        }

        @Override
        boolean matches(final JsonNode actual) {
            if (actual == null || !actual.isTextual()) {
                return false;
            }
            return ignoreCase ? value.equalsIgnoreCase(actual.textValue()) : value.equals(actual.textValue());
        }
    }

    /** Numeric equality; longs compare exactly, anything else as doubles like JavaScript does. */
    static final class Num extends Expected {
        private final boolean integral;
        private final long longValue;
        private final double doubleValue;

        Num(final JsonNode value) {
            this.integral = value.isIntegralNumber() && value.canConvertToLong();
            this.longValue = integral ? value.longValue() : 0L;
            this.doubleValue = value.doubleValue();
        }

        @Override
        boolean matches(final JsonNode actual) {
            return actual != null && actual.isNumber() && compareTo(actual) == 0;
        }

        /** Sign of {@code actual - this}; {@code actual} must be a number. NaN compares as unordered (2). */
        int compareTo(final JsonNode actual) {
            if (integral && actual.isIntegralNumber() && actual.canConvertToLong()) {
                return Long.compare(actual.longValue(), longValue);
            }
            final double d = actual.doubleValue();
            if (d < doubleValue) {
                return -1;
            }
            if (d > doubleValue) {
                return 1;
            }
            return d == doubleValue ? 0 : 2;
        }
    }

    private static final class Bool extends Expected {
        static final Bool TRUE = new Bool(true);
        static final Bool FALSE = new Bool(false);

        private final boolean value;

        private Bool(final boolean value) {
            this.value = value;
        }

        @Override
        boolean matches(final JsonNode actual) {
            return actual != null && actual.isBoolean() && actual.booleanValue() == value;
        }
    }

    private static final class Null extends Expected {
        static final Null INSTANCE = new Null();

        @Override
        boolean matches(final JsonNode actual) {
            return actual != null && actual.isNull();
        }
    }

    private static final class Arr extends Expected {
        private final Expected[] items;

        Arr(final Expected[] items) {
            this.items = items;
        }

        @Override
        boolean matches(final JsonNode actual) {
            if (actual == null || !actual.isArray() || actual.size() != items.length) {
                return false;
            }
            for (int i = 0; i < items.length; i++) {
                if (!items[i].matches(actual.get(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final class Obj extends Expected {
        private final String[] keys;
        private final Expected[] values;

        Obj(final String[] keys, final Expected[] values) {
            this.keys = keys;
            this.values = values;
        }

        @Override
        boolean matches(final JsonNode actual) {
            // Equal sizes plus every expected key present means the key sets are identical, no iterator needed.
            if (actual == null || !actual.isObject() || actual.size() != keys.length) {
                return false;
            }
            for (int i = 0; i < keys.length; i++) {
                if (!values[i].matches(actual.get(keys[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Binary and POJO nodes never come from parsed JSON; Jackson's own equality is good enough for them. */
    private static final class Other extends Expected {
        private final JsonNode value;

        Other(final JsonNode value) {
            this.value = value;
        }

        @Override
        boolean matches(final JsonNode actual) {
            return value.equals(actual);
        }
    }
}
