//! `libsesgo_jni`: the native library behind the `br.gov.go.saude.sesgo` jar. Translation
//! only (docs/adr/0005, docs/adr/0013): `byte[]`/`String` in, `byte[]` out, every facade
//! call inside [`sesgo::guard`], and every failure — facade error, JNI error or panic —
//! thrown as one `br.gov.go.saude.sesgo.SesgoException` from one place
//! (`ThrowSesgoException`). Nothing unwinds into the JVM.
//!
//! Each `Java_br_gov_go_saude_sesgo_Native_*` function below implements one `native`
//! method of the package-private class `Native.java`; the xtask checks that every declared
//! method has its exported symbol (`cargo xtask test java`).
//!
//! Layers of protection in every entry point:
//! 1. the facade work runs inside [`sesgo::guard`] (a panic becomes `SYSTEM`);
//! 2. the argument/result conversion runs inside [`jni::EnvUnowned::with_env`], which catches
//!    any other panic, and JNI errors are carried as `Failure::Jni`;
//! 3. `ThrowSesgoException` turns the failure into the Java exception; if a Java
//!    exception is already pending (e.g. `OutOfMemoryError` while allocating the result),
//!    that one propagates unchanged.

use jni::errors::ErrorPolicy;
use jni::objects::{JByteArray, JObject, JString, JThrowable, JValue};
use jni::strings::JNIString;
use jni::sys::jint;
use jni::{jni_sig, jni_str, Env};

/// Defines the implementation of one `native` method of `Native.java`: the exported
/// `Java_br_gov_go_saude_sesgo_Native_*` symbol taking `(JNIEnv*, jclass, args…)`, whose
/// body runs inside [`jni::EnvUnowned::with_env`] with the closure's `&mut Env` bound to
/// the name given (`|env|`), and whose failures are thrown by [`ThrowSesgoException`]
/// (the layers described in the crate documentation). Argument types may use the
/// lifetime `'local`.
macro_rules! native {
    (
        $(#[$meta:meta])*
        fn $name:ident(|$env:ident| $($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
    ) => {
        $(#[$meta])*
        #[no_mangle]
        pub extern "system" fn $name<'local>(
            mut env: jni::EnvUnowned<'local>,
            _class: jni::objects::JClass<'local>,
            $($arg: $ty),*
        ) -> $ret {
            env.with_env(|$env| -> $crate::Result<$ret> { $body })
                .resolve::<$crate::ThrowSesgoException>()
        }
    };
}

mod handles;
mod network;
mod pkcs11;

/// Why a native call failed.
pub(crate) enum Failure {
    /// The facade refused the input (or panicked inside the guard).
    Sesgo(sesgo::Error),
    /// A JNI call failed while converting arguments or results.
    Jni(jni::errors::Error),
}

impl From<jni::errors::Error> for Failure {
    fn from(e: jni::errors::Error) -> Self {
        Failure::Jni(e)
    }
}

impl From<sesgo::Error> for Failure {
    fn from(e: sesgo::Error) -> Self {
        Failure::Sesgo(e)
    }
}

pub(crate) type Result<T> = std::result::Result<T, Failure>;

/// The one place where failures become Java exceptions.
pub(crate) struct ThrowSesgoException;

impl<T: Default> ErrorPolicy<T, Failure> for ThrowSesgoException {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        err: Failure,
    ) -> jni::errors::Result<T> {
        let error = match err {
            Failure::Sesgo(e) => e,
            // A Java exception is pending (thrown by the JVM during a JNI call): let it
            // propagate as is.
            Failure::Jni(_) if env.exception_check() => return Ok(T::default()),
            Failure::Jni(e) => sesgo::Error::new(
                sesgo::Code::System,
                format!("erro interno na fronteira JNI: {e}"),
            ),
        };
        throw(env, &error);
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn std::any::Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        // A panic outside the facade (in conversion code): re-raised inside the facade's
        // guard so it is described exactly like any other panic (`SYSTEM`).
        // `resume_unwind` does not run the panic hook a second time.
        let error = sesgo::guard(|| -> sesgo::Result<()> { std::panic::resume_unwind(payload) })
            .err()
            .unwrap_or_else(|| sesgo::Error::new(sesgo::Code::System, "pânico sem erro"));
        if !env.exception_check() {
            throw(env, &error);
        }
        Ok(T::default())
    }
}

/// Throws `SesgoException(code, severity, location, diagnostics, operationOutcomeJson)`;
/// if that cannot be built, a `RuntimeException` with the same text (never nothing).
fn throw(env: &mut Env<'_>, error: &sesgo::Error) {
    let primary = error.primary();
    let code = primary.code().as_str();
    let severity = primary.severity().as_str();
    let location = primary.locations().first().cloned();
    let diagnostics = primary.diagnostics().to_owned();
    let outcome = error.to_operation_outcome().to_json();
    let mut build = || -> jni::errors::Result<()> {
        let code = env.new_string(code)?;
        let severity = env.new_string(severity)?;
        let location = match &location {
            Some(l) => JObject::from(env.new_string(l)?),
            None => JObject::null(),
        };
        let diagnostics = env.new_string(&diagnostics)?;
        let outcome = env.new_string(&outcome)?;
        let obj = env.new_object(
            jni_str!("br/gov/go/saude/sesgo/SesgoException"),
            jni_sig!(
                "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V"
            ),
            &[
                JValue::Object(&code),
                JValue::Object(&severity),
                JValue::Object(&location),
                JValue::Object(&diagnostics),
                JValue::Object(&outcome),
            ],
        )?;
        let throwable = env.cast_local::<JThrowable>(obj)?;
        env.throw(throwable)
    };
    if build().is_err() && !env.exception_check() {
        let msg = JNIString::from(format!("{code}: {diagnostics}"));
        let _ = env.throw_new(jni_str!("java/lang/RuntimeException"), msg);
    }
}

/// Runs facade work inside the panic guard.
pub(crate) fn call<T>(f: impl FnOnce() -> sesgo::Result<T>) -> Result<T> {
    sesgo::guard(f).map_err(Failure::Sesgo)
}

pub(crate) fn missing(name: &str) -> Failure {
    Failure::Sesgo(
        sesgo::Error::new(
            sesgo::Code::ConfigMissingParameter,
            format!("parâmetro obrigatório ausente (null): {name}"),
        )
        .at(name),
    )
}

/// A required `byte[]` argument (`null` → `CONFIG.MISSING-PARAMETER`).
pub(crate) fn bytes(env: &Env<'_>, array: &JByteArray<'_>, name: &str) -> Result<Vec<u8>> {
    if array.is_null() {
        return Err(missing(name));
    }
    Ok(env.convert_byte_array(array)?)
}

/// An optional `byte[]` argument.
pub(crate) fn opt_bytes(env: &Env<'_>, array: &JByteArray<'_>) -> Result<Option<Vec<u8>>> {
    if array.is_null() {
        return Ok(None);
    }
    Ok(Some(env.convert_byte_array(array)?))
}

/// An optional `String` argument. Text that is not Unicode (a lone surrogate) is
/// `CONFIG.INVALID-PARAMETER`, never an internal error (issue 25).
pub(crate) fn opt_string(env: &Env<'_>, s: &JString<'_>) -> Result<Option<String>> {
    if s.is_null() {
        return Ok(None);
    }
    match s.try_to_string(env) {
        Ok(t) => Ok(Some(t)),
        Err(e) if env.exception_check() => Err(Failure::Jni(e)),
        Err(e) => Err(Failure::Sesgo(sesgo::Error::new(
            sesgo::Code::ConfigInvalidParameter,
            format!("texto que não é Unicode válido (surrogate isolado?): {e}"),
        ))),
    }
}

/// The bytes of an optional options-JSON argument for a facade `from_json`: `null` is
/// the empty text, which every `from_json` reads as the defaults.
pub(crate) fn options_json(options: &Option<String>) -> &[u8] {
    options.as_deref().unwrap_or_default().as_bytes()
}

/// A JSON result as the UTF-8 `byte[]` the Java side decodes (the facade's text, as is).
pub(crate) fn json_result<'local>(env: &mut Env<'local>, json: &str) -> Result<JByteArray<'local>> {
    Ok(env.byte_array_from_slice(json.as_bytes())?)
}

native! {
    /// `Native.version()`: the sesgo version.
    fn Java_br_gov_go_saude_sesgo_Native_version(|env|) -> JString<'local> {
        Ok(env.new_string(sesgo::VERSION)?)
    }
}

native! {
    /// `Native.policies()`: the supported policies and the signing default, as JSON
    /// (`{"default":uri,"policies":[{"uri":…,"family":…},…]}`).
    fn Java_br_gov_go_saude_sesgo_Native_policies(|env|) -> JString<'local> {
        Ok(env.new_string(sesgo::Policy::catalog_json())?)
    }
}

native! {
    /// `Native.defaultSettings()`: the guide's default settings as JSON (the settings form).
    fn Java_br_gov_go_saude_sesgo_Native_defaultSettings(|env|) -> JString<'local> {
        Ok(env.new_string(sesgo::Settings::defaults_json())?)
    }
}

native! {
    /// `Native.abiVersion()`: the binding ABI version of this library.
    fn Java_br_gov_go_saude_sesgo_Native_abiVersion(|_env|) -> jint {
        jint::try_from(sesgo::ABI_VERSION).map_err(|_| {
            Failure::Sesgo(sesgo::Error::new(
                sesgo::Code::System,
                "versão de ABI fora do intervalo de int",
            ))
        })
    }
}

native! {
    /// `Native.canonicalize(byte[] resource, String policy)`: canonical bytes.
    fn Java_br_gov_go_saude_sesgo_Native_canonicalize(
        |env| resource: JByteArray<'local>, policy: JString<'local>
    ) -> JByteArray<'local> {
        let resource = bytes(env, &resource, "resource")?;
        let policy = opt_string(env, &policy)?;
        let out = call(|| sesgo::canonicalize(&resource, policy.as_deref()))?;
        Ok(env.byte_array_from_slice(&out)?)
    }
}

native! {
    /// `Native.checkReferences(byte[] bundle, byte[] provenance, String optionsJson)`:
    /// the OperationOutcome JSON (UTF-8).
    fn Java_br_gov_go_saude_sesgo_Native_checkReferences(
        |env| bundle: JByteArray<'local>, provenance: JByteArray<'local>, options: JString<'local>
    ) -> JByteArray<'local> {
        let bundle = bytes(env, &bundle, "bundle")?;
        let provenance = opt_bytes(env, &provenance)?;
        let options = opt_string(env, &options)?;
        let out = call(|| {
            let opts = sesgo::ReferenceCheckOptions::from_json(options_json(&options))?;
            Ok(sesgo::check_references(&bundle, provenance.as_deref(), &opts)?.to_json())
        })?;
        json_result(env, &out)
    }
}

native! {
    /// `Native.buildBundle(byte[] resources, String optionsJson)`: the transfer Bundle JSON.
    fn Java_br_gov_go_saude_sesgo_Native_buildBundle(
        |env| resources: JByteArray<'local>, options: JString<'local>
    ) -> JByteArray<'local> {
        let resources = bytes(env, &resources, "resources")?;
        let options = opt_string(env, &options)?;
        let out = call(|| {
            let opts = sesgo::BuildBundleOptions::from_json(options_json(&options))?;
            Ok(sesgo::build_bundle(&resources, &opts)?.to_json())
        })?;
        json_result(env, &out)
    }
}

/// The two attachment natives: `(byte[] attachment, byte[] contentOrNull, String
/// optionsJson)` → the facade's JSON for `op`.
fn attachment_op<'local>(
    env: &mut Env<'local>,
    attachment: &JByteArray<'local>,
    content: &JByteArray<'local>,
    options: &JString<'local>,
    op: impl FnOnce(&[u8], Option<&[u8]>, &sesgo::AttachmentOptions) -> sesgo::Result<String>,
) -> Result<JByteArray<'local>> {
    let attachment = bytes(env, attachment, "attachment")?;
    let content = opt_bytes(env, content)?;
    let options = opt_string(env, options)?;
    let out = call(|| {
        let opts = sesgo::AttachmentOptions::from_json(options_json(&options))?;
        op(&attachment, content.as_deref(), &opts)
    })?;
    json_result(env, &out)
}

native! {
    /// `Native.fillAttachment(byte[] attachment, byte[] content, String optionsJson)`:
    /// the Attachment JSON with `size`, `hash` and `hash-sha256` filled (UTF-8).
    fn Java_br_gov_go_saude_sesgo_Native_fillAttachment(
        |env| attachment: JByteArray<'local>, content: JByteArray<'local>, options: JString<'local>
    ) -> JByteArray<'local> {
        attachment_op(env, &attachment, &content, &options, |a, c, o| {
            Ok(sesgo::fill_attachment(a, c, o)?.to_json())
        })
    }
}

native! {
    /// `Native.checkAttachment(byte[] attachment, byte[] content, String optionsJson)`:
    /// the OperationOutcome JSON (UTF-8).
    fn Java_br_gov_go_saude_sesgo_Native_checkAttachment(
        |env| attachment: JByteArray<'local>, content: JByteArray<'local>, options: JString<'local>
    ) -> JByteArray<'local> {
        attachment_op(env, &attachment, &content, &options, |a, c, o| {
            Ok(sesgo::check_attachment(a, c, o)?.to_json())
        })
    }
}

native! {
    /// Test hook `Native.testingPanic()`: panics inside the guard (must throw, never crash).
    #[cfg(feature = "testing")]
    #[allow(clippy::panic, reason = "the test hook of the panic guard: it must panic")]
    fn Java_br_gov_go_saude_sesgo_Native_testingPanic(|_env|) -> () {
        call(|| -> sesgo::Result<()> { panic!("testingPanic: pânico provocado de propósito") })
    }
}

native! {
    /// Test hook `Native.testingError()`: fails with `CERT.EXPIRED` at `x5c[0]`.
    #[cfg(feature = "testing")]
    fn Java_br_gov_go_saude_sesgo_Native_testingError(|_env|) -> () {
        call(|| -> sesgo::Result<()> {
            Err(
                sesgo::Error::new(sesgo::Code::CertExpired, "erro provocado de propósito")
                    .at("x5c[0]"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    //! The jar and the native library must agree on version and ABI; the Java side holds
    //! them as constants, checked here against the facade.

    fn read(rel: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn java_abi_constant_matches_the_facade() {
        let src = read("src/main/java/br/gov/go/saude/sesgo/NativeLibrary.java");
        let want = format!("static final int ABI_VERSION = {};", sesgo::ABI_VERSION);
        assert!(
            src.contains(&want),
            "NativeLibrary.java must declare `{want}`"
        );
    }

    #[test]
    fn pom_version_matches_the_workspace() {
        let pom = read("pom.xml");
        let want = format!("<version>{}</version>", sesgo::VERSION);
        // The project's own version is the first <version> after <artifactId>sesgo</artifactId>.
        let after = pom
            .split("<artifactId>sesgo</artifactId>")
            .nth(1)
            .expect("pom.xml declares artifactId sesgo");
        let first = after
            .split("</version>")
            .next()
            .map(|s| format!("{}</version>", s.trim()))
            .unwrap_or_default();
        assert_eq!(
            first, want,
            "pom.xml version must equal the workspace version"
        );
    }
}
