//! Test hooks (feature `testing`): prove that a panic becomes a status and an error, and
//! that a coded error crosses the boundary intact, from C, Python and Java.

use crate::boundary::run;
use crate::error::sesgo_error;
use crate::status::SesgoStatus;

/// Panics inside the boundary. Returns `SESGO_STATUS_PANIC` with code `SYSTEM`.
#[no_mangle]
#[allow(
    clippy::panic,
    reason = "the test hook of the panic guard: it must panic"
)]
pub extern "C" fn sesgo_testing_panic(err_out: *mut *mut sesgo_error) -> SesgoStatus {
    run(err_out, || {
        panic!("sesgo_testing_panic: pânico provocado de propósito")
    })
}

/// Fails on purpose with `CERT.EXPIRED` at location `x5c[0]`.
#[no_mangle]
pub extern "C" fn sesgo_testing_error(err_out: *mut *mut sesgo_error) -> SesgoStatus {
    run(err_out, || {
        Err(sesgo_core::Error::new(
            sesgo_core::Code::CertExpired,
            "erro provocado de propósito pelo gancho de teste",
        )
        .at("x5c[0]")
        .into())
    })
}
