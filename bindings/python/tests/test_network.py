"""AIA chain completion through the loopback server xtask runs (issue 18), offline mode,
and a Python callable as transport."""

from __future__ import annotations

import os
import pathlib
from typing import Any, Dict, List, Optional, Tuple

import pytest

import sesgo


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
