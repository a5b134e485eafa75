"""Fixtures over the test PKI `cargo xtask test python` generates (its manifest path is in
``SESGO_TEST_PKI``). Without it the signing tests fail: they never skip."""

from __future__ import annotations

import json
import os
import pathlib
import time
from typing import Any, Dict

import pytest

import sesgo

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"


def pytest_configure(config: pytest.Config) -> None:
    # The wheel `cargo xtask test python` builds with `--features testing` has the hooks;
    # the sdist a user installs has none, and its run deselects these (`-m "not hooks"`).
    config.addinivalue_line("markers", "hooks: needs the test wheel's _testing_* hooks")


@pytest.fixture(scope="session")
def pki() -> Dict[str, Any]:
    path = os.environ.get("SESGO_TEST_PKI")
    assert path, "SESGO_TEST_PKI is not set: run the suite with `cargo xtask test python`"
    manifest: Dict[str, Any] = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    return manifest


@pytest.fixture(scope="session")
def now(pki: Dict[str, Any]) -> int:
    # The test PKI's certificates become valid when generated: read the clock after it.
    return int(time.time())


@pytest.fixture(scope="session")
def trust(pki: Dict[str, Any]) -> sesgo.TrustStore:
    return sesgo.TrustStore(root_sha256=[pki["rootSha256"]], ca_certs_pem=pki["chainPem"])


@pytest.fixture(scope="session")
def p12_signer(pki: Dict[str, Any]) -> sesgo.Signer:
    return sesgo.Signer.from_pkcs12(pki["p12Aes"], pki["password"])


@pytest.fixture(scope="session")
def leaf_and_chain_pem(pki: Dict[str, Any]) -> bytes:
    return (
        pathlib.Path(pki["ecpf"]["certPem"]).read_bytes()
        + pathlib.Path(pki["chainPem"]).read_bytes()
    )


@pytest.fixture(scope="session")
def bundle_bytes() -> bytes:
    return (EXAMPLES / "bundle.json").read_bytes()


@pytest.fixture(scope="session")
def provenance_bytes() -> bytes:
    return (EXAMPLES / "provenance.json").read_bytes()
