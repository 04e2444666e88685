package io.l7mp.spec;

import static java.util.Objects.requireNonNull;

/**
 * A reference to a named object or an inline definition of it, as l7mp allows almost everywhere (a route's
 * {@code destination} may be a cluster name or a cluster). Inline objects get generated names when they are added.
 *
 * @param <T> the spec type referred to
 */
public sealed interface Ref<T> permits Ref.Named, Ref.Inline {

    /** Returns a reference by name. */
    static <T> Ref<T> to(String name) {
        return new Named<>(name);
    }

    /** Returns an inline definition. */
    static <T> Ref<T> inline(T spec) {
        return new Inline<>(spec);
    }

    /** A reference by name; the object may be defined later (l7mp resolves names when a session is routed). */
    record Named<T>(String name) implements Ref<T> {
        public Named {
            Names.require(name, "reference");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** An object defined in place. */
    record Inline<T>(T spec) implements Ref<T> {
        public Inline {
            requireNonNull(spec, "spec");
        }
    }
}
