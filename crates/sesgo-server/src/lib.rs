//! # sesgo-server
//!
//! `sesgo serve`: the signing and verification service for systems that cannot link a
//! library (Delphi, PHP, Node.js, older .NET). A small, hardened HTTP(S) service over
//! the facade [`sesgo`] — the same results as every binding — so that any language can
//! sign and verify with an HTTP client (issue 27; docs/adr/0056, 0057).
//!
//! | route | in | out |
//! |---|---|---|
//! | `POST /sign` | `{"bundle", "provenance", "options"?}` | `{"signature", "provenance", "bundle", "warnings"}` |
//! | `POST /verify` | `{"bundle"?, "provenance"?, "signature"?, "signatureData"?, "options"?}` | the whole verification report (200, valid or not) |
//! | `POST /refs/check` | `{"bundle", "provenance"?, "options"?}` | OperationOutcome (200) |
//! | `POST /canonicalize` | `{"resource", "options"?}` | the canonical bytes |
//! | `POST /Bundle/$sign` | FHIR `Parameters` (`bundle`, `provenance`, `policy`, `strategy`, `referenceTime`) | the transfer Bundle |
//! | `POST /Bundle/$verify` | a transfer Bundle, or `Parameters` | OperationOutcome (200, valid or not) |
//! | `GET /policies` | — | supported policies, the server's defaults |
//! | `GET /health` | — | `{"status": "ok"}` (503 while shutting down) |
//! | `GET /metrics` | — | Prometheus/OpenMetrics text |
//!
//! Every failure is an `OperationOutcome` with the guide's code: 4xx when the request
//! is unusable, 5xx only for server faults (DECISIONS D33). The signer, the trust store
//! and the network are the server's: requests choose only policy, strategy, reference
//! time and the settings DECISIONS D30 lists. See [`Server`] for a complete example.

mod auth;
mod config;
mod http;
mod metrics;
mod ops;
mod server;
mod tls;

pub use config::{
    parse_listen, AuthConfig, Limits, LogFormat, ServerConfig, TlsConfig, DEFAULT_LISTEN,
    MIN_BEARER_TOKEN_LEN,
};
pub use ops::Backend;
pub use server::{Server, ShutdownHandle, Stats};
