//! ICP-Brasil identity: DOC-ICP-04 7.1.2.3/7.1.2.4 `otherName` fields, `subject.serialNumber`,
//! the `CN=NAME:CPF` convention, and the signer identifier (criar 14.2).

use sesgo_core::{Code, Error, Finding, Result, Severity};

use crate::cert::{oids, Certificate};

/// How an `otherName` value was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueEncoding {
    /// OCTET STRING (conformant).
    OctetString,
    /// PrintableString (conformant since Res. 53/2008).
    PrintableString,
    /// UTF8String (read, but non-conformant: DOC-ICP-04 7.1.2.4 a).
    Utf8String,
    /// IA5String (read, but non-conformant).
    Ia5String,
}

/// Person data of `2.16.76.1.3.1` (titular) or `2.16.76.1.3.4` (responsável):
/// 8 + 11 + 11 + 15 fixed characters, then 0–10 of issuing body + UF.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonData {
    /// Birth date `ddmmaaaa`, `None` when all zeros.
    pub birth_date: Option<String>,
    /// CPF (11 digits), `None` when all zeros.
    pub cpf: Option<String>,
    /// NIS/PIS/PASEP/CI (11), `None` when all zeros.
    pub nis: Option<String>,
    /// RG (15, left-padded with zeros), `None` when all zeros.
    pub rg: Option<String>,
    /// Issuing body without the UF (e.g. `SSP`).
    pub rg_issuer: Option<String>,
    /// UF of the issuing body (last 2 characters of the variable part).
    pub rg_uf: Option<String>,
    /// Encoding of the value.
    pub encoding: Option<ValueEncoding>,
}

/// Voter id of `2.16.76.1.3.5`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoterId {
    /// Número (12), `None` when all zeros.
    pub number: Option<String>,
    /// Zona (3).
    pub zone: Option<String>,
    /// Seção (4).
    pub section: Option<String>,
    /// Município + UF (0–22).
    pub municipality_uf: Option<String>,
}

/// Everything the certificate says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// `2.16.76.1.3.1`: natural person (e-CPF).
    pub person: Option<PersonData>,
    /// `2.16.76.1.3.4`: person responsible for a legal entity / equipment.
    pub responsible: Option<PersonData>,
    /// `2.16.76.1.3.2`: responsible person's name.
    pub responsible_name: Option<String>,
    /// `2.16.76.1.3.3`: CNPJ (14), `None` when all zeros.
    pub cnpj: Option<String>,
    /// `2.16.76.1.3.5`: voter id.
    pub voter_id: Option<VoterId>,
    /// `2.16.76.1.3.6`: CEI of the natural person.
    pub cei_person: Option<String>,
    /// `2.16.76.1.3.7`: CEI of the legal entity.
    pub cei_company: Option<String>,
    /// `2.16.76.1.3.8`: company name.
    pub company_name: Option<String>,
    /// `subject.serialNumber` (2.5.4.5), if any.
    pub subject_serial_number: Option<String>,
    /// Name part of `CN=NAME:DOC`.
    pub cn_name: Option<String>,
    /// Digits after `:` in the CN (CPF or CNPJ), if any.
    pub cn_document: Option<String>,
    /// Non-conformities and disagreements (warnings; not all block signing).
    pub findings: Vec<Finding>,
}

/// The signer identifier of `Signature.who.identifier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerId {
    /// `urn:brasil:cpf` or `urn:brasil:cnpj`.
    pub system: &'static str,
    /// Digits only.
    pub value: String,
}

/// CPF system URI.
pub const CPF_SYSTEM: &str = "urn:brasil:cpf";
/// CNPJ system URI.
pub const CNPJ_SYSTEM: &str = "urn:brasil:cnpj";

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// CPF check digits (11 digits; repeated-digit numbers such as `11111111111` are invalid).
pub fn is_valid_cpf(cpf: &str) -> bool {
    if !digits(cpf, 11) {
        return false;
    }
    let d: Vec<u32> = cpf.bytes().map(|b| u32::from(b - b'0')).collect();
    let Some(&first) = d.first() else {
        return false;
    };
    if d.iter().all(|&x| x == first) {
        return false;
    }
    let dv = |len: usize| {
        let s: u32 = d
            .iter()
            .take(len)
            .zip((2..=len as u32 + 1).rev())
            .map(|(x, w)| x * w)
            .sum();
        let r = (s * 10) % 11;
        if r == 10 {
            0
        } else {
            r
        }
    };
    d.get(9) == Some(&dv(9)) && d.get(10) == Some(&dv(10))
}

/// CNPJ check digits (14 numeric digits; repeated-digit numbers are invalid).
pub fn is_valid_cnpj(cnpj: &str) -> bool {
    if !digits(cnpj, 14) {
        return false;
    }
    let d: Vec<u32> = cnpj.bytes().map(|b| u32::from(b - b'0')).collect();
    let Some(&first) = d.first() else {
        return false;
    };
    if d.iter().all(|&x| x == first) {
        return false;
    }
    let dv = |len: usize| {
        let weights: &[u32] = if len == 12 {
            &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
        } else {
            &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
        };
        let s: u32 = d.iter().zip(weights).map(|(a, w)| a * w).sum();
        let r = s % 11;
        if r < 2 {
            0
        } else {
            11 - r
        }
    };
    d.get(12) == Some(&dv(12)) && d.get(13) == Some(&dv(13))
}

/// `None` for an absent number (empty or all '0', DOC-ICP-04 7.1.2.4 b).
fn non_zero(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() || t.bytes().all(|b| b == b'0') {
        None
    } else {
        Some(t.to_string())
    }
}

fn slice(s: &str, a: usize, b: usize) -> &str {
    let b = b.min(s.len());
    if a >= b {
        ""
    } else {
        s.get(a..b).unwrap_or("")
    }
}

fn warn(msg: String, oid: &str) -> Finding {
    Finding::new(Code::CertInvalidFormat, msg)
        .at(format!("certificate.subjectAltName.otherName[{oid}]"))
        .with_severity(Severity::Warning)
}

fn parse_person(v: &str, enc: ValueEncoding, oid: &str, findings: &mut Vec<Finding>) -> PersonData {
    if !(45..=55).contains(&v.len()) {
        findings.push(warn(
            format!(
                "otherName {oid} com {} caracteres (DOC-ICP-04: 45 a 55): '{v}'",
                v.len()
            ),
            oid,
        ));
    }
    if !v.bytes().take(45).all(|b| b.is_ascii_digit()) {
        findings.push(warn(
            format!("otherName {oid}: as 45 primeiras posições devem ser dígitos: '{v}'"),
            oid,
        ));
    }
    let var = slice(v, 45, v.len());
    let (issuer, uf) = if var.len() >= 2 {
        (
            non_zero(slice(var, 0, var.len() - 2)),
            Some(slice(var, var.len() - 2, var.len()).to_string()),
        )
    } else {
        (non_zero(var), None)
    };
    let cpf = non_zero(slice(v, 8, 19));
    if let Some(c) = &cpf {
        if !is_valid_cpf(c) {
            findings.push(warn(
                format!("CPF '{c}' do otherName {oid} com dígito verificador inválido"),
                oid,
            ));
        }
    }
    PersonData {
        birth_date: non_zero(slice(v, 0, 8)),
        cpf,
        nis: non_zero(slice(v, 19, 30)),
        rg: non_zero(slice(v, 30, 45)),
        rg_issuer: issuer,
        rg_uf: uf,
        encoding: Some(enc),
    }
}

impl Identity {
    /// Reads every DOC-ICP-04 `otherName` (`2.16.76.1.3.1` … `.3.8`), `subject.serialNumber`
    /// and the `CN=NAME:DOC` convention. Never fails: non-conformities become warning findings.
    ///
    /// ```
    /// # let pki = sesgo_cert::testpki::TestPki::shared();
    /// use sesgo_cert::{Certificate, Identity};
    /// let id = Identity::from_certificate(&Certificate::from_der(&pki.ecpf.der).unwrap());
    /// let person = id.person.as_ref().unwrap();
    /// assert_eq!(person.cpf.as_deref(), Some("12345678909"));
    /// assert_eq!(person.rg_uf.as_deref(), Some("SP"));
    /// let who = id.signer_id().unwrap();
    /// assert_eq!((who.system, who.value.as_str()), ("urn:brasil:cpf", "12345678909"));
    /// ```
    pub fn from_certificate(cert: &Certificate) -> Identity {
        cert.identity(Identity::read).clone()
    }

    fn read(cert: &Certificate) -> Identity {
        let mut id = Identity::default();
        if cert.san_malformed() {
            id.findings.push(
                Finding::new(Code::CertInvalidFormat, "extensão SubjectAltName ilegível")
                    .at("certificate.subjectAltName")
                    .with_severity(Severity::Warning),
            );
        }
        for on in cert.other_names() {
            if !on.oid.starts_with("2.16.76.1.3.") {
                continue;
            }
            let enc = match on.tag {
                4 => ValueEncoding::OctetString,
                19 => ValueEncoding::PrintableString,
                12 => ValueEncoding::Utf8String,
                22 => ValueEncoding::Ia5String,
                t => {
                    id.findings.push(warn(
                        format!(
                            "otherName {} com tipo ASN.1 não suportado (tag {t})",
                            on.oid
                        ),
                        &on.oid,
                    ));
                    continue;
                }
            };
            if matches!(enc, ValueEncoding::Utf8String | ValueEncoding::Ia5String) {
                id.findings.push(warn(
                    format!(
                        "otherName {} codificado como {:?}: DOC-ICP-04 7.1.2.4 a) exige OCTET STRING ou PrintableString",
                        on.oid, enc
                    ),
                    &on.oid,
                ));
            }
            let Ok(v) = std::str::from_utf8(&on.bytes) else {
                id.findings.push(warn(
                    format!("otherName {} não é texto ASCII", on.oid),
                    &on.oid,
                ));
                continue;
            };
            if !v.is_ascii() {
                id.findings.push(warn(
                    format!("otherName {} com caracteres não ASCII: '{v}'", on.oid),
                    &on.oid,
                ));
            }
            match on.oid.as_str() {
                "2.16.76.1.3.1" => {
                    id.person = Some(parse_person(v, enc, &on.oid, &mut id.findings))
                }
                "2.16.76.1.3.4" => {
                    id.responsible = Some(parse_person(v, enc, &on.oid, &mut id.findings))
                }
                "2.16.76.1.3.2" => id.responsible_name = Some(v.trim().to_string()),
                "2.16.76.1.3.3" => {
                    if !digits(v, 14) {
                        id.findings.push(warn(
                            format!("CNPJ do otherName 2.16.76.1.3.3 deve ter 14 dígitos: '{v}'"),
                            &on.oid,
                        ));
                    }
                    let c = non_zero(slice(v, 0, 14));
                    if let Some(c) = &c {
                        if !is_valid_cnpj(c) {
                            id.findings.push(warn(
                                format!("CNPJ '{c}' com dígito verificador inválido"),
                                &on.oid,
                            ));
                        }
                    }
                    id.cnpj = c;
                }
                "2.16.76.1.3.5" => {
                    if !(19..=41).contains(&v.len()) {
                        id.findings.push(warn(
                            format!(
                                "otherName 2.16.76.1.3.5 com {} caracteres (19 a 41)",
                                v.len()
                            ),
                            &on.oid,
                        ));
                    }
                    id.voter_id = Some(VoterId {
                        number: non_zero(slice(v, 0, 12)),
                        zone: non_zero(slice(v, 12, 15)),
                        section: non_zero(slice(v, 15, 19)),
                        municipality_uf: non_zero(slice(v, 19, v.len())),
                    });
                }
                "2.16.76.1.3.6" => id.cei_person = non_zero(v),
                "2.16.76.1.3.7" => id.cei_company = non_zero(v),
                "2.16.76.1.3.8" => id.company_name = Some(v.trim().to_string()),
                _ => {}
            }
        }
        id.subject_serial_number = cert.subject_attr(oids::SERIAL_NUMBER).into_iter().next();
        if let Some(cn) = cert.subject_attr(oids::CN).into_iter().next() {
            match cn.rsplit_once(':') {
                Some((name, doc)) if (digits(doc, 11) || digits(doc, 14)) => {
                    id.cn_name = Some(name.to_string());
                    id.cn_document = Some(doc.to_string());
                }
                _ => id.cn_name = Some(cn),
            }
        }
        // disagreements between the SAN document and subject data
        let san_doc = id
            .cnpj
            .clone()
            .or_else(|| id.person.as_ref().and_then(|p| p.cpf.clone()));
        if let Some(doc) = &san_doc {
            if let Some(cn_doc) = &id.cn_document {
                if cn_doc != doc {
                    id.findings.push(
                        Finding::new(
                            Code::CertMissingIdentification,
                            format!("documento do CN ('{cn_doc}') difere do otherName ('{doc}')"),
                        )
                        .at("certificate.subject.CN")
                        .with_severity(Severity::Warning),
                    );
                }
            }
            if let Some(sn) = &id.subject_serial_number {
                let sn_digits: String = sn.chars().filter(char::is_ascii_digit).collect();
                if !sn_digits.is_empty() && sn_digits != *doc {
                    id.findings.push(
                        Finding::new(
                            Code::CertMissingIdentification,
                            format!("subject.serialNumber ('{sn}') difere do otherName ('{doc}')"),
                        )
                        .at("certificate.subject.serialNumber")
                        .with_severity(Severity::Warning),
                    );
                }
            }
        }
        id
    }

    /// Whether subject data (CN document, serialNumber) disagrees with the SAN.
    pub fn has_disagreement(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.code() == Code::CertMissingIdentification)
    }

    /// The signer identifier (criar 14.2): CNPJ from `2.16.76.1.3.3` (legal entity) or CPF from
    /// `2.16.76.1.3.1` (natural person), with valid check digits.
    /// Failure (absent, invalid or ambiguous — both present): `CERT.MISSING-IDENTIFICATION`.
    pub fn signer_id(&self) -> Result<SignerId> {
        let cpf = self.person.as_ref().and_then(|p| p.cpf.clone());
        let loc = "certificate.subjectAltName";
        match (cpf, &self.cnpj) {
            (Some(cpf), Some(cnpj)) => Err(Error::new(
                Code::CertMissingIdentification,
                format!("identificação ambígua: CPF '{cpf}' (2.16.76.1.3.1) e CNPJ '{cnpj}' (2.16.76.1.3.3)"),
            )
            .at(loc)),
            (Some(cpf), None) if is_valid_cpf(&cpf) => Ok(SignerId { system: CPF_SYSTEM, value: cpf }),
            (Some(cpf), None) => Err(Error::new(
                Code::CertMissingIdentification,
                format!("CPF '{cpf}' com dígito verificador inválido"),
            )
            .at(loc)),
            (None, Some(cnpj)) if is_valid_cnpj(cnpj) => Ok(SignerId { system: CNPJ_SYSTEM, value: cnpj.clone() }),
            (None, Some(cnpj)) => Err(Error::new(
                Code::CertMissingIdentification,
                format!("CNPJ '{cnpj}' com dígito verificador inválido"),
            )
            .at(loc)),
            (None, None) => Err(Error::new(
                Code::CertMissingIdentification,
                "o certificado não contém CPF (otherName 2.16.76.1.3.1) nem CNPJ (2.16.76.1.3.3)",
            )
            .at(loc)),
        }
    }
}
