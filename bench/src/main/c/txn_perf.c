/*
 * txn_perf: a transactional producer load generator on librdkafka, for the side-by-side benchmark
 * (bin/bench-brokers, workload 25). rdkafka_performance has no transactions; this sends COUNT records of SIZE
 * bytes to TOPIC (librdkafka's default partitioner spreads them) inside transactions, committing each one once it
 * has been open TXN_MS milliseconds, as Kafka's ProducerPerformance --transaction-duration-ms does. Producer
 * settings as the other librdkafka workloads: acks=all (implied by transactions), linger.ms=5,
 * batch.size=1000000.
 *
 *   txn_perf -b BOOTSTRAP -t TOPIC -c COUNT -s SIZE -T TXN_MS -i TRANSACTIONAL_ID
 *
 * Prints one line on success:
 *   % N records committed in T ms: R records/s, X transactions, C us committing
 * where C is the time spent inside commit_transaction (which first waits for every record sent to be acknowledged).
 * and exits 0; any error that is not a full local queue ends the run with a message and exit 1: a broker under
 * test must not abort a transaction here.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime and getopt under -std=c99 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "rdkafka.h"

static long long now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long now_ms(void) {
        return now_us() / 1000;
}

static long long delivered;
static long long failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        if (m->err)
                failed++;
        else
                delivered++;
}

static void fail(const char *what, rd_kafka_error_t *error) {
        fprintf(stderr, "%% %s failed: %s\n", what, rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        exit(1);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
        char err[512];
        if (rd_kafka_conf_set(conf, key, value, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "%% %s=%s: %s\n", key, value, err);
                exit(2);
        }
}

int main(int argc, char **argv) {
        const char *bootstrap = NULL, *topic = NULL, *id = NULL;
        long long count = 0;
        int size = 1024, txn_ms = 100, opt;
        while ((opt = getopt(argc, argv, "b:t:c:s:T:i:")) != -1) {
                switch (opt) {
                case 'b': bootstrap = optarg; break;
                case 't': topic = optarg; break;
                case 'c': count = atoll(optarg); break;
                case 's': size = atoi(optarg); break;
                case 'T': txn_ms = atoi(optarg); break;
                case 'i': id = optarg; break;
                default: goto usage;
                }
        }
        if (!bootstrap || !topic || !id || count <= 0 || size <= 0 || txn_ms <= 0)
                goto usage;

        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        set(conf, "bootstrap.servers", bootstrap);
        set(conf, "transactional.id", id);
        set(conf, "linger.ms", "5");
        set(conf, "batch.size", "1000000");
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                fprintf(stderr, "%% cannot make the producer: %s\n", err);
                return 1;
        }
        rd_kafka_error_t *e;
        if ((e = rd_kafka_init_transactions(rk, 60000)))
                fail("init_transactions", e);

        char *payload = malloc(size);
        for (int i = 0; i < size; i++)
                payload[i] = (char)('a' + i % 26);
        long long start = now_ms(), opened, transactions = 0, committing = 0;
        if ((e = rd_kafka_begin_transaction(rk)))
                fail("begin_transaction", e);
        opened = now_ms();
        for (long long i = 0; i < count; i++) {
                rd_kafka_resp_err_t r;
                while ((r = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size),
                                              RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(rk, 1); /* the local queue is full: let deliveries drain it */
                if (r) {
                        fprintf(stderr, "%% produce failed: %s\n", rd_kafka_err2str(r));
                        return 1;
                }
                rd_kafka_poll(rk, 0);
                if (now_ms() - opened >= txn_ms || i == count - 1) {
                        long long commit = now_us();
                        if ((e = rd_kafka_commit_transaction(rk, 60000)))
                                fail("commit_transaction", e);
                        committing += now_us() - commit;
                        transactions++;
                        if (i < count - 1) {
                                if ((e = rd_kafka_begin_transaction(rk)))
                                        fail("begin_transaction", e);
                                opened = now_ms();
                        }
                }
        }
        long long took = now_ms() - start;
        rd_kafka_poll(rk, 0);
        if (delivered != count || failed) {
                fprintf(stderr, "%% %lld of %lld delivered, %lld failed\n", delivered, count, failed);
                return 1;
        }
        printf("%% %lld records committed in %lld ms: %lld records/s, %lld transactions, %lld us committing\n",
               count, took, took > 0 ? count * 1000 / took : count, transactions, committing);
        free(payload);
        rd_kafka_destroy(rk);
        return 0;

usage:
        fprintf(stderr, "usage: txn_perf -b BOOTSTRAP -t TOPIC -c COUNT -s SIZE -T TXN_MS -i TRANSACTIONAL_ID\n");
        return 2;
}
