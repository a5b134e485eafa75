/* Sign and verify a FHIR Bundle with sesgo from C, using only sesgo.h.
 *
 * Build:  cc -std=c11 sign_verify.c $(pkg-config --cflags --libs sesgo) -o sign_verify
 * Run:    SESGO_P12_PASSWORD=... ./sign_verify CERT.p12 ROOT_SHA256 CHAIN.pem \
 *             bundle.json provenance.json
 *
 * ROOT_SHA256 is the SHA-256 (hex) of the root certificate you trust, CHAIN.pem the
 * intermediate CA certificates that complete the signer's chain. `cargo xtask test c`
 * runs it with the test PKI of `cargo xtask testpki`. */
#include <sesgo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    return NULL;
  }
  size_t cap = 1 << 16, n = 0, r;
  char *buf = malloc(cap + 1);
  while (buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      char *bigger = realloc(buf, 2 * cap + 1);
      if (bigger == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf != NULL) buf[n] = '\0';
  *len = n;
  return buf;
}

/* Writes `s` as a JSON string literal into `out` (room for 2*strlen(s)+3 bytes). */
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

static int fail(const char *what, sesgo_status st, sesgo_error *err) {
  fprintf(stderr, "%s failed: %s (%s) at '%s': %s\n", what, sesgo_status_name(st),
          sesgo_error_code(err), sesgo_error_location(err), sesgo_error_diagnostics(err));
  sesgo_error_free(err);
  return 1;
}

/* The value of member `"bundle"` in the sign result (compact JSON written by sesgo, whose
 * last two members are "bundle" and "warnings"). A real application would use its JSON
 * library; the point is to pass the Bundle bytes on unchanged. */
static int transfer_bundle(const sesgo_bytes *signed_json, const uint8_t **start, size_t *len) {
  const char *key = ",\"bundle\":", *end_key = ",\"warnings\":";
  size_t k = strlen(key), e = strlen(end_key), s = 0, end = 0;
  for (size_t i = 0; i + k <= signed_json->len; i++)
    if (memcmp(signed_json->data + i, key, k) == 0) s = i + k;
  for (size_t i = s; i + e <= signed_json->len; i++)
    if (memcmp(signed_json->data + i, end_key, e) == 0) end = i;
  if (s == 0 || end <= s) return 0;
  *start = signed_json->data + s;
  *len = end - s;
  return 1;
}

/* Sign and verify options: revocationPolicy "warn" (see step 3). */
static const char vopts[] = "{\"settings\":{\"revocationPolicy\":\"warn\"}}";

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s CERT.p12 ROOT_SHA256 CHAIN.pem bundle.json provenance.json\n",
            argv[0]);
    return 2;
  }
  const char *password = getenv("SESGO_P12_PASSWORD");
  if (password == NULL) {
    fprintf(stderr, "set SESGO_P12_PASSWORD\n");
    return 2;
  }
  if (sesgo_abi_version() != SESGO_ABI_VERSION) {
    fprintf(stderr, "libsesgo ABI %u, header ABI %u\n", sesgo_abi_version(), SESGO_ABI_VERSION);
    return 2;
  }
  printf("sesgo %s\n", sesgo_version());

  size_t p12_len, chain_len, bundle_len, prov_len;
  char *p12 = read_file(argv[1], &p12_len);
  char *chain = read_file(argv[3], &chain_len);
  char *bundle = read_file(argv[4], &bundle_len);
  char *prov = read_file(argv[5], &prov_len);
  if (!p12 || !chain || !bundle || !prov) return 2;

  int rc = 1;
  sesgo_error *err = NULL;
  sesgo_signer *signer = NULL;
  sesgo_trust_store *trust = NULL;
  sesgo_bytes signed_json = {0}, result = {0};

  /* 1. The signer: a PKCS#12 (A1 certificate) and its password. */
  sesgo_status st = sesgo_signer_from_pkcs12((const uint8_t *)p12, p12_len, password, NULL,
                                             &signer, &err);
  if (st != SESGO_STATUS_OK) {
    rc = fail("sesgo_signer_from_pkcs12", st, err);
    goto done;
  }

  /* 2. The trust store: the root by fingerprint, the intermediate CAs as PEM. */
  char *opts = malloc(strlen(argv[2]) + 2 * chain_len + 64);
  int n = sprintf(opts, "{\"rootSha256\":[\"%s\"],\"caCertsPem\":", argv[2]);
  n += (int)json_string(opts + n, chain);
  opts[n++] = '}';
  st = sesgo_trust_store_new((const uint8_t *)opts, (size_t)n, &trust, &err);
  free(opts);
  if (st != SESGO_STATUS_OK) {
    rc = fail("sesgo_trust_store_new", st, err);
    goto done;
  }

  /* 3. Sign (default policy 0.1.2, strategy iat, reference time now). Revocation: with
     the default revocationPolicy "strict" an unobtainable OCSP/CRL status is an error;
     this example reports it as a warning, so it also runs where the responders named in
     the certificates cannot be reached (signing and verification alike). */
  st = sesgo_sign(signer, trust, (const uint8_t *)bundle, bundle_len, (const uint8_t *)prov,
                  prov_len, (const uint8_t *)vopts, sizeof vopts - 1, &signed_json, &err);
  if (st != SESGO_STATUS_OK) {
    rc = fail("sesgo_sign", st, err);
    goto done;
  }
  printf("signed: %zu bytes of JSON (signature, provenance, bundle, warnings)\n",
         signed_json.len);

  /* 4. Verify the transfer Bundle. Revocation (OCSP/CRL) is not available offline, so
   *    this example asks for a warning instead of the default "strict" failure. */
  sesgo_verify_input in = {0};
  if (!transfer_bundle(&signed_json, &in.bundle, &in.bundle_len)) {
    fprintf(stderr, "no bundle in the sign result\n");
    goto done;
  }
  st = sesgo_verify(trust, &in, (const uint8_t *)vopts, sizeof vopts - 1, &result, &err);
  if (st != SESGO_STATUS_OK) {
    rc = fail("sesgo_verify", st, err);
    goto done;
  }
  /* {"valid":true|false,"outcome":{OperationOutcome}} */
  printf("%.*s\n", (int)result.len, (const char *)result.data);
  rc = (result.len > 13 && memcmp(result.data, "{\"valid\":true", 13) == 0) ? 0 : 1;
  printf("%s\n", rc == 0 ? "VALID" : "INVALID");

done:
  sesgo_bytes_free(result);
  sesgo_bytes_free(signed_json);
  sesgo_trust_store_free(trust);
  sesgo_signer_free(signer);
  free(p12);
  free(chain);
  free(bundle);
  free(prov);
  return rc;
}
