//! Sessions and login: opening a session, the process-wide login record per (module, slot),
//! and logging in with the PIN or the PIN callback.

use super::Pin;

use crate::config::SessionMode;
use crate::errors;
use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sesgo_core::{Code, Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use zeroize::Zeroizing;

pub(super) fn open_session(ctx: &Pkcs11, slot: Slot, mode: SessionMode) -> Result<Session> {
    let r = match mode {
        SessionMode::ReadOnly => ctx.open_ro_session(slot),
        SessionMode::ReadWrite => ctx.open_rw_session(slot),
    };
    r.map_err(|e| errors::map(&e, "abertura de sessão", "pkcs11.slotId"))
}

pub(super) fn logged_in(session: &Session) -> bool {
    session
        .get_session_info()
        .map(|i| {
            matches!(
                i.session_state(),
                SessionState::RoUser | SessionState::RwUser
            )
        })
        .unwrap_or(false)
}

/// PKCS#11 login state belongs to the application, not the session: once one signer of
/// this process logged in to a token, `C_Login` answers `CKR_USER_ALREADY_LOGGED_IN` to
/// any PIN. So the SHA-256 of the PIN that logged in is remembered per (module, slot) and
/// a later signer's PIN is compared with it, without touching the card.
pub(super) type LoginKey = (PathBuf, u64);
pub(super) type LoginMap = HashMap<LoginKey, [u8; 32]>;

pub(super) static LOGINS: OnceLock<Mutex<LoginMap>> = OnceLock::new();

pub(super) fn logins() -> std::sync::MutexGuard<'static, LoginMap> {
    LOGINS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

pub(super) fn pin_digest(pin: &str) -> [u8; 32] {
    Sha256::digest(pin.as_bytes()).into()
}

/// Logs in with `pin`; `Err(None)` when the token is already logged in by this process
/// with another PIN. The record's lock is held across the check and `C_Login`, so two
/// signers logging in at once cannot both see "not logged in" and then "already logged
/// in" without a record.
pub(crate) fn login(
    session: &Session,
    who: &(PathBuf, u64),
    pin: &str,
) -> std::result::Result<(), Option<CkError>> {
    let digest = pin_digest(pin);
    let mut record = logins();
    if logged_in(session) {
        return match record.get(who) {
            Some(d) if *d != digest => Err(None),
            _ => Ok(()),
        };
    }
    let auth = AuthPin::from(pin.to_owned());
    match session.login(UserType::User, Some(&auth)) {
        Ok(()) => {
            record.insert(who.clone(), digest);
            Ok(())
        }
        // Logged in by a component of this process that is not sesgo: not checkable.
        Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => match record.get(who) {
            Some(d) if *d != digest => Err(None),
            _ => Ok(()),
        },
        Err(e) => Err(Some(e)),
    }
}

pub(super) fn pin_mismatch() -> Error {
    Error::new(
        Code::CryptoPinInvalid,
        "PIN incorreto: difere do PIN com que este processo já abriu o token (não foi enviado ao cartão)",
    )
    .at("pkcs11.pin")
}

pub(super) fn log_in(
    ctx: &Pkcs11,
    session: &Session,
    who: &(PathBuf, u64),
    slot: Slot,
    pin: Pin,
    max_attempts: u32,
) -> Result<Zeroizing<String>> {
    let attempts = match &pin {
        Pin::Value(_) => 1,
        Pin::Callback(_) => max_attempts.max(1),
    };
    let mut n = 0;
    loop {
        n += 1;
        let value = match &pin {
            Pin::Value(v) => v.clone(),
            Pin::Callback(cb) => cb(n).map_err(|e| e.at("pkcs11.pin"))?,
        };
        let err = match login(session, who, &value) {
            Ok(()) => return Ok(value),
            Err(None) => pin_mismatch(),
            Err(Some(e)) => {
                let mut err = errors::map(&e, "login no token", "pkcs11.pin");
                if err.code() == Code::CryptoPinInvalid {
                    if let Ok(t) = ctx.get_token_info(slot) {
                        if t.user_pin_locked() {
                            err = Error::new(
                                Code::DevicePinBlocked,
                                "PIN incorreto e agora bloqueado no token",
                            )
                            .at("pkcs11.pin");
                        } else if t.user_pin_final_try() && n < attempts {
                            // Never spend the last try on a guess: stop here.
                            return Err(Error::new(
                                Code::CryptoPinInvalid,
                                "PIN incorreto; o token está na última tentativa: não foi tentado de novo",
                            )
                            .at("pkcs11.pin"));
                        }
                    }
                }
                err
            }
        };
        if err.code() != Code::CryptoPinInvalid || n >= attempts {
            return Err(err);
        }
    }
}
