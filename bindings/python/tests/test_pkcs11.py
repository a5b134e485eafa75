"""Signer.from_pkcs11 with a SoftHSM2 token holding the test PKI's e-CPF key (the manifest's
``pkcs11`` member; ``cargo xtask test python`` exports ``SOFTHSM2_CONF``)."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

import pytest

import sesgo
from sesgo.exceptions import SesgoError

P020 = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"


@pytest.fixture(scope="module")
def hsm(pki: Dict[str, Any]) -> Dict[str, Any]:
    h: Dict[str, Any] = pki["pkcs11"]
    # SoftHSM2 reads SOFTHSM2_CONF when the module is first loaded in this process.
    os.environ.setdefault("SOFTHSM2_CONF", h["conf"])
    return h


def test_sign_through_softhsm_equals_pkcs12_and_verifies(
    hsm: Dict[str, Any],
    p12_signer: sesgo.Signer,
    trust: sesgo.TrustStore,
    bundle_bytes: bytes,
    provenance_bytes: bytes,
    now: int,
) -> None:
    asked: List[int] = []

    def pin(attempt: int) -> str:
        asked.append(attempt)
        return str(hsm["pin"])

    signer = sesgo.Signer.from_pkcs11(
        hsm["module"],
        pin,
        token_label=hsm["tokenLabel"],
        key_id=hsm["keyId"],
        settings={"maxRetries": 0, "sessionMode": "read-only"},
    )
    assert asked == [1]
    assert signer.certificate_chain[0] == p12_signer.certificate_chain[0]
    a = sesgo.sign(bundle_bytes, provenance_bytes, signer, trust, policy=P020, reference_time=now)
    b = sesgo.sign(
        bundle_bytes, provenance_bytes, p12_signer, trust, policy=P020, reference_time=now
    )
    # Header, payload and RS256 value: the same bytes as the PKCS#12 key's.
    assert a["signature"]["data"] == b["signature"]["data"]
    v = sesgo.verify(
        trust_store=trust,
        signature_data=a["signature"]["data"],
        policy=P020,
        reference_time=now,
        settings={"revocationPolicy": "warn"},
    )
    assert v["valid"], json.dumps(v["outcome"])

    with pytest.raises(SesgoError) as e:
        sesgo.Signer.from_pkcs11(
            hsm["module"], "000000", token_label=hsm["tokenLabel"], key_id=hsm["keyId"]
        )
    assert e.value.code == "CRYPTO.PIN-INVALID"
    assert e.value.location == "pkcs11.pin"
