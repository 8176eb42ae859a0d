package io.ferrite.server.admin;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicNames;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeConfigs v1-4. A TOPIC lists every topic config Kafka defines; a BROKER named by this broker's node id
 * lists its configs, and the cluster default ("") lists none, as one broker keeps no cluster-wide defaults; a
 * GROUP lists every group config ({@link GroupConfigResources}). BROKER_LOGGER, and the resource type this
 * broker does not serve (CLIENT_METRICS), get INVALID_REQUEST. Errors are per resource; {@code configurationKeys}
 * null or empty means every config.
 */
final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequestData> {
    private final TopicRegistry topics;
    private final BrokerConfig config;
    private final DynamicBrokerConfigs dynamic;
    private final GroupConfigResources groupConfigs;

    DescribeConfigsHandler(TopicRegistry topics, BrokerConfig config, DynamicBrokerConfigs dynamic,
                           GroupConfigResources groupConfigs) {
        this.dynamic = dynamic;
        this.groupConfigs = groupConfigs;
        this.topics = topics;
        this.config = config;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeConfigsRequestData req) {
        List<CompletableFuture<DescribeConfigsResult>> results = new ArrayList<>();
        for (DescribeConfigsResource r : req.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(r.resourceType())
                    .setResourceName(r.resourceName());
            CompletableFuture<List<DescribeConfigsResourceResult>> entries;
            try {
                entries = describe(r, req.includeSynonyms(), req.includeDocumentation());
            } catch (ApiException e) {
                entries = CompletableFuture.failedFuture(e);
            }
            results.add(entries.handle((all, e) -> {
                if (e != null) {
                    ApiException error = ConfigResources.asApiException(e);
                    return result.setErrorCode(Errors.forException(error).code()).setErrorMessage(error.getMessage());
                }
                boolean some = r.configurationKeys() != null && !r.configurationKeys().isEmpty();
                return result.setConfigs(some ? all.stream().filter(c -> r.configurationKeys().contains(c.name()))
                        .toList() : all);
            }));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
            DescribeConfigsResponseData resp = new DescribeConfigsResponseData();
            results.forEach(f -> resp.results().add(f.join()));
            return resp;
        });
    }

    /** The resource's entries, at once, or later for a GROUP (kept by the group coordinator). */
    private CompletableFuture<List<DescribeConfigsResourceResult>> describe(DescribeConfigsResource r, boolean synonyms,
                                                                            boolean docs) {
        if (ConfigResource.Type.forId(r.resourceType()) == ConfigResource.Type.GROUP) {
            return groupConfigs.describe(r.resourceName(), synonyms, docs);
        }
        return CompletableFuture.completedFuture(describeHere(r, synonyms, docs));
    }

    private List<DescribeConfigsResourceResult> describeHere(DescribeConfigsResource r, boolean synonyms,
                                                             boolean docs) {
        String name = r.resourceName();
        switch (ConfigResource.Type.forId(r.resourceType())) {
            case TOPIC -> {
                String problem = TopicNames.problem(name);
                if (problem != null) {
                    throw new InvalidTopicException(problem);
                }
                Topic t = topics.get(name);
                if (t == null) {
                    throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
                }
                return ConfigDescriptions.topic(topics.defaults(), t.configs(), synonyms, docs);
            }
            case BROKER -> {
                if (name.isEmpty()) {
                    return List.of();
                }
                ConfigResources.checkNamesThisBroker(name, config.nodeId());
                return BrokerConfigKeys.describe(config, topics.defaults(), dynamic.values(), synonyms, docs);
            }
            case BROKER_LOGGER -> {
                ConfigResources.checkNamesThisBroker(name, config.nodeId());
                throw ConfigResources.noBrokerLoggers();
            }
            default -> throw new InvalidRequestException("resource type " + r.resourceType()
                    + " is not served by this broker");
        }
    }
}
