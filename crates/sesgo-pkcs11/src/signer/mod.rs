//! The PKCS#11 signer: token discovery, login, key and certificate lookup, mechanism
//! choice, pooled sessions.

mod session;
mod token;
pub(crate) use session::login;
use session::{log_in, logged_in, open_session, pin_mismatch};
pub(crate) use token::token_certificates;
use token::{chain_from, choose_mechanism, describe, find_key, find_slot};

use crate::config::{KeyRef, Pkcs11Options, SessionMode};
use crate::{errors, module};
use cryptoki::context::Pkcs11;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use sesgo_cert::Certificate;
use sesgo_core::{Code, Error, Result};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Asked for the PIN; receives the attempt number (1, 2, …). Returning an error stops.
pub type PinCallback = dyn Fn(u32) -> Result<Zeroizing<String>> + Send + Sync;

/// Where the PIN comes from. Kept only in zeroizing memory.
pub enum Pin {
    /// A fixed PIN (tried once: never retried, so a wrong PIN costs one attempt).
    Value(Zeroizing<String>),
    /// Asked again after each `CKR_PIN_INCORRECT`, up to `max_pin_attempts` in total.
    Callback(Box<PinCallback>),
}

impl Pin {
    /// A fixed PIN.
    pub fn value(pin: impl Into<String>) -> Pin {
        Pin::Value(Zeroizing::new(pin.into()))
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pin::Value(_) => "Pin::Value(***)",
            Pin::Callback(_) => "Pin::Callback",
        })
    }
}

/// The mechanism a signer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningMechanism {
    /// `CKM_SHA256_RSA_PKCS`: the token hashes and pads.
    Sha256RsaPkcs,
    /// `CKM_RSA_PKCS` over `DigestInfo(SHA-256, hash)` built by sesgo.
    RsaPkcs,
}

impl SigningMechanism {
    /// `CKM_*` name.
    pub fn name(self) -> &'static str {
        match self {
            SigningMechanism::Sha256RsaPkcs => "CKM_SHA256_RSA_PKCS",
            SigningMechanism::RsaPkcs => "CKM_RSA_PKCS",
        }
    }
}

/// DER prefix of `DigestInfo { sha256, OCTET STRING(32) }` (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

struct Pooled {
    session: Session,
    key: ObjectHandle,
    idle_since: Instant,
}

/// A key on a PKCS#11 token, with its certificate chain. `Send + Sync`: concurrent
/// signatures each use their own session (pooled; idle ones closed after the session
/// timeout).
pub struct Pkcs11Signer {
    ctx: Pkcs11,
    slot: Slot,
    /// (canonical module path, slot id): the key of the process-wide login record.
    who: (PathBuf, u64),
    token_label: String,
    key_template: Vec<Attribute>,
    mechanism: SigningMechanism,
    mode: SessionMode,
    session_timeout: Duration,
    /// The PIN that logged in, kept (zeroizing) to log in again after the module closed
    /// every session (inactivity timeout, token reset).
    pin: Zeroizing<String>,
    chain: Vec<Vec<u8>>,
    pool: Mutex<Vec<Pooled>>,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("slot", &self.slot.id())
            .field("token_label", &self.token_label)
            .field("mechanism", &self.mechanism)
            .finish()
    }
}

fn loc_key(options: &Pkcs11Options) -> &'static str {
    match options.key {
        KeyRef::Id(_) => "pkcs11.keyId",
        KeyRef::Label(_) => "pkcs11.keyLabel",
    }
}

impl Pkcs11Signer {
    /// Opens the key described by `options`, logging in with `pin`.
    ///
    /// Failures: the options' and settings' `MIDDLEWARE.*` codes; module path/format
    /// (`MIDDLEWARE.LIBRARY-*`); slot/token (`MIDDLEWARE.SLOT-ID-INVALID`,
    /// `DEVICE.SMARTCARD-NOT-FOUND`, `DEVICE.TOKEN-NOT-FOUND`), after the connection
    /// retries; `CRYPTO.PIN-INVALID`, `DEVICE.PIN-BLOCKED`; `DEVICE.CERTIFICATE-NOT-FOUND`
    /// (no certificate with the id/label), `DEVICE.KEY-ACCESS-DENIED` (no private key for
    /// it, or not allowed to sign), `MIDDLEWARE.UNSUPPORTED-MECHANISMS` (not RSA, or the
    /// token has neither mechanism); anything else `DEVICE.MIDDLEWARE-ERROR` with the `CKR_*`.
    pub fn open(options: &Pkcs11Options, pin: Pin) -> Result<Pkcs11Signer> {
        options.validate()?;
        let s = &options.settings;
        let deadline = Instant::now() + Duration::from_secs(s.connection_timeout_secs);
        let ctx = module::load(&options.module, options.architecture.as_deref())?;
        let id = options.key_id_bytes()?;
        let cert_template = {
            let mut t = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
            match (&options.key, &id) {
                (_, Some(id)) => t.push(Attribute::Id(id.clone())),
                (KeyRef::Label(l), None) => t.push(Attribute::Label(l.as_bytes().to_vec())),
                (KeyRef::Id(_), None) => {}
            }
            t
        };
        // Connection with retries (card inserted late, reader hiccup), within the budget.
        let mut attempt = 0;
        let found = loop {
            match find_slot(&ctx, options, &cert_template) {
                Ok(f) => break f,
                Err(e) => {
                    let wait = Duration::from_secs(s.retry_interval_secs);
                    if attempt >= s.max_retries
                        || !errors::transient(e.code())
                        || Instant::now() + wait > deadline
                    {
                        return Err(e);
                    }
                    attempt += 1;
                    std::thread::sleep(wait);
                }
            }
        };
        let token = ctx
            .get_token_info(found.slot)
            .map_err(|e| errors::map(&e, "leitura do token", "pkcs11.slotId"))?;
        if token.user_pin_locked() {
            return Err(Error::new(
                Code::DevicePinBlocked,
                format!(
                    "o PIN do token '{}' está bloqueado: desbloqueie com o PUK/SO PIN",
                    found.label
                ),
            )
            .at("pkcs11.pin"));
        }
        let session = open_session(&ctx, found.slot, s.session_mode)?;
        // The certificate (public object): by id, or by label.
        let key_loc = loc_key(options);
        let certs = token_certificates(&session)?;
        let leaf = certs
            .iter()
            .find(|(cid, clabel, _)| match (&options.key, &id) {
                (_, Some(id)) => cid == id,
                (KeyRef::Label(l), None) => clabel == l.as_bytes(),
                (KeyRef::Id(_), None) => false,
            });
        let Some((leaf_id, _, leaf_der)) = leaf else {
            return Err(Error::new(
                Code::DeviceCertificateNotFound,
                format!(
                    "certificado {} não encontrado no token '{}'",
                    describe(&options.key),
                    found.label
                ),
            )
            .at(key_loc));
        };
        let leaf_cert = Certificate::from_der(leaf_der).map_err(|e| e.at(key_loc))?;
        let pool: Vec<Certificate> = certs
            .iter()
            .filter_map(|(_, _, d)| Certificate::from_der(d).ok())
            .collect();
        let chain = chain_from(leaf_cert, &pool);
        // Login: a fixed PIN once; a callback up to max_pin_attempts times.
        let who = (
            std::fs::canonicalize(&options.module).unwrap_or_else(|_| options.module.clone()),
            found.slot.id(),
        );
        let pin = log_in(&ctx, &session, &who, found.slot, pin, s.max_pin_attempts)?;
        // The private key: same CKA_ID as the certificate (or the label when it has none).
        let mut key_template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        match (&options.key, leaf_id.is_empty()) {
            (KeyRef::Label(l), true) => key_template.push(Attribute::Label(l.as_bytes().to_vec())),
            _ => key_template.push(Attribute::Id(leaf_id.clone())),
        }
        let key = find_key(&session, &key_template, options)?;
        let kinfo = session
            .get_attributes(key, &[AttributeType::KeyType, AttributeType::Sign])
            .map_err(|e| errors::map(&e, "leitura da chave", key_loc))?;
        let key_type = kinfo.iter().find_map(|a| match a {
            Attribute::KeyType(k) => Some(*k),
            _ => None,
        });
        if key_type != Some(KeyType::RSA) {
            let what = if key_type == Some(KeyType::EC) {
                "chave EC: CKM_ECDSA não é permitido pelas políticas de assinatura (apenas RS256)"
                    .to_owned()
            } else {
                format!("tipo de chave {key_type:?} não suportado: apenas RSA (RS256)")
            };
            return Err(Error::new(Code::MiddlewareUnsupportedMechanisms, what).at(key_loc));
        }
        if kinfo.iter().any(|a| matches!(a, Attribute::Sign(false))) {
            return Err(Error::new(
                Code::DeviceKeyAccessDenied,
                "a chave privada não permite assinatura (CKA_SIGN falso)",
            )
            .at(key_loc));
        }
        let mechanism = choose_mechanism(&ctx, found.slot, s.mechanism)?;
        let signer = Pkcs11Signer {
            ctx,
            slot: found.slot,
            who,
            token_label: found.label,
            key_template,
            mechanism,
            mode: s.session_mode,
            session_timeout: Duration::from_secs(s.session_timeout_secs),
            pin,
            chain,
            pool: Mutex::new(Vec::new()),
        };
        signer.put_back(Pooled {
            session,
            key,
            idle_since: Instant::now(),
        });
        Ok(signer)
    }

    /// The certificates read from the token, DER, leaf first (issuers found on the token).
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The mechanism in use.
    pub fn mechanism(&self) -> SigningMechanism {
        self.mechanism
    }

    /// The token's label.
    pub fn token_label(&self) -> &str {
        &self.token_label
    }

    /// The slot id.
    pub fn slot_id(&self) -> u64 {
        self.slot.id()
    }

    /// RS256 (RSASSA-PKCS1-v1_5 / SHA-256) signature of `input`, made on the token.
    /// Failures: module errors mapped as in [`Pkcs11Signer::open`] (location `pkcs11`).
    pub fn sign_rs256(&self, input: &[u8]) -> Result<Vec<u8>> {
        let pooled = self.take()?;
        let (mech, data) = match self.mechanism {
            SigningMechanism::Sha256RsaPkcs => (Mechanism::Sha256RsaPkcs, input.to_vec()),
            SigningMechanism::RsaPkcs => {
                let mut di = SHA256_DIGEST_INFO_PREFIX.to_vec();
                di.extend_from_slice(&Sha256::digest(input));
                (Mechanism::RsaPkcs, di)
            }
        };
        match pooled.session.sign(&mech, pooled.key, &data) {
            Ok(sig) => {
                self.put_back(Pooled {
                    idle_since: Instant::now(),
                    ..pooled
                });
                Ok(sig)
            }
            // The session is dropped (closed), never reused after a failure.
            Err(e) => Err(errors::map(
                &e,
                &format!("assinatura com {}", self.mechanism.name()),
                "pkcs11",
            )),
        }
    }

    fn put_back(&self, p: Pooled) {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        pool.push(p);
    }

    /// A session ready to sign: a pooled one idle for less than the timeout, or a new one
    /// (logged in again if the module dropped the login).
    fn take(&self) -> Result<Pooled> {
        let mut stale = Vec::new();
        let reuse = {
            let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
            let mut found = None;
            while let Some(p) = pool.pop() {
                if p.idle_since.elapsed() <= self.session_timeout {
                    found = Some(p);
                    break;
                }
                stale.push(p);
            }
            found
        };
        // Closing idle sessions outside the lock.
        drop(stale);
        if let Some(p) = reuse {
            if logged_in(&p.session) {
                return Ok(p);
            }
        }
        let session = open_session(&self.ctx, self.slot, self.mode)?;
        login(&session, &self.who, &self.pin).map_err(|e| match e {
            Some(e) => errors::map(&e, "login no token", "pkcs11.pin"),
            None => pin_mismatch(),
        })?;
        let key = session
            .find_objects(&self.key_template)
            .map_err(|e| errors::map(&e, "busca da chave", "pkcs11"))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::new(
                    Code::DeviceKeyAccessDenied,
                    "a chave privada sumiu do token",
                )
                .at("pkcs11")
            })?;
        Ok(Pooled {
            session,
            key,
            idle_since: Instant::now(),
        })
    }
}
