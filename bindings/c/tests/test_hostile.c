/* The hostile-input corpus (testdata/hostile, `cargo xtask hostile`; issue 25) through
 * the C ABI: every case returns its guide code — as the error's code, or among the
 * issues of the result — and never crashes. Run by `cargo xtask test c` like every file
 * here (static, shared under valgrind, ASan/UBSan). Under valgrind
 * (SESGO_TEST_UNDER_VALGRIND) the cases whose input exceeds 1 MiB are left to the other
 * two runs. Large inputs are `.repeat` recipes: count, head, item, separator, tail
 * (crates/sesgo-fuzz/src/hostile.rs, `expand`). */
#define _POSIX_C_SOURCE 200809L
#include "sesgo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond, name)                                                          \
  do {                                                                             \
    checks++;                                                                      \
    if (!(cond)) {                                                                 \
      failures++;                                                                  \
      fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, name,   \
              #cond);                                                              \
    }                                                                              \
  } while (0)

typedef struct {
  char *data;
  size_t len;
} buf;

static char root_dir[4096];

static buf read_file(const char *path) {
  buf b = {NULL, 0};
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  size_t cap = 4096;
  b.data = malloc(cap + 1);
  size_t n;
  while ((n = fread(b.data + b.len, 1, cap - b.len, f)) > 0) {
    b.len += n;
    if (b.len == cap) {
      cap *= 2;
      b.data = realloc(b.data, cap + 1);
    }
  }
  fclose(f);
  b.data[b.len] = '\0';
  return b;
}

static buf read_rel(const char *rel) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", root_dir, rel);
  return read_file(path);
}

/* Appends `s` (n bytes) to `b`, growing it. */
static void append(buf *b, size_t *cap, const char *s, size_t n) {
  if (b->len + n + 1 > *cap) {
    while (b->len + n + 1 > *cap) *cap *= 2;
    b->data = realloc(b->data, *cap);
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

/* The `.repeat` rule: five lines, `{i}` in the item = the index as 12 digits. */
static buf expand(const buf *recipe) {
  char *lines[5] = {0};
  size_t lens[5] = {0};
  char *p = recipe->data;
  for (int k = 0; k < 5; k++) {
    char *nl = strchr(p, '\n');
    lines[k] = p;
    lens[k] = nl ? (size_t)(nl - p) : strlen(p);
    p = nl ? nl + 1 : p + lens[k];
  }
  size_t count = (size_t)strtoull(lines[0], NULL, 10);
  buf out = {NULL, 0};
  size_t cap = 1024;
  out.data = malloc(cap);
  out.data[0] = '\0';
  append(&out, &cap, lines[1], lens[1]);
  const char *item = lines[2];
  size_t item_len = lens[2];
  for (size_t i = 0; i < count; i++) {
    if (i > 0) append(&out, &cap, lines[3], lens[3]);
    const char *s = item;
    const char *end = item + item_len;
    while (s < end) {
      const char *hole = NULL;
      for (const char *q = s; q + 3 <= end; q++) {
        if (q[0] == '{' && q[1] == 'i' && q[2] == '}') {
          hole = q;
          break;
        }
      }
      if (hole == NULL) {
        append(&out, &cap, s, (size_t)(end - s));
        break;
      }
      append(&out, &cap, s, (size_t)(hole - s));
      char num[32];
      int w = snprintf(num, sizeof num, "%012zu", i);
      append(&out, &cap, num, (size_t)w);
      s = hole + 3;
    }
  }
  append(&out, &cap, lines[4], lens[4]);
  return out;
}

/* JSON string escaping of a PEM (only `\n` and `"`/`\\` occur). */
static buf json_string(const buf *in) {
  buf out = {NULL, 0};
  size_t cap = in->len * 2 + 16;
  out.data = malloc(cap);
  append(&out, &cap, "\"", 1);
  for (size_t i = 0; i < in->len; i++) {
    char c = in->data[i];
    if (c == '\n') append(&out, &cap, "\\n", 2);
    else if (c == '"' || c == '\\') {
      append(&out, &cap, "\\", 1);
      append(&out, &cap, &c, 1);
    } else if (c != '\r') append(&out, &cap, &c, 1);
  }
  append(&out, &cap, "\"", 1);
  return out;
}

static int contains(const uint8_t *hay, size_t len, const char *needle) {
  size_t n = strlen(needle);
  if (n == 0 || len < n) return 0;
  for (size_t i = 0; i + n <= len; i++) {
    if (memcmp(hay + i, needle, n) == 0) return 1;
  }
  return 0;
}

#define OFF "{\"settings\":{\"revocationPolicy\":\"off\"}}"

int main(void) {
  const char *ex = getenv("SESGO_TEST_EXAMPLES");
  if (ex == NULL || *ex == '\0') {
    fprintf(stderr, "SESGO_TEST_EXAMPLES is not set (run through cargo xtask test c)\n");
    return 2;
  }
  snprintf(root_dir, sizeof root_dir, "%s/..", ex);
  int under_valgrind = getenv("SESGO_TEST_UNDER_VALGRIND") != NULL;

  /* The known-answer PKI: trust pinned to its root, its PKCS#12 signer. */
  buf root_sha = read_rel("testdata/kat/pki/root.sha256");
  while (root_sha.len > 0 && (root_sha.data[root_sha.len - 1] == '\n')) root_sha.data[--root_sha.len] = '\0';
  buf chain = read_rel("testdata/kat/pki/chain.pem");
  buf chain_json = json_string(&chain);
  size_t tlen = chain_json.len + root_sha.len + 64;
  char *trust_json = malloc(tlen);
  int tn = snprintf(trust_json, tlen, "{\"rootSha256\":[\"%s\"],\"caCertsPem\":%s}", root_sha.data, chain_json.data);
  sesgo_trust_store *trust = NULL;
  sesgo_error *err = NULL;
  if (sesgo_trust_store_new((const uint8_t *)trust_json, (size_t)tn, &trust, &err) != SESGO_STATUS_OK) {
    fprintf(stderr, "trust store: %s\n", sesgo_error_diagnostics(err));
    return 2;
  }
  buf p12 = read_rel("testdata/kat/pki/signer-3des.p12");
  sesgo_signer *signer = NULL;
  if (sesgo_signer_from_pkcs12((const uint8_t *)p12.data, p12.len, "teste123", NULL, &signer, &err) != SESGO_STATUS_OK) {
    fprintf(stderr, "signer: %s\n", sesgo_error_diagnostics(err));
    return 2;
  }
  buf kat_bundle = read_rel("testdata/kat/input/bundle.json");
  buf kat_prov = read_rel("testdata/kat/input/provenance.json");
  buf kat_transfer = read_rel("testdata/kat/ig-0.1.2/bundle.json");

  buf manifest = read_rel("testdata/hostile/manifest.tsv");
  int ran = 0;
  char *save = NULL;
  for (char *line = strtok_r(manifest.data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#' || line[0] == '\0') continue;
    char *f[5] = {0};
    char *s2 = NULL;
    int k = 0;
    for (char *t = strtok_r(line, "\t", &s2); t != NULL && k < 5; t = strtok_r(NULL, "\t", &s2)) f[k++] = t;
    if (k != 5) continue;
    const char *name = f[0], *op = f[1], *input = f[2], *code = f[3];
    if (input[0] == '/') continue; /* a path: the C ABI takes bytes */
    char rel[4096];
    snprintf(rel, sizeof rel, "testdata/hostile/%s", input);
    buf data = read_rel(rel);
    size_t rl = strlen(input);
    if (rl > 7 && strcmp(input + rl - 7, ".repeat") == 0) {
      buf big = expand(&data);
      free(data.data);
      data = big;
    }
    if (under_valgrind && data.len > (1u << 20)) {
      free(data.data);
      continue;
    }
    const uint8_t *d = (const uint8_t *)data.data;
    sesgo_bytes out = {0};
    sesgo_signed signed_ = {0};
    err = NULL;
    sesgo_status st;
    int known = 1;
    if (strncmp(op, "verify-", 7) == 0 || strcmp(op, "settings") == 0) {
      sesgo_verify_input in = {0};
      const char *opts = OFF;
      char *settings_opts = NULL;
      if (strcmp(op, "verify-bundle") == 0) {
        in.bundle = d;
        in.bundle_len = data.len;
      } else if (strcmp(op, "verify-signature") == 0) {
        in.signature = d;
        in.signature_len = data.len;
      } else if (strcmp(op, "verify-signature-data") == 0) {
        in.signature_data = d;
        in.signature_data_len = data.len;
      } else { /* settings: the input as the options' settings */
        in.bundle = (const uint8_t *)kat_transfer.data;
        in.bundle_len = kat_transfer.len;
        settings_opts = malloc(data.len + 32);
        snprintf(settings_opts, data.len + 32, "{\"settings\":%s}", data.data);
        opts = settings_opts;
      }
      st = sesgo_verify(trust, &in, (const uint8_t *)opts, strlen(opts), &out, &err);
      free(settings_opts);
    } else if (strcmp(op, "sign-bundle") == 0) {
      st = sesgo_sign_parts(signer, trust, d, data.len, (const uint8_t *)kat_prov.data, kat_prov.len, (const uint8_t *)OFF, strlen(OFF), &signed_, &err);
    } else if (strcmp(op, "sign-provenance") == 0) {
      st = sesgo_sign_parts(signer, trust, (const uint8_t *)kat_bundle.data, kat_bundle.len, d, data.len, (const uint8_t *)OFF, strlen(OFF), &signed_, &err);
    } else if (strcmp(op, "refs-check") == 0) {
      st = sesgo_check_references(d, data.len, NULL, 0, NULL, 0, &out, &err);
    } else if (strcmp(op, "bundle-build") == 0) {
      st = sesgo_build_bundle(d, data.len, NULL, 0, &out, &err);
    } else if (strcmp(op, "canonicalize") == 0) {
      st = sesgo_canonicalize(d, data.len, NULL, 0, &out, &err);
    } else if (strcmp(op, "cert-inspect") == 0) {
      st = sesgo_inspect_certificate(d, data.len, NULL, NULL, NULL, 0, &out, &err);
    } else if (strcmp(op, "pkcs12") == 0) {
      sesgo_signer *s = NULL;
      st = sesgo_signer_from_pkcs12(d, data.len, "teste123", NULL, &s, &err);
      sesgo_signer_free(s);
    } else {
      known = 0;
      st = SESGO_STATUS_OK;
    }
    CHECK(known, name);
    if (st != SESGO_STATUS_OK) {
      const char *got = sesgo_error_code(err);
      CHECK(got != NULL && strcmp(got, code) == 0, name);
      if (got == NULL || strcmp(got, code) != 0) fprintf(stderr, "  %s: expected %s, got %s\n", name, code, got ? got : "(null)");
      const char *oo = sesgo_error_operation_outcome(err);
      CHECK(oo != NULL && strstr(oo, "OperationOutcome") != NULL, name);
    } else {
      char needle[256];
      snprintf(needle, sizeof needle, "\"code\":\"%s\"", code);
      int found = contains(out.data, out.len, needle);
      CHECK(found, name);
      if (!found) fprintf(stderr, "  %s: %s not in the result\n", name, code);
    }
    sesgo_error_free(err);
    sesgo_bytes_free(out);
    sesgo_signed_free(&signed_);
    free(data.data);
    ran++;
  }
  CHECK(ran >= 20, "corpus");
  sesgo_signer_free(signer);
  sesgo_trust_store_free(trust);
  free(trust_json);
  free(chain_json.data);
  free(chain.data);
  free(root_sha.data);
  free(p12.data);
  free(kat_bundle.data);
  free(kat_prov.data);
  free(kat_transfer.data);
  free(manifest.data);
  printf("test_hostile: %d cases, %d checks, %d failures\n", ran, checks, failures);
  return failures == 0 ? 0 : 1;
}
