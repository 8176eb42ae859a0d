package io.ferrite.server;

import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * The APIs this broker implements and the versions of each, and nothing else: a client asks ApiVersions
 * first and must not be told of an API that is not there.
 */
public final class ApiVersionsTable {
    /** A version range, both ends included. */
    public record Range(short min, short max) {
        public boolean contains(short version) {
            return version >= min && version <= max;
        }
    }

    private final Map<ApiKeys, Range> ranges = new EnumMap<>(ApiKeys.class);

    public ApiVersionsTable add(ApiKeys api, int min, int max) {
        ranges.put(api, new Range((short) min, (short) max));
        return this;
    }

    public Range range(ApiKeys api) {
        return ranges.get(api);
    }

    public boolean supports(ApiKeys api, short version) {
        Range r = ranges.get(api);
        return r != null && r.contains(version);
    }

    /** The ApiVersions response body for {@code error}, listing every implemented API. */
    public ApiVersionsResponseData response(Errors error) {
        ApiVersionCollection keys = new ApiVersionCollection();
        ranges.forEach((api, r) -> keys.add(new ApiVersion().setApiKey(api.id).setMinVersion(r.min())
                .setMaxVersion(r.max())));
        return new ApiVersionsResponseData().setErrorCode(error.code()).setApiKeys(keys);
    }
}
