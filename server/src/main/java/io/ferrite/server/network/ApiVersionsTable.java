package io.ferrite.server.network;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKeyCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKeyCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * The APIs this broker implements and the versions of each, and nothing else: a client asks ApiVersions
 * first and must not be told of an API that is not there. Likewise the features (ApiVersions v3+): the range of
 * levels supported and the level finalized, which is fixed for a broker that is its own cluster.
 */
public final class ApiVersionsTable {
    /** A version range, both ends included. */
    public record Range(short min, short max) {
        public boolean contains(short version) {
            return version >= min && version <= max;
        }
    }

    /** A feature: the levels this broker supports, and the level in force. */
    public record Feature(short minLevel, short maxLevel, short finalizedLevel) {
    }

    /**
     * The epoch of the finalized features. Kafka's is the offset of the metadata record that set them; here they
     * never change, so any non-negative number says "valid" and clients need no more.
     */
    static final long FINALIZED_FEATURES_EPOCH = 0;
    /** Below ApiVersions v4, Kafka leaves out features whose lowest supported level is 0 (old clients choke). */
    private static final short FEATURES_LEVEL_0_VERSION = 4;

    private final Map<ApiKeys, Range> ranges = new EnumMap<>(ApiKeys.class);
    private final Map<String, Feature> features = new TreeMap<>();

    public ApiVersionsTable add(ApiKeys api, int min, int max) {
        ranges.put(api, new Range((short) min, (short) max));
        return this;
    }

    public ApiVersionsTable feature(String name, int minLevel, int maxLevel, int finalizedLevel) {
        features.put(name, new Feature((short) minLevel, (short) maxLevel, (short) finalizedLevel));
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

    /** The ApiVersions response body for a request of {@code version}: with the features from v3 on. */
    public ApiVersionsResponseData response(Errors error, short version) {
        ApiVersionsResponseData resp = response(error);
        if (version < 3 || features.isEmpty()) {
            return resp;
        }
        SupportedFeatureKeyCollection supported = new SupportedFeatureKeyCollection();
        FinalizedFeatureKeyCollection finalized = new FinalizedFeatureKeyCollection();
        features.forEach((name, f) -> {
            if (version >= FEATURES_LEVEL_0_VERSION || f.minLevel() > 0) {
                supported.add(new SupportedFeatureKey().setName(name).setMinVersion(f.minLevel())
                        .setMaxVersion(f.maxLevel()));
            }
            finalized.add(new FinalizedFeatureKey().setName(name).setMinVersionLevel(f.finalizedLevel())
                    .setMaxVersionLevel(f.finalizedLevel()));
        });
        return resp.setSupportedFeatures(supported).setFinalizedFeatures(finalized)
                .setFinalizedFeaturesEpoch(FINALIZED_FEATURES_EPOCH);
    }
}
