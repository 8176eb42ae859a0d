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
 * {@link BrokerConfigChanger}).
 */
final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequestData> {
    private final TopicConfigChanger changer;
    private final BrokerConfigChanger brokerChanger;

    AlterConfigsHandler(TopicConfigChanger changer, BrokerConfigChanger brokerChanger) {
        this.changer = changer;
        this.brokerChanger = brokerChanger;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, AlterConfigsRequestData req) {
        AlterConfigsResponseData resp = new AlterConfigsResponseData();
        List<AlterConfigsResource> resources = new ArrayList<>(req.resources());
        List<ApiException> results = ConfigResources.alterEach(resources,
                r -> new ConfigResources.Key(r.resourceType(), r.resourceName()), r -> alter(r, req.validateOnly()));
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
        return CompletableFuture.completedFuture(resp);
    }

    private void alter(AlterConfigsResource r, boolean validateOnly) {
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
            default -> throw new InvalidRequestException("resource type " + r.resourceType()
                    + " cannot be altered with AlterConfigs here");
        }
    }
}
