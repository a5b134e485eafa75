//! Proxies from the standard environment variables (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, `NO_PROXY`, lower- or upper-case). Loopback is never proxied.

use std::net::IpAddr;

use url::{Host, Url};

/// Which proxy, if any, each request goes through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// Proxy for `http://` URLs (`http://host:port`, optionally with `user:pass@`).
    pub http: Option<String>,
    /// Proxy for `https://` URLs (tunnelled with `CONNECT`).
    pub https: Option<String>,
    /// Hosts reached directly: exact names, `.suffix` / `suffix` domain matches, IP
    /// addresses, or `*` for every host.
    pub no_proxy: Vec<String>,
}

impl ProxyConfig {
    /// No proxy at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// From `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` (fallback for both) and `NO_PROXY`;
    /// the lower-case spelling wins when both are set, as curl does.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`ProxyConfig::from_env`], reading variables through `lookup` (tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |lower: &str, upper: &str| {
            lookup(lower)
                .or_else(|| lookup(upper))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let all = var("all_proxy", "ALL_PROXY");
        ProxyConfig {
            http: var("http_proxy", "HTTP_PROXY").or_else(|| all.clone()),
            https: var("https_proxy", "HTTPS_PROXY").or(all),
            no_proxy: var("no_proxy", "NO_PROXY")
                .map(|list| {
                    list.split(',')
                        .map(|entry| entry.trim().to_ascii_lowercase())
                        .filter(|entry| !entry.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The proxy `url` goes through, if any.
    pub fn proxy_for(&self, url: &Url) -> Option<&str> {
        let host = url.host()?;
        if is_loopback(&host) || self.bypassed(&host) {
            return None;
        }
        match url.scheme() {
            "https" => self.https.as_deref(),
            "http" => self.http.as_deref(),
            _ => None,
        }
    }

    fn bypassed(&self, host: &Host<&str>) -> bool {
        let name = match host {
            Host::Domain(d) => d.to_ascii_lowercase(),
            Host::Ipv4(ip) => ip.to_string(),
            Host::Ipv6(ip) => ip.to_string(),
        };
        self.no_proxy.iter().any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.trim_start_matches("*.");
            let entry = entry.trim_start_matches('.');
            let entry = entry.trim_start_matches('[').trim_end_matches(']');
            name == entry || name.ends_with(&format!(".{entry}"))
        })
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> ProxyConfig {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ProxyConfig::from_lookup(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn via<'a>(c: &'a ProxyConfig, url: &str) -> Option<&'a str> {
        c.proxy_for(&Url::parse(url).unwrap())
    }

    #[test]
    fn scheme_picks_the_proxy_and_loopback_is_never_proxied() {
        let c = config(&[
            ("HTTP_PROXY", "http://p1:3128"),
            ("https_proxy", "http://p2:3128"),
        ]);
        assert_eq!(
            via(&c, "http://acraiz.icpbrasil.gov.br/x"),
            Some("http://p1:3128")
        );
        assert_eq!(
            via(&c, "https://acraiz.icpbrasil.gov.br/x"),
            Some("http://p2:3128")
        );
        assert_eq!(via(&c, "http://127.0.0.1:8080/x"), None);
        assert_eq!(via(&c, "http://[::1]:8080/x"), None);
        assert_eq!(via(&c, "https://localhost/x"), None);
    }

    #[test]
    fn no_proxy_matches_domains_suffixes_and_star() {
        let c = config(&[
            ("ALL_PROXY", "http://p:1"),
            ("NO_PROXY", "gov.br, .example.org,10.1.2.3"),
        ]);
        assert_eq!(via(&c, "http://acraiz.icpbrasil.gov.br/"), None);
        assert_eq!(via(&c, "http://gov.br/"), None);
        assert_eq!(via(&c, "http://a.example.org/"), None);
        assert_eq!(via(&c, "http://10.1.2.3/"), None);
        assert_eq!(via(&c, "http://notgov.br/"), Some("http://p:1"));
        let star = config(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(via(&star, "https://x.y/"), None);
        assert_eq!(via(&ProxyConfig::none(), "https://x.y/"), None);
    }
}
