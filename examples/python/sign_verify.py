"""Sign examples/bundle.json + examples/provenance.json with a PKCS#12, then verify.

Usage::

    SESGO_PASSWORD=... python sign_verify.py CERT.p12 [OUT.json]

The PKCS#12 path may also come from ``SESGO_P12`` and the password from the second
command-line argument (``sign_verify.py CERT.p12 PASSWORD``, for quick local tries only:
command lines are visible to other users). By default the signer's chain must lead to
an ICP-Brasil root; ``SESGO_TRUST_ROOT_PEM`` (and optionally ``SESGO_CA_PEM``) names
PEM files of another root to trust instead, e.g. a test PKI.

The inputs are read and the results kept as bytes (``sign_parts``) so number tokens
such as ``36.50`` are signed and stored exactly as written.
"""

from __future__ import annotations

import os
import pathlib
import sys
from typing import Optional

import sesgo

EXAMPLES = pathlib.Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    p12 = argv[1] if len(argv) > 1 else os.environ.get("SESGO_P12")
    if not p12:
        print(__doc__, file=sys.stderr)
        return 2
    password = os.environ.get("SESGO_PASSWORD")
    out: Optional[str] = argv[2] if len(argv) > 2 else None
    if password is None and out is not None:
        password, out = out, None
    if password is None:
        print("informe a senha em SESGO_PASSWORD", file=sys.stderr)
        return 2

    root_pem = os.environ.get("SESGO_TRUST_ROOT_PEM")
    trust = (
        sesgo.TrustStore(root_certs_pem=root_pem, ca_certs_pem=os.environ.get("SESGO_CA_PEM"))
        if root_pem
        else sesgo.TrustStore.icp_brasil()
    )

    # Revocation: with the default revocationPolicy "strict" an unobtainable OCSP/CRL
    # status is an error; this example reports it as a warning, so it also runs where the
    # responders named in the certificates cannot be reached (signing and
    # verification alike).
    settings = {"revocationPolicy": "warn"}
    try:
        signer = sesgo.Signer.from_pkcs12(p12, password)
        print(f"assinante: {signer.subject}")
        signed = sesgo.sign_parts(
            (EXAMPLES / "bundle.json").read_bytes(),
            (EXAMPLES / "provenance.json").read_bytes(),
            signer,
            trust,
            settings=settings,
        )  # each output its own exact bytes (e.g. 36.50 kept as signed)
    except sesgo.SesgoError as e:
        print(f"falha ao assinar: {e.code}: {e.diagnostics} [{e.location}]", file=sys.stderr)
        return 1
    if signed.warnings is not None:
        print("avisos:", signed.warnings.decode("utf-8"))
    if out:
        pathlib.Path(out).write_bytes(signed.bundle)  # the transfer Bundle, as signed
        print(f"Bundle de transferência gravado em {out}")

    # The signed Provenance with the original Bundle bytes.
    result = sesgo.verify(
        provenance=signed.provenance,
        bundle=(EXAMPLES / "bundle.json").read_bytes(),
        trust_store=trust,
        settings=settings,
    )
    print(sesgo.dumps(result, indent=2))  # numbers exact (json.dumps refuses Decimal)
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
