"""What users would pick instead (issue 11; docs/adr/0024).

A competent integrator's pure-Python policy-0.1.2 pipeline (json + rfc8785 + hashlib +
cryptography), timed against the same operations through the sesgo wheel, on the same
generated inputs. Correctness cross-check: the canonical bytes and the content digests of
both sides must be byte-identical (and each side must accept the other's signature when
the wheel can sign); any difference fails the harness (exit status 1).

usage: pipeline_bench.py --pki MANIFEST --data DIR --sizes 1KB,100KB --out RESULTS.json
                         [--min-time SECONDS] [--quick]

The pure pipeline mirrors sesgo's policy-0.1 digest exactly (IG-DIGEST, criar Etapas 3-8):
for each `Provenance.target[i]` in order, the Bundle entry whose `fullUrl` equals the
reference; root `id` removed; `meta.versionId/lastUpdated/source/tag` removed and `meta`
dropped when nothing is left; RFC 8785 (JCS); digest = SHA-256(C_0 || C_1 || ...); the JWS
payload is its base64url; the protected header is
{"alg":"RS256","x5c":[...],"iat":...,"sigPId":{"id":<policy URI>}}; RS256 signature.
Verification checks the header, the x5c chain up to a trusted root fingerprint (cached per
chain, as sesgo's trust store caches chain validation), the RS256 signature and the digest.
Revocation is off on both sides (online revocation is not built in sesgo yet).
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime
import hashlib
import json
import statistics
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import sesgo

POLICY = (
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2"
)
META_STRIPPED = ("versionId", "lastUpdated", "source", "tag")
SETTINGS = {"revocationPolicy": "off"}


class CrossCheckFailed(Exception):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ---------------------------------------------------------------------------------------
# The pure-Python pipeline
# ---------------------------------------------------------------------------------------


def strip_01(resource: Dict[str, Any]) -> Dict[str, Any]:
    """Unsigned elements under policy 0.1 (root id; meta bookkeeping)."""
    out = {k: v for k, v in resource.items() if k != "id"}
    meta = out.get("meta")
    if isinstance(meta, dict):
        kept = {k: v for k, v in meta.items() if k not in META_STRIPPED}
        if kept:
            out["meta"] = kept
        else:
            del out["meta"]
    return out


def signed_set(bundle: Dict[str, Any], provenance: Dict[str, Any]) -> List[Dict[str, Any]]:
    by_url = {e.get("fullUrl"): e.get("resource") for e in bundle["entry"]}
    return [by_url[t["reference"]] for t in provenance["target"]]


def pure_digest(resources: List[Dict[str, Any]]) -> bytes:
    h = hashlib.sha256()
    for r in resources:
        h.update(rfc8785.dumps(strip_01(r)))
    return h.digest()


def pure_canonicalize(data: bytes) -> bytes:
    return rfc8785.dumps(strip_01(json.loads(data)))


class PureSigner:
    def __init__(self, key_pem: bytes, chain_der: List[bytes], cpf: str) -> None:
        key = serialization.load_pem_private_key(key_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self.key = key
        self.x5c = [base64.b64encode(d).decode("ascii") for d in chain_der]
        self.cpf = cpf

    def sign(self, bundle_bytes: bytes, provenance_bytes: bytes) -> Dict[str, Any]:
        bundle = json.loads(bundle_bytes)
        provenance = json.loads(provenance_bytes)
        resources = signed_set(bundle, provenance)
        digest = pure_digest(resources)
        iat = int(time.time())
        header = {"alg": "RS256", "x5c": self.x5c, "iat": iat, "sigPId": {"id": POLICY}}
        protected = b64url(json.dumps(header, separators=(",", ":")).encode())
        payload = b64url(digest)
        signature = self.key.sign(
            f"{protected}.{payload}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        jws = {
            "payload": payload,
            "signatures": [{"protected": protected, "signature": b64url(signature)}],
        }
        when = datetime.datetime.fromtimestamp(iat, datetime.timezone.utc)
        sig_element = {
            "type": [{"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.5"}],
            "when": when.isoformat().replace("+00:00", "Z"),
            "who": {"identifier": {"system": "urn:brasil:cpf", "value": self.cpf}},
            "targetFormat": "application/octet-stream",
            "sigFormat": "application/jose",
            "data": base64.b64encode(json.dumps(jws, separators=(",", ":")).encode()).decode(),
        }
        signed_prov = copy.deepcopy(provenance)
        signed_prov["signature"] = [sig_element]
        transfer = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": t["reference"], "resource": r}
                for t, r in zip(provenance["target"], resources)
            ]
            + [{"resource": signed_prov}],
        }
        return {"signature": sig_element, "provenance": signed_prov, "bundle": transfer}


class PureVerifier:
    def __init__(self, root_sha256: List[str]) -> None:
        self.roots = {r.lower() for r in root_sha256}
        self.chain_cache: Dict[Tuple[str, ...], Tuple[x509.Certificate, float, float]] = {}

    def _chain(self, x5c: List[str], now: datetime.datetime) -> x509.Certificate:
        key = tuple(x5c)
        hit = self.chain_cache.get(key)
        if hit is None:
            certs = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in x5c]
            for child, issuer in zip(certs, certs[1:]):
                child.verify_directly_issued_by(issuer)
            last = certs[-1]
            if len(certs) == 1 or last.issuer != last.subject:
                raise ValueError("x5c does not end at a root")
            last.verify_directly_issued_by(last)
            if hashlib.sha256(last.public_bytes(serialization.Encoding.DER)).hexdigest() not in self.roots:
                raise ValueError("untrusted root")
            nb = max(c.not_valid_before_utc.timestamp() for c in certs)
            na = min(c.not_valid_after_utc.timestamp() for c in certs)
            hit = (certs[0], nb, na)
            self.chain_cache[key] = hit
        leaf, nb, na = hit
        if not nb <= now.timestamp() <= na:
            raise ValueError("certificate outside its validity")
        return leaf

    def verify(self, transfer_bytes: bytes) -> bytes:
        """Raises on any failure; returns the verified content digest."""
        bundle = json.loads(transfer_bytes)
        entries = bundle["entry"]
        prov = next(
            e["resource"]
            for e in entries
            if e["resource"].get("resourceType") == "Provenance" and e["resource"].get("signature")
        )
        jws = json.loads(base64.b64decode(prov["signature"][0]["data"], validate=True))
        s0 = jws["signatures"][0]
        header = json.loads(b64url_decode(s0["protected"]))
        if header.get("alg") != "RS256" or header.get("sigPId", {}).get("id") != POLICY:
            raise ValueError("unexpected header")
        leaf = self._chain(header["x5c"], datetime.datetime.now(datetime.timezone.utc))
        pub = leaf.public_key()
        assert isinstance(pub, rsa.RSAPublicKey)
        pub.verify(
            b64url_decode(s0["signature"]),
            f"{s0['protected']}.{jws['payload']}".encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        by_url = {e.get("fullUrl"): e.get("resource") for e in entries}
        digest = pure_digest([by_url[t["reference"]] for t in prov["target"]])
        if b64url(digest) != jws["payload"]:
            raise ValueError("content digest does not match the payload")
        return digest


# ---------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------


def timed(f: Callable[[], Any], min_time: float, quick: bool) -> float:
    """Median seconds per call (at least 3 calls, at least min_time in total; 1 call when quick)."""
    f()  # warm-up
    if quick:
        t = time.perf_counter()
        f()
        return time.perf_counter() - t
    samples: List[float] = []
    start = time.perf_counter()
    while len(samples) < 3 or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        f()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def payload_of(signature: Dict[str, Any]) -> bytes:
    jws = json.loads(base64.b64decode(signature["data"]))
    return b64url_decode(jws["payload"])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pki", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--min-time", type=float, default=3.0)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()

    m = json.load(open(a.pki, encoding="utf-8"))
    chain_der = [open(m[k]["certDer"], "rb").read() for k in ("ecpf", "ac2", "ac1", "root")]
    pure_signer = PureSigner(open(m["ecpf"]["keyPem"], "rb").read(), chain_der, "12345678909")
    pure_verifier = PureVerifier([m["rootSha256"]])
    chain_pem = open(m["chainPem"], encoding="ascii").read()

    has_sign = hasattr(sesgo, "sign") and hasattr(sesgo, "verify") and hasattr(sesgo, "Signer")
    if has_sign:
        signer = sesgo.Signer.from_pkcs12(m["p12Aes"], m["password"])  # type: ignore[attr-defined]
        # PEM as bytes: a str is read as a path by the binding.
        trust = sesgo.TrustStore(  # type: ignore[attr-defined]
            root_sha256=[m["rootSha256"]], ca_certs_pem=chain_pem.encode("ascii")
        )

    results: Dict[str, Any] = {
        "python": sys.version.split()[0],
        "sesgoVersion": getattr(sesgo, "__version__", None),
        "rfc8785": getattr(rfc8785, "__version__", None),
        "wheelHasSign": has_sign,
        "sizes": {},
    }
    for label in [s for s in a.sizes.split(",") if s]:
        bundle = open(f"{a.data}/bundle-{label}.json", "rb").read()
        prov = open(f"{a.data}/provenance-{label}.json", "rb").read()
        r: Dict[str, Any] = {"bytes": len(bundle)}

        # Cross-check 1: canonical bytes of the whole Bundle.
        pure_c = pure_canonicalize(bundle)
        wheel_c = sesgo.canonicalize(bundle)
        if pure_c != wheel_c:
            raise CrossCheckFailed(f"{label}: canonical bytes differ (pure {len(pure_c)} B, wheel {len(wheel_c)} B)")
        # Cross-check 2: the content digest, through the wheel's canonicalize per resource.
        resources = signed_set(json.loads(bundle), json.loads(prov))
        expected = pure_digest(resources)
        h = hashlib.sha256()
        for res in resources:
            h.update(sesgo.canonicalize(json.dumps(res).encode()))
        if h.digest() != expected:
            raise CrossCheckFailed(f"{label}: content digests differ (canonicalize path)")
        r["digestSha256"] = expected.hex()

        r["pure_canonicalize_s"] = timed(lambda: pure_canonicalize(bundle), a.min_time, a.quick)
        r["wheel_canonicalize_s"] = timed(lambda: sesgo.canonicalize(bundle), a.min_time, a.quick)

        pure_out = pure_signer.sign(bundle, prov)
        pure_transfer = json.dumps(pure_out["bundle"]).encode()
        if pure_verifier.verify(pure_transfer) != expected:
            raise CrossCheckFailed(f"{label}: pure verify digest differs")
        r["pure_sign_s"] = timed(lambda: pure_signer.sign(bundle, prov), a.min_time, a.quick)
        r["pure_verify_s"] = timed(lambda: pure_verifier.verify(pure_transfer), a.min_time, a.quick)

        if has_sign:
            out = sesgo.sign(bundle, prov, signer, trust, settings=SETTINGS)  # type: ignore[attr-defined]
            # Cross-check 3: sesgo's signed payload is the pure digest, and each side
            # accepts the other's transfer Bundle where it can (pure verifies sesgo's).
            if payload_of(out["signature"]) != expected:
                raise CrossCheckFailed(f"{label}: sesgo's JWS payload differs from the pure digest")
            # sesgo.dumps: sesgo's results hold numbers as exact Decimals.
            transfer = sesgo.dumps(out["bundle"]).encode()  # type: ignore[attr-defined]
            if pure_verifier.verify(transfer) != expected:
                raise CrossCheckFailed(f"{label}: pure verifier rejects sesgo's signature")
            v = sesgo.verify(bundle=transfer, trust_store=trust, settings=SETTINGS)  # type: ignore[attr-defined]
            if not v["valid"]:
                raise CrossCheckFailed(f"{label}: sesgo rejects its own signature: {v}")
            r["wheel_sign_s"] = timed(
                lambda: sesgo.sign(bundle, prov, signer, trust, settings=SETTINGS),  # type: ignore[attr-defined]
                a.min_time,
                a.quick,
            )
            # The same signature returned as the exact bytes to send (no Python objects
            # built from the result).
            r["wheel_sign_parts_s"] = timed(
                lambda: sesgo.sign_parts(bundle, prov, signer, trust, settings=SETTINGS),  # type: ignore[attr-defined]
                a.min_time,
                a.quick,
            )
            # Reference for a sign that returns Python objects: building (and freeing) the
            # objects of the same result with CPython's own C decoder, plain floats.
            raw_out = sesgo.sign(bundle, prov, signer, trust, settings=SETTINGS, raw=True)  # type: ignore[attr-defined]
            r["result_objects_s"] = timed(lambda: json.loads(raw_out), a.min_time, a.quick)
            r["wheel_verify_s"] = timed(
                lambda: sesgo.verify(bundle=transfer, trust_store=trust, settings=SETTINGS),  # type: ignore[attr-defined]
                a.min_time,
                a.quick,
            )
        results["sizes"][label] = r
        print(f"pipeline_bench: {label}: {json.dumps(r)}", file=sys.stderr)

    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CrossCheckFailed as e:
        print(f"pipeline_bench: CROSS-CHECK FAILED: {e}", file=sys.stderr)
        sys.exit(1)
