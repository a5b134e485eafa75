/* C tests of the sesgo C ABI: tools, error model, boundary. Built by `cargo xtask test c`
 * with -std=c11 -Wall -Wextra -Wpedantic -Werror against include/sesgo.h, linked against
 * libsesgo.a and libsesgo.so, and run under ASan/UBSan and valgrind. */
#include "sesgo.h"

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

static int bytes_eq(sesgo_bytes b, const char *expected) {
  size_t n = strlen(expected);
  return b.len == n && memcmp(b.data, expected, n) == 0;
}

static int bytes_contains(sesgo_bytes b, const char *needle) {
  size_t n = strlen(needle);
  if (b.len < n) return 0;
  for (size_t i = 0; i + n <= b.len; i++)
    if (memcmp(b.data + i, needle, n) == 0) return 1;
  return 0;
}

static void test_version(void) {
  CHECK(strcmp(sesgo_version(), SESGO_VERSION) == 0);
  CHECK(sesgo_abi_version() == SESGO_ABI_VERSION);
  CHECK(strcmp(sesgo_status_name(SESGO_STATUS_OK), "SESGO_STATUS_OK") == 0);
  CHECK(strcmp(sesgo_status_name(SESGO_STATUS_CERT_EXPIRED), "SESGO_STATUS_CERT_EXPIRED") == 0);
  CHECK(strcmp(sesgo_status_name(99999), "SESGO_STATUS_UNKNOWN") == 0);
  /* The policy catalog comes from the library (static, same pointer every call). */
  const char *policies = sesgo_policies();
  CHECK(policies != NULL && policies == sesgo_policies());
  CHECK(strstr(policies, "\"default\":\"https://fhir.saude.go.gov.br/r4/seguranca/"
                         "ImplementationGuide/br.go.ses.seguranca|0.1.2\"") != NULL);
  CHECK(strstr(policies, "\"uri\":\"https://fhir.saude.go.gov.br/r4/seguranca/"
                         "assinatura/politica/0.2.0\",\"family\":\"0.2.0\"") != NULL);
  /* So do the default settings, in the settings_json form. */
  const char *defaults = sesgo_default_settings();
  CHECK(defaults != NULL && defaults == sesgo_default_settings());
  CHECK(strstr(defaults, "\"revocationPolicy\":\"strict\"") != NULL);
  CHECK(strstr(defaults, "\"maxBundleBytes\":52428800") != NULL);
  CHECK(strstr(defaults, "\"tsaUrl\"") == NULL);
}

static void test_canonicalize(void) {
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_canonicalize(
      S("{\"resourceType\":\"Observation\",\"id\":\"o\",\"valueQuantity\":{\"value\":36.50}}"),
      NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(err == NULL);
  CHECK(bytes_eq(out, "{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":36.5}}"));
  sesgo_bytes_free(out);

  st = sesgo_canonicalize(
      S("{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":36.50}}"),
      S("{\"policy\":\"https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0\"}"),
      &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_eq(out, "{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":36.50}}"));
  sesgo_bytes_free(out);
}

static void test_errors(void) {
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;

  /* NULL input with a length. */
  sesgo_status st = sesgo_canonicalize(NULL, 5, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(err != NULL);
  CHECK(sesgo_error_status(err) == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_code(err), "CONFIG.MISSING-PARAMETER") == 0);
  CHECK(strcmp(sesgo_error_location(err), "resource") == 0);
  sesgo_error_free(err);

  /* NULL output slot. */
  err = NULL;
  st = sesgo_canonicalize(S("{}"), NULL, 0, NULL, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "out") == 0);
  sesgo_error_free(err);

  /* Malformed JSON: duplicate member, with its location and an OperationOutcome. */
  err = NULL;
  st = sesgo_canonicalize(S("{\"a\":1,\"a\":2}"), NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_FORMAT_JSON_MALFORMED);
  CHECK(strcmp(sesgo_error_code(err), "FORMAT.JSON-MALFORMED") == 0);
  CHECK(strcmp(sesgo_error_location(err), "resource.a") == 0);
  CHECK(strstr(sesgo_error_operation_outcome(err), "\"resourceType\":\"OperationOutcome\"") != NULL);
  CHECK(strstr(sesgo_error_operation_outcome(err), "operation-outcome-assinatura") != NULL);
  CHECK(strlen(sesgo_error_diagnostics(err)) > 0);
  sesgo_error_free(err);

  /* Unknown policy and bad options. */
  err = NULL;
  st = sesgo_canonicalize(S("{}"), S("{\"policy\":\"https://example.org/x|1.0.0\"}"), &out, &err);
  CHECK(st == SESGO_STATUS_POLICY_VERSION_UNSUPPORTED);
  sesgo_error_free(err);
  err = NULL;
  st = sesgo_canonicalize(S("{}"), S("{\"polic\":1}"), &out, &err);
  CHECK(st == SESGO_STATUS_CONFIG_INVALID_PARAMETER);
  sesgo_error_free(err);

  /* err_out may be NULL: only the status comes back. */
  st = sesgo_canonicalize(S("[1,"), NULL, 0, &out, NULL);
  CHECK(st == SESGO_STATUS_FORMAT_JSON_MALFORMED);

  /* Free functions accept NULL / empty. */
  sesgo_error_free(NULL);
  sesgo_bytes empty = {0};
  sesgo_bytes_free(empty);
  CHECK(strcmp(sesgo_error_code(NULL), "") == 0);
  CHECK(sesgo_error_status(NULL) == SESGO_STATUS_NULL_ARGUMENT);
}

static void test_references(void) {
  static const char bundle[] =
      "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
      "{\"fullUrl\":\"urn:uuid:550e8400-e29b-41d4-a716-446655440000\","
      "\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
      "\"code\":{\"text\":\"massa\"},\"subject\":{\"reference\":\"Patient/x\"}}}]}";
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_check_references((const uint8_t *)bundle, strlen(bundle), NULL, 0,
                                           NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "FORMAT.REFERENCE-INVALID"));
  CHECK(bytes_contains(out, "Bundle.entry[0].resource.subject.reference"));
  sesgo_bytes_free(out);

  static const char resources[] =
      "[{\"resourceType\":\"Patient\",\"id\":\"1\"},"
      "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
      "\"subject\":{\"reference\":\"Patient/1\"}}]";
  st = sesgo_build_bundle((const uint8_t *)resources, strlen(resources), NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "\"fullUrl\":\"urn:uuid:"));
  sesgo_bytes built = out;
  st = sesgo_check_references(built.data, built.len, NULL, 0, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "VALIDATION.SUCCESS"));
  sesgo_bytes_free(out);
  sesgo_bytes_free(built);
}

/* Signed attachments (anexo-assinado). "laudo" = bGF1ZG8=; hashes computed independently
 * with Python hashlib. */
#define HASH_SHA256_URL "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/hash-sha256"
static void test_attachments(void) {
  sesgo_bytes out = {0};
  sesgo_error *err = NULL;
  static const char inline_att[] =
      "{\"contentType\":\"text/plain\",\"data\":\"bGF1ZG8=\","
      "\"extension\":[{\"url\":\"http://example.org/peso\",\"valueDecimal\":1.50}]}";
  static const char filled_want[] =
      "{\"contentType\":\"text/plain\",\"data\":\"bGF1ZG8=\","
      "\"extension\":[{\"url\":\"" HASH_SHA256_URL "\","
      "\"valueBase64Binary\":\"MIpHjZSwVsvehN4KwhkTun5vv9vFSmeveaB4TJbuxMw=\"},"
      "{\"url\":\"http://example.org/peso\",\"valueDecimal\":1.50}],"
      "\"size\":5,\"hash\":\"rb4OJF2jlaTUZooaMBab6v+UYrQ=\"}";
  sesgo_status st = sesgo_fill_attachment(S(inline_att), NULL, 0, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(err == NULL);
  CHECK(bytes_eq(out, filled_want));
  sesgo_bytes filled = out;
  st = sesgo_check_attachment(filled.data, filled.len, NULL, 0, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "VALIDATION.SUCCESS"));
  CHECK(!bytes_contains(out, "\"error\""));
  sesgo_bytes_free(out);

  /* Tampered content, same length ("laude"): an OperationOutcome, not an error status. */
  char *tampered = malloc(filled.len + 1);
  CHECK(tampered != NULL);
  if (tampered == NULL) return;
  memcpy(tampered, filled.data, filled.len);
  tampered[filled.len] = '\0';
  char *data = strstr(tampered, "bGF1ZG8=");
  CHECK(data != NULL);
  if (data != NULL) data[6] = 'U'; /* bGF1ZGU= */
  st = sesgo_check_attachment((const uint8_t *)tampered, filled.len, NULL, 0,
                              S("{\"location\":\"DocumentReference.content[0].attachment\"}"), &out,
                              &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "CRYPTO.HASH-VERIFICATION-FAILED"));
  CHECK(bytes_contains(out, "\"location\":[\"DocumentReference.content[0].attachment.hash\"]"));
  CHECK(bytes_contains(
      out, "\"location\":[\"DocumentReference.content[0].attachment.extension[0].valueBase64Binary\"]"));
  CHECK(!bytes_contains(out, "VALIDATION.SUCCESS"));
  sesgo_bytes_free(out);
  free(tampered);
  sesgo_bytes_free(filled);

  /* A url attachment: the content travels apart. Empty content is content (size 0). */
  static const char url_att[] =
      "{\"contentType\":\"application/pdf\",\"url\":\"https://example.org/laudo.pdf\"}";
  st = sesgo_fill_attachment(S(url_att), S("%PDF-1.7"), NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "\"size\":8,\"hash\":\"uvbBo/sl8K9aq7wyqoQeJ8sCUCA=\""));
  CHECK(bytes_contains(out, "hu26okgxut+gqLBLtBAUHi7kGCttABRJP+Jip6Mxwgs="));
  filled = out;
  st = sesgo_check_attachment(filled.data, filled.len, S("%PDF-1.8"), NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "CRYPTO.HASH-VERIFICATION-FAILED"));
  CHECK(bytes_contains(out, "\"location\":[\"Attachment.hash\"]"));
  sesgo_bytes_free(out);
  sesgo_bytes_free(filled);
  static const uint8_t nothing[1] = {0};
  st = sesgo_fill_attachment(S(url_att), nothing, 0, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_OK);
  CHECK(bytes_contains(out, "\"size\":0,\"hash\":\"2jmj7l5rSw0yVb/vlWAYkK/YBwk=\""));
  sesgo_bytes_free(out);

  /* Unusable inputs: a status and the error object. */
  st = sesgo_fill_attachment(S(url_att), NULL, 0, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_CONFIG_MISSING_PARAMETER);
  CHECK(strcmp(sesgo_error_code(err), "CONFIG.MISSING-PARAMETER") == 0);
  CHECK(strcmp(sesgo_error_location(err), "Attachment.url") == 0);
  sesgo_error_free(err);
  err = NULL;
  st = sesgo_fill_attachment(S("{\"contentType\":\"text/plain\",\"data\":\"bGF1ZG8\"}"), NULL, 0,
                             NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_FORMAT_BASE64_INVALID);
  CHECK(strcmp(sesgo_error_location(err), "Attachment.data") == 0);
  sesgo_error_free(err);
  err = NULL;
  st = sesgo_check_attachment(NULL, 0, NULL, 3, NULL, 0, &out, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "content") == 0);
  sesgo_error_free(err);
  err = NULL;
  st = sesgo_check_attachment(S(inline_att), NULL, 0, S("{\"where\":1}"), &out, &err);
  CHECK(st == SESGO_STATUS_CONFIG_INVALID_PARAMETER);
  sesgo_error_free(err);
  err = NULL;
  st = sesgo_check_attachment(S(inline_att), NULL, 0, NULL, 0, NULL, &err);
  CHECK(st == SESGO_STATUS_NULL_ARGUMENT);
  CHECK(strcmp(sesgo_error_location(err), "out") == 0);
  sesgo_error_free(err);
}

static void test_boundary(void) {
  sesgo_error *err = NULL;
  sesgo_status st = sesgo_testing_panic(&err);
  CHECK(st == SESGO_STATUS_PANIC);
  CHECK(err != NULL);
  CHECK(strcmp(sesgo_error_code(err), "SYSTEM") == 0);
  CHECK(strstr(sesgo_error_diagnostics(err), "sesgo_testing_panic") != NULL);
  sesgo_error_free(err);

  err = NULL;
  st = sesgo_testing_error(&err);
  CHECK(st == SESGO_STATUS_CERT_EXPIRED);
  CHECK(strcmp(sesgo_error_code(err), "CERT.EXPIRED") == 0);
  CHECK(strcmp(sesgo_error_location(err), "x5c[0]") == 0);
  sesgo_error_free(err);
  CHECK(sesgo_testing_panic(NULL) == SESGO_STATUS_PANIC);
}

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 200; i++) {
    sesgo_bytes out = {0};
    if (sesgo_canonicalize(S("{\"resourceType\":\"Patient\",\"b\":[1.0,2E1],\"a\":\"\\u00e9\"}"),
                           NULL, 0, &out, NULL) != SESGO_STATUS_OK ||
        !bytes_eq(out, "{\"a\":\"\xc3\xa9\",\"b\":[1,20],\"resourceType\":\"Patient\"}")) {
      return (void *)1;
    }
    sesgo_bytes_free(out);
  }
  return NULL;
}

static void test_threads(void) {
  pthread_t t[8];
  for (int i = 0; i < 8; i++) CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
  for (int i = 0; i < 8; i++) {
    void *r = NULL;
    CHECK(pthread_join(t[i], &r) == 0);
    CHECK(r == NULL);
  }
}

int main(void) {
  test_version();
  test_canonicalize();
  test_errors();
  test_references();
  test_attachments();
  test_boundary();
  test_threads();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
