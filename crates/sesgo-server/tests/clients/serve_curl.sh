#!/usr/bin/env bash
# `sesgo serve` from curl (issue 27), run by `cargo xtask test serve` against two real
# servers on 127.0.0.1: $SESGO_URL (HTTP, no authentication, maxBodyBytes 262144) and
# $SESGO_TLS_URL (HTTPS, client certificates optional, bearer token $SESGO_TOKEN).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "serve_curl.sh: $*" >&2; exit 1; }
P020=https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0

# status BODY_FILE CURL_ARGS...: the HTTP status; the body goes to BODY_FILE.
status() { local out=$1; shift; curl -sS -o "$out" -w '%{http_code}' "$@"; }
code_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["issue"][0]["details"]["coding"][0]["code"])' "$1"; }

# Health and the policy list.
[ "$(status "$work/h" "$SESGO_URL/health")" = 200 ] || fail "health"
grep -q '"status":"ok"' "$work/h" || fail "health body"
[ "$(status "$work/p" "$SESGO_URL/policies")" = 200 ] || fail "policies"
grep -q "$P020" "$work/p" || fail "policies body"

for policy in "$P020" "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2"; do
  # $sign with FHIR Parameters: the body is the transfer Bundle, exact bytes.
  printf '{"resourceType":"Parameters","parameter":[{"name":"bundle","resource":%s},{"name":"provenance","resource":%s},{"name":"policy","valueUri":"%s"}]}' \
    "$(cat "$SESGO_EXAMPLES/bundle.json")" "$(cat "$SESGO_EXAMPLES/provenance.json")" "$policy" > "$work/params.json"
  [ "$(status "$work/transfer.json" -H 'Content-Type: application/fhir+json' --data-binary @"$work/params.json" "$SESGO_URL/Bundle/\$sign")" = 200 ] \
    || fail "\$sign: $(cat "$work/transfer.json")"
  # $verify: the OperationOutcome, 200 valid or not.
  [ "$(status "$work/oo.json" -H 'Content-Type: application/fhir+json' --data-binary @"$work/transfer.json" "$SESGO_URL/Bundle/\$verify")" = 200 ] || fail "\$verify"
  [ "$(code_of "$work/oo.json")" = VALIDATION.SUCCESS ] || fail "\$verify: $(cat "$work/oo.json")"
  # Tampered: still 200, invalid, with the guide's code.
  sed 's/36\.50/36.51/' "$work/transfer.json" > "$work/tampered.json"
  [ "$(status "$work/oo.json" -H 'Content-Type: application/fhir+json' --data-binary @"$work/tampered.json" "$SESGO_URL/Bundle/\$verify")" = 200 ] || fail "tampered status"
  grep -q '"code":"CRYPTO.HASH-VERIFICATION-FAILED"' "$work/oo.json" || fail "tampered: $(cat "$work/oo.json")"
done

# /sign with the JSON envelope.
printf '{"bundle":%s,"provenance":%s}' "$(cat "$SESGO_EXAMPLES/bundle.json")" "$(cat "$SESGO_EXAMPLES/provenance.json")" > "$work/sign.json"
[ "$(status "$work/signed.json" -H 'Content-Type: application/json' --data-binary @"$work/sign.json" "$SESGO_URL/sign")" = 200 ] || fail "/sign"
grep -q '"signature":' "$work/signed.json" || fail "/sign body"

# Unusable input: typed OperationOutcomes with 4xx.
[ "$(status "$work/e" -H 'Content-Type: application/json' --data-binary '{' "$SESGO_URL/verify")" = 400 ] || fail "malformed"
[ "$(code_of "$work/e")" = FORMAT.JSON-MALFORMED ] || fail "malformed code"
[ "$(status "$work/e" -H 'Content-Type: text/plain' --data-binary '{}' "$SESGO_URL/verify")" = 415 ] || fail "media type"
head -c 300000 /dev/zero | tr '\0' ' ' > "$work/big.json"
[ "$(status "$work/e" -H 'Content-Type: application/json' --data-binary @"$work/big.json" "$SESGO_URL/verify")" = 413 ] || fail "oversized"
[ "$(code_of "$work/e")" = SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED ] || fail "oversized code"
[ "$(status "$work/e" -H 'Host: evil.example' "$SESGO_URL/health")" = 403 ] || fail "host rule"

# Metrics (Prometheus text).
[ "$(status "$work/m" "$SESGO_URL/metrics")" = 200 ] || fail "metrics"
grep -q 'sesgo_results_total{endpoint="bundle_verify",code="CRYPTO.HASH-VERIFICATION-FAILED"} 2' "$work/m" || fail "metrics body: $(cat "$work/m")"

# TLS: without credentials 401; with the bearer token, or with the client certificate, 200.
tls=(--cacert "$SESGO_ROOT_PEM")
[ "$(status "$work/e" "${tls[@]}" -H 'Content-Type: application/fhir+json' --data-binary @"$work/transfer.json" "$SESGO_TLS_URL/Bundle/\$verify")" = 401 ] || fail "TLS without credentials"
[ "$(status "$work/oo.json" "${tls[@]}" -H "Authorization: Bearer $SESGO_TOKEN" -H 'Content-Type: application/fhir+json' --data-binary @"$work/transfer.json" "$SESGO_TLS_URL/Bundle/\$verify")" = 200 ] || fail "TLS with token"
[ "$(status "$work/oo.json" "${tls[@]}" --cert "$SESGO_CLIENT_PEM" --key "$SESGO_CLIENT_KEY" -H 'Content-Type: application/fhir+json' --data-binary @"$work/transfer.json" "$SESGO_TLS_URL/Bundle/\$verify")" = 200 ] || fail "TLS with client certificate: $(cat "$work/oo.json")"
[ "$(code_of "$work/oo.json")" = VALIDATION.SUCCESS ] || fail "TLS verify"
# A client that does not trust the test root refuses the server.
if curl -sS -o /dev/null "$SESGO_TLS_URL/health" 2>/dev/null; then fail "untrusted server accepted"; fi
echo "serve_curl.sh: 1 passed, 0 failed"
