package io.ferrite.server.metadata;

import io.ferrite.server.log.LogApis;

/** A dependency against the layering (metadata on the data plane), for {@code LayeringTest} to catch. */
public final class LayeringViolation {
    private LayeringViolation() {
    }

    public static Class<?> wrongWay() {
        return LogApis.class;
    }
}
