import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union, final

_Bytes = Union[bytes, bytearray, memoryview]
_Source = Union[_Bytes, str, os.PathLike[str]]
_Password = Union[str, bytes, bytearray]

def version() -> str: ...
def abi_version() -> int: ...
def policies() -> str: ...
def default_settings() -> str: ...
def error_parts(code: str, diagnostics: str, location: str) -> Tuple[str, str]: ...
def decode_result(text: Union[bytes, str]) -> Any: ...
def canonicalize(resource: bytes, options: bytes) -> bytes: ...
def check_references(bundle: bytes, provenance: Optional[bytes], options: bytes) -> bytes: ...
def build_bundle(resources: bytes, options: bytes) -> bytes: ...
def fill_attachment(attachment: bytes, content: Optional[Union[bytes, str]], options: bytes) -> bytes: ...
def check_attachment(attachment: bytes, content: Optional[Union[bytes, str]], options: bytes) -> bytes: ...
def sign(
    bundle: bytes,
    provenance: bytes,
    signer: Signer,
    trust_store: Optional[TrustStore],
    options: bytes,
) -> bytes: ...
def sign_parts(
    bundle: bytes,
    provenance: bytes,
    signer: Signer,
    trust_store: Optional[TrustStore],
    options: bytes,
) -> Tuple[bytes, bytes, bytes, Optional[bytes]]: ...
def verify(
    signature_data: Optional[str],
    signature: Optional[bytes],
    provenance: Optional[bytes],
    bundle: Optional[bytes],
    trust_store: Optional[TrustStore],
    options: bytes,
) -> bytes: ...
def verify_many(
    items: Sequence[Tuple[Optional[str], Optional[bytes], Optional[bytes], Optional[bytes]]],
    trust_store: Optional[TrustStore],
    options: bytes,
    threads: int,
) -> List[bytes]: ...
def inspect_certificate(
    data: _Source,
    password: Optional[_Password],
    trust_store: Optional[TrustStore],
    options: bytes,
) -> bytes: ...
def token(signer: Signer, options: bytes, network: Optional[Network] = None) -> str: ...
def export_certificate(data: _Source, password: Optional[_Password], format: str) -> bytes: ...
def _testing_panic() -> None: ...
def _testing_error() -> None: ...
@final
class Signer:
    """Who signs: a private key (PKCS#12 or PEM) or an external signing function, with
    the certificate chain. Immutable; safe to share across threads."""

    @staticmethod
    def from_pkcs12(pkcs12: _Source, password: _Password, alias: Optional[str] = None) -> Signer:
        """From a PKCS#12 given as bytes or a path, its password and optionally the alias."""
    @staticmethod
    def from_pem(key: _Source, chain: _Source, password: Optional[_Password] = None) -> Signer:
        """From a PEM private key and PEM certificates (text, bytes or paths)."""
    @staticmethod
    def from_pkcs11(
        module: Union[str, os.PathLike[str]],
        pin: Union[_Password, Callable[[int], str]],
        *,
        key_id: Optional[str] = None,
        key_label: Optional[str] = None,
        slot_id: Optional[int] = None,
        token_label: Optional[str] = None,
        settings: Optional[Dict[str, Any]] = None,
    ) -> Signer:
        """From a key on a PKCS#11 token or smartcard (the key never leaves it): the
        module path, the PIN (or a callable asked per attempt), the key by CKA_ID (hex) or
        CKA_LABEL, the token by slot id or label, the guide's middleware settings."""
    @staticmethod
    def external(chain: Union[_Source, Sequence[bytes]], sign: Callable[[bytes], bytes]) -> Signer:
        """An external signer: the chain (PEM, or DER bytes leaf first) and a callable
        returning the raw RS256 signature of the signing input it receives."""
    @property
    def certificate_chain(self) -> List[bytes]:
        """The certificates as DER, leaf first."""
    @property
    def subject(self) -> str:
        """The leaf certificate's subject."""
    @property
    def is_external(self) -> bool:
        """True for a signer built with :meth:`external`."""

@final
class TrustStore:
    """Trusted roots (by SHA-256) and CA certificates; by default the ICP-Brasil roots."""

    def __init__(
        self,
        root_sha256: Optional[Sequence[str]] = None,
        root_certs_pem: Optional[_Source] = None,
        ca_certs_pem: Optional[_Source] = None,
        ca_dir: Optional[Union[str, os.PathLike[str]]] = None,
        icp_brasil: Optional[bool] = None,
        ca_archive: Optional[Union[str, os.PathLike[str]]] = None,
        ca_archive_sha512: Optional[Union[str, os.PathLike[str]]] = None,
    ) -> None: ...
    @staticmethod
    def icp_brasil() -> TrustStore:
        """The embedded ICP-Brasil roots v5 and v12."""
    @property
    def root_sha256(self) -> List[str]:
        """SHA-256 fingerprints (hex) of the trusted roots."""


class Network:
    """The network context (transport, cache, settings): AIA, OCSP, CRL, TSA, tokens and
    the ITI trust store."""

    def __init__(
        self,
        settings: bytes = b"",
        options: bytes = b"",
        fetch: Optional[Callable[..., Tuple[int, Optional[str], bytes]]] = None,
    ) -> None: ...
    @property
    def offline(self) -> bool: ...
    @property
    def cache_dir(self) -> Optional[str]: ...
    def trust_store(self, trust_store: TrustStore) -> TrustStore: ...
    def refresh_trust_store(self) -> str: ...
    def trust_store_report(self, trust_store: TrustStore) -> str: ...

def build_x5c(certificate: Any, trust_store: TrustStore, settings: bytes) -> List[str]: ...
