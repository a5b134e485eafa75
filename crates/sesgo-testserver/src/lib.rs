//! A loopback HTTP(S) server for sesgo's tests and binding suites (ADR 0045).
//!
//! Bound to `127.0.0.1` on an ephemeral port, built on `tiny_http`; HTTPS goes through a
//! rustls front on its own loopback port that forwards to the plain listener. Routes:
//!
//! - `GET /path` — a static file under [`ServerConfig::root`];
//! - `POST {prefix}{rest}` — the body piped through a shell command
//!   ([`CommandRoute`]), so `openssl ocsp` and `openssl ts -reply` become real responders;
//!   `GET {prefix}{base64}` (RFC 6960 appendix A) pipes the decoded path the same way;
//! - fault modes per exact path ([`Fault`]): never answer, trickle slowly, oversized
//!   bodies, redirect loops, any status.
//!
//! Every request is counted per path ([`TestServer::hits`]), so tests can check that a
//! cache fetched a URL once.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64ct::{Base64, Encoding};
use tiny_http::{Header, Response, Server};

mod front;

/// A POST route answered by a shell command.
#[derive(Clone, Debug)]
pub struct CommandRoute {
    /// Path prefix, e.g. `/ocsp/` (the rest of the path is given to the command).
    pub prefix: String,
    /// Run with `sh -c`. The request body arrives on standard input and in the file named
    /// by `$SESGO_REQUEST`; the response is the file `$SESGO_RESPONSE` if the command
    /// wrote it, else its standard output. `$SESGO_PATH` and `$SESGO_PATH_REST` hold the
    /// request path and what follows the prefix. A non-zero exit answers 500.
    pub command: String,
    /// `Content-Type` of the answers (e.g. `application/ocsp-response`).
    pub content_type: Option<String>,
}

/// What a path does instead of serving a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Reads the request and never answers (until the server stops).
    NeverAnswer,
    /// Answers 200 at once, then sends `bytes` bytes one at a time, `interval` apart.
    Slow {
        /// Delay between two bytes.
        interval: Duration,
        /// Body length.
        bytes: usize,
    },
    /// Answers 200 with `bytes` bytes; with `declare_length` a `Content-Length`, else
    /// chunked (the client must stop reading by itself).
    Oversized {
        /// Body length.
        bytes: u64,
        /// Whether `Content-Length` is sent.
        declare_length: bool,
    },
    /// Answers 302 to itself.
    RedirectLoop,
    /// Answers 302 to the given location.
    Redirect(String),
    /// Answers this status with an empty body.
    Status(u16),
}

impl Fault {
    /// Parses the command-line form: `never`, `slow:MS[:BYTES]`, `big:BYTES`,
    /// `biglen:BYTES`, `loop`, `redirect:LOCATION`, `status:N`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (kind, arg) = text.split_once(':').unwrap_or((text, ""));
        let number = |s: &str| {
            s.parse::<u64>()
                .map_err(|_| format!("número inválido em {text:?}"))
        };
        Ok(match kind {
            "never" => Fault::NeverAnswer,
            "slow" => {
                let (ms, bytes) = arg.split_once(':').unwrap_or((arg, "64"));
                Fault::Slow {
                    interval: Duration::from_millis(number(ms)?),
                    bytes: number(bytes)? as usize,
                }
            }
            "big" | "biglen" => Fault::Oversized {
                bytes: number(arg)?,
                declare_length: kind == "biglen",
            },
            "loop" => Fault::RedirectLoop,
            "redirect" => Fault::Redirect(arg.to_owned()),
            "status" => Fault::Status(number(arg)? as u16),
            _ => return Err(format!("falha desconhecida: {text:?}")),
        })
    }
}

/// HTTPS in front of the server.
#[derive(Clone, Debug)]
pub struct TlsConfig {
    /// Server certificate chain, PEM (leaf first).
    pub cert_chain_pem: PathBuf,
    /// Server private key, PEM (PKCS#8 or PKCS#1).
    pub key_pem: PathBuf,
    /// If set, client certificates are requested and verified against these roots (PEM).
    pub client_ca_pem: Option<PathBuf>,
    /// With [`TlsConfig::client_ca_pem`]: refuse clients without a certificate.
    pub client_cert_required: bool,
}

/// What the server serves.
#[derive(Clone, Debug, Default)]
pub struct ServerConfig {
    /// Directory of static files (GET).
    pub root: Option<PathBuf>,
    /// POST routes answered by commands.
    pub commands: Vec<CommandRoute>,
    /// Fault modes by exact path (checked before files and commands).
    pub faults: Vec<(String, Fault)>,
    /// Serve HTTPS instead of HTTP.
    pub tls: Option<TlsConfig>,
}

struct Shared {
    config: ServerConfig,
    hits: Mutex<HashMap<String, u64>>,
    parked: Mutex<Vec<tiny_http::Request>>,
    stopping: AtomicBool,
    total: AtomicU64,
}

/// A running server; stops when [`TestServer::stop`] is called or it is dropped.
pub struct TestServer {
    port: u16,
    scheme: &'static str,
    shared: Arc<Shared>,
    server: Arc<Server>,
    accept: Option<JoinHandle<()>>,
    front: Option<front::Front>,
}

impl TestServer {
    /// Starts a server on `127.0.0.1` with an ephemeral port.
    pub fn start(config: ServerConfig) -> io::Result<TestServer> {
        let server = Arc::new(Server::http("127.0.0.1:0").map_err(io::Error::other)?);
        let plain_port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| io::Error::other("sem porta"))?;
        let front = match &config.tls {
            Some(tls) => Some(front::Front::start(tls, plain_port)?),
            None => None,
        };
        let shared = Arc::new(Shared {
            config,
            hits: Mutex::new(HashMap::new()),
            parked: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
            total: AtomicU64::new(0),
        });
        let accept = {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    if shared.stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || handle(&shared, request));
                }
            })
        };
        let (port, scheme) = match &front {
            Some(f) => (f.port(), "https"),
            None => (plain_port, "http"),
        };
        Ok(TestServer {
            port,
            scheme,
            shared,
            server,
            accept: Some(accept),
            front,
        })
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT` (or `https://`), without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    /// How many requests reached `path` (query excluded).
    pub fn hits(&self, path: &str) -> u64 {
        let hits = self.shared.hits.lock().unwrap_or_else(|e| e.into_inner());
        hits.get(path).copied().unwrap_or(0)
    }

    /// How many requests reached the server.
    pub fn total_hits(&self) -> u64 {
        self.shared.total.load(Ordering::SeqCst)
    }

    /// Stops accepting, drops parked requests and joins the listener threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        if let Some(front) = self.front.take() {
            front.stop();
        }
        let parked =
            std::mem::take(&mut *self.shared.parked.lock().unwrap_or_else(|e| e.into_inner()));
        drop(parked);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|_| Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("static"))
}

fn handle(shared: &Shared, mut request: tiny_http::Request) {
    let url = request.url().to_owned();
    let path = url.split(['?', '#']).next().unwrap_or_default().to_owned();
    shared.total.fetch_add(1, Ordering::SeqCst);
    *shared
        .hits
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(path.clone())
        .or_default() += 1;
    let mut body = Vec::new();
    let _ = request.as_reader().take(64 << 20).read_to_end(&mut body);

    if let Some((_, fault)) = shared.config.faults.iter().find(|(p, _)| *p == path) {
        let _ = match fault.clone() {
            Fault::NeverAnswer => {
                shared
                    .parked
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(request);
                return;
            }
            Fault::Slow { interval, bytes } => request.respond(Response::new(
                200.into(),
                vec![header("Content-Type", "application/octet-stream")],
                Trickle {
                    left: bytes,
                    interval,
                },
                Some(bytes),
                None,
            )),
            Fault::Oversized {
                bytes,
                declare_length,
            } => request.respond(Response::new(
                200.into(),
                vec![header("Content-Type", "application/octet-stream")],
                io::repeat(b'A').take(bytes),
                declare_length.then_some(bytes as usize),
                None,
            )),
            Fault::RedirectLoop => {
                request.respond(Response::empty(302).with_header(header("Location", &path)))
            }
            Fault::Redirect(to) => {
                request.respond(Response::empty(302).with_header(header("Location", &to)))
            }
            Fault::Status(code) => request.respond(Response::empty(code)),
        };
        return;
    }

    if let Some(route) = shared
        .config
        .commands
        .iter()
        .find(|r| path.starts_with(&r.prefix))
    {
        let rest = &path[route.prefix.len()..];
        let input = match request.method() {
            tiny_http::Method::Post => Some(body),
            tiny_http::Method::Get => Base64::decode_vec(&percent_decode(rest)).ok(),
            _ => None,
        };
        let response = match input {
            Some(input) => run_command(route, &path, rest, &input),
            None => Response::from_data(b"pedido invalido".to_vec()).with_status_code(400),
        };
        let _ = request.respond(response);
        return;
    }

    let file = shared
        .config
        .root
        .as_deref()
        .and_then(|root| safe_join(root, &path))
        .filter(|p| p.is_file());
    let response = match (request.method(), file) {
        (tiny_http::Method::Get, Some(file)) => match std::fs::read(&file) {
            Ok(data) => {
                Response::from_data(data).with_header(header("Content-Type", content_type(&file)))
            }
            Err(_) => Response::from_data(Vec::new()).with_status_code(500),
        },
        _ => Response::from_data(b"nao encontrado".to_vec()).with_status_code(404),
    };
    let _ = request.respond(response);
}

fn run_command(
    route: &CommandRoute,
    path: &str,
    rest: &str,
    input: &[u8],
) -> Response<io::Cursor<Vec<u8>>> {
    let failed = |msg: String| Response::from_data(msg.into_bytes()).with_status_code(500);
    let dir = std::env::temp_dir().join(format!(
        "sesgo-testserver-{}-{}",
        std::process::id(),
        unique()
    ));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return failed(e.to_string());
    }
    let request_file = dir.join("request");
    let response_file = dir.join("response");
    let result = (|| -> io::Result<(bool, Vec<u8>, Vec<u8>)> {
        std::fs::write(&request_file, input)?;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&route.command)
            .env("SESGO_REQUEST", &request_file)
            .env("SESGO_RESPONSE", &response_file)
            .env("SESGO_PATH", path)
            .env("SESGO_PATH_REST", rest)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            // A command that does not read its input closes the pipe early: not an error.
            let _ = stdin.write_all(input);
        }
        let output = child.wait_with_output()?;
        Ok((output.status.success(), output.stdout, output.stderr))
    })();
    let written = std::fs::read(&response_file).ok().filter(|b| !b.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok((true, stdout, _)) => {
            let mut response = Response::from_data(written.unwrap_or(stdout));
            if let Some(ct) = &route.content_type {
                response = response.with_header(header("Content-Type", ct));
            }
            response
        }
        Ok((false, _, stderr)) => failed(String::from_utf8_lossy(&stderr).into_owned()),
        Err(e) => failed(e.to_string()),
    }
}

fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn safe_join(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(root.join(relative))
}

fn content_type(file: &Path) -> &'static str {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "cer" | "der" | "crt" => "application/pkix-cert",
        "p7b" | "p7c" => "application/pkcs7-mime",
        "crl" => "application/pkix-crl",
        "pem" => "application/x-pem-file",
        "zip" => "application/zip",
        "txt" => "text/plain",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// A body that yields one byte per `interval`.
struct Trickle {
    left: usize,
    interval: Duration,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        std::thread::sleep(self.interval);
        buf[0] = b'.';
        self.left -= 1;
        Ok(1)
    }
}

/// Closes both directions of `stream`, ignoring errors (the peer may be gone).
fn close(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}

/// Binds a loopback listener on an ephemeral port.
fn loopback_listener() -> io::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
}
