//! Bounded reads (issue 25; docs/adr/0058): every file, stream and standard input sesgo
//! reads goes through a reader that stops at the applicable limit + 1 byte, so
//! `/dev/zero` or a 1 GiB file given as a Bundle costs at most the limit, never the file.
//!
//! ```
//! use sesgo_core::io::{read_limited, ReadError};
//!
//! assert_eq!(read_limited(&b"abc"[..], 3).unwrap(), b"abc");
//! let endless = std::io::repeat(0);
//! assert!(matches!(read_limited(endless, 1 << 20), Err(ReadError::TooLarge { max: 1048576 })));
//! ```

use std::fmt;
use std::io::Read;
use std::path::Path;

/// Why a bounded read failed.
#[derive(Debug)]
pub enum ReadError {
    /// The source holds more than `max` bytes (only `max + 1` were read).
    TooLarge {
        /// The limit.
        max: u64,
    },
    /// The source could not be opened or read.
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::TooLarge { max } => write!(f, "maior que o limite de {max} bytes"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads all of `r`, failing once it yields more than `max` bytes. Memory is bounded by
/// `max + 1` (the buffer grows with what arrives; nothing is pre-allocated from a
/// size the source claims).
pub fn read_limited(r: impl Read, max: u64) -> Result<Vec<u8>, ReadError> {
    read_limited_into(r, max, Vec::new())
}

fn read_limited_into(r: impl Read, max: u64, mut out: Vec<u8>) -> Result<Vec<u8>, ReadError> {
    r.take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(ReadError::Io)?;
    if out.len() as u64 > max {
        return Err(ReadError::TooLarge { max });
    }
    Ok(out)
}

/// Reads the file at `path` with [`read_limited`]. A regular file whose metadata already
/// says it is too large is refused before any byte is read; devices and pipes
/// (`/dev/zero`, `/dev/stdin`) are read up to `max + 1` bytes. A regular file is read
/// into one buffer of its size.
pub fn read_file_limited(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(ReadError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "é um diretório",
            )));
        }
        if meta.is_file() {
            if meta.len() > max {
                return Err(ReadError::TooLarge { max });
            }
            // A regular file within the limit: one allocation of its size (+1 byte to
            // see the end, or growth if it grew meanwhile), not doubling up to 2× it.
            let cap = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
            return read_limited_into(file, max, Vec::with_capacity(cap));
        }
    }
    read_limited(file, max)
}
