package io.l7mp;

/** A named object (listener, cluster, endpoint, rulelist, rule, route or session) does not exist. */
public class NotFoundException extends L7mpException {
    public NotFoundException(String kind, String name) {
        super(kind + " \"" + name + "\" not found");
    }
}
