package io.ferrite.server.admin;

import io.ferrite.server.config.TopicConfigDef;
import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.metadata.TopicConfigChanger;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * IncrementalAlterConfigs v0-1: SET, DELETE, APPEND and SUBTRACT on a topic's dynamic configs, applied in
 * request order. APPEND and SUBTRACT work on LIST configs only (starting from Kafka's default when the topic sets
 * none), anything else gets INVALID_CONFIG as in Kafka. A resource named twice, a config named twice for one
 * resource, or a non-DELETE without a value gets INVALID_REQUEST. On this broker's BROKER resource a listener's
 * TLS stores may be set and deleted ({@link BrokerConfigChanger}); on a GROUP, the group's own configs are set and
 * deleted ({@link GroupConfigResources}); BROKER_LOGGER is not served (see {@link ConfigResources}).
 */
final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequestData> {
    private final TopicConfigChanger changer;
    private final BrokerConfigChanger brokerChanger;
    private final GroupConfigResources groupConfigs;

    IncrementalAlterConfigsHandler(TopicConfigChanger changer, BrokerConfigChanger brokerChanger,
                                   GroupConfigResources groupConfigs) {
        this.changer = changer;
        this.brokerChanger = brokerChanger;
        this.groupConfigs = groupConfigs;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, IncrementalAlterConfigsRequestData req) {
        List<AlterConfigsResource> resources = new ArrayList<>(req.resources());
        return ConfigResources.alterEach(resources, r -> new ConfigResources.Key(r.resourceType(), r.resourceName()),
                r -> alter(r, req.validateOnly())).thenApply(results -> respond(resources, results));
    }

    private static ApiMessage respond(List<AlterConfigsResource> resources, List<ApiException> results) {
        IncrementalAlterConfigsResponseData resp = new IncrementalAlterConfigsResponseData();
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
        List<String> names = new ArrayList<>();
        List<String> nulls = new ArrayList<>();
        for (AlterableConfig c : r.configs()) {
            names.add(c.name());
            OpType op = OpType.forId(c.configOperation());
            if (op == null) {
                throw new InvalidRequestException("unknown operation " + c.configOperation() + " on " + c.name());
            }
            if (op != OpType.DELETE) {
                if (c.value() == null) {
                    nulls.add(c.name());
                }
            }
        }
        if (!ConfigResources.repeated(names).isEmpty()) {
            throw new InvalidRequestException("configs named more than once: " + ConfigResources.repeated(names));
        }
        if (!nulls.isEmpty()) {
            throw new InvalidRequestException("configs without a value: " + nulls);
        }
        switch (ConfigResource.Type.forId(r.resourceType())) {
            case TOPIC -> changer.change(r.resourceName(), current -> apply(current, r), validateOnly);
            case BROKER -> alterBroker(r, validateOnly);
            case GROUP -> {
                return alterGroup(r, validateOnly);
            }
            case BROKER_LOGGER -> {
                ConfigResources.checkNamesThisBroker(r.resourceName(), brokerChanger.nodeId());
                throw ConfigResources.noBrokerLoggers();
            }
            default -> throw new InvalidRequestException("resource type " + r.resourceType()
                    + " cannot be altered here");
        }
        return null;
    }

    /** SET and DELETE on a group's configs; no group config is a list, so APPEND and SUBTRACT are refused. */
    private CompletableFuture<Void> alterGroup(AlterConfigsResource r, boolean validateOnly) {
        for (AlterableConfig c : r.configs()) {
            OpType op = OpType.forId(c.configOperation());
            if (op == OpType.APPEND || op == OpType.SUBTRACT) {
                throw new InvalidConfigurationException("Can't " + op + " to key " + c.name()
                        + " because its type is not LIST.");
            }
        }
        return groupConfigs.alter(r.resourceName(), current -> {
            Map<String, String> next = new LinkedHashMap<>(current);
            for (AlterableConfig c : r.configs()) {
                if (OpType.forId(c.configOperation()) == OpType.SET) {
                    next.put(c.name(), c.value());
                } else {
                    next.remove(c.name());
                }
            }
            return next;
        }, validateOnly);
    }

    /** SET and DELETE on this broker's dynamic configs; APPEND and SUBTRACT have no list config to work on. */
    private void alterBroker(AlterConfigsResource r, boolean validateOnly) {
        Map<String, String> set = new LinkedHashMap<>();
        List<String> deleted = new ArrayList<>();
        for (AlterableConfig c : r.configs()) {
            switch (OpType.forId(c.configOperation())) {
                case SET -> set.put(c.name(), c.value());
                case DELETE -> deleted.add(c.name());
                default -> throw new InvalidConfigurationException(c.name() + " is not a list: "
                        + OpType.forId(c.configOperation()) + " does not apply to it");
            }
        }
        brokerChanger.change(r.resourceName(), set, deleted, false, validateOnly);
    }

    /** The topic's configs after the resource's operations, in order. */
    private static Map<String, String> apply(Map<String, String> current, AlterConfigsResource r) {
        Map<String, String> next = new LinkedHashMap<>(current);
        for (AlterableConfig c : r.configs()) {
            OpType op = OpType.forId(c.configOperation());
            switch (op) {
                case SET -> next.put(c.name(), c.value());
                case DELETE -> next.remove(c.name());
                case APPEND, SUBTRACT -> {
                    TopicConfigDef def = TopicConfigs.get(c.name());
                    if (def == null || def.type() != ConfigDef.Type.LIST) {
                        throw new InvalidConfigurationException("cannot " + op + " to " + c.name()
                                + ": only LIST configs take APPEND and SUBTRACT");
                    }
                    List<String> items = items(next.getOrDefault(c.name(), def.kafkaDefault()));
                    for (String v : c.value().split(",")) {
                        if (op == OpType.SUBTRACT) {
                            items.remove(v);
                        } else if (!items.contains(v)) {
                            items.add(v);
                        }
                    }
                    next.put(c.name(), String.join(",", items));
                }
            }
        }
        return next;
    }

    private static List<String> items(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
