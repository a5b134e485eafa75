//! `application/x-www-form-urlencoded` bodies (WHATWG URL §5.2), in a zeroized buffer:
//! the body carries the client secret or the assertion.

use zeroize::Zeroizing;

pub(crate) struct Form(Zeroizing<String>);

impl Form {
    pub(crate) fn new() -> Form {
        Form(Zeroizing::new(String::new()))
    }

    pub(crate) fn push(&mut self, name: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        encode(&mut self.0, name);
        self.0.push('=');
        encode(&mut self.0, value);
    }

    pub(crate) fn finish(self) -> Zeroizing<String> {
        self.0
    }
}

fn encode(out: &mut String, s: &str) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => {
                use std::fmt::Write as _;
                // Writing to a String cannot fail.
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_like_a_browser_form() {
        let mut f = super::Form::new();
        f.push("scope", "system/Patient.rs openid");
        f.push("s", "a&b=c%ç");
        assert_eq!(
            f.finish().as_str(),
            "scope=system%2FPatient.rs+openid&s=a%26b%3Dc%25%C3%A7"
        );
    }
}
