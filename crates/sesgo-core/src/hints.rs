//! What to do about an error with a usual cause (docs/adr/0053).
//!
//! One table of hints, each keyed by the code *and* the situation it is for (the same
//! code can have several causes: `CERT.NOT-ICP-BRASIL` is both "root not in the trust
//! store" and "no ICP-Brasil policy"). The place that builds the finding appends the
//! matching hint to its diagnostics with [`with_hint`], so every front end (CLI,
//! C, Python, Java, .NET) shows it the same way, in `diagnostics`. Hints name the CLI
//! option and the trust-store/option member every binding shares.

/// `CERT.NOT-ICP-BRASIL` when the chain ends in a root that is not in the trust store.
pub const UNTRUSTED_ROOT: &str = "Dica: para confiar em outra AC-Raiz (p.ex. a PKI de teste de \
`sesgo demo --keep DIR`), informe-a no trust store: --trust-root-sha256 HEX ou \
--trust-roots-pem ARQUIVO na linha de comando, rootSha256/rootCertsPem nas opções de trust \
store das bindings; o padrão confia apenas nas AC-Raiz ICP-Brasil v5 e v12.";

/// `DEVICE.CERTIFICATE-NOT-FOUND` when a PEM key comes with a chain that does not hold
/// its certificate.
pub const CHAIN_STARTS_WITH_KEY_CERT: &str = "Dica: a cadeia (--chain, chain_pem) deve \
começar pelo certificado desta chave (o do signatário), seguido das ACs; p.ex. o chain.pem \
de `sesgo demo --keep DIR`.";

/// `FORMAT.UUID-INVALID` / `FORMAT.REFERENCE-INVALID` when a Bundle uses server ids or
/// URLs where the guide requires `urn:uuid` (content not yet a transfer Bundle).
pub const BUILD_TRANSFER_BUNDLE: &str = "Dica: monte o Bundle com `sesgo bundle build` \
(build_bundle/buildBundle nas bindings), que atribui fullUrl urn:uuid e reescreve as \
referências.";

/// `diagnostics` followed by `hint` (one space apart).
pub fn with_hint(diagnostics: impl Into<String>, hint: &str) -> String {
    let mut d = diagnostics.into();
    if !d.is_empty() {
        d.push(' ');
    }
    d.push_str(hint);
    d
}
