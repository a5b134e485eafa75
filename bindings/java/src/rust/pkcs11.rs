//! `Native.signerFromPkcs11(String configJson, byte[] pinUtf8)`: a key on a PKCS#11 token
//! or smartcard (docs/adr/0040). Glue only: the facade parses the configuration.

use crate::{bytes, call, missing, opt_string, Result, ThrowSesgoException};
use jni::objects::{JByteArray, JClass, JString};
use jni::sys::jlong;
use jni::EnvUnowned;
use zeroize::Zeroizing;

/// `Native.signerFromPkcs11(String configJson, byte[] pinUtf8)`: a `Signer` handle (the
/// same kind `signerFromPkcs12` returns, freed by `signerDestroy`).
#[no_mangle]
pub extern "system" fn Java_br_gov_go_saude_sesgo_Native_signerFromPkcs11<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    config: JString<'local>,
    pin: JByteArray<'local>,
) -> jlong {
    env.with_env(|env| -> Result<jlong> {
        let config = opt_string(env, &config)?.ok_or_else(|| missing("configJson"))?;
        let pin = Zeroizing::new(bytes(env, &pin, "pin")?);
        let signer = call(|| {
            let pin = std::str::from_utf8(&pin).map_err(|_| {
                sesgo::Error::new(sesgo::Code::ConfigInvalidParameter, "PIN não está em UTF-8")
                    .at("pin")
            })?;
            sesgo::Signer::from_pkcs11_json(
                config.as_bytes(),
                sesgo::pkcs11::Pin::Value(Zeroizing::new(pin.to_owned())),
            )
        })?;
        Ok(Box::into_raw(Box::new(signer)) as jlong)
    })
    .resolve::<ThrowSesgoException>()
}
