/* C tests of sign/verify through the sesgo C ABI with the test PKI (cargo xtask testpki).
 * Built by `cargo xtask test c` with -std=c11 -Wall -Wextra -Wpedantic -Werror, linked
 * against libsesgo.a and libsesgo.so and libcrypto (OpenSSL: the independent RSA
 * implementation behind the external signer callback), run under ASan/UBSan and
 * valgrind. The driver passes the test PKI through environment variables:
 * SESGO_TEST_P12, SESGO_TEST_PASSWORD, SESGO_TEST_ROOT_SHA256, SESGO_TEST_CHAIN_PEM,
 * SESGO_TEST_LEAF_PEM, SESGO_TEST_LEAF_KEY_PEM, SESGO_TEST_EXAMPLES, and the loopback HTTPS
 * TSA xtask starts: SESGO_TEST_TSA_URL, SESGO_TEST_TSA_ROOT_PEM. */
#include "sesgo.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
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

#define S(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

#define P020 "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"
/* xtask runs live loopback OCSP responders for the test PKI: the default "strict"
 * revocation policy is checked against them once; the other checks that expect a VALID
 * result ask for "warn" so that they do not depend on the responders. */
#define WARN "\"settings\":{\"revocationPolicy\":\"warn\"}"

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

static int contains(const uint8_t *data, size_t len, const char *needle) {
  size_t n = strlen(needle);
  if (len < n) return 0;
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(data + i, needle, n) == 0) return 1;
  return 0;
}

static int bytes_contains(sesgo_bytes b, const char *needle) {
  return contains(b.data, b.len, needle);
}

/* Appends `s` as a JSON string literal (quotes included). */
static size_t json_string(char *out, const char *s) {
  size_t o = 0;
  out[o++] = '"';
  for (; *s; s++) {
    if (*s == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (*s == '"' || *s == '\\') {
      out[o++] = '\\';
      out[o++] = *s;
    } else if (*s != '\r') {
      out[o++] = *s;
    }
  }
  out[o++] = '"';
  out[o] = '\0';
  return o;
}

/* The trust store of the test PKI: its root by fingerprint, the ACs to complete chains. */
static sesgo_trust_store *test_trust_store(void) {
  buf chain = read_file(env("SESGO_TEST_CHAIN_PEM"));
  char *json = malloc(chain.len * 2 + 512);
  int n = sprintf(json, "{\"rootSha256\":[\"%s\"],\"caCertsPem\":", env("SESGO_TEST_ROOT_SHA256"));
  n += (int)json_string(json + n, chain.data);
  json[n++] = '}';
  json[n] = '\0';
  sesgo_trust_store *ts = NULL;
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_trust_store_new((const uint8_t *)json, (size_t)n, &ts, &err);
  if (st != SESGO_STATUS_OK) {
    fprintf(stderr, "trust store: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
    exit(2);
  }
  free(json);
  free(chain.data);
  return ts;
}

static sesgo_signer *p12_signer(void) {
  buf p12 = read_file(env("SESGO_TEST_P12"));
  sesgo_signer *s = NULL;
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len,
                                             env("SESGO_TEST_PASSWORD"), NULL, &s, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(err == NULL);
  free(p12.data);
  return s;
}

static sesgo_status sign_example(const sesgo_signer *s, const sesgo_trust_store *ts,
                                 const char *options, sesgo_bytes *out, sesgo_error **err) {
  buf b = example("bundle.json");
  buf p = example("provenance.json");
  sesgo_status st = sesgo_sign(s, ts, (const uint8_t *)b.data, b.len, (const uint8_t *)p.data,
                               p.len, (const uint8_t *)options, strlen(options), out, err);
  free(b.data);
  free(p.data);
  return st;
}

/* The transfer Bundle inside a sesgo_sign result: the value of its "bundle" member (the
 * last member but one; the result is compact JSON written by sesgo). */
static buf transfer_bundle(sesgo_bytes signed_json) {
  buf r = {NULL, 0};
  const char *key = ",\"bundle\":";
  const char *end_key = ",\"warnings\":";
  size_t k = strlen(key), e = strlen(end_key);
  size_t start = 0, end = 0;
  for (size_t i = 0; i + k <= signed_json.len; i++)
    if (memcmp(signed_json.data + i, key, k) == 0) start = i + k;
  for (size_t i = start; i + e <= signed_json.len; i++)
    if (memcmp(signed_json.data + i, end_key, e) == 0) end = i;
  if (start == 0 || end <= start) return r;
  r.len = end - start;
  r.data = malloc(r.len + 1);
  memcpy(r.data, signed_json.data + start, r.len);
  r.data[r.len] = '\0';
  return r;
}

static sesgo_status verify_bundle(const sesgo_trust_store *ts, const buf *bundle,
                                  const char *options, sesgo_bytes *out, sesgo_error **err) {
  sesgo_verify_input in = {0};
  in.bundle = (const uint8_t *)bundle->data;
  in.bundle_len = bundle->len;
  return sesgo_verify(ts, &in, (const uint8_t *)options, strlen(options), out, err);
}

static void test_sign_verify_both_policies(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *s = p12_signer();
  const char *sign_opts[2] = {"{}", "{\"policy\":\"" P020 "\"}"};
  const char *verify_opts[2] = {"{" WARN "}", "{\"policy\":\"" P020 "\"," WARN "}"};
  for (int i = 0; i < 2; i++) {
    sesgo_bytes out = {0};
    sesgo_error *err = NULL;
    sesgo_status st = sign_example(s, ts, sign_opts[i], &out, &err);
    CHECK(st == SESGO_STATUS_OK);
    if (st != SESGO_STATUS_OK) {
      fprintf(stderr, "sign: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
      sesgo_error_free(err);
      continue;
    }
    CHECK(bytes_contains(out, "\"resourceType\":\"Bundle\""));
    CHECK(bytes_contains(out, "12345678909"));
    buf bundle = transfer_bundle(out);
    CHECK(bundle.data != NULL);
    if (bundle.data == NULL) {
      sesgo_bytes_free(out);
      continue;
    }

    sesgo_bytes v = {0};
    st = verify_bundle(ts, &bundle, verify_opts[i], &v, &err);
    CHECK(st == SESGO_STATUS_OK);
    CHECK(bytes_contains(v, "{\"valid\":true,"));
    CHECK(bytes_contains(v, "VALIDATION.SUCCESS"));
    sesgo_bytes_free(v);

    /* Default revocation policy (strict) against the live loopback OCSP responders xtask
     * runs: valid. */
    st = verify_bundle(ts, &bundle, "", &v, &err);
    CHECK(st == SESGO_STATUS_OK);
    CHECK(bytes_contains(v, "{\"valid\":true,"));
    CHECK(!bytes_contains(v, "REVOCATION."));
    sesgo_bytes_free(v);

    /* Tampered content: a valid verification call whose answer is "invalid". */
    char *at = strstr(bundle.data, "36.50");
    CHECK(at != NULL);
    if (at) at[1] = '9';
    st = verify_bundle(ts, &bundle, verify_opts[i], &v, &err);
    CHECK(st == SESGO_STATUS_OK);
    CHECK(bytes_contains(v, "{\"valid\":false,"));
    CHECK(bytes_contains(v, "CRYPTO.HASH-VERIFICATION-FAILED"));
    sesgo_bytes_free(v);
    free(bundle.data);
    sesgo_bytes_free(out);
  }
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
}

/* Signature.data of a sesgo_sign result with one byte of the RS256 signature value
 * altered: Base64 JWS decoded with libcrypto, `signatures[0].signature` changed, encoded
 * again. */
static char *tampered_signature_data(sesgo_bytes signed_json) {
  const char *key = "\"data\":\"";
  size_t k = strlen(key), start = 0, end = 0;
  for (size_t i = 0; i + k <= signed_json.len; i++)
    if (memcmp(signed_json.data + i, key, k) == 0) {
      start = i + k;
      break;
    }
  if (start == 0) return NULL;
  for (end = start; end < signed_json.len && signed_json.data[end] != '"'; end++) {
  }
  size_t b64_len = end - start;
  unsigned char *jws = malloc(b64_len + 1);
  int n = EVP_DecodeBlock(jws, signed_json.data + start, (int)b64_len);
  if (n < 0) {
    free(jws);
    return NULL;
  }
  if (signed_json.data[end - 1] == '=') n--;
  if (signed_json.data[end - 2] == '=') n--;
  const char *sk = "\"signature\":\"";
  size_t sl = strlen(sk);
  int changed = 0;
  for (int i = 0; i + (int)sl < n; i++)
    if (memcmp(jws + i, sk, sl) == 0) {
      unsigned char *c = jws + i + sl + 20; /* well inside the value */
      *c = (*c == 'A') ? 'B' : 'A';
      changed = 1;
      break;
    }
  char *out = NULL;
  if (changed) {
    out = malloc(((size_t)n + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, jws, n);
  }
  free(jws);
  return out;
}

static void test_tampered_signature(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *s = p12_signer();
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  CHECK(sign_example(s, ts, "", &out, &err) == SESGO_STATUS_OK);
  char *data = tampered_signature_data(out);
  CHECK(data != NULL);
  if (data) {
    sesgo_verify_input in = {0};
    in.signature_data = (const uint8_t *)data;
    in.signature_data_len = strlen(data);
    sesgo_bytes v = {0};
    sesgo_status st = sesgo_verify(ts, &in, S("{" WARN "}"), &v, &err);
    CHECK(st == SESGO_STATUS_OK);
    CHECK(bytes_contains(v, "{\"valid\":false,"));
    CHECK(bytes_contains(v, "VALIDATION.SIGNATURE-VERIFICATION-FAILED"));
    sesgo_bytes_free(v);
    free(data);
  }
  sesgo_bytes_free(out);
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
}

/* The first "data":"…" value of a sign result (Signature.data), malloc'd. */
static char *signature_data_of(sesgo_bytes signed_json) {
  const char *key = "\"data\":\"";
  size_t k = strlen(key);
  for (size_t i = 0; i + k <= signed_json.len; i++)
    if (memcmp(signed_json.data + i, key, k) == 0) {
      size_t start = i + k, end = start;
      while (end < signed_json.len && signed_json.data[end] != '"') end++;
      char *out = malloc(end - start + 1);
      memcpy(out, signed_json.data + start, end - start);
      out[end - start] = '\0';
      return out;
    }
  return NULL;
}

/* A supplied Bundle is never ignored, and the result says whether content was checked. */
static void test_supplied_bundle_is_never_ignored(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *s = p12_signer();
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  CHECK(sign_example(s, ts, "", &out, &err) == SESGO_STATUS_OK);
  char *data = signature_data_of(out);
  buf bundle = transfer_bundle(out);
  CHECK(data != NULL && bundle.data != NULL);
  if (data && bundle.data) {
    const char *empty = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[]}";
    sesgo_verify_input in = {0};
    in.signature_data = (const uint8_t *)data;
    in.signature_data_len = strlen(data);
    sesgo_bytes v = {0};
    /* Alone: the signature is proven, not the content. */
    CHECK(sesgo_verify(ts, &in, S("{" WARN "}"), &v, &err) == SESGO_STATUS_OK);
    CHECK(bytes_contains(v, "{\"valid\":true,"));
    CHECK(bytes_contains(v, "\"contentChecked\":false"));
    CHECK(bytes_contains(v, "\"subIndication\":\"SIGNED_DATA_NOT_FOUND\""));
    sesgo_bytes_free(v);
    /* With the transfer Bundle carrying it: checked. */
    in.bundle = (const uint8_t *)bundle.data;
    in.bundle_len = strlen(bundle.data);
    CHECK(sesgo_verify(ts, &in, S("{" WARN "}"), &v, &err) == SESGO_STATUS_OK);
    CHECK(bytes_contains(v, "{\"valid\":true,"));
    CHECK(bytes_contains(v, "\"contentChecked\":true"));
    CHECK(bytes_contains(v, "\"signedFullUrls\":[\"urn:uuid:"));
    sesgo_bytes_free(v);
    /* With an empty Bundle: invalid, not "valid, unchecked". */
    in.bundle = (const uint8_t *)empty;
    in.bundle_len = strlen(empty);
    CHECK(sesgo_verify(ts, &in, S("{" WARN "}"), &v, &err) == SESGO_STATUS_OK);
    CHECK(bytes_contains(v, "{\"valid\":false,"));
    CHECK(bytes_contains(v, "FORMAT.SIGNATURE-MISSING"));
    sesgo_bytes_free(v);
  }
  free(data);
  free(bundle.data);
  sesgo_bytes_free(out);
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
}

/* ---- External signer: the callback signs with OpenSSL (libcrypto). ---- */

typedef struct {
  EVP_PKEY *key;
  int calls;
  int fail_with;
} ossl_signer;

static int ossl_sign(void *userdata, const uint8_t *input, size_t input_len,
                     sesgo_bytes *out_signature) {
  ossl_signer *o = userdata;
  o->calls++;
  if (o->fail_with != 0) return o->fail_with;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char sig[1024];
  size_t sig_len = sizeof sig;
  int ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, o->key) == 1 &&
           EVP_DigestSign(ctx, sig, &sig_len, input, input_len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return -1;
  /* Copied into a sesgo-owned buffer; `sig` stays ours (on the stack). */
  return sesgo_bytes_set(out_signature, sig, sig_len) == SESGO_STATUS_OK ? 0 : -1;
}

static void test_external_signer(void) {
  sesgo_trust_store *ts = test_trust_store();
  FILE *f = fopen(env("SESGO_TEST_LEAF_KEY_PEM"), "r");
  CHECK(f != NULL);
  if (f == NULL) return;
  ossl_signer o = {PEM_read_PrivateKey(f, NULL, NULL, NULL), 0, 0};
  fclose(f);
  CHECK(o.key != NULL);
  buf leaf = read_file(env("SESGO_TEST_LEAF_PEM"));

  sesgo_signer *s = NULL;
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_signer_external((const uint8_t *)leaf.data, leaf.len, ossl_sign, &o,
                                          &s, &err);
  CHECK(st == SESGO_STATUS_OK);
  sesgo_bytes out = {0};
  st = sign_example(s, ts, "", &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(o.calls == 1);
  if (st == SESGO_STATUS_OK) {
    buf bundle = transfer_bundle(out);
    sesgo_bytes v = {0};
    CHECK(verify_bundle(ts, &bundle, "{" WARN "}", &v, &err) == SESGO_STATUS_OK);
    CHECK(bytes_contains(v, "{\"valid\":true,"));
    sesgo_bytes_free(v);
    free(bundle.data);
    sesgo_bytes_free(out);
  } else {
    fprintf(stderr, "external sign: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
    sesgo_error_free(err);
    err = NULL;
  }

  /* A callback reporting failure. */
  o.fail_with = 1;
  st = sign_example(s, ts, "", &out, &err);
  CHECK(st == SESGO_STATUS_CRYPTO_SIGNATURE_CREATION_FAILED);
  CHECK(strcmp(sesgo_error_code(err), "CRYPTO.SIGNATURE-CREATION-FAILED") == 0);
  sesgo_error_free(err);
  /* ... or naming the guide code itself (a blocked token). */
  o.fail_with = SESGO_STATUS_DEVICE_PIN_BLOCKED;
  st = sign_example(s, ts, "", &out, &err);
  CHECK(st == SESGO_STATUS_DEVICE_PIN_BLOCKED);
  CHECK(strcmp(sesgo_error_code(err), "DEVICE.PIN-BLOCKED") == 0);
  sesgo_error_free(err);
  sesgo_signer_free(s);

  /* A callback signing with a key that is not the leaf's: refused by sesgo's check. */
  EVP_PKEY *other = EVP_RSA_gen(2048);
  CHECK(other != NULL);
  ossl_signer wrong = {other, 0, 0};
  CHECK(sesgo_signer_external((const uint8_t *)leaf.data, leaf.len, ossl_sign, &wrong, &s,
                              NULL) == SESGO_STATUS_OK);
  st = sign_example(s, ts, "", &out, &err);
  CHECK(st == SESGO_STATUS_CRYPTO_SIGNATURE_CREATION_FAILED);
  CHECK(wrong.calls == 1);
  sesgo_error_free(err);
  sesgo_signer_free(s);
  EVP_PKEY_free(other);

  /* NULL callback, NULL chain. */
  st = sesgo_signer_external((const uint8_t *)leaf.data, leaf.len, NULL, NULL, &s, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(s == NULL);
  CHECK(strcmp(sesgo_error_location(err), "cb") == 0);
  sesgo_error_free(err);
  st = sesgo_signer_external(S("not a certificate"), ossl_sign, &o, &s, &err);
  CHECK(st == SESGO_STATUS_FORMAT_CERT_PEM_INVALID);
  sesgo_error_free(err);

  /* The PEM signer over the same key and chain. */
  buf key = read_file(env("SESGO_TEST_LEAF_KEY_PEM"));
  buf chain = read_file(env("SESGO_TEST_CHAIN_PEM"));
  size_t both_len = leaf.len + chain.len;
  char *both = malloc(both_len + 1);
  memcpy(both, leaf.data, leaf.len);
  memcpy(both + leaf.len, chain.data, chain.len);
  st = sesgo_signer_from_pem((const uint8_t *)key.data, key.len, NULL, (const uint8_t *)both,
                             both_len, &s, &err);
  CHECK(st == SESGO_STATUS_OK);
  st = sign_example(s, ts, "", &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  sesgo_bytes_free(out);
  sesgo_signer_free(s);
  free(both);
  free(key.data);
  free(chain.data);

  free(leaf.data);
  EVP_PKEY_free(o.key);
  sesgo_trust_store_free(ts);
}

static void test_errors(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *s = NULL;
  sesgo_error *err = NULL;
  buf p12 = read_file(env("SESGO_TEST_P12"));

  /* Wrong password. */
  sesgo_status st = sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len, "errada", NULL,
                                             &s, &err);
  CHECK(st == SESGO_STATUS_CRYPTO_KEY_INACCESSIBLE);
  CHECK(s == NULL);
  CHECK(strcmp(sesgo_error_code(err), "CRYPTO.KEY-INACCESSIBLE") == 0);
  sesgo_error_free(err);
  /* NULL password, NULL output slot, invalid UTF-8 alias. */
  st = sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len, NULL, NULL, &s, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "password") == 0);
  sesgo_error_free(err);
  st = sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len, "x", NULL, NULL, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  sesgo_error_free(err);
  st = sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len, env("SESGO_TEST_PASSWORD"),
                                "\xff\xfe", &s, &err);
  CHECK(st == SESGO_STATUS_INVALID_UTF8);
  sesgo_error_free(err);
  st = sesgo_signer_from_pkcs12(NULL, 10, "x", NULL, &s, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "p12") == 0);
  sesgo_error_free(err);
  free(p12.data);

  /* Trust store: malformed JSON, unknown member, bad fingerprint. */
  sesgo_trust_store *bad = NULL;
  st = sesgo_trust_store_new(S("{\"rootSha256\":"), &bad, &err);
  CHECK(st == SESGO_STATUS_FORMAT_JSON_MALFORMED);
  CHECK(bad == NULL);
  sesgo_error_free(err);
  st = sesgo_trust_store_new(S("{\"roots\":[]}"), &bad, &err);
  CHECK(st == SESGO_STATUS_CONFIG_INVALID_PARAMETER);
  sesgo_error_free(err);
  st = sesgo_trust_store_new(S("{\"rootSha256\":[\"zz\"]}"), &bad, &err);
  CHECK(st == SESGO_STATUS_CONFIG_INVALID_PARAMETER);
  sesgo_error_free(err);
  /* Empty options: the embedded ICP-Brasil roots. */
  st = sesgo_trust_store_new(NULL, 0, &bad, &err);
  CHECK(st == SESGO_STATUS_OK);
  sesgo_trust_store_free(bad);

  /* sign: NULL handles, malformed Bundle, bad options. */
  s = p12_signer();
  sesgo_bytes out = {0};
  st = sesgo_sign(NULL, ts, S("{}"), S("{}"), NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "signer") == 0);
  sesgo_error_free(err);
  st = sesgo_sign(s, NULL, S("{}"), S("{}"), NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "trust") == 0);
  sesgo_error_free(err);
  st = sesgo_sign(s, ts, S("{}"), S("{}"), NULL, 0, NULL, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  sesgo_error_free(err);
  buf p = example("provenance.json");
  st = sesgo_sign(s, ts, S("{\"resourceType\":\"Bundle\","), (const uint8_t *)p.data, p.len, NULL,
                  0, &out, &err);
  CHECK(st == SESGO_STATUS_FORMAT_JSON_MALFORMED);
  CHECK(strstr(sesgo_error_operation_outcome(err), "FORMAT.JSON-MALFORMED") != NULL);
  sesgo_error_free(err);
  st = sign_example(s, ts, "{\"strategy\":\"now\"}", &out, &err);
  CHECK(st == SESGO_STATUS_CONFIG_INVALID_STRATEGY);
  CHECK(strcmp(sesgo_error_location(err), "options.strategy") == 0);
  sesgo_error_free(err);
  st = sign_example(s, ts, "{\"policy\":\"x\"}", &out, &err);
  CHECK(st == SESGO_STATUS_POLICY_URI_INVALID);
  CHECK(strcmp(sesgo_error_location(err), "options.policy") == 0);
  sesgo_error_free(err);
  free(p.data);

  /* verify: NULL handles and input, absent member with a length, malformed JSON. */
  sesgo_verify_input in = {0};
  st = sesgo_verify(NULL, &in, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  sesgo_error_free(err);
  st = sesgo_verify(ts, NULL, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "input") == 0);
  sesgo_error_free(err);
  in.bundle_len = 3;
  st = sesgo_verify(ts, &in, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "input.bundle") == 0);
  sesgo_error_free(err);
  in.bundle = (const uint8_t *)"{\"a\":1,\"a\":2}";
  in.bundle_len = strlen((const char *)in.bundle);
  st = sesgo_verify(ts, &in, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_FORMAT_JSON_MALFORMED);
  sesgo_error_free(err);
  in.bundle = NULL;
  in.bundle_len = 0;
  in.signature_data = (const uint8_t *)"\xc3\x28";
  in.signature_data_len = 2;
  st = sesgo_verify(ts, &in, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_INVALID_UTF8);
  sesgo_error_free(err);
  in.signature_data = (const uint8_t *)"e30=";
  in.signature_data_len = 4;
  st = sesgo_verify(ts, &in, S("{\"settings\":{\"revocationPolicy\":\"lenient\"}}"), &out, &err);
  CHECK(st == SESGO_STATUS_CONFIG_INVALID_PARAMETER);
  sesgo_error_free(err);

  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
  /* Frees accept NULL. */
  sesgo_signer_free(NULL);
  sesgo_trust_store_free(NULL);
  CHECK(sesgo_bytes_set(NULL, NULL, 0) == SESGO_STATUS_NULL_ARGUMENT);
  sesgo_bytes b = {0};
  CHECK(sesgo_bytes_set(&b, S("abc")) == SESGO_STATUS_OK);
  CHECK(sesgo_bytes_set(&b, S("de")) == SESGO_STATUS_OK); /* replaces (and frees) "abc" */
  CHECK(b.len == 2 && memcmp(b.data, "de", 2) == 0);
  sesgo_bytes_free(b);
}

static void test_inspect(void) {
  buf pem = read_file(env("SESGO_TEST_LEAF_PEM"));
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_inspect_certificate((const uint8_t *)pem.data, pem.len, NULL, NULL,
                                              NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "12345678909"));
  CHECK(bytes_contains(out, "\"eligibility\""));
  /* The default trust store (ICP-Brasil roots) does not trust the test root. */
  CHECK(bytes_contains(out, "\"trusted\":false"));
  sesgo_bytes_free(out);

  /* A PKCS#12 (its chain completes the leaf's) with the test root trusted: eligible and
   * trusted, the root named. */
  char json[256];
  int n = snprintf(json, sizeof json, "{\"rootSha256\":[\"%s\"]}", env("SESGO_TEST_ROOT_SHA256"));
  sesgo_trust_store *ts = NULL;
  CHECK(sesgo_trust_store_new((const uint8_t *)json, (size_t)n, &ts, &err) == SESGO_STATUS_OK);
  buf p12t = read_file(env("SESGO_TEST_P12"));
  st = sesgo_inspect_certificate((const uint8_t *)p12t.data, p12t.len, env("SESGO_TEST_PASSWORD"),
                                 ts, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "\"trusted\":true"));
  CHECK(bytes_contains(out, env("SESGO_TEST_ROOT_SHA256")));
  sesgo_bytes_free(out);
  sesgo_trust_store_free(ts);
  free(p12t.data);
  free(pem.data);

  buf p12 = read_file(env("SESGO_TEST_P12"));
  st = sesgo_inspect_certificate((const uint8_t *)p12.data, p12.len, env("SESGO_TEST_PASSWORD"),
                                 NULL, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "12345678909"));
  sesgo_bytes_free(out);
  st = sesgo_inspect_certificate((const uint8_t *)p12.data, p12.len, "errada", NULL, NULL, 0,
                                 &out, &err);
  CHECK(st == SESGO_STATUS_CRYPTO_KEY_INACCESSIBLE);
  sesgo_error_free(err);
  free(p12.data);
  st = sesgo_inspect_certificate(S("garbage"), NULL, NULL, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_CERT_INVALID_FORMAT);
  sesgo_error_free(err);
}

static void test_panic_hook(void) {
  sesgo_error *err = NULL;
  CHECK(sesgo_testing_panic(&err) == SESGO_STATUS_PANIC);
  CHECK(strcmp(sesgo_error_code(err), "SYSTEM") == 0);
  sesgo_error_free(err);
}

/* ---- 8 threads verify with one shared trust store. ---- */

typedef struct {
  const sesgo_trust_store *ts;
  const buf *bundle;
  int ok;
} job;

static void *verify_worker(void *arg) {
  job *j = arg;
  j->ok = 1;
  for (int i = 0; i < 2; i++) {
    sesgo_bytes v = {0};
    if (verify_bundle(j->ts, j->bundle, "{" WARN "}", &v, NULL) != SESGO_STATUS_OK ||
        !bytes_contains(v, "{\"valid\":true,"))
      j->ok = 0;
    sesgo_bytes_free(v);
  }
  return NULL;
}

static void test_threads(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *s = p12_signer();
  sesgo_bytes out = {0};
  CHECK(sign_example(s, ts, "", &out, NULL) == SESGO_STATUS_OK);
  buf bundle = transfer_bundle(out);
  pthread_t t[8];
  job jobs[8];
  for (int i = 0; i < 8; i++) {
    jobs[i].ts = ts;
    jobs[i].bundle = &bundle;
    jobs[i].ok = 0;
    CHECK(pthread_create(&t[i], NULL, verify_worker, &jobs[i]) == 0);
  }
  for (int i = 0; i < 8; i++) {
    CHECK(pthread_join(t[i], NULL) == 0);
    CHECK(jobs[i].ok == 1);
  }
  free(bundle.data);
  sesgo_bytes_free(out);
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
}

/* Strategy "tsa" (issue 20): an RFC 3161 token from the loopback HTTPS TSA (openssl ts
 * -reply behind sesgo-testserver), configured through the options JSON; the JAdES-B-T
 * signature of policy 0.2.0 verifies. */
static void test_sign_with_a_tsa(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *s = p12_signer();
  buf root = read_file(env("SESGO_TEST_TSA_ROOT_PEM"));
  const char *url = env("SESGO_TEST_TSA_URL");
  char *settings = malloc(root.len * 2 + strlen(url) + 256);
  int n = sprintf(settings, "\"settings\":{\"revocationPolicy\":\"warn\",\"tsaUrl\":\"%s\",\"tsaTlsRootsPem\":", url);
  n += (int)json_string(settings + n, root.data);
  settings[n++] = '}';
  settings[n] = '\0';
  char *opts = malloc(strlen(settings) + 256);
  sprintf(opts, "{\"policy\":\"" P020 "\",\"strategy\":\"tsa\",%s}", settings);
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  sesgo_status st = sign_example(s, ts, opts, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  if (st != SESGO_STATUS_OK) {
    fprintf(stderr, "sign tsa: %s %s\n", sesgo_error_code(err), sesgo_error_diagnostics(err));
    sesgo_error_free(err);
  } else {
    buf bundle = transfer_bundle(out);
    CHECK(bundle.data != NULL);
    if (bundle.data != NULL) {
      char *vopts = malloc(strlen(settings) + 4);
      sprintf(vopts, "{%s}", settings);
      sesgo_bytes v = {0};
      st = verify_bundle(ts, &bundle, vopts, &v, &err);
      CHECK(st == SESGO_STATUS_OK);
      CHECK(bytes_contains(v, "\"valid\":true"));
      CHECK(bytes_contains(v, "\"strategy\":\"tsa\""));
      sesgo_bytes_free(v);
      free(vopts);
      free(bundle.data);
    }
    sesgo_bytes_free(out);
  }
  free(opts);
  free(settings);
  free(root.data);
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
}

/* sesgo_sign_parts: each output its own exact bytes, identical to the member of the
 * combined sesgo_sign document; the transfer Bundle verifies as it is; a failure leaves
 * the parts zeroed; sesgo_signed_free accepts NULL and a freed value. */
static void test_sign_parts(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *s = p12_signer();
  sesgo_error *err = NULL;
  buf b = example("bundle.json");
  buf p = example("provenance.json");
  const char *opts = "{\"policy\":\"https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0\"}";
  sesgo_signed parts;
  memset(&parts, 0, sizeof parts);
  sesgo_status st = sesgo_sign_parts(s, ts, (const uint8_t *)b.data, b.len, (const uint8_t *)p.data,
                                     p.len, (const uint8_t *)opts, strlen(opts), &parts, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(err == NULL);
  CHECK(parts.bundle.len > 0 && parts.provenance.len > 0 && parts.signature.len > 0);
  CHECK(parts.warnings.data == NULL && parts.warnings.len == 0);
  CHECK(bytes_contains(parts.bundle, "\"resourceType\":\"Bundle\""));
  CHECK(bytes_contains(parts.bundle, "36.50"));
  CHECK(bytes_contains(parts.provenance, "\"resourceType\":\"Provenance\""));
  CHECK(bytes_contains(parts.signature, "\"sigFormat\""));
  buf transfer = {(char *)parts.bundle.data, parts.bundle.len};
  sesgo_bytes v = {NULL, 0};
  CHECK(verify_bundle(ts, &transfer, "{" WARN "}", &v, &err) == SESGO_STATUS_OK);
  CHECK(bytes_contains(v, "{\"valid\":true,"));
  sesgo_bytes_free(v);
  sesgo_signed_free(&parts);
  CHECK(parts.bundle.data == NULL && parts.bundle.len == 0);
  sesgo_signed_free(&parts);
  sesgo_signed_free(NULL);

  /* A failure (not JSON) leaves every part empty. */
  memset(&parts, 0xff, sizeof parts);
  st = sesgo_sign_parts(s, ts, S("not json"), (const uint8_t *)p.data, p.len, NULL, 0, &parts, &err);
  CHECK(st != SESGO_STATUS_OK);
  CHECK(err != NULL && strcmp(sesgo_error_code(err), "FORMAT.JSON-MALFORMED") == 0);
  CHECK(parts.bundle.data == NULL && parts.signature.data == NULL && parts.provenance.data == NULL &&
        parts.warnings.data == NULL);
  sesgo_error_free(err);
  free(b.data);
  free(p.data);
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
}

/* sesgo_verify_many (issue 17): one call, results in input order; an item whose own input
 * is unusable answers alone, invalid and located; unusable options refuse the batch and
 * leave the slots untouched. */
static void test_verify_many(void) {
  sesgo_trust_store *ts = test_trust_store();
  sesgo_signer *s = p12_signer();
  sesgo_bytes out = {0};
  CHECK(sign_example(s, ts, "", &out, NULL) == SESGO_STATUS_OK);
  buf bundle = transfer_bundle(out);
  char *data = signature_data_of(out);
  CHECK(bundle.data != NULL && data != NULL);
  if (bundle.data && data) {
    static const uint8_t not_utf8[] = {0xff, 0xfe};
    sesgo_verify_input in[5];
    memset(in, 0, sizeof in);
    in[0].bundle = (const uint8_t *)bundle.data;
    in[0].bundle_len = bundle.len;
    in[1].bundle = (const uint8_t *)"{";
    in[1].bundle_len = 1;
    in[2].signature_data = not_utf8;
    in[2].signature_data_len = sizeof not_utf8;
    in[3].signature_data = (const uint8_t *)data;
    in[3].signature_data_len = strlen(data);
    in[4].bundle_len = 7; /* NULL with a length */
    sesgo_bytes outs[5];
    memset(outs, 0, sizeof outs);
    sesgo_error *err = NULL;
    sesgo_status st = sesgo_verify_many(ts, in, 5, S("{" WARN "}"), 2, outs, &err);
    CHECK(st == SESGO_STATUS_OK);
    CHECK(err == NULL);
    CHECK(bytes_contains(outs[0], "{\"valid\":true,"));
    CHECK(bytes_contains(outs[0], "\"contentChecked\":true"));
    CHECK(bytes_contains(outs[1], "{\"valid\":false,"));
    CHECK(bytes_contains(outs[1], "FORMAT.JSON-MALFORMED"));
    CHECK(bytes_contains(outs[2], "{\"valid\":false,"));
    CHECK(bytes_contains(outs[2], "inputs[2].signature_data"));
    CHECK(bytes_contains(outs[3], "{\"valid\":true,"));
    CHECK(bytes_contains(outs[3], "\"contentChecked\":false"));
    CHECK(bytes_contains(outs[4], "CONFIG.MISSING-PARAMETER"));
    CHECK(bytes_contains(outs[4], "inputs[4].bundle"));
    /* The same as one sesgo_verify per item. */
    sesgo_bytes one = {0};
    CHECK(verify_bundle(ts, &bundle, "{" WARN "}", &one, NULL) == SESGO_STATUS_OK);
    CHECK(one.len == outs[0].len && memcmp(one.data, outs[0].data, one.len) == 0);
    sesgo_bytes_free(one);
    for (int i = 0; i < 5; i++) sesgo_bytes_free(outs[i]);

    /* Unusable options: the batch is refused, no slot written. */
    memset(outs, 0, sizeof outs);
    st = sesgo_verify_many(ts, in, 5, S("{\"settings\":{\"revocationPolicy\":\"x\"}}"), 0, outs, &err);
    CHECK(st != SESGO_STATUS_OK);
    CHECK(err != NULL && strncmp(sesgo_error_code(err), "CONFIG.", 7) == 0);
    sesgo_error_free(err);
    err = NULL;
    for (int i = 0; i < 5; i++) CHECK(outs[i].data == NULL && outs[i].len == 0);
    /* Nothing to do is fine; NULL arrays with items are not. */
    CHECK(sesgo_verify_many(ts, NULL, 0, NULL, 0, 0, NULL, NULL) == SESGO_STATUS_OK);
    CHECK(sesgo_verify_many(ts, in, 5, NULL, 0, 0, NULL, &err) == SESGO_STATUS_NULL_ARGUMENT);
    CHECK(err != NULL && strcmp(sesgo_error_code(err), "CONFIG.MISSING-PARAMETER") == 0);
    sesgo_error_free(err);
    CHECK(sesgo_verify_many(NULL, in, 5, NULL, 0, 0, outs, NULL) == SESGO_STATUS_NULL_ARGUMENT);
  }
  free(data);
  free(bundle.data);
  sesgo_bytes_free(out);
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
}

int main(void) {
  test_sign_verify_both_policies();
  test_sign_with_a_tsa();
  test_sign_parts();
  test_tampered_signature();
  test_supplied_bundle_is_never_ignored();
  test_external_signer();
  test_errors();
  test_inspect();
  test_panic_hook();
  test_threads();
  test_verify_many();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
