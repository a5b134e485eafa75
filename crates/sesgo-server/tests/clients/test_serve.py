"""`sesgo serve` from Python with `requests` (issue 27), run by `cargo xtask test serve`
against real servers on 127.0.0.1 (see serve_curl.sh for the environment)."""

import json
import os
import pathlib

import pytest
import requests

URL = os.environ["SESGO_URL"]
TLS_URL = os.environ["SESGO_TLS_URL"]
EXAMPLES = pathlib.Path(os.environ["SESGO_EXAMPLES"])
ROOT = os.environ["SESGO_ROOT_PEM"]
CLIENT = (os.environ["SESGO_CLIENT_PEM"], os.environ["SESGO_CLIENT_KEY"])
TOKEN = os.environ["SESGO_TOKEN"]
P020 = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"
P012 = "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2"
JSON = {"Content-Type": "application/json"}
FHIR = {"Content-Type": "application/fhir+json"}


def first_code(response: requests.Response) -> str:
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    return outcome["issue"][0]["details"]["coding"][0]["code"]


def codes(response: requests.Response) -> list:
    return [i["details"]["coding"][0]["code"] for i in response.json()["issue"]]


def sign_envelope(policy: str) -> bytes:
    # The files' bytes verbatim: json.loads/json.dumps would turn 36.50 into 36.5.
    bundle = (EXAMPLES / "bundle.json").read_bytes()
    provenance = (EXAMPLES / "provenance.json").read_bytes()
    return (
        b'{"bundle":' + bundle + b',"provenance":' + provenance
        + b',"options":{"policy":' + json.dumps(policy).encode() + b"}}"
    )


@pytest.mark.parametrize("policy", [P012, P020])
def test_sign_then_verify(policy: str) -> None:
    params = (
        b'{"resourceType":"Parameters","parameter":[{"name":"bundle","resource":'
        + (EXAMPLES / "bundle.json").read_bytes()
        + b'},{"name":"provenance","resource":'
        + (EXAMPLES / "provenance.json").read_bytes()
        + b'},{"name":"policy","valueUri":' + json.dumps(policy).encode() + b"}]}"
    )
    signed = requests.post(f"{URL}/Bundle/$sign", data=params, headers=FHIR, timeout=60)
    assert signed.status_code == 200, signed.text
    transfer = signed.content  # exact bytes
    verified = requests.post(f"{URL}/Bundle/$verify", data=transfer, headers=FHIR, timeout=60)
    assert verified.status_code == 200
    assert first_code(verified) == "VALIDATION.SUCCESS"
    report = requests.post(
        f"{URL}/verify",
        data=b'{"bundle":' + transfer + b"}",
        headers=JSON,
        timeout=60,
    ).json()
    assert report["valid"] is True
    assert report["signatures"][0]["policy"] == policy
    tampered = transfer.replace(b"36.50", b"36.51", 1)
    bad = requests.post(f"{URL}/Bundle/$verify", data=tampered, headers=FHIR, timeout=60)
    assert bad.status_code == 200
    assert "CRYPTO.HASH-VERIFICATION-FAILED" in codes(bad)


def test_sign_envelope_and_tools() -> None:
    signed = requests.post(f"{URL}/sign", data=sign_envelope(P020), headers=JSON, timeout=60)
    assert signed.status_code == 200, signed.text
    assert signed.json()["signature"]["who"]["identifier"]["value"] == "12345678909"
    canon = requests.post(
        f"{URL}/canonicalize",
        data=b'{"resource":{"resourceType":"Observation","id":"x","valueQuantity":{"value":36.50}},"options":{"policy":"'
        + P020.encode()
        + b'"}}',
        headers=JSON,
        timeout=60,
    )
    assert canon.content == b'{"resourceType":"Observation","valueQuantity":{"value":36.50}}'
    refs = requests.post(
        f"{URL}/refs/check",
        data=b'{"bundle":' + (EXAMPLES / "bundle.json").read_bytes() + b"}",
        headers=JSON,
        timeout=60,
    )
    assert refs.status_code == 200
    assert first_code(refs) == "VALIDATION.SUCCESS"
    policies = requests.get(f"{URL}/policies", timeout=60).json()
    assert P020 in [p["uri"] for p in policies["policies"]]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"{", JSON, 400, "FORMAT.JSON-MALFORMED"),
        (b'{"bundel":{}}', JSON, 400, "CONFIG.INVALID-PARAMETER"),
        (b'{"bundle":{"resourceType":"Bundle"},"options":{"policy":"urn:x"}}', JSON, 400, "POLICY.URI-INVALID"),
        (b"{}", {"Content-Type": "text/plain"}, 415, "CONFIG.INVALID-PARAMETER"),
        (b" " * 300_000, JSON, 413, "SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED"),
    ],
)
def test_unusable_input(body: bytes, headers: dict, status: int, code: str) -> None:
    r = requests.post(f"{URL}/verify", data=body, headers=headers, timeout=60)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/fhir+json"
    assert first_code(r) == code
    assert len(r.headers["X-Request-Id"]) == 36


def test_tls_client_certificate_and_bearer_token() -> None:
    transfer = requests.post(
        f"{URL}/Bundle/$sign",
        data=b'{"resourceType":"Parameters","parameter":[{"name":"bundle","resource":'
        + (EXAMPLES / "bundle.json").read_bytes()
        + b'},{"name":"provenance","resource":'
        + (EXAMPLES / "provenance.json").read_bytes()
        + b"}]}",
        headers=FHIR,
        timeout=60,
    ).content
    anon = requests.post(f"{TLS_URL}/Bundle/$verify", data=transfer, headers=FHIR, verify=ROOT, timeout=60)
    assert anon.status_code == 401
    assert anon.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = requests.post(
        f"{TLS_URL}/Bundle/$verify",
        data=transfer,
        headers={**FHIR, "Authorization": "Bearer not-the-right-token-at-all"},
        verify=ROOT,
        timeout=60,
    )
    assert wrong.status_code == 401
    assert first_code(wrong) == "CONFIG.INVALID-PARAMETER"
    token = requests.post(
        f"{TLS_URL}/Bundle/$verify",
        data=transfer,
        headers={**FHIR, "Authorization": f"Bearer {TOKEN}"},
        verify=ROOT,
        timeout=60,
    )
    assert first_code(token) == "VALIDATION.SUCCESS"
    cert = requests.post(f"{TLS_URL}/Bundle/$verify", data=transfer, headers=FHIR, verify=ROOT, cert=CLIENT, timeout=60)
    assert first_code(cert) == "VALIDATION.SUCCESS"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{TLS_URL}/health", timeout=60)
