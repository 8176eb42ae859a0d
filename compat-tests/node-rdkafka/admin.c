/*
 * librdkafka's admin API, for what node-rdkafka does not wrap: describing topics and configs, and altering
 * configs incrementally. NodeRdkafkaTest compiles it against the librdkafka that `npm ci` built here.
 *
 *   admin describe-topics  <bootstrap> <topic>...
 *   admin describe-configs <bootstrap> topic|broker <name>
 *   admin alter-configs    <bootstrap> topic|broker <name> set:<key>=<value>|delete:<key>...
 *
 * Stdout gets one fact per line, tab-separated, as client.js prints them:
 *   topic   <name> <error-name> <partitions> <topic-id>
 *   config  <name> <value or "null"> <source> <read-only 0|1>
 *   altered <resource-name> <error-name>
 * A failed request, or one that does not end within 30 s, exits non-zero with librdkafka's message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdkafka.h"

static void die(const char *what, const char *why) {
        fprintf(stderr, "admin: %s: %s\n", what, why);
        exit(1);
}

static rd_kafka_t *connect_to(const char *bootstrap) {
        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "broker.address.family", "v4", err, sizeof(err)) != RD_KAFKA_CONF_OK)
                die("config", err);
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk)
                die("client", err);
        return rk;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_t *rk) {
        char err[512];
        rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
        if (rd_kafka_AdminOptions_set_request_timeout(o, 30000, err, sizeof(err)))
                die("options", err);
        return o;
}

/* Waits for the one result on the queue; dies if the request as a whole failed. */
static rd_kafka_event_t *await_result(rd_kafka_queue_t *q, const char *what) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 40000);
        if (!ev)
                die(what, "no result within 40 s");
        if (rd_kafka_event_error(ev))
                die(what, rd_kafka_event_error_string(ev));
        return ev;
}

static rd_kafka_ResourceType_t resource_type(const char *name) {
        if (!strcmp(name, "topic"))
                return RD_KAFKA_RESOURCE_TOPIC;
        if (!strcmp(name, "broker"))
                return RD_KAFKA_RESOURCE_BROKER;
        die("resource type", name);
        return RD_KAFKA_RESOURCE_UNKNOWN;
}

static void describe_topics(rd_kafka_t *rk, rd_kafka_queue_t *q, const char **names, int n) {
        rd_kafka_TopicCollection_t *topics = rd_kafka_TopicCollection_of_topic_names(names, n);
        rd_kafka_AdminOptions_t *o = options(rk);
        rd_kafka_DescribeTopics(rk, topics, o, q);
        rd_kafka_event_t *ev = await_result(q, "DescribeTopics");
        size_t cnt;
        const rd_kafka_TopicDescription_t **d =
            rd_kafka_DescribeTopics_result_topics(rd_kafka_event_DescribeTopics_result(ev), &cnt);
        for (size_t i = 0; i < cnt; i++) {
                size_t partitions;
                rd_kafka_TopicDescription_partitions(d[i], &partitions);
                const rd_kafka_error_t *e = rd_kafka_TopicDescription_error(d[i]);
                const rd_kafka_Uuid_t *id = rd_kafka_TopicDescription_topic_id(d[i]);
                printf("topic\t%s\t%s\t%zu\t%s\n", rd_kafka_TopicDescription_name(d[i]),
                       e ? rd_kafka_error_name(e) : "NO_ERROR", partitions,
                       id ? rd_kafka_Uuid_base64str(id) : "");
        }
        rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(o);
        rd_kafka_TopicCollection_destroy(topics);
}

static void describe_configs(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *type, const char *name) {
        rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(resource_type(type), name);
        rd_kafka_AdminOptions_t *o = options(rk);
        rd_kafka_DescribeConfigs(rk, &res, 1, o, q);
        rd_kafka_event_t *ev = await_result(q, "DescribeConfigs");
        size_t cnt;
        const rd_kafka_ConfigResource_t **r =
            rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &cnt);
        for (size_t i = 0; i < cnt; i++) {
                if (rd_kafka_ConfigResource_error(r[i]))
                        die("DescribeConfigs", rd_kafka_ConfigResource_error_string(r[i]));
                size_t entries;
                const rd_kafka_ConfigEntry_t **c = rd_kafka_ConfigResource_configs(r[i], &entries);
                for (size_t j = 0; j < entries; j++) {
                        const char *value = rd_kafka_ConfigEntry_value(c[j]);
                        printf("config\t%s\t%s\t%s\t%d\n", rd_kafka_ConfigEntry_name(c[j]), value ? value : "null",
                               rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(c[j])),
                               rd_kafka_ConfigEntry_is_read_only(c[j]));
                }
        }
        rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(o);
        rd_kafka_ConfigResource_destroy(res);
}

static void alter_configs(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *type, const char *name,
                          char **ops, int n) {
        rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(resource_type(type), name);
        for (int i = 0; i < n; i++) {
                char *op = ops[i];
                char *key = strchr(op, ':');
                if (!key)
                        die("operation", op);
                *key++ = '\0';
                char *value = strchr(key, '=');
                if (value)
                        *value++ = '\0';
                rd_kafka_AlterConfigOpType_t t = !strcmp(op, "set") ? RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET
                                                 : !strcmp(op, "delete") ? RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE
                                                                         : RD_KAFKA_ALTER_CONFIG_OP_TYPE__CNT;
                if (t == RD_KAFKA_ALTER_CONFIG_OP_TYPE__CNT)
                        die("operation", op);
                rd_kafka_error_t *e = rd_kafka_ConfigResource_add_incremental_config(res, key, t, value);
                if (e)
                        die("operation", rd_kafka_error_string(e));
        }
        rd_kafka_AdminOptions_t *o = options(rk);
        rd_kafka_IncrementalAlterConfigs(rk, &res, 1, o, q);
        rd_kafka_event_t *ev = await_result(q, "IncrementalAlterConfigs");
        size_t cnt;
        const rd_kafka_ConfigResource_t **r = rd_kafka_IncrementalAlterConfigs_result_resources(
            rd_kafka_event_IncrementalAlterConfigs_result(ev), &cnt);
        for (size_t i = 0; i < cnt; i++)
                printf("altered\t%s\t%s\n", rd_kafka_ConfigResource_name(r[i]),
                       rd_kafka_err2name(rd_kafka_ConfigResource_error(r[i])));
        rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(o);
        rd_kafka_ConfigResource_destroy(res);
}

int main(int argc, char **argv) {
        if (argc < 4) {
                fprintf(stderr, "usage: admin describe-topics|describe-configs|alter-configs <bootstrap> ...\n");
                return 2;
        }
        rd_kafka_t *rk = connect_to(argv[2]);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        if (!strcmp(argv[1], "describe-topics"))
                describe_topics(rk, q, (const char **)argv + 3, argc - 3);
        else if (!strcmp(argv[1], "describe-configs") && argc == 5)
                describe_configs(rk, q, argv[3], argv[4]);
        else if (!strcmp(argv[1], "alter-configs") && argc >= 6)
                alter_configs(rk, q, argv[3], argv[4], argv + 5, argc - 5);
        else
                die("command", argv[1]);
        fflush(stdout);
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return 0;
}
