#!/bin/sh
# Generates the FIXED, TEST-ONLY key and certificate chain of the known-answer vectors
# (testdata/kat). Run ONCE; the output is committed. Re-running makes NEW keys, which
# invalidates every vector (then run `cargo xtask kat --regenerate` and review the diff).
#
# Nothing here is trusted by anyone: names say TESTE / NAO CONFIAVEL, the private keys are
# public. Same profile as sesgo-cert's throw-away test PKI (crates/sesgo-cert/src/testpki,
# its openssl-icp.cnf), but with fixed validity periods so the reference time of the
# vectors stays inside them for decades:
#   root 2025-07-01 .. 2055-07-01, AC nivel 1 .. 2050-07-01, AC assinatura .. 2048-07-01,
#   e-CPF A3 (policy 2.16.76.1.2.3.9999, CPF 12345678909) 2025-07-01 .. 2045-07-01.
# The leaf is issued at 2025-07-01T00:00:00Z = the default minCertIssueDate, so it is
# eligible under both policies (0.1.2 and 0.2.0).
#
# usage: testdata/kat/pki/gen-pki.sh [OUTDIR]   (default: the directory of this script)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
cnf="$here/../../../crates/sesgo-cert/src/testpki/openssl-icp.cnf"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$cnf" "$work/openssl-icp.cnf"
cd "$work"
export OPENSSL_CONF="$work/openssl-icp.cnf"
for ca in ca-root ca-ac1 ca-ac2; do
  mkdir -p "$ca/newcerts"; : > "$ca/index.txt"
  echo "unique_subject = no" > "$ca/index.txt.attr"; echo 1000 > "$ca/crlnumber"
done
echo 1000 > ca-root/serial; echo 2000 > ca-ac1/serial; echo 3000 > ca-ac2/serial
C="-config openssl-icp.cnf"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out ca-root/key.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-ac1/key.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-ac2/key.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out signer.key 2>/dev/null

openssl req $C -new -key ca-root/key.pem \
  -subj "/C=BR/O=ICP-Brasil/OU=Instituto Nacional de Tecnologia da Informacao - ITI TESTE/CN=AC Raiz TESTE KAT ICP-Brasil NAO CONFIAVEL" \
  -out ca-root/req.pem
openssl ca $C -name ca_root -batch -notext -selfsign -keyfile ca-root/key.pem -extensions ext_root \
  -startdate 20250701000000Z -enddate 20550701000000Z -in ca-root/req.pem -out ca-root/cert.pem 2>/dev/null

openssl req $C -new -key ca-ac1/key.pem \
  -subj "/C=BR/O=ICP-Brasil/OU=AC Raiz TESTE KAT ICP-Brasil NAO CONFIAVEL/CN=AC TESTE KAT Nivel 1" -out ca-ac1/req.pem
openssl ca $C -name ca_root -batch -notext -extensions ext_ac1 \
  -startdate 20250701000000Z -enddate 20500701000000Z -in ca-ac1/req.pem -out ca-ac1/cert.pem 2>/dev/null

openssl req $C -new -key ca-ac2/key.pem \
  -subj "/C=BR/O=ICP-Brasil/OU=AC TESTE KAT Nivel 1/CN=AC TESTE KAT Assinatura" -out ca-ac2/req.pem
openssl ca $C -name ca_ac1 -batch -notext -extensions ext_ac2 \
  -startdate 20250701000000Z -enddate 20480701000000Z -in ca-ac2/req.pem -out ca-ac2/cert.pem 2>/dev/null

openssl req $C -new -key signer.key \
  -subj "/C=BR/O=ICP-Brasil/OU=AC TESTE KAT Assinatura/OU=00000000000191/OU=videoconferencia/CN=FULANO DE TAL DA SILVA:12345678909" \
  -out signer.csr
openssl ca $C -name ca_ac2 -batch -notext -extensions ext_ecpf \
  -startdate 20250701000000Z -enddate 20450701000000Z -in signer.csr -out signer.pem 2>/dev/null

mkdir -p "$out"
cp ca-root/cert.pem "$out/root.pem"
cp ca-ac1/cert.pem "$out/ac1.pem"
cp ca-ac2/cert.pem "$out/ac2.pem"
cp signer.pem "$out/signer.pem"
cp signer.key "$out/signer.key"                       # PKCS#8, unencrypted
cat signer.pem ca-ac2/cert.pem ca-ac1/cert.pem ca-root/cert.pem > "$out/chain.pem"  # leaf first
cat ca-ac2/cert.pem ca-ac1/cert.pem > "$out/intermediates.pem"
# Legacy PKCS#12 (pbeWithSHAAnd3-KeyTripleDES-CBC for key and certificates, SHA-1 MAC),
# readable by every binding's platform; password "teste123", alias "kat teste".
openssl pkcs12 -export -inkey signer.key -in signer.pem -certfile "$out/intermediates.pem" \
  -name "kat teste" -passout pass:teste123 -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES \
  -macalg sha1 -iter 2048 -out "$out/signer-3des.p12"
openssl x509 -in ca-root/cert.pem -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1 > "$out/root.sha256"
echo "wrote $out"
