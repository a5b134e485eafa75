"""Exceptions raised by sesgo.

Every exception carries the code of the guide's CodeSystem
``situacao-excepcional-assinatura`` (e.g. ``CERT.EXPIRED``), its severity, the location
of the offending element (FHIRPath-like, e.g. ``Bundle.entry[0].fullUrl``), plain-language
diagnostics and the full OperationOutcome (profile ``operation-outcome-assinatura``) as a
``dict``.

A signature that fails verification is *not* an exception: :func:`sesgo.verify` returns a
result whose ``valid`` is ``False``. Exceptions mean the inputs themselves were unusable
(malformed JSON, a wrong password, options out of range, ...).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

__all__ = [
    "SesgoError",
    "PolicyError",
    "CertificateError",
    "RevocationError",
    "CryptoError",
    "FormatError",
    "DeviceError",
    "MiddlewareError",
    "ConfigError",
    "TsaError",
    "TemporalError",
    "ValidationError",
    "SesgoSystemError",
    "SecurityError",
    "ArgumentTypeError",
    "ArgumentValueError",
    "InputEncodingError",
    "exception_class_for",
]


class SesgoError(Exception):
    """Base class of every sesgo exception."""

    code: str
    severity: str
    location: Optional[str]
    diagnostics: str
    operation_outcome: Dict[str, Any]

    def __init__(
        self,
        code: str,
        severity: str,
        location: Optional[str],
        diagnostics: str,
        operation_outcome: Dict[str, Any],
    ) -> None:
        where = f" [{location}]" if location else ""
        super().__init__(f"{code}: {diagnostics}{where}")
        self.code = code
        self.severity = severity
        self.location = location
        self.diagnostics = diagnostics
        self.operation_outcome = operation_outcome


class PolicyError(SesgoError):
    """``POLICY.*``: the signature policy URI is missing, malformed or unsupported."""


class CertificateError(SesgoError):
    """``CERT.*``: certificate format, chain, trust, eligibility or identity."""


class RevocationError(SesgoError):
    """``REVOCATION.*``: revocation status could not be established."""


class CryptoError(SesgoError):
    """``CRYPTO.*``: keys, passwords and cryptographic operations."""


class FormatError(SesgoError):
    """``FORMAT.*``: JSON, Base64, FHIR structure and reference rules."""


class DeviceError(SesgoError):
    """``DEVICE.*``: tokens, smartcards, certificates and keys inside a keystore."""


class MiddlewareError(SesgoError):
    """``MIDDLEWARE.*``: cryptographic middleware configuration."""


class ConfigError(SesgoError):
    """``CONFIG.*``: operational settings out of range or missing."""


class TsaError(SesgoError):
    """``TSA.*``: time-stamp authority."""


class TemporalError(SesgoError):
    """``TEMPORAL.*``: signing time and validity periods."""


class ValidationError(SesgoError):
    """``VALIDATION.*``: signature validation could not be carried out."""


class SesgoSystemError(SesgoError):
    """``SYSTEM`` and ``SYSTEM.*``: the runtime (an internal error caught at the boundary,
    an incompatible native library)."""


class SecurityError(SesgoError):
    """``SECURITY.*``: limits on size, entries and time."""


class ArgumentTypeError(ConfigError, TypeError):
    """``CONFIG.INVALID-PARAMETER``: an argument of the wrong Python type (e.g. an ``int``
    where a ``Signer`` or a path is expected). Also a :class:`TypeError`."""


class ArgumentValueError(ConfigError, ValueError):
    """``CONFIG.INVALID-PARAMETER``: an argument sesgo cannot take as given (text with a
    lone surrogate, options ``json`` cannot serialize). Also a :class:`ValueError`."""


class InputEncodingError(FormatError, ValueError):
    """``FORMAT.JSON-MALFORMED``: a FHIR input (``dict``/``list``/``str``) that cannot
    become JSON text: a lone surrogate, an object :mod:`json` cannot serialize (a
    ``set``, ``bytes``, ``NaN``), a circular or too deeply nested structure. Also a
    :class:`ValueError`."""


_BY_CATEGORY: Dict[str, Type[SesgoError]] = {
    "POLICY": PolicyError,
    "CERT": CertificateError,
    "REVOCATION": RevocationError,
    "CRYPTO": CryptoError,
    "FORMAT": FormatError,
    "DEVICE": DeviceError,
    "MIDDLEWARE": MiddlewareError,
    "CONFIG": ConfigError,
    "TSA": TsaError,
    "TEMPORAL": TemporalError,
    "VALIDATION": ValidationError,
    "SYSTEM": SesgoSystemError,
    "SECURITY": SecurityError,
}


def exception_class_for(code: str) -> Type[SesgoError]:
    """The exception class for a guide code (by its category, the part before the dot)."""
    return _BY_CATEGORY.get(code.split(".", 1)[0], SesgoError)
