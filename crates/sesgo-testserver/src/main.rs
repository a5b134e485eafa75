//! `sesgo-testserver`: the loopback test server as a process, for the C, Python, Java
//! and .NET suites (xtask starts it, reads the port, and kills it by PID).
//!
//! ```text
//! sesgo-testserver [--root DIR] [--port-file FILE]
//!                  [--post PREFIX=COMMAND]... [--post-type PREFIX=CONTENT-TYPE]...
//!                  [--fault PATH=never|slow:MS[:BYTES]|big:N|biglen:N|loop|redirect:LOC|status:N]...
//!                  [--tls-cert PEM --tls-key PEM [--client-ca PEM [--client-cert-required]]]
//! ```
//!
//! Prints `PORT` on the first line of standard output, writes it to `--port-file`
//! (atomically: temp + rename) and serves until killed or until standard input closes
//! when `--stdin-stop` is given.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use sesgo_testserver::{CommandRoute, Fault, ServerConfig, TestServer, TlsConfig};

fn main() {
    if let Err(e) = run() {
        eprintln!("sesgo-testserver: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut config = ServerConfig::default();
    let mut port_file: Option<PathBuf> = None;
    let mut stdin_stop = false;
    let (mut cert, mut key, mut client_ca, mut required) = (None, None, None, false);
    let mut types: Vec<(String, String)> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} precisa de um valor"))
        };
        match arg.as_str() {
            "--root" => config.root = Some(PathBuf::from(value()?)),
            "--port-file" => port_file = Some(PathBuf::from(value()?)),
            "--post" => {
                let v = value()?;
                let (prefix, command) = v.split_once('=').ok_or("--post PREFIX=COMMAND")?;
                config.commands.push(CommandRoute {
                    prefix: prefix.to_owned(),
                    command: command.to_owned(),
                    content_type: None,
                });
            }
            "--post-type" => {
                let v = value()?;
                let (prefix, ct) = v.split_once('=').ok_or("--post-type PREFIX=TYPE")?;
                types.push((prefix.to_owned(), ct.to_owned()));
            }
            "--fault" => {
                let v = value()?;
                let (path, fault) = v.split_once('=').ok_or("--fault PATH=MODE")?;
                config.faults.push((path.to_owned(), Fault::parse(fault)?));
            }
            "--tls-cert" => cert = Some(PathBuf::from(value()?)),
            "--tls-key" => key = Some(PathBuf::from(value()?)),
            "--client-ca" => client_ca = Some(PathBuf::from(value()?)),
            "--client-cert-required" => required = true,
            "--stdin-stop" => stdin_stop = true,
            other => return Err(format!("opção desconhecida: {other}")),
        }
    }
    for (prefix, ct) in types {
        for route in config.commands.iter_mut().filter(|r| r.prefix == prefix) {
            route.content_type = Some(ct.clone());
        }
    }
    config.tls = match (cert, key) {
        (Some(cert_chain_pem), Some(key_pem)) => Some(TlsConfig {
            cert_chain_pem,
            key_pem,
            client_ca_pem: client_ca,
            client_cert_required: required,
        }),
        (None, None) => None,
        _ => return Err("--tls-cert e --tls-key vão juntos".to_owned()),
    };
    let server = TestServer::start(config).map_err(|e| e.to_string())?;
    let port = server.port();
    if let Some(file) = port_file {
        let tmp = file.with_extension("tmp");
        std::fs::write(&tmp, format!("{port}\n")).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &file).map_err(|e| e.to_string())?;
    }
    println!("{port}");
    let _ = std::io::stdout().flush();
    if stdin_stop {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            if line.is_err() {
                break;
            }
        }
        server.stop();
        return Ok(());
    }
    loop {
        std::thread::park();
    }
}
