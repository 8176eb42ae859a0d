package io.ferrite.server.admin;

import io.ferrite.server.metadata.TopicConfigChanger;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterConfigs v0-2: replaces a topic's whole dynamic config set (configs left out are deleted). A resource
 * named twice in one request, a config named twice for one resource, or a config without a value gets
 * INVALID_REQUEST. On this broker's BROKER resource, it replaces the configs set while it runs (see
 * {@link BrokerConfigChanger}); on a GROUP, the group's own configs ({@link GroupConfigResources}).
 */
final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequestData> {
    private final TopicConfigChanger changer;
    private final BrokerConfigChanger brokerChanger;
    private final GroupConfigResources groupConfigs;

    AlterConfigsHandler(TopicConfigChanger changer, BrokerConfigChanger brokerChanger,
                        GroupConfigResources groupConfigs) {
        this.changer = changer;
        this.brokerChanger = brokerChanger;
        this.groupConfigs = groupConfigs;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, AlterConfigsRequestData req) {
        List<AlterConfigsResource> resources = new ArrayList<>(req.resources());
        return ConfigResources.alterEach(resources, r -> new ConfigResources.Key(r.resourceType(), r.resourceName()),
                r -> alter(r, req.validateOnly())).thenApply(results -> respond(resources, results));
    }

    private static ApiMessage respond(List<AlterConfigsResource> resources, List<ApiException> results) {
        AlterConfigsResponseData resp = new AlterConfigsResponseData();
        for (int i = 0; i < results.size(); i++) {
            AlterConfigsResource r = resources.get(i);
            ApiException e = results.get(i);
            AlterConfigsResourceResponse out = new AlterConfigsResourceResponse().setResourceType(r.resourceType())
                    .setResourceName(r.resourceName());
            if (e != null) {
                out.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            resp.responses().add(out);
        }
        return resp;
    }

    /** The change, made or on its way (a GROUP's); null once made. */
    private CompletableFuture<Void> alter(AlterConfigsResource r, boolean validateOnly) {
        Map<String, String> configs = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        List<String> nulls = new ArrayList<>();
        for (AlterableConfig c : r.configs()) {
            names.add(c.name());
            configs.put(c.name(), c.value());
            if (c.value() == null) {
                nulls.add(c.name());
            }
        }
        if (!ConfigResources.repeated(names).isEmpty()) {
            throw new InvalidRequestException("configs named more than once: " + ConfigResources.repeated(names));
        }
        if (!nulls.isEmpty()) {
            throw new InvalidRequestException("configs without a value: " + nulls);
        }
        switch (ConfigResource.Type.forId(r.resourceType())) {
            case TOPIC -> changer.change(r.resourceName(), current -> configs, validateOnly);
            case BROKER -> brokerChanger.change(r.resourceName(), configs, List.of(), true, validateOnly);
            case GROUP -> {
                return groupConfigs.alter(r.resourceName(), current -> configs, validateOnly);
            }
            default -> throw new InvalidRequestException("resource type " + r.resourceType()
                    + " cannot be altered with AlterConfigs here");
        }
        return null;
    }
}
