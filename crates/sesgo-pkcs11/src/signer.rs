//! The PKCS#11 signer: token discovery, login, key and certificate lookup, mechanism
//! choice, pooled sessions.

use crate::config::{to_hex, KeyRef, MechanismChoice, Pkcs11Options, SessionMode};
use crate::{errors, module};
use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sesgo_cert::Certificate;
use sesgo_core::{Code, Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
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

fn open_session(ctx: &Pkcs11, slot: Slot, mode: SessionMode) -> Result<Session> {
    let r = match mode {
        SessionMode::ReadOnly => ctx.open_ro_session(slot),
        SessionMode::ReadWrite => ctx.open_rw_session(slot),
    };
    r.map_err(|e| errors::map(&e, "abertura de sessão", "pkcs11.slotId"))
}

fn logged_in(session: &Session) -> bool {
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
type LoginKey = (PathBuf, u64);
type LoginMap = HashMap<LoginKey, [u8; 32]>;

static LOGINS: OnceLock<Mutex<LoginMap>> = OnceLock::new();

fn logins() -> std::sync::MutexGuard<'static, LoginMap> {
    LOGINS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

fn pin_digest(pin: &str) -> [u8; 32] {
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

fn pin_mismatch() -> Error {
    Error::new(
        Code::CryptoPinInvalid,
        "PIN incorreto: difere do PIN com que este processo já abriu o token (não foi enviado ao cartão)",
    )
    .at("pkcs11.pin")
}

fn attr_bytes(attrs: &[Attribute], ty: AttributeType) -> Option<Vec<u8>> {
    attrs.iter().find_map(|a| match (a, ty) {
        (Attribute::Value(v), AttributeType::Value)
        | (Attribute::Id(v), AttributeType::Id)
        | (Attribute::Label(v), AttributeType::Label) => Some(v.clone()),
        _ => None,
    })
}

/// Every certificate object on the token: (CKA_ID, CKA_LABEL, DER).
/// A certificate object: (CKA_ID, CKA_LABEL, DER value).
pub(crate) type TokenCert = (Vec<u8>, Vec<u8>, Vec<u8>);

pub(crate) fn token_certificates(session: &Session) -> Result<Vec<TokenCert>> {
    let handles = session
        .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
        .map_err(|e| errors::map(&e, "busca de certificados", "pkcs11"))?;
    let mut out = Vec::new();
    for h in handles {
        let attrs = session
            .get_attributes(
                h,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Value,
                ],
            )
            .map_err(|e| errors::map(&e, "leitura de certificado", "pkcs11"))?;
        if let Some(der) = attr_bytes(&attrs, AttributeType::Value) {
            out.push((
                attr_bytes(&attrs, AttributeType::Id).unwrap_or_default(),
                attr_bytes(&attrs, AttributeType::Label).unwrap_or_default(),
                der,
            ));
        }
    }
    Ok(out)
}

/// Leaf first, then issuers found among `pool` (subject = issuer), stopping at a
/// self-issued certificate or when no issuer is on the token (the trust store or AIA
/// completes the rest when signing).
fn chain_from(leaf: Certificate, pool: &[Certificate]) -> Vec<Vec<u8>> {
    let mut chain = vec![leaf.der().to_vec()];
    let mut current = leaf;
    while !current.is_self_issued() && chain.len() < 10 {
        let issuer = &current.x509().tbs_certificate.issuer;
        let next = pool.iter().find(|c| {
            &c.x509().tbs_certificate.subject == issuer && !chain.iter().any(|d| d == c.der())
        });
        match next {
            Some(n) => {
                chain.push(n.der().to_vec());
                current = n.clone();
            }
            None => break,
        }
    }
    chain
}

struct Found {
    slot: Slot,
    label: String,
}

/// Finds the slot per options (slot id, token label, or auto-discovery: the first token
/// holding the certificate).
fn find_slot(ctx: &Pkcs11, options: &Pkcs11Options, cert_template: &[Attribute]) -> Result<Found> {
    let token_label_of = |slot: Slot| -> Result<String> {
        ctx.get_token_info(slot)
            .map(|t| t.label().trim_end().to_owned())
            .map_err(|e| errors::map(&e, "leitura do token", "pkcs11.slotId"))
    };
    if let Some(id) = options.slot_id {
        let all = ctx
            .get_all_slots()
            .map_err(|e| errors::map(&e, "lista de slots", "pkcs11.slotId"))?;
        let Some(slot) = all.into_iter().find(|s| s.id() == id) else {
            return Err(Error::new(
                Code::MiddlewareSlotIdInvalid,
                format!("slot {id} não existe neste módulo PKCS#11"),
            )
            .at("pkcs11.slotId"));
        };
        let present = ctx
            .get_slot_info(slot)
            .map(|i| i.token_present())
            .map_err(|e| errors::map(&e, "leitura do slot", "pkcs11.slotId"))?;
        if !present {
            return Err(Error::new(
                Code::DeviceSmartcardNotFound,
                format!("nenhum cartão/token presente no slot {id}"),
            )
            .at("pkcs11.slotId"));
        }
        let label = token_label_of(slot)?;
        if let Some(want) = &options.token_label {
            if &label != want {
                return Err(Error::new(
                    Code::DeviceTokenNotFound,
                    format!("o token do slot {id} tem rótulo '{label}', não '{want}'"),
                )
                .at("pkcs11.tokenLabel"));
            }
        }
        return Ok(Found { slot, label });
    }
    let slots = ctx
        .get_slots_with_initialized_token()
        .map_err(|e| errors::map(&e, "lista de slots", "pkcs11"))?;
    if let Some(want) = &options.token_label {
        for s in slots {
            let label = token_label_of(s)?;
            if &label == want {
                return Ok(Found { slot: s, label });
            }
        }
        return Err(Error::new(
            Code::DeviceTokenNotFound,
            format!("nenhum token com rótulo '{want}'"),
        )
        .at("pkcs11.tokenLabel"));
    }
    // Auto-discovery: the first token holding the certificate (certificates are public
    // objects), preferring one whose user PIN is not locked.
    let first = slots.first().copied();
    let mut holders = Vec::new();
    for s in &slots {
        let Ok(session) = ctx.open_ro_session(*s) else {
            continue;
        };
        if session
            .find_objects(cert_template)
            .map(|v| !v.is_empty())
            .unwrap_or(false)
        {
            holders.push(*s);
        }
    }
    let unlocked = holders.iter().find(|s| {
        ctx.get_token_info(**s)
            .map(|t| !t.user_pin_locked())
            .unwrap_or(false)
    });
    if let Some(s) = unlocked.or(holders.first()) {
        return Ok(Found {
            slot: *s,
            label: token_label_of(*s)?,
        });
    }
    match (first, slots.len()) {
        (Some(s), 1) => Ok(Found {
            slot: s,
            label: token_label_of(s)?,
        }),
        (None, _) => Err(Error::new(
            Code::DeviceTokenNotFound,
            "nenhum token PKCS#11 presente (cartão inserido? token conectado?)",
        )
        .at("pkcs11")),
        _ => Err(Error::new(
            Code::DeviceCertificateNotFound,
            "nenhum dos tokens presentes tem o certificado pedido",
        )
        .at("pkcs11")),
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

fn describe(key: &KeyRef) -> String {
    match key {
        KeyRef::Id(h) => format!("com CKA_ID {h}"),
        KeyRef::Label(l) => format!("com CKA_LABEL '{l}'"),
    }
}

fn find_key(
    session: &Session,
    template: &[Attribute],
    options: &Pkcs11Options,
) -> Result<ObjectHandle> {
    let keys = session
        .find_objects(template)
        .map_err(|e| errors::map(&e, "busca da chave privada", loc_key(options)))?;
    keys.into_iter().next().ok_or_else(|| {
        let id = template.iter().find_map(|a| match a {
            Attribute::Id(v) => Some(to_hex(v)),
            _ => None,
        });
        Error::new(
            Code::DeviceKeyAccessDenied,
            format!(
                "o token tem o certificado {} mas nenhuma chave privada acessível{}",
                describe(&options.key),
                id.map(|i| format!(" com CKA_ID {i}")).unwrap_or_default()
            ),
        )
        .at(loc_key(options))
    })
}

fn log_in(
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

fn choose_mechanism(ctx: &Pkcs11, slot: Slot, choice: MechanismChoice) -> Result<SigningMechanism> {
    let list = ctx
        .get_mechanism_list(slot)
        .map_err(|e| errors::map(&e, "lista de mecanismos", "pkcs11"))?;
    let has_combined = list.contains(&MechanismType::SHA256_RSA_PKCS);
    let has_raw = list.contains(&MechanismType::RSA_PKCS);
    let pick = match choice {
        MechanismChoice::Auto if has_combined => Some(SigningMechanism::Sha256RsaPkcs),
        MechanismChoice::Auto if has_raw => Some(SigningMechanism::RsaPkcs),
        MechanismChoice::Sha256RsaPkcs if has_combined => Some(SigningMechanism::Sha256RsaPkcs),
        MechanismChoice::RsaPkcs if has_raw => Some(SigningMechanism::RsaPkcs),
        _ => None,
    };
    pick.ok_or_else(|| {
        Error::new(
            Code::MiddlewareUnsupportedMechanisms,
            "o token não oferece CKM_SHA256_RSA_PKCS nem CKM_RSA_PKCS (o pedido)",
        )
        .at("pkcs11.mechanism")
    })
}
