/*
 * Stadion mock-broker launcher: runs librdkafka's mock Kafka cluster on
 * loopback as a process of its own, creates the topics it is given and takes
 * fault-injection commands over a line-based TCP control port.
 *
 *   stadion-mock-broker [--brokers N] [--topic name:partitions[:replication]]...
 *                       [--control-port P] [--exit-on-stdin-eof]
 *                       [--partition-max-bytes B] [--partition-max-batches C]
 *
 * Once ready it prints ONE JSON line on stdout:
 *   {"bootstrap":"127.0.0.1:p1,...","control":"127.0.0.1:p","brokers":[1,2,3],
 *    "librdkafka":"2.0.2","patched":true}
 * and runs until SIGTERM/SIGINT, a `shutdown` command, or (with
 * --exit-on-stdin-eof) the end of its stdin; it then exits 0.
 *
 * Control protocol: one command per line, one reply line per command,
 * `ok[ <json>]` or `err <message>`. See README.md for the commands.
 *
 * Diagnostics go to stderr, one line each, prefixed "mock-broker: ".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#ifndef STADION_MOCK_PATCHED
#define STADION_MOCK_PATCHED 0
#endif

#define MAX_BROKERS 64
#define MAX_TOPICS 4096
#define MAX_CLIENTS 64
#define MAX_LINE_BYTES 65536
#define MAX_ARGS 64
#define MAX_TOPIC_NAME 249
#define METADATA_TIMEOUT_MS 5000

/* ------------------------------------------------------------------ */
/* State                                                                */
/* ------------------------------------------------------------------ */

struct topic {
        char name[MAX_TOPIC_NAME + 1];
        int partitions;
};

struct client {
        int fd;
        char in[MAX_LINE_BYTES];
        size_t in_len;
        char *out;
        size_t out_len;
        size_t out_cap;
        int closing; /* close once `out` is flushed */
};

static rd_kafka_t *host_rk;            /* hosts the mock cluster */
static rd_kafka_mock_cluster_t *mcluster;
static rd_kafka_t *meta_rk;            /* lazily made metadata client */
static char bootstraps[4096];
static int broker_cnt = 3;
static struct topic topics[MAX_TOPICS];
static int topic_cnt;
static struct client *clients[MAX_CLIENTS];
static int signal_pipe[2] = {-1, -1};
static int shutdown_requested;

static void logmsg(const char *fmt, ...) {
        va_list ap;
        char line[1024];
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        fprintf(stderr, "mock-broker: %s\n", line);
        fflush(stderr);
}

static void on_signal(int sig) {
        int saved     = errno;
        unsigned char b = (unsigned char)sig;
        if (write(signal_pipe[1], &b, 1) < 0) {
                /* nothing useful to do in a signal handler */
        }
        errno = saved;
}

static void rdkafka_log_cb(const rd_kafka_t *rk,
                           int level,
                           const char *fac,
                           const char *buf) {
        (void)rk;
        fprintf(stderr, "mock-broker: librdkafka %d %s: %s\n", level, fac, buf);
        fflush(stderr);
}

/* ------------------------------------------------------------------ */
/* Parsing helpers                                                      */
/* ------------------------------------------------------------------ */

/* Parses a decimal integer in [min, max]; returns 0 on success. */
static int parse_long(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* Kafka's legal topic names: [a-zA-Z0-9._-], 1..249 characters, not . or .. */
static int valid_topic_name(const char *name) {
        size_t len = strlen(name), i;
        if (len == 0 || len > MAX_TOPIC_NAME || !strcmp(name, ".") ||
            !strcmp(name, ".."))
                return 0;
        for (i = 0; i < len; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                      c == '-'))
                        return 0;
        }
        return 1;
}

/* An error code by number ("6") or by name ("NOT_LEADER_FOR_PARTITION",
 * "_TRANSPORT", with or without "ERR_" / "RD_KAFKA_RESP_ERR_"). */
static int parse_error_code(const char *s, rd_kafka_resp_err_t *out) {
        const struct rd_kafka_err_desc *descs;
        size_t cnt, i;
        long v;

        if (!parse_long(s, INT16_MIN, INT16_MAX, &v)) {
                *out = (rd_kafka_resp_err_t)v;
                return 0;
        }
        if (!strncmp(s, "RD_KAFKA_RESP_ERR_", 18))
                s += 18;
        else if (!strncmp(s, "ERR_", 4))
                s += 4;
        rd_kafka_get_err_descs(&descs, &cnt);
        for (i = 0; i < cnt; i++) {
                if (descs[i].name && !strcmp(descs[i].name, s)) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

static int parse_broker_id(const char *s, int allow_all, int32_t *out) {
        long v;
        if (parse_long(s, allow_all ? -1 : 1, broker_cnt, &v) || v == 0)
                return -1;
        *out = (int32_t)v;
        return 0;
}

/* ------------------------------------------------------------------ */
/* Topics                                                               */
/* ------------------------------------------------------------------ */

static struct topic *topic_find(const char *name) {
        int i;
        for (i = 0; i < topic_cnt; i++)
                if (!strcmp(topics[i].name, name))
                        return &topics[i];
        return NULL;
}

static int topic_remember(const char *name, int partitions) {
        if (topic_cnt == MAX_TOPICS)
                return -1;
        snprintf(topics[topic_cnt].name, sizeof(topics[topic_cnt].name), "%s",
                 name);
        topics[topic_cnt].partitions = partitions;
        topic_cnt++;
        return 0;
}

/* Asks the cluster (through a Kafka client of its own, created on first use)
 * how many partitions `name` has: a client may have auto-created it.
 * Returns the count, 0 if the topic does not exist, -1 on failure. */
static int cluster_partition_count(const char *name,
                                   char *errbuf,
                                   size_t errsize) {
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t err;
        int i, count = 0;

        if (!meta_rk) {
                rd_kafka_conf_t *conf = rd_kafka_conf_new();
                char cerr[256];
                if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps,
                                      cerr, sizeof(cerr)) ||
                    rd_kafka_conf_set(conf, "client.id",
                                      "stadion-mock-broker-metadata", cerr,
                                      sizeof(cerr)) ||
                    rd_kafka_conf_set(conf, "log.connection.close", "false",
                                      cerr, sizeof(cerr)) ||
                    rd_kafka_conf_set(conf, "log_level", "3", cerr,
                                      sizeof(cerr))) {
                        snprintf(errbuf, errsize, "metadata client: %s", cerr);
                        rd_kafka_conf_destroy(conf);
                        return -1;
                }
                rd_kafka_conf_set_log_cb(conf, rdkafka_log_cb);
                meta_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, cerr,
                                       sizeof(cerr));
                if (!meta_rk) {
                        snprintf(errbuf, errsize, "metadata client: %s", cerr);
                        return -1;
                }
        }

        /* all_topics=1 never auto-creates a topic. */
        err = rd_kafka_metadata(meta_rk, 1, NULL, &md, METADATA_TIMEOUT_MS);
        if (err) {
                snprintf(errbuf, errsize, "metadata request failed: %s",
                         rd_kafka_err2str(err));
                return -1;
        }
        for (i = 0; i < md->topic_cnt; i++) {
                if (!strcmp(md->topics[i].topic, name)) {
                        count = md->topics[i].partition_cnt;
                        break;
                }
        }
        rd_kafka_metadata_destroy(md);
        return count;
}

/* Creates a topic, or accepts an existing one with the same partition count.
 * Returns 1 if created, 0 if it existed, -1 on error (errbuf set). */
static int create_topic(const char *name,
                        int partitions,
                        int replication,
                        char *errbuf,
                        size_t errsize) {
        struct topic *known;
        rd_kafka_resp_err_t err;
        int existing;

        if (!valid_topic_name(name)) {
                snprintf(errbuf, errsize,
                         "invalid topic name (allowed: 1-249 of "
                         "[a-zA-Z0-9._-], not . or ..)");
                return -1;
        }
        if (partitions < 1 || partitions > 100000) {
                snprintf(errbuf, errsize, "partitions must be 1..100000");
                return -1;
        }
        if (replication < 1 || replication > broker_cnt) {
                snprintf(errbuf, errsize,
                         "replication must be 1..%d (the broker count)",
                         broker_cnt);
                return -1;
        }
        if ((known = topic_find(name))) {
                if (known->partitions == partitions)
                        return 0;
                snprintf(errbuf, errsize,
                         "topic %s exists with %d partitions, not %d", name,
                         known->partitions, partitions);
                return -1;
        }
        if (topic_cnt == MAX_TOPICS) {
                snprintf(errbuf, errsize, "too many topics (max %d)",
                         MAX_TOPICS);
                return -1;
        }

        err = rd_kafka_mock_topic_create(mcluster, name, partitions,
                                         replication);
        if (!err) {
                topic_remember(name, partitions);
                logmsg("created topic %s with %d partitions", name,
                       partitions);
                return 1;
        }
        if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                snprintf(errbuf, errsize, "creating topic %s failed: %s", name,
                         rd_kafka_err2str(err));
                return -1;
        }

        /* Created behind our back, e.g. auto-created by a client. */
        existing = cluster_partition_count(name, errbuf, errsize);
        if (existing < 0)
                return -1;
        if (existing != partitions) {
                snprintf(errbuf, errsize,
                         "topic %s exists with %d partitions, not %d "
                         "(auto-created by a client?)",
                         name, existing, partitions);
                return -1;
        }
        topic_remember(name, partitions);
        return 0;
}

/* The partition count of a topic that must already exist, or -1. */
static int existing_partition_count(const char *name,
                                    char *errbuf,
                                    size_t errsize) {
        struct topic *known = topic_find(name);
        int count;
        if (known)
                return known->partitions;
        if (!valid_topic_name(name)) {
                snprintf(errbuf, errsize, "invalid topic name");
                return -1;
        }
        count = cluster_partition_count(name, errbuf, errsize);
        if (count == 0)
                snprintf(errbuf, errsize, "unknown topic %s", name);
        return count > 0 ? count : -1;
}

/* ------------------------------------------------------------------ */
/* Control commands                                                     */
/* ------------------------------------------------------------------ */

/* A growable string for replies. */
struct sbuf {
        char *data;
        size_t len, cap;
};

static void sb_append(struct sbuf *sb, const char *fmt, ...) {
        va_list ap;
        int n;
        for (;;) {
                size_t room = sb->cap - sb->len;
                va_start(ap, fmt);
                n = vsnprintf(sb->data ? sb->data + sb->len : NULL, room, fmt,
                              ap);
                va_end(ap);
                if (n < 0)
                        return;
                if ((size_t)n < room) {
                        sb->len += (size_t)n;
                        return;
                }
                sb->cap  = (sb->cap + (size_t)n + 1) * 2;
                sb->data = realloc(sb->data, sb->cap);
                if (!sb->data) {
                        logmsg("out of memory");
                        exit(70);
                }
        }
}

static void info_json(struct sbuf *sb, const char *control_address) {
        int i;
        sb_append(sb, "{\"bootstrap\":\"%s\",\"control\":\"%s\",\"brokers\":[",
                  bootstraps, control_address);
        for (i = 1; i <= broker_cnt; i++)
                sb_append(sb, "%s%d", i > 1 ? "," : "", i);
        sb_append(sb, "],\"librdkafka\":\"%s\",\"patched\":%s}",
                  rd_kafka_version_str(),
                  STADION_MOCK_PATCHED ? "true" : "false");
}

static char control_address[64];

#define REPLY_ERR(...)                                                         \
        do {                                                                   \
                sb_append(reply, "err ");                                      \
                sb_append(reply, __VA_ARGS__);                                 \
                return;                                                        \
        } while (0)

#define USAGE(text) REPLY_ERR("usage: %s", text)

static void reply_mock_err(struct sbuf *reply, rd_kafka_resp_err_t err) {
        if (err)
                sb_append(reply, "err %s", rd_kafka_err2str(err));
        else
                sb_append(reply, "ok");
}

static void run_command(int argc, char **argv, struct sbuf *reply) {
        const char *cmd = argv[0];
        char errbuf[512];
        long v1, v2, v3;
        int32_t broker;
        int i;

        if (!strcmp(cmd, "ping")) {
                if (argc != 1)
                        USAGE("ping");
                sb_append(reply, "ok");

        } else if (!strcmp(cmd, "info")) {
                if (argc != 1)
                        USAGE("info");
                sb_append(reply, "ok ");
                info_json(reply, control_address);

        } else if (!strcmp(cmd, "create_topic")) {
                int created;
                if (argc < 3 || argc > 4 ||
                    parse_long(argv[2], 1, 100000, &v1) ||
                    (argc == 4 && parse_long(argv[3], 1, MAX_BROKERS, &v2)))
                        USAGE("create_topic <name> <partitions> "
                              "[replication]");
                if (argc != 4)
                        v2 = broker_cnt < 3 ? broker_cnt : 3;
                created = create_topic(argv[1], (int)v1, (int)v2, errbuf,
                                       sizeof(errbuf));
                if (created < 0)
                        REPLY_ERR("%s", errbuf);
                sb_append(reply,
                          "ok {\"name\":\"%s\",\"partitions\":%ld,"
                          "\"created\":%s}",
                          argv[1], v1, created ? "true" : "false");

        } else if (!strcmp(cmd, "topics")) {
                if (argc != 1)
                        USAGE("topics");
                sb_append(reply, "ok [");
                for (i = 0; i < topic_cnt; i++)
                        sb_append(reply, "%s{\"name\":\"%s\",\"partitions\":%d}",
                                  i ? "," : "", topics[i].name,
                                  topics[i].partitions);
                sb_append(reply, "]");

        } else if (!strcmp(cmd, "broker_down") || !strcmp(cmd, "broker_up")) {
                int down = !strcmp(cmd, "broker_down");
                if (argc != 2 || parse_broker_id(argv[1], 1, &broker))
                        REPLY_ERR("usage: %s <broker 1..%d, or -1 for all>",
                                  cmd, broker_cnt);
                logmsg("%s %" PRId32, cmd, broker);
                reply_mock_err(reply,
                               down ? rd_kafka_mock_broker_set_down(mcluster,
                                                                    broker)
                                    : rd_kafka_mock_broker_set_up(mcluster,
                                                                  broker));

        } else if (!strcmp(cmd, "broker_rtt")) {
                if (argc != 3 || parse_broker_id(argv[1], 1, &broker) ||
                    parse_long(argv[2], 0, 3600000, &v1))
                        USAGE("broker_rtt <broker|-1> <ms>");
                reply_mock_err(reply, rd_kafka_mock_broker_set_rtt(
                                          mcluster, broker, (int)v1));

        } else if (!strcmp(cmd, "push_errors")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                if (argc < 3 || parse_long(argv[1], 0, INT16_MAX, &v1))
                        USAGE("push_errors <apikey> <errcode>...");
                for (i = 2; i < argc; i++)
                        if (parse_error_code(argv[i], &errs[i - 2]))
                                REPLY_ERR("unknown error code %s", argv[i]);
                rd_kafka_mock_push_request_errors_array(
                    mcluster, (int16_t)v1, (size_t)(argc - 2), errs);
                sb_append(reply, "ok");

        } else if (!strcmp(cmd, "push_broker_errors")) {
                /* Each error may carry a response delay: <errcode>[:<rttMs>] */
                rd_kafka_resp_err_t errs[MAX_ARGS];
                int rtts[MAX_ARGS];
                if (argc < 4 || parse_broker_id(argv[1], 0, &broker) ||
                    parse_long(argv[2], 0, INT16_MAX, &v1))
                        USAGE("push_broker_errors <broker> <apikey> "
                              "<errcode>[:<rttMs>]...");
                for (i = 3; i < argc; i++) {
                        char code[128];
                        char *colon;
                        snprintf(code, sizeof(code), "%s", argv[i]);
                        rtts[i - 3] = 0;
                        if ((colon = strchr(code, ':'))) {
                                *colon = '\0';
                                if (parse_long(colon + 1, 0, 3600000, &v2))
                                        REPLY_ERR("bad rtt in %s", argv[i]);
                                rtts[i - 3] = (int)v2;
                        }
                        if (parse_error_code(code, &errs[i - 3]))
                                REPLY_ERR("unknown error code %s", code);
                }
                for (i = 0; i < argc - 3; i++) {
                        rd_kafka_resp_err_t err =
                            rd_kafka_mock_broker_push_request_error_rtts(
                                mcluster, broker, (int16_t)v1, 1, errs[i],
                                rtts[i]);
                        if (err)
                                REPLY_ERR("%s", rd_kafka_err2str(err));
                }
                sb_append(reply, "ok");

        } else if (!strcmp(cmd, "clear_errors")) {
                if (argc != 2 || parse_long(argv[1], 0, INT16_MAX, &v1))
                        USAGE("clear_errors <apikey>");
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)v1);
                sb_append(reply, "ok");

        } else if (!strcmp(cmd, "partition_leader") ||
                   !strcmp(cmd, "partition_follower")) {
                int leader = !strcmp(cmd, "partition_leader");
                int count;
                if (argc != 4 || parse_long(argv[2], 0, 100000, &v1) ||
                    parse_long(argv[3], -1, MAX_BROKERS, &v2))
                        REPLY_ERR("usage: %s <topic> <partition> <broker%s>",
                                  cmd, leader ? "|-1" : "");
                /* The mock would silently create a missing topic. */
                count = existing_partition_count(argv[1], errbuf,
                                                 sizeof(errbuf));
                if (count < 0)
                        REPLY_ERR("%s", errbuf);
                if (v1 >= count)
                        REPLY_ERR("topic %s has %d partitions", argv[1], count);
                if (leader && (v2 == 0 || v2 > broker_cnt))
                        REPLY_ERR("broker must be 1..%d or -1", broker_cnt);
                reply_mock_err(
                    reply, leader ? rd_kafka_mock_partition_set_leader(
                                        mcluster, argv[1], (int32_t)v1,
                                        (int32_t)v2)
                                  : rd_kafka_mock_partition_set_follower(
                                        mcluster, argv[1], (int32_t)v1,
                                        (int32_t)v2));

        } else if (!strcmp(cmd, "coordinator")) {
                if (argc != 4 ||
                    (strcmp(argv[1], "group") &&
                     strcmp(argv[1], "transaction")) ||
                    parse_broker_id(argv[3], 0, &broker))
                        USAGE("coordinator <group|transaction> <key> <broker>");
                reply_mock_err(reply, rd_kafka_mock_coordinator_set(
                                          mcluster, argv[1], argv[2], broker));

        } else if (!strcmp(cmd, "topic_error")) {
                rd_kafka_resp_err_t err;
                if (argc != 3 || parse_error_code(argv[2], &err))
                        USAGE("topic_error <topic> <errcode>");
                if (existing_partition_count(argv[1], errbuf, sizeof(errbuf)) <
                    0)
                        REPLY_ERR("%s", errbuf);
                rd_kafka_mock_topic_set_error(mcluster, argv[1], err);
                sb_append(reply, "ok");

        } else if (!strcmp(cmd, "api_version")) {
                if (argc != 4 || parse_long(argv[1], 0, INT16_MAX, &v1) ||
                    parse_long(argv[2], -1, INT16_MAX, &v2) ||
                    parse_long(argv[3], -1, INT16_MAX, &v3))
                        USAGE("api_version <apikey> <min|-1> <max|-1>");
                reply_mock_err(reply, rd_kafka_mock_set_apiversion(
                                          mcluster, (int16_t)v1, (int16_t)v2,
                                          (int16_t)v3));

        } else if (!strcmp(cmd, "shutdown")) {
                if (argc != 1)
                        USAGE("shutdown");
                logmsg("shutdown requested over the control port");
                shutdown_requested = 1;
                sb_append(reply, "ok");

        } else {
                REPLY_ERR("unknown command %s (try: ping, info, create_topic, "
                          "topics, broker_down, broker_up, broker_rtt, "
                          "push_errors, push_broker_errors, clear_errors, "
                          "partition_leader, partition_follower, coordinator, "
                          "topic_error, api_version, shutdown)",
                          cmd);
        }
}

/* Splits `line` in place on spaces/tabs and runs it; the reply has no
 * newline. */
static void handle_line(char *line, struct sbuf *reply) {
        char *argv[MAX_ARGS];
        int argc = 0;
        char *save, *tok;
        size_t len = strlen(line);

        if (len && line[len - 1] == '\r')
                line[len - 1] = '\0';
        for (tok = strtok_r(line, " \t", &save); tok;
             tok = strtok_r(NULL, " \t", &save)) {
                if (argc == MAX_ARGS) {
                        sb_append(reply, "err too many arguments (max %d)",
                                  MAX_ARGS - 1);
                        return;
                }
                argv[argc++] = tok;
        }
        if (argc == 0) {
                sb_append(reply, "err empty command");
                return;
        }
        run_command(argc, argv, reply);
}

/* ------------------------------------------------------------------ */
/* Control connections                                                  */
/* ------------------------------------------------------------------ */

static void client_queue(struct client *c, const char *data, size_t len) {
        if (c->out_len + len > c->out_cap) {
                size_t cap = (c->out_len + len) * 2;
                char *out  = realloc(c->out, cap);
                if (!out) {
                        logmsg("out of memory");
                        exit(70);
                }
                c->out     = out;
                c->out_cap = cap;
        }
        memcpy(c->out + c->out_len, data, len);
        c->out_len += len;
}

static void client_close(int slot) {
        struct client *c = clients[slot];
        close(c->fd);
        free(c->out);
        free(c);
        clients[slot] = NULL;
}

/* Reads what is available and answers every complete line. Returns -1 if
 * the client must be closed now. */
static int client_read(struct client *c) {
        for (;;) {
                ssize_t n = read(c->fd, c->in + c->in_len,
                                 sizeof(c->in) - c->in_len);
                char *start, *nl;
                if (n == 0) {
                        /* Peer done sending: answer what it sent (a last
                         * line may lack its newline), then close. */
                        if (c->in_len > 0 && c->in_len < sizeof(c->in)) {
                                struct sbuf reply = {0};
                                c->in[c->in_len] = '\0';
                                if (strlen(c->in) != c->in_len)
                                        sb_append(&reply,
                                                  "err NUL byte in command");
                                else
                                        handle_line(c->in, &reply);
                                sb_append(&reply, "\n");
                                client_queue(c, reply.data, reply.len);
                                free(reply.data);
                                c->in_len = 0;
                        }
                        c->closing = 1;
                        return 0;
                }
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return 0;
                        return -1;
                }
                c->in_len += (size_t)n;
                start = c->in;
                while ((nl = memchr(start, '\n', c->in_len - (size_t)(start - c->in)))) {
                        struct sbuf reply = {0};
                        *nl = '\0';
                        if (memchr(start, '\0', (size_t)(nl - start)))
                                sb_append(&reply, "err NUL byte in command");
                        else
                                handle_line(start, &reply);
                        sb_append(&reply, "\n");
                        client_queue(c, reply.data, reply.len);
                        free(reply.data);
                        start = nl + 1;
                }
                c->in_len -= (size_t)(start - c->in);
                memmove(c->in, start, c->in_len);
                if (c->in_len == sizeof(c->in)) {
                        static const char too_long[] =
                            "err line too long\n";
                        client_queue(c, too_long, sizeof(too_long) - 1);
                        c->closing = 1;
                        return 0;
                }
                if (shutdown_requested)
                        return 0;
        }
}

/* Writes what the socket takes. Returns -1 on a write error. */
static int client_flush(struct client *c) {
        while (c->out_len > 0) {
                ssize_t n = write(c->fd, c->out, c->out_len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return 0;
                        return -1;
                }
                memmove(c->out, c->out + n, c->out_len - (size_t)n);
                c->out_len -= (size_t)n;
        }
        return 0;
}

static int set_nonblocking(int fd) {
        int flags = fcntl(fd, F_GETFL, 0);
        return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int control_listen(int port) {
        struct sockaddr_in sin;
        socklen_t len = sizeof(sin);
        int one       = 1;
        int fd        = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        memset(&sin, 0, sizeof(sin));
        sin.sin_family      = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sin.sin_port        = htons((uint16_t)port);
        if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
            listen(fd, 16) || set_nonblocking(fd) ||
            getsockname(fd, (struct sockaddr *)&sin, &len)) {
                int saved = errno;
                close(fd);
                errno = saved;
                return -1;
        }
        snprintf(control_address, sizeof(control_address), "127.0.0.1:%d",
                 ntohs(sin.sin_port));
        return fd;
}

static void accept_clients(int listen_fd) {
        for (;;) {
                int fd = accept4(listen_fd, NULL, NULL,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
                int slot, one = 1;
                if (fd < 0)
                        return; /* EAGAIN or a transient error */
                for (slot = 0; slot < MAX_CLIENTS && clients[slot]; slot++)
                        ;
                if (slot == MAX_CLIENTS) {
                        static const char full[] =
                            "err too many control connections\n";
                        if (write(fd, full, sizeof(full) - 1) < 0) {
                                /* closing anyway */
                        }
                        close(fd);
                        continue;
                }
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                clients[slot] = calloc(1, sizeof(struct client));
                if (!clients[slot]) {
                        logmsg("out of memory");
                        exit(70);
                }
                clients[slot]->fd = fd;
        }
}

/* ------------------------------------------------------------------ */
/* Main                                                                 */
/* ------------------------------------------------------------------ */

static void usage(FILE *out) {
        fprintf(out,
                "usage: stadion-mock-broker [--brokers N] "
                "[--topic name:partitions[:replication]]...\n"
                "                           [--control-port P] "
                "[--exit-on-stdin-eof]\n"
                "                           [--partition-max-bytes B] "
                "[--partition-max-batches C]\n");
}

struct topic_arg {
        char name[MAX_TOPIC_NAME + 1];
        long partitions;
        long replication; /* 0: default */
};

static int parse_topic_arg(const char *arg, struct topic_arg *t) {
        char copy[512];
        char *p1, *p2;
        snprintf(copy, sizeof(copy), "%s", arg);
        if (!(p1 = strchr(copy, ':')))
                return -1;
        *p1++ = '\0';
        if ((p2 = strchr(p1, ':')))
                *p2++ = '\0';
        if (strlen(copy) > MAX_TOPIC_NAME || !valid_topic_name(copy) ||
            parse_long(p1, 1, 100000, &t->partitions) ||
            (p2 && parse_long(p2, 1, MAX_BROKERS, &t->replication)))
                return -1;
        if (!p2)
                t->replication = 0;
        memcpy(t->name, copy, strlen(copy) + 1); /* length checked above */
        return 0;
}

int main(int argc, char **argv) {
        static struct topic_arg topic_args[MAX_TOPICS];
        int topic_arg_cnt = 0, control_port = 0, exit_on_stdin_eof = 0;
        int listen_fd, i, exit_code = 0;
        rd_kafka_conf_t *conf;
        char errstr[512];
        struct sigaction sa;
        struct sbuf ready = {0};
        long v;

        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *next = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(a, "--brokers")) {
                        if (parse_long(next, 1, MAX_BROKERS, &v)) {
                                logmsg("--brokers needs 1..%d", MAX_BROKERS);
                                return 2;
                        }
                        broker_cnt = (int)v;
                        i++;
                } else if (!strcmp(a, "--topic")) {
                        if (!next || topic_arg_cnt == MAX_TOPICS ||
                            parse_topic_arg(next, &topic_args[topic_arg_cnt])) {
                                logmsg("bad --topic %s (want "
                                       "name:partitions[:replication])",
                                       next ? next : "");
                                return 2;
                        }
                        topic_arg_cnt++;
                        i++;
                } else if (!strcmp(a, "--control-port")) {
                        if (parse_long(next, 0, 65535, &v)) {
                                logmsg("--control-port needs 0..65535");
                                return 2;
                        }
                        control_port = (int)v;
                        i++;
                } else if (!strcmp(a, "--exit-on-stdin-eof")) {
                        exit_on_stdin_eof = 1;
                } else if (!strcmp(a, "--partition-max-bytes") ||
                           !strcmp(a, "--partition-max-batches")) {
                        /* Read by the patched mock when a partition is made. */
                        if (parse_long(next, 1, LONG_MAX, &v)) {
                                logmsg("%s needs a positive integer", a);
                                return 2;
                        }
                        if (!STADION_MOCK_PATCHED)
                                logmsg("%s has no effect: this launcher runs "
                                       "the stock mock (5 MiB / 100000 "
                                       "batches per partition)",
                                       a);
                        setenv(!strcmp(a, "--partition-max-bytes")
                                   ? "RDKAFKA_MOCK_PARTITION_MAX_BYTES"
                                   : "RDKAFKA_MOCK_PARTITION_MAX_BATCHES",
                               next, 1);
                        i++;
                } else {
                        logmsg("unknown argument %s", a);
                        usage(stderr);
                        return 2;
                }
        }

        /* Signals: a self-pipe wakes the poll loop. librdkafka's threads
         * block signals, so they are delivered to this thread. */
        if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK)) {
                logmsg("pipe: %s", strerror(errno));
                return 1;
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        conf = rd_kafka_conf_new();
        /* log_level 4: the host client has no bootstrap.servers on purpose,
         * which librdkafka reports at level 5. */
        if (rd_kafka_conf_set(conf, "client.id", "stadion-mock-broker", errstr,
                              sizeof(errstr)) ||
            rd_kafka_conf_set(conf, "log_level", "4", errstr,
                              sizeof(errstr))) {
                logmsg("%s", errstr);
                return 1;
        }
        rd_kafka_conf_set_log_cb(conf, rdkafka_log_cb);
        host_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!host_rk) {
                logmsg("rd_kafka_new: %s", errstr);
                return 1;
        }
        mcluster = rd_kafka_mock_cluster_new(host_rk, broker_cnt);
        if (!mcluster) {
                logmsg("could not create the mock cluster");
                rd_kafka_destroy(host_rk);
                return 1;
        }
        snprintf(bootstraps, sizeof(bootstraps), "%s",
                 rd_kafka_mock_cluster_bootstraps(mcluster));

        for (i = 0; i < topic_arg_cnt; i++) {
                const struct topic_arg *t = &topic_args[i];
                int replication =
                    t->replication ? (int)t->replication
                                   : (broker_cnt < 3 ? broker_cnt : 3);
                if (create_topic(t->name, (int)t->partitions, replication,
                                 errstr, sizeof(errstr)) < 0) {
                        logmsg("--topic %s: %s", t->name, errstr);
                        exit_code = 2;
                        goto done;
                }
        }

        listen_fd = control_listen(control_port);
        if (listen_fd < 0) {
                logmsg("control port 127.0.0.1:%d: %s", control_port,
                       strerror(errno));
                exit_code = 1;
                goto done;
        }

        info_json(&ready, control_address);
        printf("%s\n", ready.data);
        fflush(stdout);
        free(ready.data);
        logmsg("ready: %d brokers at %s, control at %s, librdkafka %s (%s)",
               broker_cnt, bootstraps, control_address, rd_kafka_version_str(),
               STADION_MOCK_PATCHED ? "patched" : "stock, NOT patched");

        while (!shutdown_requested) {
                struct pollfd pfds[MAX_CLIENTS + 3];
                int slots[MAX_CLIENTS + 3];
                int nfds = 0, n, k;

                pfds[nfds].fd       = signal_pipe[0];
                pfds[nfds++].events = POLLIN;
                pfds[nfds].fd       = listen_fd;
                pfds[nfds++].events = POLLIN;
                if (exit_on_stdin_eof) {
                        pfds[nfds].fd       = STDIN_FILENO;
                        pfds[nfds++].events = POLLIN;
                }
                for (k = 0; k < MAX_CLIENTS; k++) {
                        if (!clients[k])
                                continue;
                        slots[nfds]       = k;
                        pfds[nfds].fd     = clients[k]->fd;
                        pfds[nfds].events = (short)(
                            (clients[k]->closing ? 0 : POLLIN) |
                            (clients[k]->out_len ? POLLOUT : 0));
                        nfds++;
                }

                n = poll(pfds, (nfds_t)nfds, 1000);
                if (meta_rk)
                        rd_kafka_poll(meta_rk, 0); /* drain its events */
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        logmsg("poll: %s", strerror(errno));
                        exit_code = 1;
                        break;
                }

                if (pfds[0].revents) {
                        unsigned char sig = 0;
                        if (read(signal_pipe[0], &sig, 1) == 1)
                                logmsg("signal %d: shutting down", sig);
                        break;
                }
                if (exit_on_stdin_eof && pfds[2].revents) {
                        char buf[4096];
                        ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
                        if (r == 0 || (r < 0 && errno != EINTR &&
                                       errno != EAGAIN)) {
                                logmsg("stdin closed: shutting down");
                                break;
                        }
                }
                if (pfds[1].revents & POLLIN)
                        accept_clients(listen_fd);

                for (k = exit_on_stdin_eof ? 3 : 2; k < nfds; k++) {
                        int slot         = slots[k];
                        struct client *c = clients[slot];
                        short re         = pfds[k].revents;
                        if (!c || !re)
                                continue;
                        if ((re & (POLLIN | POLLHUP | POLLERR)) &&
                            !c->closing && client_read(c) < 0) {
                                client_close(slot);
                                continue;
                        }
                        if (client_flush(c) < 0 ||
                            (c->closing && c->out_len == 0)) {
                                client_close(slot);
                                continue;
                        }
                }
        }

        /* Best effort: deliver pending replies (e.g. to `shutdown`). */
        for (i = 0; i < MAX_CLIENTS; i++) {
                if (!clients[i])
                        continue;
                if (clients[i]->out_len) {
                        struct timeval tv = {1, 0};
                        int flags = fcntl(clients[i]->fd, F_GETFL, 0);
                        setsockopt(clients[i]->fd, SOL_SOCKET, SO_SNDTIMEO,
                                   &tv, sizeof(tv));
                        if (flags >= 0)
                                fcntl(clients[i]->fd, F_SETFL,
                                      flags & ~O_NONBLOCK);
                        client_flush(clients[i]);
                }
                client_close(i);
        }
        close(listen_fd);

done:
        if (meta_rk)
                rd_kafka_destroy(meta_rk);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(host_rk);
        logmsg("stopped");
        return exit_code;
}
