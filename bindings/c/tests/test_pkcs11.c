/* PKCS#11 through the sesgo C ABI: sesgo_signer_from_pkcs11 with a SoftHSM2 token holding
 * the test PKI's e-CPF key (cargo xtask testpki makes it). The signature equals the one
 * made with the same key from PKCS#12, and verifies. The driver passes:
 * SESGO_TEST_PKCS11_CONFIG (JSON), SESGO_TEST_PKCS11_PIN, SOFTHSM2_CONF, SESGO_TEST_P12,
 * SESGO_TEST_PASSWORD, SESGO_TEST_ROOT_SHA256, SESGO_TEST_CHAIN_PEM, SESGO_TEST_EXAMPLES. */
#include "sesgo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#define P020 "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"

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
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  b.data = malloc((size_t)n + 1);
  b.len = fread(b.data, 1, (size_t)n, f);
  b.data[b.len] = '\0';
  fclose(f);
  return b;
}

static buf example(const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", env("SESGO_TEST_EXAMPLES"), name);
  return read_file(path);
}

/* The value of the first `"key":"…"` string member in `b` (copied). */
static buf string_member(sesgo_bytes b, const char *key) {
  buf r = {NULL, 0};
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  size_t k = strlen(pat);
  for (size_t i = 0; i + k <= b.len; i++) {
    if (memcmp(b.data + i, pat, k) == 0) {
      size_t start = i + k, end = start;
      while (end < b.len && b.data[end] != '"') end++;
      r.len = end - start;
      r.data = malloc(r.len + 1);
      memcpy(r.data, b.data + start, r.len);
      r.data[r.len] = '\0';
      return r;
    }
  }
  return r;
}

static sesgo_trust_store *test_trust_store(void) {
  buf chain = read_file(env("SESGO_TEST_CHAIN_PEM"));
  char *json = malloc(chain.len * 2 + 512);
  int n = sprintf(json, "{\"rootSha256\":[\"%s\"],\"caCertsPem\":\"", env("SESGO_TEST_ROOT_SHA256"));
  for (const char *s = chain.data; *s; s++) {
    if (*s == '\n') {
      json[n++] = '\\';
      json[n++] = 'n';
    } else if (*s != '\r') {
      json[n++] = *s;
    }
  }
  json[n++] = '"';
  json[n++] = '}';
  json[n] = '\0';
  sesgo_trust_store *ts = NULL;
  sesgo_error *err = NULL;
  if (sesgo_trust_store_new((const uint8_t *)json, (size_t)n, &ts, &err) != SESGO_STATUS_OK) {
    fprintf(stderr, "trust store: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
    exit(2);
  }
  free(json);
  free(chain.data);
  return ts;
}

static sesgo_bytes sign_example(const sesgo_signer *s, const sesgo_trust_store *ts,
                                const char *options) {
  buf b = example("bundle.json");
  buf p = example("provenance.json");
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_sign(s, ts, (const uint8_t *)b.data, b.len, (const uint8_t *)p.data,
                               p.len, (const uint8_t *)options, strlen(options), &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  if (st != SESGO_STATUS_OK) {
    fprintf(stderr, "sign: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
    sesgo_error_free(err);
  }
  free(b.data);
  free(p.data);
  return out;
}

static void test_sign_like_pkcs12_and_verify(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *hsm = NULL;
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_signer_from_pkcs11(env("SESGO_TEST_PKCS11_CONFIG"),
                                             env("SESGO_TEST_PKCS11_PIN"), &hsm, &err);
  CHECK(st == SESGO_STATUS_OK);
  if (st != SESGO_STATUS_OK) {
    fprintf(stderr, "pkcs11: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
    sesgo_error_free(err);
    sesgo_trust_store_free(ts);
    return;
  }
  buf p12 = read_file(env("SESGO_TEST_P12"));
  sesgo_signer *soft = NULL;
  st = sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len, env("SESGO_TEST_PASSWORD"),
                                NULL, &soft, &err);
  CHECK(st == SESGO_STATUS_OK);
  free(p12.data);

  char opts[256];
  snprintf(opts, sizeof opts, "{\"policy\":\"" P020 "\",\"referenceTime\":%lld}",
           (long long)time(NULL));
  sesgo_bytes a = sign_example(hsm, ts, opts);
  sesgo_bytes b = sign_example(soft, ts, opts);
  buf da = string_member(a, "data");
  buf db = string_member(b, "data");
  CHECK(da.data != NULL && db.data != NULL);
  /* The same key, the same input: the same JWS (header, payload, RS256 value). */
  CHECK(da.data && db.data && da.len == db.len && memcmp(da.data, db.data, da.len) == 0);

  /* Signature.data alone verifies. */
  if (da.data) {
    sesgo_verify_input in = {0};
    in.signature_data = (const uint8_t *)da.data;
    in.signature_data_len = da.len;
    sesgo_bytes v = {0};
    const char *vopts = "{\"policy\":\"" P020 "\",\"settings\":{\"revocationPolicy\":\"warn\"}}";
    st = sesgo_verify(ts, &in, (const uint8_t *)vopts, strlen(vopts), &v, &err);
    CHECK(st == SESGO_STATUS_OK);
    CHECK(v.data && strstr((const char *)v.data, "{\"valid\":true,") != NULL);
    sesgo_bytes_free(v);
  }
  free(da.data);
  free(db.data);
  sesgo_bytes_free(a);
  sesgo_bytes_free(b);

  /* A wrong PIN: CRYPTO.PIN-INVALID, never retried. */
  sesgo_signer *bad = NULL;
  st = sesgo_signer_from_pkcs11(env("SESGO_TEST_PKCS11_CONFIG"), "000000", &bad, &err);
  CHECK(st != SESGO_STATUS_OK);
  CHECK(bad == NULL);
  CHECK(err != NULL && strcmp(sesgo_error_code(err), "CRYPTO.PIN-INVALID") == 0);
  sesgo_error_free(err);
  err = NULL;
  /* NULL PIN: CONFIG.MISSING-PARAMETER. */
  st = sesgo_signer_from_pkcs11(env("SESGO_TEST_PKCS11_CONFIG"), NULL, &bad, &err);
  CHECK(err != NULL && strcmp(sesgo_error_code(err), "CONFIG.MISSING-PARAMETER") == 0);
  sesgo_error_free(err);

  sesgo_signer_free(soft);
  sesgo_signer_free(hsm);
  sesgo_trust_store_free(ts);
}

int main(void) {
  test_sign_like_pkcs12_and_verify();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
