//! `CKR_*` → the guide's codes.

use cryptoki::error::{Error as CkError, RvError};
use sesgo_core::{Code, Error};

/// The `CKR_*` name of a PKCS#11 return value (`PinIncorrect` → `CKR_PIN_INCORRECT`).
pub fn ckr_name(rv: &RvError) -> String {
    match rv {
        RvError::VendorDefined(v) => format!("CKR_VENDOR_DEFINED({v:#x})"),
        RvError::UnknownErrorCode(v) => format!("CKR_{v:#x}"),
        other => {
            let camel = format!("{other:?}");
            let mut out = String::from("CKR_");
            for (i, c) in camel.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_uppercase());
            }
            out
        }
    }
}

/// The guide's code for a return value of the module.
pub(crate) fn code_for(rv: &RvError) -> Code {
    use RvError as R;
    match rv {
        R::PinIncorrect | R::PinInvalid | R::PinLenRange => Code::CryptoPinInvalid,
        R::PinLocked => Code::DevicePinBlocked,
        R::TokenNotPresent | R::TokenNotRecognized => Code::DeviceTokenNotFound,
        R::DeviceRemoved => Code::DeviceSmartcardNotFound,
        R::SlotIdInvalid => Code::MiddlewareSlotIdInvalid,
        R::MechanismInvalid | R::MechanismParamInvalid => Code::MiddlewareUnsupportedMechanisms,
        R::KeyFunctionNotPermitted
        | R::KeyHandleInvalid
        | R::KeyTypeInconsistent
        | R::UserNotLoggedIn
        | R::ObjectHandleInvalid => Code::DeviceKeyAccessDenied,
        _ => Code::DeviceMiddlewareError,
    }
}

/// A cryptoki error as a sesgo error at `location`; `what` says what was being done.
pub(crate) fn map(e: &CkError, what: &str, location: &str) -> Error {
    match e {
        CkError::Pkcs11(rv, func) => {
            let name = ckr_name(rv);
            Error::new(
                code_for(rv),
                format!("{what}: o módulo PKCS#11 retornou {name} em {func}"),
            )
            .at(location)
        }
        CkError::LibraryLoading(le) => Error::new(
            Code::MiddlewareLibraryInvalidFormat,
            format!("{what}: biblioteca PKCS#11 não carregou ({le})"),
        )
        .at(location),
        other => Error::new(
            Code::DeviceMiddlewareError,
            format!("{what}: erro do middleware PKCS#11 ({other})"),
        )
        .at(location),
    }
}

/// Whether a failure may go away by waiting (card inserted late, reader hiccup).
pub(crate) fn transient(code: Code) -> bool {
    matches!(
        code,
        Code::DeviceTokenNotFound | Code::DeviceSmartcardNotFound | Code::DeviceMiddlewareError
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert_eq!(ckr_name(&RvError::PinIncorrect), "CKR_PIN_INCORRECT");
        assert_eq!(ckr_name(&RvError::GeneralError), "CKR_GENERAL_ERROR");
        assert_eq!(code_for(&RvError::PinIncorrect), Code::CryptoPinInvalid);
        assert_eq!(code_for(&RvError::PinLocked), Code::DevicePinBlocked);
        assert_eq!(
            code_for(&RvError::SlotIdInvalid),
            Code::MiddlewareSlotIdInvalid
        );
        assert_eq!(
            code_for(&RvError::DeviceRemoved),
            Code::DeviceSmartcardNotFound
        );
        assert_eq!(
            code_for(&RvError::GeneralError),
            Code::DeviceMiddlewareError
        );
    }
}
