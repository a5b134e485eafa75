//! `Network`, `Fetcher` and `Sesgo.buildX5c` (issue 18): the facade's network context,
//! optionally over a Java transport, AIA chain completion and the ITI refresh. Glue only.

use crate::handles::{destroy, from_handle, into_handle};
use crate::{bytes, call, json_result, opt_string, options_json};
use jni::objects::{JByteArray, JObject, JString, JValue};
use jni::refs::Global;
use jni::sys::jlong;
use jni::{jni_sig, jni_str, JavaVM};
use std::sync::Arc;

/// A Java `Fetcher`: `byte[] fetch(String method, String url, String purpose, byte[] body,
/// long timeoutMillis, long maxBytes)`; `null` = 404, an exception = no response.
struct JavaFetcher {
    vm: JavaVM,
    fetcher: Global<JObject<'static>>,
}

impl sesgo::network::Fetch for JavaFetcher {
    fn fetch(
        &self,
        request: &sesgo::network::Request<'_>,
    ) -> std::result::Result<sesgo::network::Response, sesgo::network::FetchError> {
        let url = request.url.to_owned();
        if !(url.starts_with("https://")
            || (url.starts_with("http://") && request.purpose.allows_plain_http()))
        {
            return Err(sesgo::network::FetchError::Scheme { url });
        }
        let method = match request.method {
            sesgo::network::Method::Get => "GET",
            sesgo::network::Method::Post => "POST",
        };
        let out = self
            .vm
            .attach_current_thread(|env| -> jni::errors::Result<Option<Vec<u8>>> {
                let m = env.new_string(method)?;
                let u = env.new_string(request.url)?;
                let p = env.new_string(request.purpose.as_str())?;
                let body = match request.body {
                    Some(b) => JObject::from(env.byte_array_from_slice(b)?),
                    None => JObject::null(),
                };
                let timeout = i64::try_from(request.timeout.as_millis()).unwrap_or(i64::MAX);
                let max = i64::try_from(request.max_bytes).unwrap_or(i64::MAX);
                let ret = env
                    .call_method(
                        &*self.fetcher,
                        jni_str!("fetch"),
                        jni_sig!("(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;[BJJ)[B"),
                        &[
                            JValue::Object(&m),
                            JValue::Object(&u),
                            JValue::Object(&p),
                            JValue::Object(&body),
                            JValue::Long(timeout),
                            JValue::Long(max),
                        ],
                    )?
                    .l()?;
                if ret.is_null() {
                    return Ok(None);
                }
                let ret = env.cast_local::<JByteArray>(ret)?;
                Ok(Some(env.convert_byte_array(&ret)?))
            });
        let failed = |detail: String| sesgo::network::FetchError::Custom {
            url: url.clone(),
            detail,
        };
        let (status, body) = match out {
            Ok(Some(body)) => (200, body),
            Ok(None) => (404, Vec::new()),
            Err(jni::errors::Error::CaughtJavaException { name, msg, .. }) => {
                return Err(failed(format!("o transporte Java lançou {name}: {msg}")))
            }
            Err(e) => return Err(failed(format!("falha ao chamar o transporte Java: {e}"))),
        };
        if body.len() as u64 > request.max_bytes {
            return Err(sesgo::network::FetchError::TooLarge {
                url,
                max_bytes: request.max_bytes,
            });
        }
        Ok(sesgo::network::Response {
            status,
            content_type: None,
            retry_after_secs: None,
            body,
        })
    }
}

fn settings(json: &Option<String>) -> sesgo::Result<sesgo::Settings> {
    match json.as_deref() {
        None | Some("") => Ok(sesgo::Settings::default()),
        Some(j) => sesgo::Settings::from_json(j.as_bytes()),
    }
}

native! {
    /// `Native.networkNew(String settingsJson, String optionsJson, Fetcher fetcherOrNull)`.
    fn Java_br_gov_go_saude_sesgo_Native_networkNew(
        |env| settings_json: JString<'local>, options: JString<'local>, fetcher: JObject<'local>
    ) -> jlong {
        let s = opt_string(env, &settings_json)?;
        let o = opt_string(env, &options)?;
        let transport = if fetcher.is_null() {
            None
        } else {
            Some(JavaFetcher {
                vm: env.get_java_vm()?,
                fetcher: env.new_global_ref(&fetcher)?,
            })
        };
        let network = call(|| {
            let s = settings(&s)?;
            let o = sesgo::NetworkOptions::from_json(options_json(&o))?;
            match transport {
                Some(f) => sesgo::Network::with_fetcher(Arc::new(f), &s, &o),
                None => sesgo::Network::new(&s, &o),
            }
        })?;
        Ok(into_handle(network))
    }
}

native! {
    /// `Native.networkDestroy(long handle)`.
    fn Java_br_gov_go_saude_sesgo_Native_networkDestroy(|_env| handle: jlong) -> () {
        // SAFETY: called once per handle by NativeObject's release action.
        unsafe { destroy::<sesgo::Network>(handle) };
        Ok(())
    }
}

native! {
    /// `Native.networkTrustStore(long network, long trustStore)`: a new trust-store handle
    /// with the network attached (AIA, OCSP, CRL, TSA through it).
    fn Java_br_gov_go_saude_sesgo_Native_networkTrustStore(
        |_env| network: jlong, trust_store: jlong
    ) -> jlong {
        // SAFETY: live handles of the right type (withHandle on both objects).
        let net = unsafe { from_handle::<sesgo::Network>(network, "network")? };
        // SAFETY: as above, for the trust-store handle.
        let trust = unsafe { from_handle::<sesgo::TrustStore>(trust_store, "trustStore")? };
        Ok(into_handle(net.attach(&trust)))
    }
}

native! {
    /// `Native.networkRefreshTrustStore(long network)`: the refresh report JSON.
    fn Java_br_gov_go_saude_sesgo_Native_networkRefreshTrustStore(|env| network: jlong) -> JByteArray<'local> {
        // SAFETY: a live handle of the right type.
        let net = unsafe { from_handle::<sesgo::Network>(network, "network")? };
        let report = call(|| net.refresh_trust_store_report())?;
        json_result(env, &report.to_string())
    }
}

native! {
    /// `Native.networkShowTrustStore(long network, long trustStore)`: the trust-store
    /// report JSON (roots, cached ITI archive and AIA downloads; never the network).
    fn Java_br_gov_go_saude_sesgo_Native_networkShowTrustStore(
        |env| network: jlong, trust_store: jlong
    ) -> JByteArray<'local> {
        // SAFETY: a live handle of the right type.
        let net = unsafe { from_handle::<sesgo::Network>(network, "network")? };
        // SAFETY: as above, for the trust-store handle.
        let trust = unsafe { from_handle::<sesgo::TrustStore>(trust_store, "trustStore")? };
        json_result(env, &net.trust_store_report(&trust).to_string())
    }
}

native! {
    /// `Native.buildX5c(byte[] certificate, long trustStore, String settingsJson)`: the
    /// x5c JSON array.
    fn Java_br_gov_go_saude_sesgo_Native_buildX5c(
        |env| certificate: JByteArray<'local>, trust_store: jlong, settings_json: JString<'local>
    ) -> JByteArray<'local> {
        let cert = bytes(env, &certificate, "certificate")?;
        // SAFETY: a live handle of the right type.
        let trust = unsafe { from_handle::<sesgo::TrustStore>(trust_store, "trustStore")? };
        let s = opt_string(env, &settings_json)?;
        let x5c = call(|| sesgo::build_x5c(&cert, &trust, &settings(&s)?, None))?;
        json_result(env, &serde_json::to_string(&x5c).unwrap_or_default())
    }
}
