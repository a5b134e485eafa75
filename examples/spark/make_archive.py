"""Generate an archive of signed transfer Bundles for exercising verification at scale.

The archive mixes several signers, both signature policies (each signer under those its
certificate type allows), tampered and corrupt rows,
and optionally rows signed by a revoked certificate. Every line of
``OUT/bundles-NNN.ndjson`` is one transfer Bundle, exactly as signed: sesgo writes
compact JSON, so one Bundle is one line. ``OUT/labels.ndjson`` (not an input of the job: read ``OUT/bundles-*.ndjson``) says what each line must
verify as, keyed by the SHA-256 of its text::

    {"sha256": "...", "expect": "valid"|"tampered"|"corrupt"|"revoked",
     "signer": "urn:brasil:cpf:...", "policy": "<uri>"}

The content is the repository's example Bundle and Provenance. The Observation's id and
value differ per row; values are written as exact decimals such as ``36.50``, which
policy 0.2.0 signs as written.

    python make_archive.py OUT --count 10000 --p12 a.p12 --p12 b.p12 \\
        --pem key.pem cert.pem --password-env SENHA --root-sha256 HEX --ca-certs chain.pem
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

import sesgo

EXAMPLES = pathlib.Path(__file__).resolve().parents[1]


def _signers(args: argparse.Namespace, password: Optional[str]) -> List[Tuple[sesgo.Signer, bool]]:
    """(signer, revoked) for every --p12, --pem and --revoked-pem, in that order."""
    out: List[Tuple[sesgo.Signer, bool]] = []
    for path in args.p12 or []:
        out.append((sesgo.Signer.from_pkcs12(path, password or ""), False))
    for key, cert in args.pem or []:
        out.append((sesgo.Signer.from_pem(key, cert, password), False))
    for key, cert in args.revoked_pem or []:
        out.append((sesgo.Signer.from_pem(key, cert, password), True))
    return out


def _content(i: int, bundle: str) -> str:
    """The example Bundle with row i's Observation id and value (exact decimal text)."""
    value = f"{36 + (i % 50) / 10:.2f}"
    text = bundle.replace('"obs-temp-1"', f'"obs-{i:07d}"', 1)
    return re.sub(r'("valueQuantity"\s*:\s*\{\s*"value"\s*:\s*)[0-9.]+', lambda m: m.group(1) + value, text, count=1)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--files", type=int, default=4, help="NDJSON files to spread the rows over")
    ap.add_argument("--p12", action="append", help="a signer's PKCS#12 (repeatable)")
    ap.add_argument("--pem", action="append", nargs=2, metavar=("KEY", "CERT"), help="a signer's PEM key and certificate (repeatable)")
    ap.add_argument("--revoked-pem", action="append", nargs=2, metavar=("KEY", "CERT"), help="a revoked signer: its rows are signed without the revocation check and must verify as CERT.REVOKED")
    ap.add_argument("--password-env", help="environment variable holding the keys' password")
    ap.add_argument("--root-sha256", action="append", default=[], help="trusted root (repeatable; default: ICP-Brasil)")
    ap.add_argument("--ca-certs", help="PEM with the intermediate CAs")
    ap.add_argument("--tamper-every", type=int, default=10, help="every Nth row is altered after signing (0: none)")
    ap.add_argument("--corrupt-every", type=int, default=97, help="every Nth row is cut in half (0: none)")
    ap.add_argument("--settings", type=json.loads, default=None, help="settings for signing (JSON)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)

    password = os.environ.get(args.password_env) if args.password_env else None
    signers = _signers(args, password)
    if not signers:
        ap.error("give at least one signer (--p12, --pem)")
    trust = sesgo.TrustStore(
        root_sha256=args.root_sha256 or None,
        ca_certs_pem=pathlib.Path(args.ca_certs) if args.ca_certs else None,
    )
    bundle = (EXAMPLES / "bundle.json").read_text(encoding="utf-8")
    provenance = (EXAMPLES / "provenance.json").read_bytes()
    policies = [sesgo.POLICY_0_1_2, sesgo.POLICY_0_2_0]
    # Each signer as verification names it: the identity its certificate asserts.
    # and the policies its certificate type may sign under (0.2.0: A3, A4, SE-S, SE-H).
    family = {sesgo.POLICY_0_1_2: "0.1", sesgo.POLICY_0_2_0: "0.2.0"}
    urns: List[str] = []
    allowed: List[List[str]] = []
    for signer, _ in signers:
        report = sesgo.inspect_certificate(signer.certificate_chain[0], trust_store=trust)
        who = report["identity"]["signer"]
        urns.append(f"{who['system']}:{who['value']}")
        allowed.append([p for p in policies if report["eligibility"][family[p]]["eligible"]])

    def one(i: int) -> Tuple[str, Dict[str, Any]]:
        signer, revoked = signers[i % len(signers)]
        ok = allowed[i % len(signers)]
        policy = ok[(i // len(signers)) % len(ok)]
        settings = dict(args.settings or {})
        if revoked:
            settings["revocationPolicy"] = "off"
        s = sesgo.sign_parts(_content(i, bundle), provenance, signer, trust, policy=policy, settings=settings or None)
        text = s.bundle.decode("utf-8")
        assert "\n" not in text, "a transfer Bundle must be one line"
        label = {"signer": urns[i % len(signers)], "policy": policy, "expect": "revoked" if revoked else "valid"}
        if args.corrupt_every and i % args.corrupt_every == args.corrupt_every - 1:
            text, label["expect"] = text[: len(text) // 2], "corrupt"
        elif args.tamper_every and i % args.tamper_every == args.tamper_every - 1:
            # A signed Observation now says something else: its digest no longer matches.
            text, n = re.subn(r'"status"\s*:\s*"final"', '"status":"amended"', text, count=1)
            assert n == 1
            label["expect"] = "tampered"
        label["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return text, label

    args.out.mkdir(parents=True, exist_ok=True)
    files = [open(args.out / f"bundles-{k:03d}.ndjson", "w", encoding="utf-8", newline="\n") for k in range(args.files)]
    counts: Dict[str, int] = {}
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.threads)) as pool, open(
            args.out / "labels.ndjson", "w", encoding="utf-8", newline="\n"
        ) as labels:
            for i, (text, label) in enumerate(pool.map(one, range(args.count))):
                files[i % args.files].write(text + "\n")
                labels.write(json.dumps(label, separators=(",", ":")) + "\n")
                counts[label["expect"]] = counts.get(label["expect"], 0) + 1
    finally:
        for f in files:
            f.close()
    print(json.dumps({"rows": args.count, "out": str(args.out), "expect": counts}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
