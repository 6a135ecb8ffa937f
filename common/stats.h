/* summary: one table of named counters for every layer, stored per capture and shown by `report stats`.
 *
 * Every packet that is not turned into a SIP message, and every SIP message that is
 * not turned into a call, lands in exactly one counter here: nothing is dropped
 * silently. Names are stable (users query the `stats` table by them). */
#ifndef STIRPROBE_STATS_H
#define STIRPROBE_STATS_H

#include <stdint.h>

/* X(id, name, kind): kind is "traffic", "sip", "verify", "drop" or "error"; `report stats` groups by it. */
#define STATS_LIST(X)                                                                                 \
    X(PACKETS, "packets", "traffic")                                                                  \
    X(BYTES, "bytes", "traffic")                                                                      \
    X(IPV4, "ipv4_packets", "traffic")                                                                \
    X(IPV6, "ipv6_packets", "traffic")                                                                \
    X(UDP, "udp_packets", "traffic")                                                                  \
    X(TCP, "tcp_packets", "traffic")                                                                  \
    X(TCP_STREAMS, "tcp_streams", "traffic")                                                          \
    X(TCP_OOO_SEGMENTS, "tcp_out_of_order_segments", "traffic")                                       \
    X(TLS_SIP, "tls_sip_packets", "traffic")                                                          \
    X(IP_FRAGMENTS, "ip_fragments", "traffic")                                                        \
    X(IP_REASSEMBLED, "ip_datagrams_reassembled", "traffic")                                          \
    X(SIP_MESSAGES, "sip_messages", "sip")                                                            \
    X(REQ_INVITE, "sip_requests_INVITE", "sip")                                                       \
    X(REQ_ACK, "sip_requests_ACK", "sip")                                                             \
    X(REQ_BYE, "sip_requests_BYE", "sip")                                                             \
    X(REQ_CANCEL, "sip_requests_CANCEL", "sip")                                                       \
    X(REQ_OPTIONS, "sip_requests_OPTIONS", "sip")                                                     \
    X(REQ_REGISTER, "sip_requests_REGISTER", "sip")                                                   \
    X(REQ_PRACK, "sip_requests_PRACK", "sip")                                                         \
    X(REQ_UPDATE, "sip_requests_UPDATE", "sip")                                                       \
    X(REQ_INFO, "sip_requests_INFO", "sip")                                                           \
    X(REQ_SUBSCRIBE, "sip_requests_SUBSCRIBE", "sip")                                                 \
    X(REQ_NOTIFY, "sip_requests_NOTIFY", "sip")                                                       \
    X(REQ_MESSAGE, "sip_requests_MESSAGE", "sip")                                                     \
    X(REQ_REFER, "sip_requests_REFER", "sip")                                                         \
    X(REQ_OTHER, "sip_requests_other", "sip")                                                         \
    X(RESP_1XX, "sip_responses_1xx", "sip")                                                           \
    X(RESP_2XX, "sip_responses_2xx", "sip")                                                           \
    X(RESP_3XX, "sip_responses_3xx", "sip")                                                           \
    X(RESP_4XX, "sip_responses_4xx", "sip")                                                           \
    X(RESP_5XX, "sip_responses_5xx", "sip")                                                           \
    X(RESP_6XX, "sip_responses_6xx", "sip")                                                           \
    X(CALLS, "calls", "sip")                                                                          \
    X(IDENTITY_HEADERS, "identity_headers", "sip")                                                    \
    X(PASSPORTS_OK, "passports_decoded", "sip")                                                       \
    X(PASSPORTS_BAD, "passports_bad_format", "sip")                                                   \
    X(PASSPORTS_UNSUPPORTED, "passports_unsupported_alg", "sip")                                      \
    X(NON_SIP_PAYLOADS, "non_sip_payloads", "traffic")                                                \
    X(KEEPALIVES, "sip_keepalives", "traffic")                                                        \
    X(ERR_SIP_PARSE, "sip_parse_errors", "error")                                                     \
    X(ERR_SIP_TRUNCATED_BODY, "sip_truncated_bodies", "error")                                        \
    X(ERR_SIP_NO_CALL_ID, "sip_missing_call_id", "error")                                             \
    X(ERR_SIP_TOO_MANY_HEADERS, "sip_too_many_headers", "error")                                      \
    X(ERR_IDENTITY_SYNTAX, "identity_syntax_errors", "error")                                         \
    X(ERR_CALL_ID_CUT, "sip_call_ids_cut", "error")                                                   \
    X(ERR_VERSTAT_CUT, "sip_verstat_cut", "error")                                                    \
    X(DROP_LINK_UNSUPPORTED, "drop_link_unsupported", "drop")                                         \
    X(DROP_LINK_TRUNCATED, "drop_link_truncated", "drop")                                             \
    X(DROP_NOT_IP, "drop_not_ip", "drop")                                                             \
    X(DROP_IP_MALFORMED, "drop_ip_malformed", "drop")                                                 \
    X(DROP_FRAG_TIMEOUT, "drop_ip_fragments_timeout", "drop")                                         \
    X(DROP_FRAG_EVICTED, "drop_ip_fragments_evicted", "drop")                                         \
    X(DROP_FRAG_INVALID, "drop_ip_fragments_invalid", "drop")                                         \
    X(FRAG_OVERLAP_BYTES, "ip_fragment_overlap_bytes", "drop")                                        \
    X(DROP_TUNNEL_DEPTH, "drop_tunnel_depth", "drop")                                                 \
    X(DROP_L4_OTHER, "drop_other_l4_protocol", "drop")                                                \
    X(DROP_UDP_MALFORMED, "drop_udp_malformed", "drop")                                               \
    X(DROP_TCP_MALFORMED, "drop_tcp_malformed", "drop")                                               \
    X(DROP_SNAPLEN, "drop_snaplen_truncated", "drop")                                                 \
    X(DROP_TCP_DUP_SEGMENTS, "drop_tcp_duplicate_segments", "drop")                                   \
    X(DROP_TCP_DUP_BYTES, "drop_tcp_duplicate_bytes", "drop")                                         \
    X(DROP_TCP_GAP_BYTES, "drop_tcp_gap_bytes", "drop")                                               \
    X(DROP_TCP_RESYNC_BYTES, "drop_tcp_resync_skipped_bytes", "drop")                                 \
    X(DROP_TCP_STREAM_OVERFLOW, "drop_tcp_stream_buffer_overflow", "drop")                            \
    X(DROP_TCP_STREAM_EVICTED, "drop_tcp_streams_evicted", "drop")                                    \
    X(DROP_TCP_OOO_OVERFLOW, "drop_tcp_out_of_order_overflow", "drop")                                \
    X(DROP_TCP_MEMORY_EVICTED, "drop_tcp_streams_evicted_memory", "drop")                             \
    X(DROP_SIP_ORPHAN, "drop_sip_without_call", "drop")                                               \
    X(DROP_CALLS_EVICTED, "calls_evicted_early", "drop")                                              \
    X(DROP_IDENTITY_OVER_CAP, "drop_identity_headers_over_cap", "drop")                               \
    X(VERIFY_CALLS, "calls_verified", "verify")                                                       \
    X(VERIFY_PASSPORTS, "passports_verified", "verify")                                               \
    X(X5U_FETCHES, "x5u_fetched", "verify")                                                           \
    X(X5U_FETCH_FAILURES, "x5u_fetch_failures", "verify")                                             \
    X(X5U_CACHE_HITS, "x5u_cache_hits", "verify")                                                     \
    X(SIG_CHECKS, "signature_checks", "verify")                                                       \
    X(SIG_CACHE_HITS, "signature_cache_hits", "verify")                                               \
    X(CHAIN_CHECKS, "chain_checks", "verify")                                                         \
    X(CHAIN_CACHE_HITS, "chain_cache_hits", "verify")                                                 \
    X(DROP_X5U_CACHE_EVICTED, "x5u_cache_evictions", "drop")                                          \
    X(CALLS_MAX_AGE, "calls_stored_at_max_age", "sip")                                                \
    X(DROP_CAPTURE_QUEUE_FULL, "drop_capture_queue_full", "drop")                                     \
    X(DROP_CAPTURE_KERNEL, "drop_capture_kernel", "drop")                                             \
    X(DROP_CAPTURE_INTERFACE, "drop_capture_interface", "drop")                                       \
    X(EVIDENCE_PACKETS, "evidence_packets_written", "traffic")                                     \
    X(HEP_SENT, "hep_messages_sent", "traffic")                                                       \
    X(DROP_HEP_QUEUE_FULL, "drop_hep_queue_full", "drop")                                             \
    X(DROP_HEP_SEND_FAILED, "drop_hep_send_failed", "drop")                                           \
    X(DROP_HEP_TOO_BIG, "drop_hep_too_big", "drop")                                                   \
    X(HEP_RECEIVED, "hep_messages_received", "traffic")                                               \
    X(HEP_NON_SIP, "hep_non_sip_payloads", "traffic")                                                 \
    X(DROP_HEP_MALFORMED, "drop_hep_malformed", "drop")                                               \
    X(DROP_HEP_AUTH, "drop_hep_auth_failed", "drop")                                                  \
    X(DROP_HEP_SOCKET, "drop_hep_socket_overflow", "drop")                                            \
    X(DROP_HEP_CONN_REFUSED, "drop_hep_connections_refused", "drop")                                  \
    X(DB_RECONNECTS, "db_reconnects", "error")                                                        \
    X(DB_SPOOL_DROPPED, "db_spool_dropped", "drop")

enum stat_id {
#define STAT_ENUM(id, name, kind) ST_##id,
    STATS_LIST(STAT_ENUM)
#undef STAT_ENUM
        ST__COUNT
};

struct stats {
    uint64_t v[ST__COUNT];
};

const char *stats_name(enum stat_id id);
const char *stats_kind(enum stat_id id);

static inline void stats_inc(struct stats *s, enum stat_id id, uint64_t by)
{
    if (s)
        s->v[id] += by;
}

#endif
