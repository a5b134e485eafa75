"""sesgo: sign and verify FHIR R4 content with ICP-Brasil certificates, as the security
guide of the Goiás state health secretariat (SES-GO) requires.

Quick start::

    import sesgo

    signer = sesgo.Signer.from_pkcs12("medico.p12", password)
    signed = sesgo.sign_parts(bundle_bytes, provenance_bytes, signer)
    result = sesgo.verify(bundle=signed.bundle, settings={"revocationPolicy": "warn"})
    assert result["valid"], result["outcome"]

Numbers stay exactly as written. Policy 0.2.0 signs the number token itself: ``36.50``
is signed as ``36.50``, and once parsed into a Python ``float`` it would be ``36.5`` (a
different signed content). So every ``dict`` sesgo returns is decoded with
:func:`sesgo.loads`: a number with a fraction or an exponent is a
:class:`~sesgo.JsonDecimal` (a :class:`decimal.Decimal` that remembers its token), never
a ``float``; and :func:`sesgo.dumps` - also used for ``dict``/``list`` inputs - writes it
back as that token. ``sesgo.loads(sesgo.dumps(result))`` and passing a result back as a
``dict`` keep the signed content; ``json.dumps`` refuses a ``Decimal`` and
``json.loads`` makes floats, so use ``sesgo.loads``/``sesgo.dumps`` for FHIR JSON
(``json.loads(text, parse_float=decimal.Decimal)`` with ``sesgo.dumps`` is exact too,
except for tokens such as ``1e5`` or ``0.0000001`` that ``Decimal`` writes as
``1E+5``/``1E-7``).

FHIR inputs may be ``dict``/``list`` (written with :func:`sesgo.dumps`), ``str`` or
``bytes``. Results are ``dict`` by default and the exact JSON ``bytes`` with ``raw=True``
(every function), and :func:`sign_parts` gives the transfer Bundle, the signed
Provenance and the Signature as their own exact bytes.

:class:`Signer` and :class:`TrustStore` are immutable and safe to share across threads;
:func:`sign`, :func:`verify` and :func:`inspect_certificate` release the GIL while they
work.

Every failure raises a :class:`sesgo.exceptions.SesgoError` subclass carrying the guide's
code (``situacao-excepcional-assinatura``), location, diagnostics and OperationOutcome.
"""

from __future__ import annotations

import datetime
import json
import os
from types import MappingProxyType
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, TypeVar, Union

import functools

from . import _sesgo
from ._exact import JsonDecimal
from ._exact import dumps as _dumps
from ._exact import loads as _loads
from .exceptions import (
    ArgumentTypeError,
    ArgumentValueError,
    InputEncodingError,
    SesgoError,
    SesgoSystemError,
)

__all__ = [
    "__version__",
    "POLICY_0_1_2",
    "POLICY_0_2_0",
    "SUPPORTED_POLICIES",
    "DEFAULT_POLICY",
    "DEFAULT_SETTINGS",
    "VerifyItem",
    "verify_many",
    "JsonDecimal",
    "loads",
    "dumps",
    "canonicalize",
    "check_references",
    "build_bundle",
    "fill_attachment",
    "check_attachment",
    "HASH_SHA256_URL",
    "sign",
    "sign_parts",
    "Signed",
    "verify",
    "inspect_certificate",
    "export_certificate",
    "token",
    "BearerAuth",
    "Signer",
    "TrustStore",
    "Network",
    "network",
    "build_x5c",
    "SesgoError",
]

#: ABI version this Python package was written for; the native module must match.
_ABI_VERSION = 2

#: URL of the extension ``hash-sha256`` (SHA-256 of a signed attachment's content).
HASH_SHA256_URL = "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/hash-sha256"

JsonInput = Union[Dict[str, Any], List[Any], str, bytes, bytearray, memoryview]
#: The content of an attachment: its bytes, or the path of a file holding them.
Content = Union[bytes, bytearray, memoryview, "os.PathLike[str]"]
#: A reference time: Unix seconds, or a timezone-aware :class:`datetime.datetime`.
Timestamp = Union[int, datetime.datetime]


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

# Only after the ABI check: a mismatched native module may not have these.
from ._sesgo import Network, Signer, TrustStore  # noqa: E402

__version__: str = _sesgo.version()

# Policy URIs come from the native library (one source of truth, ADR 0042).
_POLICIES: Dict[str, Any] = json.loads(_sesgo.policies())
#: Every signature policy the native library supports (URIs).
SUPPORTED_POLICIES: List[str] = [p["uri"] for p in _POLICIES["policies"]]
#: The policy used for signing when none is given.
DEFAULT_POLICY: str = _POLICIES["default"]
POLICY_0_1_2: str = next(u for u in SUPPORTED_POLICIES if u.endswith("|0.1.2"))
POLICY_0_2_0: str = next(u for u in SUPPORTED_POLICIES if u.endswith("/politica/0.2.0"))
#: The guide's default settings (camelCase members, as ``settings=`` takes them), read
#: from the native library; read-only. A member a call's ``settings`` leaves out takes
#: this value, e.g. ``DEFAULT_SETTINGS["revocationPolicy"] == "strict"``.
DEFAULT_SETTINGS: Mapping[str, Any] = MappingProxyType(json.loads(_sesgo.default_settings()))


_F = TypeVar("_F", bound=Callable[..., Any])


def _error(cls: Any, code: str, location: str, diagnostics: str) -> SesgoError:
    """A sesgo exception raised by this layer, its OperationOutcome rendered natively."""
    severity, outcome = _sesgo.error_parts(code, diagnostics, location)
    err: SesgoError = cls(code, severity, location, diagnostics, json.loads(outcome))
    return err


def _guarded(f: _F) -> _F:
    """Every failure of a public function is a sesgo exception with a guide code: a wrong
    argument type becomes :class:`~sesgo.exceptions.ArgumentTypeError` (still a
    ``TypeError``), any other Python-level refusal of an argument
    :class:`~sesgo.exceptions.ArgumentValueError` (still a ``ValueError``)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except SesgoError:
            raise
        except TypeError as e:
            raise _error(
                ArgumentTypeError, "CONFIG.INVALID-PARAMETER", f.__name__, f"{f.__name__}: {e}"
            ) from None
        except (ValueError, RecursionError, OverflowError) as e:
            raise _error(
                ArgumentValueError, "CONFIG.INVALID-PARAMETER", f.__name__, f"{f.__name__}: {e}"
            ) from None

    return wrapper  # type: ignore[return-value]


def _json_bytes(value: JsonInput, param: str = "input") -> bytes:
    """A FHIR input as JSON bytes; what cannot be JSON text is ``FORMAT.JSON-MALFORMED``."""
    try:
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, str):
            return value.encode("utf-8")
        # sesgo.dumps: Decimal numbers (as sesgo's results hold them) written exactly.
        return _dumps(value).encode("utf-8")
    except (TypeError, ValueError, RecursionError, OverflowError) as e:
        raise _error(
            InputEncodingError,
            "FORMAT.JSON-MALFORMED",
            param,
            f"{param} não pode ser escrito como JSON: {type(e).__name__}: {e}",
        ) from None


def _decode(out: Union[str, bytes]) -> Any:
    """A result as Python objects, numbers exact: what :func:`sesgo.loads` makes of it,
    built by the native module."""
    try:
        return _sesgo.decode_result(out)
    except ValueError as e:
        # Only a number beyond decimal.Decimal's range (an exponent of 19+ digits).
        raise _error(
            InputEncodingError,
            "FORMAT.JSON-MALFORMED",
            "resultado",
            f"o resultado não pode ser lido com números exatos ({e}); peça raw=True",
        ) from None


def _options_json(value: Any, param: str) -> bytes:
    """Options or settings as JSON; what :mod:`json` cannot write is
    ``CONFIG.INVALID-PARAMETER`` (:class:`~sesgo.exceptions.ArgumentValueError`)."""
    try:
        return json.dumps(value, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError, OverflowError) as e:
        raise _error(
            ArgumentValueError,
            "CONFIG.INVALID-PARAMETER",
            param,
            f"{param} não pode ser escrito como JSON: {type(e).__name__}: {e}",
        ) from None


def _options(**kw: Any) -> bytes:
    return _options_json({k: v for k, v in kw.items() if v is not None}, "options")


def _paths(value: Optional[Sequence[Any]], param: str) -> Optional[List[str]]:
    """A list of paths (str or os.PathLike) as strings; None stays None."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _error(
            ArgumentTypeError,
            "CONFIG.INVALID-PARAMETER",
            param,
            f"{param}: esperado uma lista de caminhos, recebido {type(value).__name__}",
        )
    return [os.fspath(v) if not isinstance(v, str) else v for v in value]


def _text(value: Optional[str], param: str, code: str) -> Optional[str]:
    """A text argument that must be UTF-8 (no lone surrogate) and a ``str``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error(
            ArgumentTypeError,
            "CONFIG.INVALID-PARAMETER",
            param,
            f"{param}: esperado str, recebido {type(value).__name__}",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _error(
            ArgumentValueError, code, param, f"{param} não é texto UTF-8: {e}"
        ) from None
    return value


def _unix(t: Optional[Timestamp]) -> Optional[int]:
    if t is None or isinstance(t, int):
        return t
    if isinstance(t, datetime.datetime):
        if t.tzinfo is None or t.utcoffset() is None:
            raise TypeError("reference_time: use um datetime com fuso horário (tzinfo) ou segundos Unix")
        return int(t.timestamp())
    raise TypeError(f"reference_time: esperado int ou datetime, recebido {type(t).__name__}")


@_guarded
def loads(data: Union[str, bytes, bytearray, memoryview]) -> Any:
    """Decodes FHIR JSON (``str`` or UTF-8 ``bytes``) keeping every number exactly as
    written, as sesgo decodes its own results: integers as ``int``, numbers with a
    fraction or an exponent as :class:`JsonDecimal` (a :class:`decimal.Decimal` that
    remembers its token: ``36.50`` stays ``36.50``, ``1e5`` stays ``1e5``), never
    ``float``. Text that is not JSON (or ``NaN``/``Infinity``) raises
    :class:`~sesgo.exceptions.InputEncodingError` (``FORMAT.JSON-MALFORMED``)."""
    if not isinstance(data, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"esperado str ou bytes, recebido {type(data).__name__}")
    try:
        return _loads(data)
    except (ValueError, RecursionError) as e:
        raise _error(
            InputEncodingError,
            "FORMAT.JSON-MALFORMED",
            "json",
            f"texto JSON inválido: {type(e).__name__}: {e}",
        ) from None


@_guarded
def dumps(value: Any, *, indent: Optional[int] = None) -> str:
    """JSON text of ``value`` with every number exact: a :class:`JsonDecimal` (what
    :func:`loads` and every sesgo result hold) is written as its token, any other
    :class:`decimal.Decimal` as its scientific string (``Decimal("36.50")`` as
    ``36.50``), ``int`` and ``float`` as :mod:`json` writes them. Non-ASCII text is
    kept (encode the result as UTF-8). Compact unless ``indent`` (spaces per level) is
    given - whitespace is never signed content. ``sesgo.dumps(result["bundle"])`` is the
    transfer Bundle with the number tokens it was signed with.

    ``NaN``/``Infinity``, a ``set``, ``bytes``, any other type, a circular or too deep
    structure raise :class:`~sesgo.exceptions.InputEncodingError`
    (``FORMAT.JSON-MALFORMED``)."""
    if indent is not None and (isinstance(indent, bool) or not isinstance(indent, int)):
        raise TypeError(f"indent: esperado int ou None, recebido {type(indent).__name__}")
    if indent is not None and indent < 0:
        raise ValueError("indent: esperado um inteiro >= 0")
    try:
        return _dumps(value, indent=indent)
    except (TypeError, ValueError, RecursionError) as e:
        raise _error(
            InputEncodingError,
            "FORMAT.JSON-MALFORMED",
            "json",
            f"valor não pode ser escrito como JSON: {type(e).__name__}: {e}",
        ) from None


@_guarded
def canonicalize(resource: JsonInput, *, policy: Optional[str] = None) -> bytes:
    """The canonical bytes of one FHIR resource exactly as a signature covers it: unsigned
    elements removed (``id``, ``meta.versionId``, ...), then RFC 8785 JCS (policy 0.1.x,
    the default) or ``fhir-json-lossless/0.2.0``. Useful to debug a digest mismatch."""
    return _sesgo.canonicalize(_json_bytes(resource, "resource"), _options(policy=policy))


@_guarded
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
        _json_bytes(bundle, "Bundle"),
        None if provenance is None else _json_bytes(provenance, "Provenance"),
        _options(
            policy=policy,
            validating=validating,
            strictOrder=strict_order,
            maxEntriesBundle=max_entries_bundle,
        ),
    )
    return out if raw else _decode(out)


@_guarded
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
        _json_bytes(resources, "resources"),
        _options(bundleType=bundle_type, baseUrl=base_url, external=external),
    )
    return out if raw else _decode(out)


def _content(content: Optional[Content]) -> Optional[Union[bytes, str]]:
    """The content as bytes, or a path for the native layer to read (bounded: it stops
    at the limit, never reading a whole device or an oversized file)."""
    if content is None:
        return None
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content)
    if isinstance(content, os.PathLike):
        return os.fspath(content)
    raise _error(
        ArgumentTypeError,
        "CONFIG.INVALID-PARAMETER",
        "content",
        f"content: esperado bytes ou um caminho (os.PathLike), recebido {type(content).__name__}",
    )


@_guarded
def fill_attachment(
    attachment: JsonInput,
    content: Optional[Content] = None,
    *,
    location: Optional[str] = None,
    raw: bool = False,
) -> Any:
    """Fills ``size``, ``hash`` (SHA-1, Base64) and the extension ``hash-sha256``
    (SHA-256, Base64) of an Attachment (profile ``anexo-assinado``) from its content,
    before the DocumentReference holding it is signed. The content is the Attachment's
    inline ``data``, or - for an Attachment with only a ``url`` - ``content`` (bytes or a
    path; ``b""`` is empty content, ``None`` none). Every other member is kept as
    written.

    ``location``: the Attachment's place in its resource (e.g.
    ``"DocumentReference.content[0].attachment"``), prefixed to every finding.

    Returns the Attachment (``dict``, or the exact JSON ``bytes`` with ``raw=True``).
    Raises e.g. :class:`~sesgo.exceptions.FormatError` (``FORMAT.BASE64-INVALID``) or
    :class:`~sesgo.exceptions.ConfigError` (``CONFIG.MISSING-PARAMETER``: a ``url``
    Attachment without ``content``)."""
    out = _sesgo.fill_attachment(
        _json_bytes(attachment, "Attachment"), _content(content), _options(location=location)
    )
    return out if raw else _decode(out)


@_guarded
def check_attachment(
    attachment: JsonInput,
    content: Optional[Content] = None,
    *,
    location: Optional[str] = None,
    raw: bool = False,
) -> Any:
    """Checks an Attachment against the profile ``anexo-assinado`` and its content (as
    :func:`fill_attachment` takes it): ``contentType``, ``size``, ``hash`` and exactly one
    ``hash-sha256`` present, and all three matching the content. Returns the
    OperationOutcome (``dict``, or JSON ``bytes`` with ``raw=True``):
    ``VALIDATION.SUCCESS``, or every finding located - a content that does not match is
    ``CRYPTO.HASH-VERIFICATION-FAILED``. Raises only for unusable inputs."""
    out = _sesgo.check_attachment(
        _json_bytes(attachment, "Attachment"), _content(content), _options(location=location)
    )
    return out if raw else _decode(out)


@_guarded
def sign(
    bundle: JsonInput,
    provenance: JsonInput,
    signer: Signer,
    trust_store: Optional[TrustStore] = None,
    *,
    policy: Optional[str] = None,
    strategy: Optional[str] = None,
    reference_time: Optional[Timestamp] = None,
    settings: Optional[Dict[str, Any]] = None,
    raw: bool = False,
) -> Any:
    """Signs the resources ``provenance`` designates (``Provenance.target``) in ``bundle``
    (caso de uso *criar*, Etapas 1-14).

    ``signer``: a :class:`Signer`. ``trust_store``: the roots the signer's chain must lead
    to (default: the embedded ICP-Brasil roots). ``policy``: :data:`POLICY_0_1_2` (default)
    or :data:`POLICY_0_2_0`. ``strategy``: ``"iat"`` (default) or ``"tsa"``.
    ``reference_time``: Unix seconds or an aware ``datetime`` (default: now).
    ``settings``: the guide's operational settings, camelCase as in the JSON form
    (``{"nearExpiryThresholdDays": 30, ...}``).

    Returns ``{"signature": Signature, "provenance": signed Provenance, "bundle": transfer
    Bundle, "warnings": OperationOutcome or None}`` as a ``dict`` decoded with
    :func:`loads` (``36.50`` is ``JsonDecimal("36.50")``: :func:`dumps` writes it back as
    signed), or that JSON as ``bytes`` with ``raw=True``. To store or send the transfer
    Bundle as its own exact bytes use :func:`sign_parts`. Raises a
    :class:`~sesgo.exceptions.SesgoError` subclass with every finding when signing is not
    possible.
    """
    out = _sesgo.sign(
        _json_bytes(bundle, "Bundle"),
        _json_bytes(provenance, "Provenance"),
        signer,
        trust_store,
        _options(
            policy=policy,
            strategy=strategy,
            referenceTime=_unix(reference_time),
            settings=settings,
        ),
    )
    return out if raw else _decode(out)


class Signed(NamedTuple):
    """The outputs of :func:`sign_parts`, each as its own exact UTF-8 JSON bytes."""

    #: The FHIR Signature (profile ``assinatura-avancada``).
    signature: bytes
    #: The signed Provenance carrying it.
    provenance: bytes
    #: The transfer Bundle (signed instances + signed Provenance): send these bytes.
    bundle: bytes
    #: OperationOutcome of the findings that did not prevent signing, or None.
    warnings: Optional[bytes]


@_guarded
def sign_parts(
    bundle: JsonInput,
    provenance: JsonInput,
    signer: Signer,
    trust_store: Optional[TrustStore] = None,
    *,
    policy: Optional[str] = None,
    strategy: Optional[str] = None,
    reference_time: Optional[Timestamp] = None,
    settings: Optional[Dict[str, Any]] = None,
) -> Signed:
    """Signs exactly like :func:`sign` and returns a :class:`Signed` whose members are the
    exact bytes of the Signature, the signed Provenance, the transfer Bundle and the
    warnings - each its own buffer, never cut out of (or re-serialized from) a combined
    document. Write ``bundle`` to a file or the wire as it is: under policy 0.2.0 a
    re-serialization through floats (``json.dumps(json.loads(...))``, which turns
    ``36.50`` into ``36.5``) breaks the signature; ``sesgo.dumps(sesgo.loads(...))`` keeps
    every number token."""
    signature, prov, transfer, warnings = _sesgo.sign_parts(
        _json_bytes(bundle, "Bundle"),
        _json_bytes(provenance, "Provenance"),
        signer,
        trust_store,
        _options(
            policy=policy,
            strategy=strategy,
            referenceTime=_unix(reference_time),
            settings=settings,
        ),
    )
    return Signed(signature, prov, transfer, warnings)


@_guarded
def verify(
    *,
    signature: Optional[JsonInput] = None,
    provenance: Optional[JsonInput] = None,
    bundle: Optional[JsonInput] = None,
    signature_data: Optional[str] = None,
    trust_store: Optional[TrustStore] = None,
    policy: Optional[str] = None,
    reference_time: Optional[Timestamp] = None,
    settings: Optional[Dict[str, Any]] = None,
    accepted_policies: Optional[List[str]] = None,
    unsigned_entries: Optional[str] = None,
    revocation_evidence: Optional[List[str]] = None,
    raw: bool = False,
) -> Any:
    """Verifies a signature (caso de uso *validar*).

    Give one of: ``bundle`` alone (a transfer Bundle: each signed Provenance in it is
    verified), ``provenance`` (a signed Provenance) with the ``bundle`` it covers, or
    ``signature`` (a FHIR Signature) / ``signature_data`` (``Signature.data``) with or
    without a ``bundle``. A supplied ``bundle`` is always checked: with a signature, the
    Provenance in it that carries that signature designates the content, and when none
    does the result is invalid (``FORMAT.SIGNATURE-MISSING``). Without a ``bundle`` the
    signature is proven, not the content: ``contentChecked`` is False.

    ``accepted_policies`` lists the policy URIs this receiver accepts (default: all
    supported); ``unsigned_entries`` is ``"warning"`` (default) or ``"error"`` for Bundle
    content that no verified signature covers. ``revocation_evidence`` lists paths of
    OCSP responses and CRLs (DER or PEM; files or directories) used before the cache and
    the network: with the signer's evidence an offline receiver verifies under
    ``strict``.

    Returns a ``dict`` (or the JSON ``bytes`` with ``raw=True``) with ``valid`` (no error
    found), ``indication`` (``TOTAL-PASSED``/``TOTAL-FAILED``/``INDETERMINATE``),
    ``subIndication``, ``contentChecked``, ``signatures`` (per signature: location,
    policy, strategy, signer, signingTime, signedFullUrls, contentChecked, stages),
    ``unsignedContent`` and ``outcome`` (the OperationOutcome). A signature that does not
    verify is a result with ``valid`` False and every finding located in ``outcome``;
    exceptions are raised only for unusable inputs (JSON that does not parse, settings out
    of range, an unknown policy URI).

    Revocation: under the default ``revocationPolicy`` ``"strict"`` the signer's OCSP
    responder or CRL must answer (``settings={"network": False}`` is offline mode); when
    none does, the result is invalid with ``REVOCATION.*``. ``"warn"`` reports that as a
    warning instead (:data:`DEFAULT_SETTINGS` lists every default).
    """
    out = _sesgo.verify(
        _text(signature_data, "Signature.data", "FORMAT.BASE64-INVALID"),
        None if signature is None else _json_bytes(signature, "Signature"),
        None if provenance is None else _json_bytes(provenance, "Provenance"),
        None if bundle is None else _json_bytes(bundle, "Bundle"),
        trust_store,
        _options(
            policy=policy,
            referenceTime=_unix(reference_time),
            settings=settings,
            acceptedPolicies=accepted_policies,
            unsignedEntries=unsigned_entries,
            revocationEvidence=_paths(revocation_evidence, "revocation_evidence"),
        ),
    )
    return out if raw else _decode(out)


class VerifyItem(NamedTuple):
    """One item of :func:`verify_many`: the inputs :func:`verify` takes, by name. A plain
    JSON input in place of an item is a transfer Bundle (``VerifyItem(bundle=...)``)."""

    bundle: Optional[JsonInput] = None
    provenance: Optional[JsonInput] = None
    signature: Optional[JsonInput] = None
    signature_data: Optional[str] = None


@_guarded
def verify_many(
    items: Iterable[Union[VerifyItem, JsonInput]],
    *,
    trust_store: Optional[TrustStore] = None,
    policy: Optional[str] = None,
    reference_time: Optional[Timestamp] = None,
    settings: Optional[Dict[str, Any]] = None,
    accepted_policies: Optional[List[str]] = None,
    unsigned_entries: Optional[str] = None,
    revocation_evidence: Optional[List[str]] = None,
    threads: int = 0,
    raw: bool = False,
) -> List[Any]:
    """Verifies many signatures across cores with one trust store (its chain and
    revocation caches shared), as :func:`verify` would verify each: for a day's feed, an
    archive, a Spark partition (:mod:`sesgo.spark`).

    ``items`` are :class:`VerifyItem` s, or transfer Bundles (bytes, str or dict).
    ``threads`` is the number of worker threads (0: one per core); the GIL is released
    while they work. Returns one result per item, in order, each as :func:`verify`
    returns it (``dict``, or JSON ``bytes`` with ``raw=True``). An item whose input is
    unusable (JSON that does not parse, a limit exceeded) does not stop the others: its
    result is invalid (``valid`` False, ``indication`` ``TOTAL-FAILED`` with
    ``subIndication`` ``FORMAT_FAILURE``) with the error in its ``outcome``. Exceptions
    are raised only for what would refuse every item: options or settings out of range,
    an unknown policy URI, an item that cannot be written as JSON.
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
        raise _error(
            ArgumentValueError,
            "CONFIG.INVALID-PARAMETER",
            "threads",
            f"threads: esperado um inteiro >= 0, recebido {threads!r}",
        )
    native: List[Tuple[Optional[str], Optional[bytes], Optional[bytes], Optional[bytes]]] = []
    for i, item in enumerate(items):
        it = item if isinstance(item, VerifyItem) else VerifyItem(bundle=item)
        native.append(
            (
                _text(it.signature_data, f"items[{i}].signature_data", "FORMAT.BASE64-INVALID"),
                None if it.signature is None else _json_bytes(it.signature, f"items[{i}].signature"),
                None if it.provenance is None else _json_bytes(it.provenance, f"items[{i}].provenance"),
                None if it.bundle is None else _json_bytes(it.bundle, f"items[{i}].bundle"),
            )
        )
    out = _sesgo.verify_many(
        native,
        trust_store,
        _options(
            policy=policy,
            referenceTime=_unix(reference_time),
            settings=settings,
            acceptedPolicies=accepted_policies,
            unsignedEntries=unsigned_entries,
            revocationEvidence=_paths(revocation_evidence, "revocation_evidence"),
        ),
        threads,
    )
    return list(out) if raw else [_decode(o) for o in out]


@_guarded
def inspect_certificate(
    data: Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"],
    password: Optional[Union[str, bytes, bytearray]] = None,
    *,
    alias: Optional[str] = None,
    reference_time: Optional[Timestamp] = None,
    trust_store: Optional[TrustStore] = None,
    raw: bool = False,
) -> Any:
    """Reports on a certificate for credentialing: DER or PEM bytes, PEM text, a path, or
    - with ``password`` - a PKCS#12 (its leaf, or the entry ``alias``).

    The report (``dict``, or JSON ``bytes`` with ``raw=True``) has ``subject``,
    ``issuer``, ``serialNumber``, ``certificateType``, ``policyOid``, ``keyAlgorithm``,
    ``keyUsage``, ``validity``, ``fingerprints``, ``identity`` (with the ``signer``
    identifier the guide derives), ``eligibility`` per policy family (``0.1``,
    ``0.2.0``: the certificate's own content), ``trust`` (``{"trusted": bool,
    "rootSha256", "chain", "findings"}``: whether it chains to a root of ``trust_store``,
    default the ICP-Brasil roots), ``chain`` and ``pem``.
    """
    out = _sesgo.inspect_certificate(
        data,
        password,
        trust_store,
        _options(alias=alias, referenceTime=_unix(reference_time)),
    )
    return out if raw else _decode(out)


#: A host transport for :func:`network`: called as ``fetch(method, url, purpose, headers,
#: body, timeout, max_bytes)`` and returning ``(status, content_type, body)``.
FetchFunction = Callable[
    [str, str, str, Dict[str, str], Optional[bytes], float, int],
    Tuple[int, Optional[str], bytes],
]


@_guarded
def network(
    *,
    offline: bool = False,
    settings: Optional[Dict[str, Any]] = None,
    cache_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    cache_max_bytes: Optional[int] = None,
    tls_roots_pem: Optional[str] = None,
    trust_store_zip_url: Optional[str] = None,
    trust_store_hash_url: Optional[str] = None,
    fetch: Optional[FetchFunction] = None,
) -> Network:
    """The network context: the one way sesgo reaches the network. ``net.trust_store(ts)``
    attaches it to a trust store, so :func:`sign`, :func:`verify` and :func:`build_x5c`
    with that store complete chains through AIA and make their OCSP, CRL and TSA requests
    through it; :func:`token` takes it as ``network``; it refreshes the ITI archive.

    ``offline=True`` (or ``settings={"network": False}``) forbids every access: only the
    cache answers. ``fetch`` replaces sesgo's HTTP client with the host's own transport
    (proxy authentication, egress rules): it must honour ``timeout`` and ``max_bytes``;
    an exception it raises is a transport failure of that URL.
    """
    s = dict(settings or {})
    if offline:
        s["network"] = False
    options = _options(
        cacheDir=os.fspath(cache_dir) if cache_dir is not None else None,
        cacheMaxBytes=cache_max_bytes,
        tlsRootsPem=tls_roots_pem,
        trustStoreZipUrl=trust_store_zip_url,
        trustStoreHashUrl=trust_store_hash_url,
    )
    return Network(_options_json(s, "settings"), options, fetch)


@_guarded
def build_x5c(
    certificate: Union[str, bytes, "os.PathLike[str]"],
    *,
    trust_store: TrustStore,
    settings: Optional[Dict[str, Any]] = None,
) -> List[str]:
    """Caso de uso *montar cadeia*: the ``x5c`` of ``certificate`` (PEM, DER, Base64 or a
    path), leaf first and the trusted root last, completed from ``trust_store`` — and from
    AIA ``caIssuers`` when it came from :meth:`Network.trust_store`."""
    return _sesgo.build_x5c(certificate, trust_store, _options_json(settings or {}, "settings"))


@_guarded
def export_certificate(
    data: Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"],
    password: Optional[Union[str, bytes, bytearray]] = None,
    *,
    format: str = "pem",
) -> bytes:
    """What the credentialing portal asks for: the certificate (``format="pem"`` or
    ``"der"``) or the JWK / JWK Set of its public key (``"jwk"``, ``"jwks"``: ``kid``,
    ``x5c``, ``x5t#S256``; never private material), from DER/PEM or - with ``password`` -
    a PKCS#12."""
    return _sesgo.export_certificate(data, password, format)


@_guarded
def token(
    signer: Signer,
    *,
    client_id: str,
    issuer: Optional[str] = None,
    token_endpoint: Optional[str] = None,
    client_secret: Optional[str] = None,
    assertion: bool = False,
    assertion_ttl: Optional[int] = None,
    scope: Optional[str] = None,
    ca_certs_pem: Optional[Union[str, bytes]] = None,
    mtls: bool = True,
    timeout: Optional[int] = None,
    cache: bool = True,
    hub_ctx: Optional[Dict[str, str]] = None,
    network: Optional[Network] = None,
) -> Dict[str, Any]:
    """Obtains an OAuth 2.0 access token with the signer's certificate (caso de uso *obter
    token*): mutual TLS with ``client_secret`` (the guide) or, with ``assertion=True``, an
    RS384 ``private_key_jwt`` assertion signed by the signer's key (HubSaude).

    ``issuer`` (discovery) or ``token_endpoint``; ``ca_certs_pem``: the authorization
    server's CA when it is not publicly trusted. Tokens are cached per endpoint, client,
    scope and certificate until 30 s before expiry, for the whole process. The requests
    go through ``network`` (see :func:`network`: a host ``fetch``, offline mode), default
    sesgo's HTTP client.

    Returns ``{"accessToken", "tokenType", "expiresIn", "expiresAt", "scope",
    "fromCache", "cnfX5tS256", "tokenEndpoint", "response"}``. Raises a
    :class:`~sesgo.exceptions.SesgoError` subclass carrying the guide's code and the
    server's ``error`` / ``error_description``.
    """
    if isinstance(ca_certs_pem, (bytes, bytearray)):
        ca_certs_pem = bytes(ca_certs_pem).decode("ascii")
    out = _sesgo.token(
        signer,
        _options(
            clientId=client_id,
            issuer=issuer,
            tokenEndpoint=token_endpoint,
            clientSecret=client_secret,
            assertion=True if assertion else None,
            assertionTtl=assertion_ttl,
            scope=scope,
            caCertsPem=ca_certs_pem,
            mtls=mtls,
            timeout=timeout,
            cache=cache,
            hubCtx=hub_ctx,
        ),
        network,
    )
    result: Dict[str, Any] = _decode(out)
    return result


class BearerAuth:
    """A ``requests`` / ``httpx`` auth helper: sets ``Authorization: Bearer <token>`` from
    :func:`token` (cached, renewed 30 s before expiry) on every request.

    >>> # requests.get(url, auth=sesgo.BearerAuth(signer, client_id=..., issuer=...))
    """

    def __init__(self, signer: Signer, **token_options: Any) -> None:
        self._signer = signer
        self._options = token_options

    def _header(self) -> str:
        t = token(self._signer, **self._options)
        return f"{t['tokenType']} {t['accessToken']}"

    def __call__(self, request: Any) -> Any:  # requests
        request.headers["Authorization"] = self._header()
        return request

    def auth_flow(self, request: Any) -> Any:  # httpx
        request.headers["Authorization"] = self._header()
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(***)"
