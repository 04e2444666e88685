package io.l7mp.spec;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Copies the lists of the spec records, refusing a null element by its field and index. */
final class Lists {
    private Lists() {
    }

    /**
     * Returns an immutable copy, empty for null.
     *
     * @param field    the field's name as l7mp spells it, e.g. {@code listeners}
     * @param expected what an element should be, e.g. {@code a listener}
     * @throws IllegalArgumentException {@code field[i]: null (expected: ...)} for a null element
     */
    static <T> List<T> copyOf(@Nullable List<T> list, String field, String expected) {
        if (list == null) {
            return List.of();
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new IllegalArgumentException(field + "[" + i + "]: null (expected: " + expected + ")");
            }
        }
        return List.copyOf(list);
    }
}
