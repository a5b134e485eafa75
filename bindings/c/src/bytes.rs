//! `sesgo_bytes`: library-allocated output buffers.

/// A byte buffer allocated by sesgo (JSON text is UTF-8, not NUL-terminated). Release it
/// with `sesgo_bytes_free`.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct sesgo_bytes {
    /// First byte; NULL when `len` is 0.
    pub data: *mut u8,
    /// Number of bytes.
    pub len: usize,
}

impl sesgo_bytes {
    pub(crate) fn empty() -> Self {
        sesgo_bytes {
            data: std::ptr::null_mut(),
            len: 0,
        }
    }

    pub(crate) fn from_vec(v: Vec<u8>) -> Self {
        if v.is_empty() {
            return sesgo_bytes::empty();
        }
        let boxed = v.into_boxed_slice();
        let len = boxed.len();
        let data = Box::into_raw(boxed).cast::<u8>();
        sesgo_bytes { data, len }
    }
}

/// Releases a buffer returned by sesgo, overwriting it with zeros first (a buffer may
/// hold an access token). A buffer with NULL `data` is accepted and ignored.
#[no_mangle]
pub extern "C" fn sesgo_bytes_free(bytes: sesgo_bytes) {
    if !bytes.data.is_null() && bytes.len > 0 {
        // SAFETY: built by `from_vec` from a boxed slice of exactly `len` bytes.
        let mut b =
            unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(bytes.data, bytes.len)) };
        zeroize::Zeroize::zeroize(&mut *b);
        drop(b);
    }
}
