/* Known-answer vectors (testdata/kat, README there) through the sesgo C ABI. Built and run
 * by `cargo xtask test c` like every file here (static, shared under valgrind, ASan/UBSan).
 * The vectors are found beside the examples: $SESGO_TEST_EXAMPLES/../testdata/kat.
 *
 * The C ABI has no injectable clock (a reference time must lie within 300 s of the system
 * clock), so the committed JWS cannot be reproduced byte for byte here. Checked against
 * the committed bytes instead, under both policies: a signature made now with the
 * committed key (legacy 3DES PKCS#12) carries exactly the committed payload (the content
 * digest) and, once its only time-dependent member `iat` is set to the vectors' reference
 * time, exactly the committed protected header; the committed transfer Bundle verifies
 * (at the current time); the committed JWS with one signature byte changed does not. */
#include "sesgo.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Revocation is not checked by these vectors (no OCSP/CRL for the test PKI). */
#define NO_REVOCATION "{\"settings\":{\"revocationPolicy\":\"off\"}}"

typedef struct {
  char *data;
  size_t len;
} buf;

static const char *folders[2] = {"ig-0.1.2", "politica-0.2.0"};

static buf read_kat(const char *rel) {
  const char *ex = getenv("SESGO_TEST_EXAMPLES");
  if (ex == NULL || *ex == '\0') {
    fprintf(stderr, "SESGO_TEST_EXAMPLES is not set (run through cargo xtask test c)\n");
    exit(2);
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/../testdata/kat/%s", ex, rel);
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

static buf read_kat2(const char *folder, const char *name) {
  char rel[256];
  snprintf(rel, sizeof rel, "%s/%s", folder, name);
  return read_kat(rel);
}

/* The string value following `key` (e.g. "\"data\":\"") in `s`, copied; NULL if absent. */
static char *string_after(const char *s, size_t len, const char *key) {
  size_t k = strlen(key);
  for (size_t i = 0; i + k <= len; i++) {
    if (memcmp(s + i, key, k) != 0) continue;
    size_t start = i + k, end = start;
    while (end < len && s[end] != '"') end++;
    char *out = malloc(end - start + 1);
    memcpy(out, s + start, end - start);
    out[end - start] = '\0';
    return out;
  }
  return NULL;
}

/* Standard or URL-safe Base64 (padding optional) decoded with libcrypto. */
static buf b64_decode(const char *in, int url) {
  size_t n = strlen(in);
  char *std = malloc(n + 4);
  for (size_t i = 0; i < n; i++) {
    char c = in[i];
    std[i] = url && c == '-' ? '+' : url && c == '_' ? '/' : c;
  }
  size_t m = n;
  while (m % 4) std[m++] = '=';
  std[m] = '\0';
  buf b;
  b.data = malloc(m / 4 * 3 + 1);
  int r = EVP_DecodeBlock((unsigned char *)b.data, (const unsigned char *)std, (int)m);
  size_t len = r < 0 ? 0 : (size_t)r;
  for (size_t i = m; i > 0 && std[i - 1] == '='; i--) len--;
  b.len = len;
  b.data[len] = '\0';
  free(std);
  return b;
}

static int contains(const uint8_t *data, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(data + i, needle, n) == 0) return 1;
  return 0;
}

static sesgo_trust_store *kat_trust_store(void) {
  /* Pinned to the committed root by its fingerprint; the root and the ACs complete chains.
   * The PEM text has no characters to escape except newlines. */
  buf sha = read_kat("pki/root.sha256");
  buf root = read_kat("pki/root.pem");
  buf acs = read_kat("pki/intermediates.pem");
  char *json = malloc(root.len * 2 + acs.len * 2 + 256);
  int n = sprintf(json, "{\"rootSha256\":[\"%.64s\"],\"caCertsPem\":\"", sha.data);
  for (size_t i = 0; i < root.len + acs.len; i++) {
    char c = i < root.len ? root.data[i] : acs.data[i - root.len];
    if (c == '\n') {
      json[n++] = '\\';
      json[n++] = 'n';
    } else {
      json[n++] = c;
    }
  }
  n += sprintf(json + n, "\"}");
  sesgo_trust_store *ts = NULL;
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_trust_store_new((const uint8_t *)json, (size_t)n, &ts, &err);
  if (st != SESGO_STATUS_OK) {
    fprintf(stderr, "trust store: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
    exit(2);
  }
  free(json);
  free(sha.data);
  free(root.data);
  free(acs.data);
  return ts;
}

/* Signs the committed inputs now; checks payload and header against the vectors. */
static void check_sign(const sesgo_trust_store *ts, const sesgo_signer *s, int i) {
  buf policy = read_kat2(folders[i], "policy-uri.txt");
  buf bundle = read_kat("input/bundle.json");
  buf prov = read_kat("input/provenance.json");
  buf t = read_kat("reference-time.txt");
  buf header_want = read_kat2(folders[i], "protected-header.json");
  buf jws_want = read_kat2(folders[i], "jws.json");
  char opts[256];
  int on = snprintf(opts, sizeof opts, "{\"policy\":\"%s\",\"settings\":{\"revocationPolicy\":\"off\"}}",
                    policy.data);
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_sign(s, ts, (const uint8_t *)bundle.data, bundle.len,
                               (const uint8_t *)prov.data, prov.len, (const uint8_t *)opts,
                               (size_t)on, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  if (st != SESGO_STATUS_OK) {
    fprintf(stderr, "sign: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
    sesgo_error_free(err);
  } else {
    CHECK(contains(out.data, out.len, ",\"warnings\":null}"));
    char *data = string_after((const char *)out.data, out.len, "\"data\":\"");
    CHECK(data != NULL);
    buf jws = b64_decode(data ? data : "", 0);
    char *payload = string_after(jws.data, jws.len, "\"payload\":\"");
    char *payload_want = string_after(jws_want.data, jws_want.len, "\"payload\":\"");
    CHECK(payload != NULL && payload_want != NULL && strcmp(payload, payload_want) == 0);
    char *protected_b64 = string_after(jws.data, jws.len, "\"protected\":\"");
    CHECK(protected_b64 != NULL);
    buf header = b64_decode(protected_b64 ? protected_b64 : "", 1);
    /* The header with "iat":<now> replaced by "iat":<reference time>. */
    const char *iat = strstr(header.data, ",\"iat\":");
    CHECK(iat != NULL);
    if (iat != NULL) {
      size_t pre = (size_t)(iat - header.data) + strlen(",\"iat\":");
      size_t digits = pre;
      while (digits < header.len && header.data[digits] >= '0' && header.data[digits] <= '9')
        digits++;
      size_t len = pre + t.len + (header.len - digits);
      char *norm = malloc(len + 1);
      memcpy(norm, header.data, pre);
      memcpy(norm + pre, t.data, t.len);
      memcpy(norm + pre + t.len, header.data + digits, header.len - digits);
      CHECK(len == header_want.len && memcmp(norm, header_want.data, len) == 0);
      free(norm);
    }
    free(header.data);
    free(protected_b64);
    free(payload);
    free(payload_want);
    free(jws.data);
    free(data);
    sesgo_bytes_free(out);
  }
  free(policy.data);
  free(bundle.data);
  free(prov.data);
  free(t.data);
  free(header_want.data);
  free(jws_want.data);
}

/* The committed transfer Bundle verifies; the committed JWS with one byte of the
 * signature value changed does not. */
static void check_verify(const sesgo_trust_store *ts, int i) {
  buf bundle = read_kat2(folders[i], "bundle.json");
  sesgo_verify_input in = {0};
  in.bundle = (const uint8_t *)bundle.data;
  in.bundle_len = bundle.len;
  sesgo_bytes v = {0};
  sesgo_error *err = NULL;
  sesgo_status st =
      sesgo_verify(ts, &in, (const uint8_t *)NO_REVOCATION, strlen(NO_REVOCATION), &v, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(contains(v.data, v.len, "{\"valid\":true,"));
  CHECK(contains(v.data, v.len, "VALIDATION.SUCCESS"));
  sesgo_bytes_free(v);
  free(bundle.data);

  buf jws = read_kat2(folders[i], "jws.json");
  char *at = strstr(jws.data, "\"signature\":\"");
  CHECK(at != NULL);
  if (at != NULL) {
    at += strlen("\"signature\":\"");
    *at = *at == 'A' ? 'B' : 'A';
    char *data = malloc((jws.len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)data, (const unsigned char *)jws.data, (int)jws.len);
    sesgo_verify_input in2 = {0};
    in2.signature_data = (const uint8_t *)data;
    in2.signature_data_len = strlen(data);
    v = (sesgo_bytes){0};
    st = sesgo_verify(ts, &in2, (const uint8_t *)NO_REVOCATION, strlen(NO_REVOCATION), &v, &err);
    CHECK(st == SESGO_STATUS_OK);
    CHECK(contains(v.data, v.len, "{\"valid\":false,"));
    CHECK(contains(v.data, v.len, "VALIDATION.SIGNATURE-VERIFICATION-FAILED"));
    CHECK(contains(v.data, v.len, "\"location\":[\"Signature.data#signature\"]"));
    sesgo_bytes_free(v);
    free(data);
  }
  free(jws.data);
}

int main(void) {
  sesgo_trust_store *ts = kat_trust_store();
  buf p12 = read_kat("pki/signer-3des.p12");
  sesgo_signer *s = NULL;
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len, "teste123",
                                             "kat teste", &s, &err);
  CHECK(st == SESGO_STATUS_OK);
  free(p12.data);
  for (int i = 0; i < 2 && s != NULL; i++) {
    check_sign(ts, s, i);
    check_verify(ts, i);
  }
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
