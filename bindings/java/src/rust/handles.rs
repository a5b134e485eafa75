//! Native handles (`Signer`, `TrustStore`), the JCA signing callback, and the natives of
//! `sign`, `verify` and `inspectCertificate` (docs/adr/0023). Glue only: every rule is
//! the facade's.
//!
//! A handle is `Box::into_raw(Box::new(facade_object)) as jlong`, owned by one Java
//! `NativeObject` (which frees it exactly once through `…Destroy` and never passes a
//! closed handle: `NativeObject.withHandle` throws `IllegalStateException` first). The
//! facade objects are `Arc`-backed, so each native call clones the object out of the
//! handle and works on its own reference.

use crate::{bytes, call, json_result, missing, opt_bytes, opt_string, options_json, Result};
use jni::objects::{JByteArray, JObject, JObjectArray, JString, JValue};
use jni::refs::Global;
use jni::sys::jlong;
use jni::{jni_sig, jni_str, Env, JavaVM};
use zeroize::Zeroizing;

// ---------------------------------------------------------------------------------------
// Handles

pub(crate) fn into_handle<T>(value: T) -> jlong {
    Box::into_raw(Box::new(value)) as jlong
}

/// A clone of the object behind `handle` (0 → `CONFIG.MISSING-PARAMETER` at `name`).
///
/// # Safety
/// `handle` must be 0 or a value returned by [`into_handle::<T>`] that has not been
/// passed to [`destroy::<T>`]; the Java side (`NativeObject`) guarantees both.
pub(crate) unsafe fn from_handle<T: Clone>(handle: jlong, name: &str) -> Result<T> {
    if handle == 0 {
        return Err(missing(name));
    }
    // SAFETY: see the function's contract.
    Ok(unsafe { (*(handle as *const T)).clone() })
}

/// Frees the object behind `handle` (0 is ignored).
///
/// # Safety
/// As [`from_handle`]; after this call the handle must not be used again.
pub(crate) unsafe fn destroy<T>(handle: jlong) {
    if handle != 0 {
        // SAFETY: see the function's contract.
        drop(unsafe { Box::from_raw(handle as *mut T) });
    }
}

/// A secret `byte[]` argument (a password in UTF-8), zeroized when dropped.
fn secret(env: &Env<'_>, array: &JByteArray<'_>, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    Ok(Zeroizing::new(bytes(env, array, name)?))
}

fn opt_secret(env: &Env<'_>, array: &JByteArray<'_>) -> Result<Option<Zeroizing<Vec<u8>>>> {
    Ok(opt_bytes(env, array)?.map(Zeroizing::new))
}

/// The password as `&str` (the Java side encodes `char[]` as UTF-8, so this only fails
/// for bytes that did not come from `Signer`).
fn password_str<'a>(password: &'a [u8], name: &str) -> sesgo::Result<&'a str> {
    std::str::from_utf8(password).map_err(|_| {
        sesgo::Error::new(
            sesgo::Code::ConfigInvalidParameter,
            "senha não está em UTF-8",
        )
        .at(name)
    })
}

// ---------------------------------------------------------------------------------------
// Signer

native! {
    /// `Native.signerFromPkcs12(byte[] pkcs12, byte[] passwordUtf8, String alias)`.
    fn Java_br_gov_go_saude_sesgo_Native_signerFromPkcs12(
        |env| pkcs12: JByteArray<'local>, password: JByteArray<'local>, alias: JString<'local>
    ) -> jlong {
        let pkcs12 = bytes(env, &pkcs12, "pkcs12")?;
        let password = secret(env, &password, "password")?;
        let alias = opt_string(env, &alias)?;
        let signer = call(|| {
            sesgo::Signer::from_pkcs12(
                &pkcs12,
                password_str(&password, "password")?,
                alias.as_deref(),
            )
        })?;
        Ok(into_handle(signer))
    }
}

native! {
    /// `Native.signerFromPem(byte[] keyPem, byte[] passwordUtf8OrNull, byte[] chainPem)`.
    fn Java_br_gov_go_saude_sesgo_Native_signerFromPem(
        |env| key_pem: JByteArray<'local>, password: JByteArray<'local>, chain_pem: JByteArray<'local>
    ) -> jlong {
        let key_pem = Zeroizing::new(bytes(env, &key_pem, "keyPem")?);
        let password = opt_secret(env, &password)?;
        let chain_pem = bytes(env, &chain_pem, "chainPem")?;
        let signer = call(|| {
            sesgo::Signer::from_pem(
                &key_pem,
                password.as_ref().map(|p| p.as_slice()),
                &chain_pem,
            )
        })?;
        Ok(into_handle(signer))
    }
}

/// The Java signing function of an external signer: a global reference to a
/// `Signer.SigningFunction` and the VM, so it can be called from any thread.
struct JavaSigningFunction {
    vm: JavaVM,
    function: Global<JObject<'static>>,
}

impl JavaSigningFunction {
    /// criar Etapa 10.3–10.4 delegated to Java: `byte[] sign(byte[] signingInput)`.
    /// The facade checks the returned signature against the leaf key afterwards.
    fn sign(&self, input: &[u8]) -> sesgo::Result<Vec<u8>> {
        // Cheap when the thread is already attached (the usual case: the Java thread that
        // called `Sesgo.sign`); a Java exception thrown by the function is caught by the
        // attachment and returned as `CaughtJavaException`, never left pending.
        let out = self
            .vm
            .attach_current_thread(|env| -> jni::errors::Result<Option<Vec<u8>>> {
                let arg = env.byte_array_from_slice(input)?;
                let ret = env
                    .call_method(
                        &*self.function,
                        jni_str!("sign"),
                        jni_sig!("([B)[B"),
                        &[JValue::Object(&arg)],
                    )?
                    .l()?;
                if ret.is_null() {
                    return Ok(None);
                }
                let ret = env.cast_local::<JByteArray>(ret)?;
                Ok(Some(env.convert_byte_array(&ret)?))
            });
        let failed = |msg: String| {
            sesgo::Error::new(sesgo::Code::CryptoSignatureCreationFailed, msg).at("signer")
        };
        match out {
            Ok(Some(signature)) => Ok(signature),
            Ok(None) => Err(failed(
                "a função de assinatura Java devolveu null".to_owned(),
            )),
            Err(jni::errors::Error::CaughtJavaException { name, msg, .. }) => Err(failed(format!(
                "a função de assinatura Java lançou {name}: {msg}"
            ))),
            Err(e) => Err(failed(format!(
                "falha ao chamar a função de assinatura Java: {e}"
            ))),
        }
    }
}

native! {
    /// `Native.signerExternal(byte[][] chainDer, Signer.SigningFunction function)`.
    fn Java_br_gov_go_saude_sesgo_Native_signerExternal(
        |env| chain: JObjectArray<'local>, function: JObject<'local>
    ) -> jlong {
        if chain.is_null() {
            return Err(missing("chain"));
        }
        if function.is_null() {
            return Err(missing("function"));
        }
        let n = chain.len(env)?;
        let mut chain_der = Vec::with_capacity(n);
        for i in 0..n {
            let element = chain.get_element(env, i)?;
            let element = env.cast_local::<JByteArray>(element)?;
            chain_der.push(bytes(env, &element, &format!("chain[{i}]"))?);
        }
        let callback = JavaSigningFunction {
            vm: env.get_java_vm()?,
            function: env.new_global_ref(&function)?,
        };
        let signer =
            call(|| sesgo::Signer::external(&chain_der, move |input| callback.sign(input)))?;
        Ok(into_handle(signer))
    }
}

native! {
    /// `Native.signerDestroy(long handle)`.
    fn Java_br_gov_go_saude_sesgo_Native_signerDestroy(|_env| handle: jlong) -> () {
        // SAFETY: called once per handle by NativeObject's release action.
        unsafe { destroy::<sesgo::Signer>(handle) };
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// TrustStore

native! {
    /// `Native.trustStoreNew(String optionsJsonOrNull)`: facade `TrustStoreOptions` (null =
    /// the embedded ICP-Brasil roots v5 and v12).
    fn Java_br_gov_go_saude_sesgo_Native_trustStoreNew(|env| options: JString<'local>) -> jlong {
        let options = opt_string(env, &options)?;
        let store =
            call(|| sesgo::TrustStoreOptions::from_json(options_json(&options))?.build())?;
        Ok(into_handle(store))
    }
}

native! {
    /// `Native.trustStoreDestroy(long handle)`.
    fn Java_br_gov_go_saude_sesgo_Native_trustStoreDestroy(|_env| handle: jlong) -> () {
        // SAFETY: called once per handle by NativeObject's release action.
        unsafe { destroy::<sesgo::TrustStore>(handle) };
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// sign / verify / inspect

native! {
    /// `Native.sign(byte[] bundle, byte[] provenance, long signer, long trustStore, String
    /// optionsJson)`: a `SignResult` (the facade's `Signed`, whole and by part).
    fn Java_br_gov_go_saude_sesgo_Native_sign(
        |env| bundle: JByteArray<'local>,
        provenance: JByteArray<'local>,
        signer: jlong,
        trust_store: jlong,
        options: JString<'local>,
    ) -> JObject<'local> {
        let bundle = bytes(env, &bundle, "bundle")?;
        let provenance = bytes(env, &provenance, "provenance")?;
        // SAFETY: live handles of the right type (Signer.withHandle / TrustStore.withHandle).
        let signer = unsafe { from_handle::<sesgo::Signer>(signer, "signer")? };
        // SAFETY: a live handle of the right type (its withHandle).
        let trust = unsafe { from_handle::<sesgo::TrustStore>(trust_store, "trustStore")? };
        let options = opt_string(env, &options)?;
        let signed = call(|| {
            let opts = sesgo::SignOptions::from_json(options_json(&options))?;
            sesgo::sign(&bundle, &provenance, &signer, &trust, &opts)
        })?;
        let json = env.new_string(signed.to_json())?;
        let signature = env.new_string(signed.signature.to_json())?;
        let provenance = env.new_string(signed.provenance.to_json())?;
        let bundle = env.new_string(&signed.bundle)?;
        let warnings = if signed.warnings.is_empty() {
            JObject::null()
        } else {
            let oo = sesgo::OperationOutcome::new(signed.warnings.clone());
            JObject::from(env.new_string(oo.to_json())?)
        };
        Ok(env.new_object(
            jni_str!("br/gov/go/saude/sesgo/SignResult"),
            jni_sig!(
                "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V"
            ),
            &[
                JValue::Object(&json),
                JValue::Object(&signature),
                JValue::Object(&provenance),
                JValue::Object(&bundle),
                JValue::Object(&warnings),
            ],
        )?)
    }
}

native! {
    /// `Native.verify(long trustStore, byte[] signature, byte[] provenance, byte[] bundle,
    /// String signatureData, String optionsJson)`: a `VerificationResult`. An invalid
    /// signature is a result (`valid == false`), not an exception.
    fn Java_br_gov_go_saude_sesgo_Native_verify(
        |env| trust_store: jlong,
        signature: JByteArray<'local>,
        provenance: JByteArray<'local>,
        bundle: JByteArray<'local>,
        signature_data: JString<'local>,
        options: JString<'local>,
    ) -> JObject<'local> {
        // SAFETY: a live handle of the right type (TrustStore.withHandle).
        let trust = unsafe { from_handle::<sesgo::TrustStore>(trust_store, "trustStore")? };
        let signature = opt_bytes(env, &signature)?;
        let provenance = opt_bytes(env, &provenance)?;
        let bundle = opt_bytes(env, &bundle)?;
        let signature_data = opt_string(env, &signature_data)?;
        let options = opt_string(env, &options)?;
        let verification = call(|| {
            let opts = sesgo::VerifyOptions::from_json(options_json(&options))?;
            let input = sesgo::VerifyInput {
                signature_data: signature_data.as_deref(),
                signature: signature.as_deref(),
                provenance: provenance.as_deref(),
                bundle: bundle.as_deref(),
            };
            sesgo::verify(&input, &trust, &opts)
        })?;
        verification_object(env, &verification)
    }
}

/// A `VerificationResult` for `verification` (valid, JSON, outcome, indication,
/// sub-indication, content checked).
fn verification_object<'l>(
    env: &mut Env<'l>,
    verification: &sesgo::Verification,
) -> Result<JObject<'l>> {
    let json = env.new_string(verification.to_json())?;
    let outcome = env.new_string(verification.outcome.to_json())?;
    let indication = env.new_string(verification.indication.as_str())?;
    let sub_indication = match verification.sub_indication {
        Some(s) => JObject::from(env.new_string(s)?),
        None => JObject::null(),
    };
    Ok(env.new_object(
        jni_str!("br/gov/go/saude/sesgo/VerificationResult"),
        jni_sig!("(ZLjava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Z)V"),
        &[
            JValue::Bool(verification.valid),
            JValue::Object(&json),
            JValue::Object(&outcome),
            JValue::Object(&indication),
            JValue::Object(&sub_indication),
            JValue::Bool(verification.content_checked),
        ],
    )?)
}

/// One `verifyMany` item as read from the Java arrays: `(signatureData, signature,
/// provenance, bundle)`, or the error that makes it unusable on its own.
type BatchItem = std::result::Result<
    (
        Option<String>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
    ),
    sesgo::Error,
>;

/// Element `i` of a `byte[][]` (null element = absent).
fn element_bytes(env: &mut Env<'_>, array: &JObjectArray<'_>, i: usize) -> Result<Option<Vec<u8>>> {
    let element = array.get_element(env, i)?;
    let element = env.cast_local::<JByteArray>(element)?;
    opt_bytes(env, &element)
}

native! {
    /// `Native.verifyMany(long trustStore, byte[][] signatures, byte[][] provenances,
    /// byte[][] bundles, String[] signatureData, String optionsJson, int threads)`: one
    /// `VerificationResult` per item, in order (`sesgo::verify_batch`). The four arrays
    /// have one element per item (null = absent); an item whose own input is unusable (a
    /// `signatureData` that is not Unicode) is an invalid result carrying its error.
    fn Java_br_gov_go_saude_sesgo_Native_verifyMany(
        |env| trust_store: jlong,
        signatures: JObjectArray<'local>,
        provenances: JObjectArray<'local>,
        bundles: JObjectArray<'local>,
        signature_data: JObjectArray<'local>,
        options: JString<'local>,
        threads: jni::sys::jint,
    ) -> JObjectArray<'local> {
        // SAFETY: a live handle of the right type (TrustStore.withHandle).
        let trust = unsafe { from_handle::<sesgo::TrustStore>(trust_store, "trustStore")? };
        let options = opt_string(env, &options)?;
        let threads = usize::try_from(threads).map_err(|_| {
            crate::Failure::Sesgo(
                sesgo::Error::new(
                    sesgo::Code::ConfigInvalidParameter,
                    format!("threads = {threads}: deve ser 0 (um por núcleo) ou positivo"),
                )
                .at("threads"),
            )
        })?;
        for (array, name) in [
            (&signatures, "signatures"),
            (&provenances, "provenances"),
            (&bundles, "bundles"),
            (&signature_data, "signatureData"),
        ] {
            if array.is_null() {
                return Err(missing(name));
            }
        }
        let n = bundles.len(env)?;
        if signatures.len(env)? != n || provenances.len(env)? != n || signature_data.len(env)? != n {
            return Err(crate::Failure::Sesgo(sesgo::Error::new(
                sesgo::Code::ConfigInvalidParameter,
                "verifyMany: os quatro arrays devem ter um elemento por item",
            )));
        }
        let mut items: Vec<BatchItem> = Vec::with_capacity(n);
        for i in 0..n {
            // One local frame per item: an archive of any size stays within JNI's local
            // reference table.
            let item = env.with_local_frame(8, |env| -> Result<BatchItem> {
                let signature = element_bytes(env, &signatures, i)?;
                let provenance = element_bytes(env, &provenances, i)?;
                let bundle = element_bytes(env, &bundles, i)?;
                let data = signature_data.get_element(env, i)?;
                let data = env.cast_local::<JString>(data)?;
                match opt_string(env, &data) {
                    Ok(d) => Ok(Ok((d, signature, provenance, bundle))),
                    Err(crate::Failure::Sesgo(e)) => {
                        Ok(Err(e.at(format!("requests[{i}].signatureData"))))
                    }
                    Err(other) => Err(other),
                }
            })?;
            items.push(item);
        }
        let results = call(|| {
            let opts = sesgo::VerifyOptions::from_json(options_json(&options))?;
            let inputs: Vec<std::result::Result<sesgo::VerifyInput<'_>, sesgo::Error>> = items
                .iter()
                .map(|item| {
                    item.as_ref()
                        .map(|(d, s, p, b)| sesgo::VerifyInput {
                            signature_data: d.as_deref(),
                            signature: s.as_deref(),
                            provenance: p.as_deref(),
                            bundle: b.as_deref(),
                        })
                        .map_err(Clone::clone)
                })
                .collect();
            sesgo::verify_batch_items(&inputs, &trust, &opts, threads)
        })?;
        let len = jni::sys::jsize::try_from(n).map_err(|_| {
            crate::Failure::Sesgo(sesgo::Error::new(
                sesgo::Code::ConfigInvalidParameter,
                "verifyMany: itens demais",
            ))
        })?;
        let out = env.new_object_array(
            len,
            jni_str!("br/gov/go/saude/sesgo/VerificationResult"),
            JObject::null(),
        )?;
        for (i, v) in results.iter().enumerate() {
            env.with_local_frame(8, |env| -> Result<()> {
                let obj = verification_object(env, v)?;
                out.set_element(env, i, &obj)?;
                Ok(())
            })?;
        }
        Ok(out)
    }
}

native! {
    /// `Native.inspectCertificate(byte[] input, byte[] passwordUtf8OrNull, long
    /// trustStoreOr0, String optionsJson)`: the credentialing report JSON (UTF-8).
    fn Java_br_gov_go_saude_sesgo_Native_inspectCertificate(
        |env| input: JByteArray<'local>, password: JByteArray<'local>, trust: jlong,
        options: JString<'local>
    ) -> JByteArray<'local> {
        let trust = if trust == 0 {
            None
        } else {
            // SAFETY: a live handle of the right type (TrustStore.withHandle).
            Some(unsafe { from_handle::<sesgo::TrustStore>(trust, "trustStore")? })
        };
        let input = bytes(env, &input, "input")?;
        let password = opt_secret(env, &password)?;
        let options = opt_string(env, &options)?;
        let report = call(|| {
            let opts = sesgo::InspectOptions::from_json(options_json(&options))?;
            let password = match &password {
                Some(p) => Some(password_str(p, "password")?),
                None => None,
            };
            Ok(match &trust {
                Some(t) => sesgo::inspect_certificate_with_trust(&input, password, &opts, t)?,
                None => sesgo::inspect_certificate(&input, password, &opts)?,
            }
            .to_json())
        })?;
        json_result(env, &report)
    }
}

native! {
    /// `Native.token(long signer, long networkOr0, String optionsJson)`: the token JSON
    /// (UTF-8; it holds the access token — the Java side wipes the array after decoding).
    fn Java_br_gov_go_saude_sesgo_Native_token(
        |env| signer: jlong, network: jlong, options: JString<'local>
    ) -> JByteArray<'local> {
        // SAFETY: a live handle of the right type (Signer.withHandle).
        let signer = unsafe { from_handle::<sesgo::Signer>(signer, "signer")? };
        let network = if network == 0 {
            None
        } else {
            // SAFETY: a live handle of the right type (Network.withHandle).
            Some(unsafe { from_handle::<sesgo::Network>(network, "network")? })
        };
        let options = opt_string(env, &options)?;
        let out = call(|| {
            let t = sesgo::token::token_from_json(network.as_ref(), &signer, options_json(&options))?;
            Ok(t.to_json_with_secret())
        })?;
        json_result(env, &out)
    }
}

native! {
    /// `Native.exportCertificate(byte[] input, byte[] passwordUtf8OrNull, String format)`:
    /// the certificate (pem, der) or its public JWK / JWKS (jwk, jwks).
    fn Java_br_gov_go_saude_sesgo_Native_exportCertificate(
        |env| input: JByteArray<'local>, password: JByteArray<'local>, format: JString<'local>
    ) -> JByteArray<'local> {
        let input = bytes(env, &input, "input")?;
        let password = opt_secret(env, &password)?;
        let format = opt_string(env, &format)?;
        let out = call(|| {
            let f = sesgo::ExportFormat::parse(format.as_deref().unwrap_or(""))?;
            let password = match &password {
                Some(p) => Some(password_str(p, "password")?),
                None => None,
            };
            sesgo::export_certificate(&input, password, None, f)
        })?;
        Ok(env.byte_array_from_slice(&out)?)
    }
}
