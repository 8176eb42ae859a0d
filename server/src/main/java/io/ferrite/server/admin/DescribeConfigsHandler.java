package io.ferrite.server.admin;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicNames;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
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
 * lists its configs, and the cluster default ("") lists none, as there are no dynamic broker configs here.
 * BROKER_LOGGER, and the resource types this broker does not serve (GROUP, CLIENT_METRICS), get
 * INVALID_REQUEST. Errors are per resource; {@code configurationKeys} null or empty means every config.
 */
final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequestData> {
    private final TopicRegistry topics;
    private final BrokerConfig config;
    private final DynamicBrokerConfigs dynamic;

    DescribeConfigsHandler(TopicRegistry topics, BrokerConfig config, DynamicBrokerConfigs dynamic) {
        this.dynamic = dynamic;
        this.topics = topics;
        this.config = config;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeConfigsRequestData req) {
        DescribeConfigsResponseData resp = new DescribeConfigsResponseData();
        for (DescribeConfigsResource r : req.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(r.resourceType())
                    .setResourceName(r.resourceName());
            try {
                List<DescribeConfigsResourceResult> entries = describe(r, req.includeSynonyms(),
                        req.includeDocumentation());
                if (r.configurationKeys() != null && !r.configurationKeys().isEmpty()) {
                    entries = entries.stream().filter(e -> r.configurationKeys().contains(e.name())).toList();
                }
                result.setConfigs(entries);
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            resp.results().add(result);
        }
        return CompletableFuture.completedFuture(resp);
    }

    private List<DescribeConfigsResourceResult> describe(DescribeConfigsResource r, boolean synonyms, boolean docs) {
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
                return ConfigDescriptions.topic(config.topicDefaults(), t.configs(), synonyms, docs);
            }
            case BROKER -> {
                if (name.isEmpty()) {
                    return List.of();
                }
                ConfigResources.checkNamesThisBroker(name, config.nodeId());
                return BrokerConfigKeys.describe(config, dynamic.values(), synonyms, docs);
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
