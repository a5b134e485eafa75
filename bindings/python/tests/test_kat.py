"""Known-answer vectors (testdata/kat, README there) through the installed wheel.

The binding has no injectable clock (a reference time must lie within 300 s of the system
clock), so it cannot reproduce the committed JWS byte for byte. It checks instead, against
the committed bytes: the canonical bytes of every signed instance; a signature made now
with the committed key, whose payload (the content digest) must be the committed one and
whose protected header must equal the committed header once its only time-dependent member
(``iat``) is set to the vectors' reference time; and the committed transfer Bundles, which
must verify (at the current time) and stop verifying when one signature byte changes."""

from __future__ import annotations

import base64
import json
import pathlib
import re
from decimal import Decimal
from typing import Any, Dict, List, Tuple

import pytest

import sesgo

KAT = pathlib.Path(__file__).resolve().parents[3] / "testdata" / "kat"
POLICIES = [("ig-0.1.2", sesgo.POLICY_0_1_2), ("politica-0.2.0", sesgo.POLICY_0_2_0)]
# Revocation is not checked by these vectors (no OCSP/CRL for the test PKI).
NO_REVOCATION = {"revocationPolicy": "off"}


def kat(rel: str) -> bytes:
    return (KAT / rel).read_bytes()


def b64url(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def codes(outcome: Dict[str, Any]) -> List[str]:
    return [i["details"]["coding"][0]["code"] for i in outcome["issue"]]


def dumps(v: Any) -> str:
    """JSON text keeping number tokens as written (``36.50``), members in input order."""
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dumps(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dumps(x) for x in v) + "]"
    if isinstance(v, Decimal):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def targets() -> List[Tuple[str, Any]]:
    """The signed instances in Provenance.target order, numbers as Decimal tokens."""
    bundle = json.loads(kat("input/bundle.json"), parse_float=Decimal)
    prov = json.loads(kat("input/provenance.json"))
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    return [(t["reference"], by_url[t["reference"]]) for t in prov["target"]]


@pytest.fixture(scope="module")
def kat_trust() -> sesgo.TrustStore:
    # Pinned to the committed root (trusted by its fingerprint), ACs to complete chains.
    ts = sesgo.TrustStore(root_certs_pem=KAT / "pki" / "root.pem", ca_certs_pem=KAT / "pki" / "intermediates.pem")
    assert ts.root_sha256 == [kat("pki/root.sha256").decode().strip()]
    return ts


@pytest.mark.parametrize("folder,policy", POLICIES)
def test_kat(folder: str, policy: str, kat_trust: sesgo.TrustStore) -> None:
    assert kat(f"{folder}/policy-uri.txt").decode() == policy
    reference_time = int(kat("reference-time.txt"))
    bundle_bytes = kat("input/bundle.json")

    # 1. Canonical bytes of each signed instance (number tokens as in the input: 36.50
    #    stays 36.50 under 0.2.0).
    for i, (_, resource) in enumerate(targets()):
        got = sesgo.canonicalize(dumps(resource).encode(), policy=policy)
        assert got == kat(f"{folder}/canonical-{i}.json"), (folder, i)

    # 2. Signing now with the committed key (legacy 3DES PKCS#12): same digest, same header
    #    apart from iat.
    signer = sesgo.Signer.from_pkcs12(KAT / "pki" / "signer-3des.p12", "teste123", alias="kat teste")
    signed = sesgo.sign(bundle_bytes, kat("input/provenance.json"), signer, kat_trust, policy=policy, settings=NO_REVOCATION)
    assert signed["warnings"] is None
    jws = json.loads(base64.b64decode(signed["signature"]["data"]))
    committed = json.loads(kat(f"{folder}/jws.json"))
    assert jws["payload"] == committed["payload"]
    assert b64url(jws["payload"]).hex() == kat(f"{folder}/digest.hex").decode()
    header = b64url(jws["signatures"][0]["protected"])
    normalized, n = re.subn(rb',"iat":[0-9]+,', b',"iat":%d,' % reference_time, header)
    assert n == 1
    assert normalized == kat(f"{folder}/protected-header.json")

    # 3. The committed transfer Bundle verifies; Signature.data with one byte of the
    #    signature value changed does not.
    v = sesgo.verify(bundle=kat(f"{folder}/bundle.json"), trust_store=kat_trust, policy=policy, settings=NO_REVOCATION)
    assert v["valid"] is True, v
    assert codes(v["outcome"])[0] == "VALIDATION.SUCCESS"
    text = kat(f"{folder}/jws.json")
    at = text.index(b'"signature":"') + len(b'"signature":"')
    flipped = text[:at] + (b"B" if text[at:at + 1] == b"A" else b"A") + text[at + 1:]
    assert base64.b64encode(text) == kat(f"{folder}/signature-data.txt")
    v = sesgo.verify(signature_data=base64.b64encode(flipped).decode(), trust_store=kat_trust, settings=NO_REVOCATION)
    assert v["valid"] is False
    assert codes(v["outcome"]) == ["VALIDATION.SIGNATURE-VERIFICATION-FAILED"]
    assert v["outcome"]["issue"][0]["location"] == ["Signature.data#signature"]
