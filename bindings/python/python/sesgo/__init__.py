"""sesgo: sign and verify FHIR R4 content with ICP-Brasil certificates, as the security
guide of the Goiás state health secretariat (SES-GO) requires.

Inputs may be ``dict``/``list`` (serialized with :mod:`json`), ``str`` or ``bytes``. Pass
``str``/``bytes`` when number tokens must be kept exactly as written (policy 0.2.0 signs
``36.50`` as ``36.50``; Python's ``json`` would turn it into ``36.5`` before sesgo sees it).

Every failure raises a :class:`sesgo.exceptions.SesgoError` subclass carrying the guide's
code (``situacao-excepcional-assinatura``), location, diagnostics and OperationOutcome.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Union

from . import _sesgo
from .exceptions import SesgoError, SesgoSystemError

__all__ = [
    "__version__",
    "POLICY_0_1_2",
    "POLICY_0_2_0",
    "canonicalize",
    "check_references",
    "build_bundle",
    "SesgoError",
]

#: ABI version this Python package was written for; the native module must match.
_ABI_VERSION = 1

POLICY_0_1_2 = "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2"
POLICY_0_2_0 = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"

JsonInput = Union[Dict[str, Any], List[Any], str, bytes, bytearray, memoryview]


def _check_abi(found: int) -> None:
    """Refuses a native module built for another ABI version."""
    if found != _ABI_VERSION:
        raise SesgoSystemError(
            "SYSTEM.INCOMPATIBLE-LIBRARY-VERSION",
            "error",
            None,
            f"biblioteca nativa sesgo._sesgo com ABI {found}; este pacote exige ABI {_ABI_VERSION}",
            {},
        )


_check_abi(_sesgo.abi_version())

__version__: str = _sesgo.version()


def _json_bytes(value: JsonInput) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _options(**kw: Any) -> bytes:
    return json.dumps({k: v for k, v in kw.items() if v is not None}).encode("utf-8")


def canonicalize(resource: JsonInput, *, policy: Optional[str] = None) -> bytes:
    """The canonical bytes of one FHIR resource exactly as a signature covers it: unsigned
    elements removed (``id``, ``meta.versionId``, ...), then RFC 8785 JCS (policy 0.1.x,
    the default) or ``fhir-json-lossless/0.2.0``. Useful to debug a digest mismatch."""
    return _sesgo.canonicalize(_json_bytes(resource), _options(policy=policy))


def check_references(
    bundle: JsonInput,
    provenance: Optional[JsonInput] = None,
    *,
    policy: Optional[str] = None,
    validating: bool = False,
    strict_order: bool = False,
    max_entries_bundle: Optional[int] = None,
    raw: bool = False,
) -> Any:
    """Checks a Bundle (and the Provenance designating its signed set) against the guide's
    structural and reference rules. Returns the OperationOutcome (``dict``, or JSON bytes
    with ``raw=True``): ``VALIDATION.SUCCESS``, or every finding with its location.
    Raises only when an input is not JSON or an option is invalid."""
    out = _sesgo.check_references(
        _json_bytes(bundle),
        None if provenance is None else _json_bytes(provenance),
        _options(
            policy=policy,
            validating=validating,
            strictOrder=strict_order,
            maxEntriesBundle=max_entries_bundle,
        ),
    )
    return out if raw else json.loads(out)


def build_bundle(
    resources: JsonInput,
    *,
    bundle_type: Optional[str] = None,
    base_url: Optional[str] = None,
    external: Optional[List[Dict[str, Any]]] = None,
    raw: bool = False,
) -> Any:
    """Builds a transfer Bundle from resources with server ids and relative references:
    fresh ``urn:uuid`` fullUrls, internal references rewritten, references to resources
    outside the set replaced as ``external`` says (``[{"reference": "Practitioner/7",
    "identifier": {...}, "display": "..."}]``) or refused with a
    :class:`~sesgo.exceptions.FormatError`."""
    out = _sesgo.build_bundle(
        _json_bytes(resources),
        _options(bundleType=bundle_type, baseUrl=base_url, external=external),
    )
    return out if raw else json.loads(out)
