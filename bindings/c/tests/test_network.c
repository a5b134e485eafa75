/* C tests of the network ABI (issue 18): a leaf completed through AIA from the loopback
 * server xtask runs, offline mode, and a host transport (sesgo_fetch_callback) that
 * serves the same files from disk without any HTTP. Built and run like the other suites. */
#define _POSIX_C_SOURCE 200809L
#include "sesgo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    checks++;                                                                    \
    if (!(cond)) {                                                               \
      failures++;                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

typedef struct {
  char *data;
  size_t len;
} buf;

static const char *env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') {
    fprintf(stderr, "environment variable %s is not set (run through cargo xtask test c)\n",
            name);
    exit(2);
  }
  return v;
}

static buf read_file(const char *path) {
  buf b = {NULL, 0};
  FILE *f = fopen(path, "rb");
  if (f == NULL) return b;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  b.data = malloc((size_t)n + 1);
  b.len = fread(b.data, 1, (size_t)n, f);
  b.data[b.len] = '\0';
  fclose(f);
  return b;
}

/* Counts the strings of a JSON array of Base64 strings ("[\"..\",\"..\"]"). */
static int x5c_len(sesgo_bytes json) {
  int quotes = 0;
  for (size_t i = 0; i < json.len; i++)
    if (json.data[i] == '"') quotes++;
  return quotes / 2;
}

static sesgo_trust_store *root_store(void) {
  char json[256];
  int n = snprintf(json, sizeof json, "{\"rootSha256\":[\"%s\"]}", env("SESGO_TEST_AIA_ROOT_SHA256"));
  sesgo_trust_store *ts = NULL;
  sesgo_error *err = NULL;
  CHECK(sesgo_trust_store_new((const uint8_t *)json, (size_t)n, &ts, &err) == SESGO_STATUS_OK);
  sesgo_error_free(err);
  return ts;
}

static void network_options(char *out, size_t size, const char *name) {
  /* A cache of its own per process: the suite runs once per build flavour. */
  snprintf(out, size, "{\"cacheDir\":\"%s/../c-cache-%ld-%s\"}", env("SESGO_TEST_AIA_WWW"),
           (long)getpid(), name);
}

static void test_leaf_completed_through_aia(void) {
  buf leaf = read_file(env("SESGO_TEST_AIA_LEAF_PEM"));
  CHECK(leaf.data != NULL);
  sesgo_trust_store *ts = root_store();
  sesgo_error *err = NULL;
  sesgo_bytes x5c = {0};

  /* Without a network the leaf alone is not a chain. */
  CHECK(sesgo_build_x5c((const uint8_t *)leaf.data, leaf.len, ts, NULL, 0, &x5c, &err) ==
        SESGO_STATUS_CERT_CHAIN_INCOMPLETE);
  sesgo_error_free(err);
  err = NULL;

  /* Offline, cold cache: still incomplete, and the diagnostics say offline. */
  char options[1024];
  network_options(options, sizeof options, "aia");
  const char offline[] = "{\"network\":false}";
  sesgo_network *net = NULL;
  CHECK(sesgo_network_new((const uint8_t *)offline, sizeof offline - 1, (const uint8_t *)options,
                          strlen(options), &net, &err) == SESGO_STATUS_OK);
  sesgo_trust_store *online = NULL;
  CHECK(sesgo_trust_store_with_network(ts, net, &online, &err) == SESGO_STATUS_OK);
  CHECK(sesgo_build_x5c((const uint8_t *)leaf.data, leaf.len, online, NULL, 0, &x5c, &err) ==
        SESGO_STATUS_CERT_CHAIN_INCOMPLETE);
  CHECK(err != NULL && strstr(sesgo_error_diagnostics(err), "offline") != NULL);
  sesgo_error_free(err);
  err = NULL;
  sesgo_trust_store_free(online);
  sesgo_network_free(net);

  /* Online: AC2 (PKCS#7), AC1 and the root from the loopback server. */
  net = NULL;
  CHECK(sesgo_network_new(NULL, 0, (const uint8_t *)options, strlen(options), &net, &err) ==
        SESGO_STATUS_OK);
  online = NULL;
  CHECK(sesgo_trust_store_with_network(ts, net, &online, &err) == SESGO_STATUS_OK);
  CHECK(sesgo_build_x5c((const uint8_t *)leaf.data, leaf.len, online, NULL, 0, &x5c, &err) ==
        SESGO_STATUS_OK);
  CHECK(x5c_len(x5c) == 4);
  sesgo_bytes_free(x5c);
  sesgo_trust_store_free(online);
  sesgo_network_free(net);
  sesgo_trust_store_free(ts);
  free(leaf.data);
}

/* A host transport: answers AIA URLs from the server's directory, without HTTP. */
typedef struct {
  int calls;
} transport;

static int serve_from_disk(void *userdata, const sesgo_fetch_request *req,
                           sesgo_fetch_response *resp) {
  transport *t = (transport *)userdata;
  t->calls++;
  const char *base = env("SESGO_TEST_AIA_BASE_URL");
  size_t n = strlen(base);
  if (strcmp(req->method, "GET") != 0 || strcmp(req->purpose, "aia") != 0 ||
      strncmp(req->url, base, n) != 0 || req->timeout_ms == 0)
    return 1;
  char path[4096];
  snprintf(path, sizeof path, "%s%s", env("SESGO_TEST_AIA_WWW"), req->url + n);
  buf b = read_file(path);
  if (b.data == NULL) {
    resp->status = 404;
    return 0;
  }
  resp->status = 200;
  sesgo_bytes_set(&resp->body, (const uint8_t *)b.data, b.len);
  free(b.data);
  return 0;
}

static int always_fails(void *userdata, const sesgo_fetch_request *req,
                        sesgo_fetch_response *resp) {
  (void)userdata;
  (void)req;
  /* What it set is freed by sesgo even on failure. */
  sesgo_bytes_set(&resp->body, (const uint8_t *)"x", 1);
  return 7;
}

static void test_host_transport(void) {
  buf leaf = read_file(env("SESGO_TEST_AIA_LEAF_PEM"));
  sesgo_trust_store *ts = root_store();
  char options[1024];
  network_options(options, sizeof options, "callback");
  transport t = {0};
  sesgo_network *net = NULL;
  sesgo_error *err = NULL;
  CHECK(sesgo_network_with_fetcher(NULL, 0, (const uint8_t *)options, strlen(options),
                                   serve_from_disk, &t, &net, &err) == SESGO_STATUS_OK);
  sesgo_trust_store *online = NULL;
  CHECK(sesgo_trust_store_with_network(ts, net, &online, &err) == SESGO_STATUS_OK);
  sesgo_bytes x5c = {0};
  CHECK(sesgo_build_x5c((const uint8_t *)leaf.data, leaf.len, online, NULL, 0, &x5c, &err) ==
        SESGO_STATUS_OK);
  CHECK(x5c_len(x5c) == 4);
  CHECK(t.calls == 3);
  sesgo_bytes_free(x5c);
  sesgo_trust_store_free(online);
  sesgo_network_free(net);

  /* A failing transport, cold cache: CERT.CHAIN-INCOMPLETE naming the failure. */
  network_options(options, sizeof options, "failing");
  net = NULL;
  CHECK(sesgo_network_with_fetcher(NULL, 0, (const uint8_t *)options, strlen(options),
                                   always_fails, NULL, &net, &err) == SESGO_STATUS_OK);
  online = NULL;
  CHECK(sesgo_trust_store_with_network(ts, net, &online, &err) == SESGO_STATUS_OK);
  CHECK(sesgo_build_x5c((const uint8_t *)leaf.data, leaf.len, online, NULL, 0, &x5c, &err) ==
        SESGO_STATUS_CERT_CHAIN_INCOMPLETE);
  CHECK(err != NULL && strstr(sesgo_error_diagnostics(err), "retorno 7") != NULL);
  sesgo_error_free(err);
  err = NULL;
  sesgo_trust_store_free(online);
  sesgo_network_free(net);
  net = NULL;
  CHECK(sesgo_network_with_fetcher(NULL, 0, NULL, 0, NULL, NULL, &net, &err) ==
        SESGO_STATUS_NULL_ARGUMENT);
  CHECK(net == NULL);
  sesgo_error_free(err);
  sesgo_trust_store_free(ts);
  free(leaf.data);
}

/* A host transport that serves GETs (AIA, CRL) from the server's directory and refuses
 * everything else (OCSP is a POST), counting each purpose it was asked for. */
typedef struct {
  int aia, ocsp, crl, other;
} purposes;

static int files_only(void *userdata, const sesgo_fetch_request *req,
                      sesgo_fetch_response *resp) {
  purposes *p = (purposes *)userdata;
  if (strcmp(req->purpose, "aia") == 0)
    p->aia++;
  else if (strcmp(req->purpose, "ocsp") == 0)
    p->ocsp++;
  else if (strcmp(req->purpose, "crl") == 0)
    p->crl++;
  else
    p->other++;
  const char *base = env("SESGO_TEST_AIA_BASE_URL");
  size_t n = strlen(base);
  if (strcmp(req->method, "GET") != 0 || strncmp(req->url, base, n) != 0) return 1;
  char path[4096];
  snprintf(path, sizeof path, "%s%s", env("SESGO_TEST_AIA_WWW"), req->url + n);
  buf b = read_file(path);
  if (b.data == NULL) {
    resp->status = 404;
    return 0;
  }
  resp->status = 200;
  sesgo_bytes_set(&resp->body, (const uint8_t *)b.data, b.len);
  free(b.data);
  return 0;
}

/* Whether a library buffer (not NUL-terminated) contains `needle`. */
static int contains(sesgo_bytes b, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; b.data != NULL && i + n <= b.len; i++)
    if (memcmp(b.data + i, needle, n) == 0) return 1;
  return 0;
}

static sesgo_status verify_bundle(const sesgo_trust_store *ts, buf bundle, sesgo_bytes *out,
                                  sesgo_error **err) {
  sesgo_verify_input in;
  memset(&in, 0, sizeof in);
  in.bundle = (const uint8_t *)bundle.data;
  in.bundle_len = bundle.len;
  return sesgo_verify(ts, &in, NULL, 0, out, err);
}

/* A signature whose x5c holds only the leaf (made by another signer) verifies under the
 * default strict revocation with only the root trusted: the chain through AIA, the
 * statuses from the CRLs — everything through the network of the trust store. */
static void test_leaf_only_signature_through_aia(void) {
  buf bundle = read_file(env("SESGO_TEST_AIA_LEAF_ONLY_BUNDLE"));
  CHECK(bundle.data != NULL);
  sesgo_trust_store *ts = root_store();
  sesgo_error *err = NULL;
  sesgo_bytes out = {0};

  /* Without a network: the leaf alone is not a chain. */
  CHECK(verify_bundle(ts, bundle, &out, &err) == SESGO_STATUS_OK);
  CHECK(contains(out, "\"valid\":false"));
  CHECK(contains(out, "CERT.CHAIN-INCOMPLETE"));
  sesgo_bytes_free(out);

  /* sesgo's HTTP client against the loopback server: valid. */
  char options[1024];
  network_options(options, sizeof options, "leaf-only");
  sesgo_network *net = NULL;
  CHECK(sesgo_network_new(NULL, 0, (const uint8_t *)options, strlen(options), &net, &err) ==
        SESGO_STATUS_OK);
  sesgo_trust_store *online = NULL;
  CHECK(sesgo_trust_store_with_network(ts, net, &online, &err) == SESGO_STATUS_OK);
  CHECK(verify_bundle(online, bundle, &out, &err) == SESGO_STATUS_OK);
  CHECK(contains(out, "\"valid\":true"));
  if (!contains(out, "\"valid\":true"))
    fprintf(stderr, "%.*s\n", (int)out.len, (const char *)out.data);
  sesgo_bytes_free(out);

  /* What the cache holds, never the network. */
  CHECK(sesgo_trust_show(net, online, &out, &err) == SESGO_STATUS_OK);
  CHECK(contains(out, "/aia/ac2.p7b"));
  CHECK(contains(out, env("SESGO_TEST_AIA_ROOT_SHA256")));
  sesgo_bytes_free(out);
  sesgo_trust_store_free(online);
  sesgo_network_free(net);

  /* The host's transport sees the AIA, OCSP and CRL requests. */
  purposes p = {0, 0, 0, 0};
  network_options(options, sizeof options, "leaf-only-host");
  net = NULL;
  CHECK(sesgo_network_with_fetcher(NULL, 0, (const uint8_t *)options, strlen(options),
                                   files_only, &p, &net, &err) == SESGO_STATUS_OK);
  online = NULL;
  CHECK(sesgo_trust_store_with_network(ts, net, &online, &err) == SESGO_STATUS_OK);
  CHECK(verify_bundle(online, bundle, &out, &err) == SESGO_STATUS_OK);
  CHECK(contains(out, "\"valid\":true"));
  sesgo_bytes_free(out);
  CHECK(p.aia == 3 && p.ocsp == 3 && p.crl == 3 && p.other == 0);
  sesgo_trust_store_free(online);
  sesgo_network_free(net);

  /* Offline, cold cache: REVOCATION.NO-CONNECTIVITY is never reached, the chain stops
   * first (CERT.CHAIN-INCOMPLETE, saying offline). */
  network_options(options, sizeof options, "leaf-only-offline");
  const char off[] = "{\"network\":false}";
  net = NULL;
  CHECK(sesgo_network_new((const uint8_t *)off, sizeof off - 1, (const uint8_t *)options,
                          strlen(options), &net, &err) == SESGO_STATUS_OK);
  online = NULL;
  CHECK(sesgo_trust_store_with_network(ts, net, &online, &err) == SESGO_STATUS_OK);
  CHECK(verify_bundle(online, bundle, &out, &err) == SESGO_STATUS_OK);
  CHECK(contains(out, "CERT.CHAIN-INCOMPLETE"));
  sesgo_bytes_free(out);

  /* A token request offline: CONFIG.INVALID-PARAMETER at "network". */
  sesgo_signer *signer = NULL;
  buf p12 = read_file(env("SESGO_TEST_P12"));
  CHECK(sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len, env("SESGO_TEST_PASSWORD"),
                                 NULL, &signer, &err) == SESGO_STATUS_OK);
  const char token[] = "{\"tokenEndpoint\":\"https://127.0.0.1:1/token\",\"clientId\":\"c\","
                       "\"clientSecret\":\"s\",\"cache\":false}";
  CHECK(sesgo_token(signer, net, (const uint8_t *)token, sizeof token - 1, &out, &err) ==
        SESGO_STATUS_CONFIG_INVALID_PARAMETER);
  CHECK(err != NULL && strcmp(sesgo_error_location(err), "network") == 0);
  sesgo_error_free(err);
  sesgo_signer_free(signer);
  free(p12.data);
  sesgo_trust_store_free(online);
  sesgo_network_free(net);
  sesgo_trust_store_free(ts);
  free(bundle.data);
}

int main(void) {
  test_leaf_completed_through_aia();
  test_host_transport();
  test_leaf_only_signature_through_aia();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
