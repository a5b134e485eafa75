"""Access tokens from the live Keycloak that ``cargo xtask test keycloak`` starts (its
description in ``SESGO_KEYCLOAK``). The plain Python suite has no Keycloak: these tests
are skipped there and run, never skipped, by the Keycloak suite."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pathlib
from typing import Any, Dict

import pytest

import sesgo
from sesgo.exceptions import SesgoError

pytestmark = pytest.mark.skipif(
    not os.environ.get("SESGO_KEYCLOAK"), reason="needs `cargo xtask test keycloak`"
)


@pytest.fixture(scope="module")
def kc() -> Dict[str, Any]:
    path = os.environ["SESGO_KEYCLOAK"]
    d: Dict[str, Any] = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    return d


def _signer(pki: Dict[str, Any]) -> sesgo.Signer:
    return sesgo.Signer.from_pkcs12(pki["p12Ecnpj"], pki["password"])


def _x5t(pki: Dict[str, Any]) -> str:
    der = sesgo.export_certificate(pki["ecnpj"]["certPem"], format="der")
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def test_both_variants_give_a_certificate_bound_token(
    kc: Dict[str, Any], pki: Dict[str, Any]
) -> None:
    ca = pathlib.Path(kc["caPem"]).read_text(encoding="ascii")
    signer = _signer(pki)
    a = sesgo.token(
        signer,
        issuer=kc["issuer"],
        client_id=kc["mtlsClient"]["clientId"],
        client_secret=kc["mtlsClient"]["secret"],
        ca_certs_pem=ca,
        cache=False,
    )
    b = sesgo.token(
        signer,
        token_endpoint=kc["tokenEndpoint"],
        client_id=kc["jwtClient"]["clientId"],
        assertion=True,
        ca_certs_pem=ca,
        cache=False,
    )
    for t in (a, b):
        assert t["tokenType"] == "Bearer"
        assert t["cnfX5tS256"] == _x5t(pki)
        assert t["response"]["access_token"] == t["accessToken"]


def test_bearer_auth_helper_sets_the_header(kc: Dict[str, Any], pki: Dict[str, Any]) -> None:
    class Req:
        headers: Dict[str, str] = {}

    auth = sesgo.BearerAuth(
        _signer(pki),
        issuer=kc["issuer"],
        client_id=kc["mtlsClient"]["clientId"],
        client_secret=kc["mtlsClient"]["secret"],
        ca_certs_pem=pathlib.Path(kc["caPem"]).read_text(encoding="ascii"),
    )
    req = auth(Req())
    assert req.headers["Authorization"].startswith("Bearer ey")
    assert "***" in repr(auth)


def test_wrong_secret_is_a_coded_error(kc: Dict[str, Any], pki: Dict[str, Any]) -> None:
    with pytest.raises(SesgoError) as e:
        sesgo.token(
            _signer(pki),
            issuer=kc["issuer"],
            client_id=kc["mtlsClient"]["clientId"],
            client_secret="errado",
            ca_certs_pem=pathlib.Path(kc["caPem"]).read_text(encoding="ascii"),
            cache=False,
        )
    assert e.value.code == "CONFIG.INVALID-PARAMETER"
    assert "errado" not in str(e.value)
