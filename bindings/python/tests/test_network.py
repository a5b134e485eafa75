"""AIA chain completion through the loopback server xtask runs (issue 18), offline mode,
and a Python callable as transport."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, List, Optional, Tuple

import pytest

import sesgo

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture()
def online(pki: Dict[str, Any]) -> Dict[str, Any]:
    o: Dict[str, Any] = pki["online"]
    return o


def _root_store(online: Dict[str, Any]) -> sesgo.TrustStore:
    return sesgo.TrustStore(root_sha256=[online["rootSha256"]])


def test_a_leaf_is_completed_through_aia(online: Dict[str, Any], tmp_path: pathlib.Path) -> None:
    leaf = pathlib.Path(online["ecpf"]["certPem"]).read_text()
    plain = _root_store(online)
    with pytest.raises(sesgo.SesgoError) as e:
        sesgo.build_x5c(leaf, trust_store=plain)
    assert e.value.code == "CERT.CHAIN-INCOMPLETE"

    offline = sesgo.network(offline=True, cache_dir=tmp_path / "cache")
    assert offline.offline
    with pytest.raises(sesgo.SesgoError) as e:
        sesgo.build_x5c(leaf, trust_store=offline.trust_store(plain))
    assert e.value.code == "CERT.CHAIN-INCOMPLETE"
    assert "offline" in str(e.value)

    net = sesgo.network(cache_dir=tmp_path / "cache")
    x5c = sesgo.build_x5c(leaf, trust_store=net.trust_store(plain))
    assert len(x5c) == 4
    # Now cached: offline works too.
    assert sesgo.build_x5c(leaf, trust_store=offline.trust_store(plain)) == x5c


def test_a_python_callable_is_the_transport(online: Dict[str, Any], tmp_path: pathlib.Path) -> None:
    base = online["baseUrl"]
    www = pathlib.Path(online["www"])
    calls: List[Tuple[str, str, str]] = []

    def fetch(
        method: str,
        url: str,
        purpose: str,
        headers: Dict[str, str],
        body: Optional[bytes],
        timeout: float,
        max_bytes: int,
    ) -> Tuple[int, Optional[str], bytes]:
        calls.append((method, url, purpose))
        assert timeout > 0 and max_bytes > 0 and body is None
        path = www / url[len(base) + 1 :]
        if not url.startswith(base) or not path.is_file():
            return 404, None, b""
        return 200, "application/octet-stream", path.read_bytes()

    net = sesgo.network(cache_dir=tmp_path / "cache", fetch=fetch)
    leaf = pathlib.Path(online["ecpf"]["certPem"])
    x5c = sesgo.build_x5c(leaf, trust_store=net.trust_store(_root_store(online)))
    assert len(x5c) == 4
    assert [c[2] for c in calls] == ["aia", "aia", "aia"]
    assert calls[0][1].endswith("/aia/ac2.p7b")

    def broken(*args: Any) -> Tuple[int, Optional[str], bytes]:
        raise ConnectionError("sem rota")

    net = sesgo.network(cache_dir=tmp_path / "other", fetch=broken)
    with pytest.raises(sesgo.SesgoError) as e:
        sesgo.build_x5c(leaf, trust_store=net.trust_store(_root_store(online)))
    assert e.value.code == "CERT.CHAIN-INCOMPLETE"
    assert "ConnectionError" in str(e.value)


def test_refresh_needs_https_and_reports_offline(tmp_path: pathlib.Path) -> None:
    with pytest.raises(sesgo.SesgoError) as e:
        sesgo.network(cache_dir=tmp_path, trust_store_zip_url="http://127.0.0.1:1/a.zip")
    assert e.value.code == "CONFIG.TRUST-STORE-URL-INVALID"
    net = sesgo.network(offline=True, cache_dir=tmp_path)
    with pytest.raises(sesgo.SesgoError) as e:
        net.refresh_trust_store()
    assert e.value.code == "NETWORK.HASH-DOWNLOAD-FAILED"
    assert os.path.isdir(net.cache_dir or "")


def _files(online: Dict[str, Any], calls: List[str]) -> Any:
    """A host transport: records each request's purpose, serves GETs under the loopback
    server's URL from its directory and refuses the rest (OCSP is a POST)."""
    base = online["baseUrl"]
    www = pathlib.Path(online["www"])

    def fetch(
        method: str,
        url: str,
        purpose: str,
        headers: Dict[str, str],
        body: Optional[bytes],
        timeout: float,
        max_bytes: int,
    ) -> Tuple[int, Optional[str], bytes]:
        calls.append(purpose)
        if method != "GET" or not url.startswith(base):
            raise ConnectionRefusedError("somente arquivos")
        path = www / url[len(base) + 1 :]
        if not path.is_file():
            return 404, None, b""
        return 200, None, path.read_bytes()

    return fetch


def test_a_leaf_only_signature_verifies_strictly_through_aia(online: Dict[str, Any], tmp_path: pathlib.Path) -> None:
    # A signature whose x5c holds only the leaf (as another signer sends it), with only the
    # root trusted and the default strict revocation: the chain through AIA and the CRLs
    # from the loopback server, all through the network attached to the trust store.
    bundle = pathlib.Path(online["leafOnlyBundle"]).read_bytes()
    plain = _root_store(online)
    v = sesgo.verify(bundle=bundle, trust_store=plain)
    assert v["valid"] is False
    assert "CERT.CHAIN-INCOMPLETE" in [i["details"]["coding"][0]["code"] for i in v["outcome"]["issue"]]

    net = sesgo.network(cache_dir=tmp_path / "cache")
    v = sesgo.verify(bundle=bundle, trust_store=net.trust_store(plain))
    assert v["valid"] is True, v["outcome"]
    report = json.loads(net.trust_store_report(plain))
    assert [r["sha256"] for r in report["roots"]] == [online["rootSha256"]]
    assert any(a["url"].endswith("/aia/ac2.p7b") for a in report["aia"])
    assert report["itiArchive"] is None

    # A Python callable as transport sees the AIA, OCSP and CRL requests of verify.
    calls: List[str] = []
    host = sesgo.network(cache_dir=tmp_path / "host", fetch=_files(online, calls))
    v = sesgo.verify(bundle=bundle, trust_store=host.trust_store(plain))
    assert v["valid"] is True, v["outcome"]
    assert sorted(set(calls)) == ["aia", "crl", "ocsp"], calls
    assert calls.count("ocsp") == 3 and calls.count("crl") == 3


def test_offline_mode_reaches_nothing_and_says_so(online: Dict[str, Any], pki: Dict[str, Any], tmp_path: pathlib.Path) -> None:
    calls: List[str] = []
    # A working transport the offline setting overrides: never called.
    net = sesgo.network(offline=True, cache_dir=tmp_path / "off", fetch=_files(online, calls))
    store = sesgo.TrustStore(root_sha256=[pki["rootSha256"]], ca_certs_pem=pki["chainPem"])
    signer = sesgo.Signer.from_pkcs12(pki["p12Aes"], pki["password"])
    bundle = (EXAMPLES / "bundle.json").read_bytes()
    provenance = (EXAMPLES / "provenance.json").read_bytes()
    # OCSP and CRL under strict: REVOCATION.NO-CONNECTIVITY.
    with pytest.raises(sesgo.SesgoError) as e:
        sesgo.sign(bundle, provenance, signer, net.trust_store(store))
    assert e.value.code == "REVOCATION.NO-CONNECTIVITY"
    # The TSA: TSA.UNAVAILABLE.
    tsa = pki["tsa"]
    with pytest.raises(sesgo.SesgoError) as e:
        sesgo.sign(bundle, provenance, signer, net.trust_store(store), strategy="tsa",
                   settings={"revocationPolicy": "off", "tsaUrl": tsa["url"]})
    assert e.value.code == "TSA.UNAVAILABLE"
    # A token: CONFIG.INVALID-PARAMETER at "network".
    with pytest.raises(sesgo.SesgoError) as e:
        sesgo.token(signer, client_id="c", client_secret="s", token_endpoint="https://127.0.0.1:1/token",
                    cache=False, network=net)
    assert e.value.code == "CONFIG.INVALID-PARAMETER"
    assert e.value.location == "network"
    assert calls == []
