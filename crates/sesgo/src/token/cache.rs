//! The process-wide token cache: per (endpoint, client, scope, certificate, mTLS), valid
//! until 30 s before expiry (IG-DIGEST §9, HubSaúde), shared by every thread. One mutex
//! per key makes concurrent callers wait for a single request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sesgo_core::Result;

use super::{AccessToken, TokenInner};

/// A cached token is reused only while `now + SAFETY_MARGIN_SECS < expires_at`.
pub const SAFETY_MARGIN_SECS: i64 = 30;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) endpoint: String,
    pub(crate) client_id: String,
    pub(crate) scope: String,
    pub(crate) cert: String,
    pub(crate) mtls: bool,
}

type Slot = Arc<Mutex<Option<Arc<TokenInner>>>>;

fn slots() -> &'static Mutex<HashMap<Key, Slot>> {
    static SLOTS: OnceLock<Mutex<HashMap<Key, Slot>>> = OnceLock::new();
    SLOTS.get_or_init(Default::default)
}

fn endpoints() -> &'static Mutex<HashMap<String, String>> {
    static ENDPOINTS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    ENDPOINTS.get_or_init(Default::default)
}

/// Forgets every cached token and discovered endpoint (the tokens are zeroized when the
/// last holder drops them).
pub fn clear_token_cache() {
    slots().lock().unwrap_or_else(|e| e.into_inner()).clear();
    endpoints()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
}

pub(crate) fn discovered(issuer: &str, f: impl FnOnce() -> Result<String>) -> Result<String> {
    if let Some(e) = endpoints()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(issuer)
    {
        return Ok(e.clone());
    }
    let endpoint = f()?;
    endpoints()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(issuer.to_owned(), endpoint.clone());
    Ok(endpoint)
}

pub(crate) fn get_or_fetch(
    key: Key,
    now: i64,
    fetch: impl FnOnce() -> Result<TokenInner>,
) -> Result<AccessToken> {
    let slot = slots()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default()
        .clone();
    let mut held = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = held.as_ref() {
        let expires_at = t.obtained_at.saturating_add(t.expires_in as i64);
        if now.saturating_add(SAFETY_MARGIN_SECS) < expires_at {
            return Ok(AccessToken {
                inner: t.clone(),
                from_cache: true,
            });
        }
    }
    *held = None;
    let fresh = Arc::new(fetch()?);
    *held = Some(fresh.clone());
    Ok(AccessToken {
        inner: fresh,
        from_cache: false,
    })
}
