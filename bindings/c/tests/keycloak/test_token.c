/* Access tokens through the sesgo C ABI from the live Keycloak that
 * `cargo xtask test keycloak` starts: sesgo_token in both variants (the token is bound to
 * the e-CNPJ certificate: cnfX5tS256 equals the thumbprint sesgo_export_certificate's DER
 * gives), and a wrong secret as a coded error. The driver passes SESGO_KC_ISSUER,
 * SESGO_KC_TOKEN_ENDPOINT, SESGO_KC_SECRET, SESGO_KC_CA_PEM, SESGO_TEST_P12,
 * SESGO_TEST_PASSWORD and SESGO_KC_X5T (the expected thumbprint, from openssl). */
#include "sesgo.h"

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

static const char *env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') {
    fprintf(stderr, "environment variable %s is not set (run through cargo xtask test keycloak)\n",
            name);
    exit(2);
  }
  return v;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  *len = fread(b, 1, (size_t)n, f);
  b[*len] = '\0';
  fclose(f);
  return b;
}

/* Appends s as a JSON string (PEM has only newlines to escape). */
static void json_str(char *out, size_t cap, const char *s) {
  size_t o = strlen(out);
  out[o++] = '"';
  for (; *s && o + 3 < cap; s++) {
    if (*s == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (*s == '"' || *s == '\\') {
      out[o++] = '\\';
      out[o++] = *s;
    } else {
      out[o++] = *s;
    }
  }
  out[o++] = '"';
  out[o] = '\0';
}

static int contains(const sesgo_bytes *b, const char *needle) {
  char *s = malloc(b->len + 1);
  memcpy(s, b->data, b->len);
  s[b->len] = '\0';
  int r = strstr(s, needle) != NULL;
  free(s);
  return r;
}

int main(void) {
  size_t p12_len = 0, ca_len = 0;
  char *p12 = read_file(env("SESGO_TEST_P12"), &p12_len);
  char *ca = read_file(env("SESGO_KC_CA_PEM"), &ca_len);
  sesgo_error *err = NULL;
  sesgo_signer *signer = NULL;
  CHECK(sesgo_signer_from_pkcs12((const uint8_t *)p12, p12_len, env("SESGO_TEST_PASSWORD"), NULL,
                                 &signer, &err) == SESGO_STATUS_OK);
  if (signer == NULL) {
    fprintf(stderr, "no signer: %s\n", err ? sesgo_error_diagnostics(err) : "?");
    return 1;
  }
  char expected[256];
  snprintf(expected, sizeof expected, "\"cnfX5tS256\":\"%s\"", env("SESGO_KC_X5T"));

  static char opts[65536];
  for (int variant = 0; variant < 2; variant++) {
    opts[0] = '\0';
    if (variant == 0) {
      strcat(opts, "{\"issuer\":");
      json_str(opts, sizeof opts, env("SESGO_KC_ISSUER"));
      strcat(opts, ",\"clientId\":\"sesgo-mtls\",\"clientSecret\":");
      json_str(opts, sizeof opts, env("SESGO_KC_SECRET"));
    } else {
      strcat(opts, "{\"tokenEndpoint\":");
      json_str(opts, sizeof opts, env("SESGO_KC_TOKEN_ENDPOINT"));
      strcat(opts, ",\"clientId\":\"sesgo-jwt\",\"assertion\":true");
    }
    strcat(opts, ",\"cache\":false,\"caCertsPem\":");
    json_str(opts, sizeof opts, ca);
    strcat(opts, "}");
    sesgo_bytes out = {NULL, 0};
    sesgo_status st = sesgo_token(signer, NULL, (const uint8_t *)opts, strlen(opts), &out, &err);
    CHECK(st == SESGO_STATUS_OK);
    if (st != SESGO_STATUS_OK) {
      fprintf(stderr, "variant %d: %s %s\n", variant, sesgo_error_code(err),
              sesgo_error_diagnostics(err));
      sesgo_error_free(err);
      err = NULL;
    } else {
      CHECK(contains(&out, "\"tokenType\":\"Bearer\""));
      CHECK(contains(&out, expected));
    }
    sesgo_bytes_free(out);
  }

  /* A wrong secret: a coded error naming the server's error, never the secret. */
  opts[0] = '\0';
  strcat(opts, "{\"issuer\":");
  json_str(opts, sizeof opts, env("SESGO_KC_ISSUER"));
  strcat(opts, ",\"clientId\":\"sesgo-mtls\",\"clientSecret\":\"errado\",\"cache\":false,\"caCertsPem\":");
  json_str(opts, sizeof opts, ca);
  strcat(opts, "}");
  sesgo_bytes out = {NULL, 0};
  CHECK(sesgo_token(signer, NULL, (const uint8_t *)opts, strlen(opts), &out, &err) != SESGO_STATUS_OK);
  CHECK(err != NULL && strcmp(sesgo_error_code(err), "CONFIG.INVALID-PARAMETER") == 0);
  CHECK(err != NULL && strstr(sesgo_error_diagnostics(err), "errado") == NULL);
  sesgo_error_free(err);

  sesgo_signer_free(signer);
  free(p12);
  free(ca);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
