package io.ferrite.server.network;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Sets a response's {@code throttle_time_ms}, whatever its API: the generated response classes each have the
 * field but share no type for it, so it is found once per class.
 */
final class ThrottleTimes {
    private static final ClassValue<MethodHandle[]> ACCESSORS = new ClassValue<>() {
        @Override
        protected MethodHandle[] computeValue(Class<?> type) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                return new MethodHandle[] {lookup.findVirtual(type, "throttleTimeMs", MethodType.methodType(int.class)),
                        lookup.findVirtual(type, "setThrottleTimeMs", MethodType.methodType(type, int.class))};
            } catch (ReflectiveOperationException none) { // a response without the field: muting alone holds it
                return new MethodHandle[0];
            }
        }
    };

    private ThrottleTimes() {
    }

    /** {@code response} with a throttle time of at least {@code ms} (a larger one it carries stays). */
    static <R extends ApiMessage> R atLeast(R response, long ms) {
        if (response == null) {
            return null;
        }
        MethodHandle[] h = ACCESSORS.get(response.getClass());
        if (h.length == 0) {
            return response;
        }
        try {
            int now = (int) h[0].invoke(response);
            int want = (int) Math.min(Integer.MAX_VALUE, ms);
            if (want > now) {
                h[1].invoke(response, want);
            }
            return response;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot set the throttle time of " + response.getClass(), e);
        }
    }
}
