#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the known-answer vectors, the
examples and fuzz/fixtures (docs/adr/0059). Deterministic but for the PBES2 PKCS#12 (openssl
draws its salt). Run from anywhere: python3 fuzz/seeds.py"""
import base64, io, json, os, pathlib, shutil, subprocess, zipfile

root = pathlib.Path(__file__).resolve().parent.parent
kat = root / "testdata/kat"
fx = root / "fuzz/fixtures"
out = root / "fuzz/corpus"


def put(target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def pem_to_der(pem):
    body = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    return base64.b64decode(body)


if out.exists():
    shutil.rmtree(out)

r = lambda p: (kat / p).read_bytes()
# json
for name, p in [("bundle", "input/bundle.json"), ("provenance", "input/provenance.json"),
                ("jws-01", "ig-0.1.2/jws.json"), ("header-020", "politica-0.2.0/protected-header.json")]:
    put("json", name, r(p))
for i, s in enumerate(['{"a":1E2,"b":-0.0,"c":36.50}', '["\\ud83d\\ude00","\\u00e9",null,true]',
                       '{"a":{"b":[[[]]]}}', '  {"": ""}  ', '123456789012345678901234567890']):
    put("json", f"edge-{i}", s)
# canonicalize
for pol in ["ig-0.1.2", "politica-0.2.0"]:
    for i in range(3):
        put("canonicalize", f"{pol}-{i}", r(f"{pol}/canonical-{i}.json"))
for i, e in enumerate(json.loads(r("input/bundle.json"))["entry"]):
    put("canonicalize", f"resource-{i}", json.dumps(e["resource"], ensure_ascii=False))
put("canonicalize", "decimals", '{"resourceType":"Observation","id":"x","meta":{"versionId":"1"},"valueQuantity":{"value":1.50E+3}}')
# jws
for pol in ["ig-0.1.2", "politica-0.2.0"]:
    put("jws", pol, r(f"{pol}/jws.json"))
# x509
for n in ["root", "ac1", "ac2", "signer"]:
    pem = r(f"pki/{n}.pem")
    put("x509", f"{n}.pem", pem)
    put("x509", f"{n}.der", pem_to_der(pem.decode()))
for n in ["leaf", "tsa"]:
    put("x509", f"fixture-{n}.der", pem_to_der((fx / f"{n}.pem").read_text()))
# pkcs12: the legacy file, and a PBES2/AES one made from the same key
put("pkcs12", "legacy-3des.p12", r("pki/signer-3des.p12"))
p12 = subprocess.run(["openssl", "pkcs12", "-export", "-inkey", str(kat / "pki/signer.key"),
                      "-in", str(kat / "pki/signer.pem"), "-certfile", str(kat / "pki/intermediates.pem"),
                      "-passout", "pass:teste123", "-name", "kat teste"], capture_output=True, check=True).stdout
put("pkcs12", "pbes2-aes.p12", p12)
# references: Bundle NUL Provenance
put("references", "bundle-provenance", r("input/bundle.json") + b"\0" + r("input/provenance.json"))
put("references", "transfer-020", r("politica-0.2.0/bundle.json"))
# iti_zip: the CAs of the KAT PKI, zipped with fixed timestamps
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    for n in ["ac1", "ac2"]:
        zi = zipfile.ZipInfo(f"{n}.crt", date_time=(2025, 7, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, r(f"pki/{n}.pem"))
put("iti_zip", "kat-cas.zip", buf.getvalue())
# revocation and TSA
put("ocsp", "leaf-good.ocsp", (fx / "leaf.ocsp").read_bytes())
put("crl", "ca.crl", (fx / "ca.crl").read_bytes())
put("tsa", "reply.tsr", (fx / "tsa.tsr").read_bytes())
# options
for i, s in enumerate(['{}', '{"revocationPolicy":"warn","maxBundleBytes":1048576,"bundleTimeoutSecs":5}',
                       '{"settings":{"revocationPolicy":"off"},"acceptedPolicies":["https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"],"unsignedEntries":"error"}',
                       '{"rootSha256":["caa53fc6091c6951887c976e378f6ef89aa6377c55d97b6475422b71ed7e9b17"],"icpBrasil":false}',
                       '{"tsaTrustStore":{"icpBrasil":true},"tsaUrl":"https://127.0.0.1/tsa"}',
                       '[1609459200,30,30,30,3600,30,365,"off"]']):
    put("options", f"options-{i}", s)
# verify: transfer Bundles, a Signature, a Provenance
for pol in ["ig-0.1.2", "politica-0.2.0"]:
    put("verify", f"transfer-{pol}", r(f"{pol}/bundle.json"))
    put("verify", f"signature-{pol}", r(f"{pol}/signature.json"))
    put("verify", f"provenance-{pol}", r(f"{pol}/provenance.json"))
print("seed corpora written to", out)
