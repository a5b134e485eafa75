//! The PKCS#11 module: path and binary-format checks, then one loaded and initialised
//! instance per module file per process.

use crate::errors;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use sesgo_core::{Code, Error, Result};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

const LOC: &str = "pkcs11.module";

/// The executable formats this process can load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Elf,
    Pe,
    MachO,
}

#[cfg(target_os = "windows")]
const NATIVE: Format = Format::Pe;
#[cfg(any(target_os = "macos", target_os = "ios"))]
const NATIVE: Format = Format::MachO;
#[cfg(not(any(target_os = "windows", target_os = "macos", target_os = "ios")))]
const NATIVE: Format = Format::Elf;

/// ELF `e_machine` / PE `Machine` of this process's architecture (`None`: not checked).
fn native_machine(format: Format) -> Option<u16> {
    let arch = std::env::consts::ARCH;
    match format {
        Format::Elf => match arch {
            "x86_64" => Some(62),
            "x86" => Some(3),
            "aarch64" => Some(183),
            "arm" => Some(40),
            "riscv64" => Some(243),
            "powerpc64" => Some(21),
            "s390x" => Some(22),
            _ => None,
        },
        Format::Pe => match arch {
            "x86_64" => Some(0x8664),
            "x86" => Some(0x014c),
            "aarch64" => Some(0xaa64),
            _ => None,
        },
        Format::MachO => None,
    }
}

fn invalid(path: &Path, why: &str) -> Error {
    Error::new(
        Code::MiddlewareLibraryInvalidFormat,
        format!("módulo PKCS#11 {}: {why}", path.display()),
    )
    .at(LOC)
}

fn u16_at(b: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(s)
    } else {
        u16::from_le_bytes(s)
    })
}

/// Checks a module file before loading it: absolute path (`MIDDLEWARE.LIBRARY-PATH-INVALID`),
/// present (`MIDDLEWARE.LIBRARY-NOT-FOUND`), a readable regular file
/// (`MIDDLEWARE.LIBRARY-PATH-INVALID`), a shared library of this platform's format, word
/// size and machine, matching `architecture` ("32"/"64") when given
/// (`MIDDLEWARE.LIBRARY-INVALID-FORMAT`).
pub fn check_module_file(path: &Path, architecture: Option<&str>) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(Error::new(
            Code::MiddlewareLibraryPathInvalid,
            "caminho do módulo PKCS#11 vazio",
        )
        .at(LOC));
    }
    if !path.is_absolute() {
        return Err(Error::new(
            Code::MiddlewareLibraryPathInvalid,
            format!(
                "caminho do módulo PKCS#11 deve ser absoluto: {}",
                path.display()
            ),
        )
        .at(LOC));
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::new(
                Code::MiddlewareLibraryNotFound,
                format!("módulo PKCS#11 não encontrado: {}", path.display()),
            )
            .at(LOC))
        }
        Err(e) => {
            return Err(Error::new(
                Code::MiddlewareLibraryPathInvalid,
                format!("módulo PKCS#11 inacessível: {}: {e}", path.display()),
            )
            .at(LOC))
        }
    };
    if !meta.is_file() {
        return Err(Error::new(
            Code::MiddlewareLibraryPathInvalid,
            format!("não é um arquivo: {}", path.display()),
        )
        .at(LOC));
    }
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .map_err(|e| {
            Error::new(
                Code::MiddlewareLibraryPathInvalid,
                format!("módulo PKCS#11 ilegível: {}: {e}", path.display()),
            )
            .at(LOC)
        })?;
    let (format, bits, machine) = if head.starts_with(b"\x7fELF") {
        let bits = match head.get(4) {
            Some(1) => 32,
            Some(2) => 64,
            _ => return Err(invalid(path, "classe ELF desconhecida")),
        };
        let be = head.get(5) == Some(&2);
        (Format::Elf, Some(bits), u16_at(&head, 18, be))
    } else if head.starts_with(b"MZ") {
        let off = head
            .get(0x3c..0x40)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .map(u32::from_le_bytes)
            .and_then(|o| usize::try_from(o).ok());
        let machine = off.and_then(|o| {
            let sig_end = o.checked_add(4)?;
            if head.get(o..sig_end) == Some(b"PE\0\0") {
                u16_at(&head, sig_end, false)
            } else {
                None
            }
        });
        let bits = machine.map(|m| if m == 0x014c { 32 } else { 64 });
        (Format::Pe, bits, machine)
    } else if head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) {
        (Format::MachO, Some(64), None)
    } else if head.starts_with(&[0xce, 0xfa, 0xed, 0xfe]) {
        (Format::MachO, Some(32), None)
    } else if head.starts_with(&[0xca, 0xfe, 0xba, 0xbe]) {
        (Format::MachO, None, None)
    } else {
        return Err(invalid(
            path,
            "não é uma biblioteca compartilhada (ELF, PE ou Mach-O)",
        ));
    };
    if format != NATIVE {
        return Err(invalid(
            path,
            &format!("formato {format:?}, esta plataforma carrega {NATIVE:?}"),
        ));
    }
    let own_bits = usize::BITS;
    if let Some(b) = bits {
        if b != own_bits {
            return Err(invalid(
                path,
                &format!("biblioteca de {b} bits, este processo é de {own_bits} bits"),
            ));
        }
        if let Some(declared) = architecture {
            if declared != b.to_string() {
                return Err(invalid(
                    path,
                    &format!("arquitetura declarada {declared} bits, o arquivo é de {b} bits"),
                ));
            }
        }
    }
    if let (Some(m), Some(own)) = (machine, native_machine(format)) {
        if m != own {
            return Err(invalid(
                path,
                &format!(
                    "compilada para outra arquitetura (máquina {m:#x}), este processo é {}",
                    std::env::consts::ARCH
                ),
            ));
        }
    }
    Ok(())
}

static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();

/// The module at `path`, loaded and `C_Initialize`d (OS locking) once per process and
/// shared: every signer and inspection of the same file uses the same instance, never
/// finalised.
pub(crate) fn load(path: &Path, architecture: Option<&str>) -> Result<Pkcs11> {
    check_module_file(path, architecture)?;
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let map = MODULES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut guard = map.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(ctx) = guard.get(&key) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(&key).map_err(|e| match e {
        CkError::LibraryLoading(le) => {
            invalid(path, &format!("não é um módulo PKCS#11 carregável ({le})"))
        }
        other => invalid(path, &format!("sem C_GetFunctionList ({other})")),
    })?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) => {}
        // Another component of this process initialised it: share it.
        Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(errors::map(&e, "C_Initialize falhou", LOC)),
    }
    guard.insert(key, ctx.clone());
    Ok(ctx)
}
