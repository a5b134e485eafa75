//! PKCS#12 reading: RustCrypto structures (`pkcs12`, `cms`), the RFC 7292 KDF from `pkcs12`,
//! PBES2 from `pkcs5`, legacy PBE ciphers from `des`/`rc2` + `cbc`, MAC from `hmac`.
//! No primitive is implemented here: this module only wires them together.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, InnerIvInit, KeyIvInit};
use const_oid::ObjectIdentifier as Oid;
use der::asn1::{AnyRef, BmpString, OctetString};
use der::{Decode, Encode};
use hmac::{Hmac, Mac};
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use sesgo_core::{Code, Error, Result};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");
const KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.3");
const X509_CERT: Oid = Oid::new_unwrap("1.2.840.113549.1.9.22.1");
const FRIENDLY_NAME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.20");
const LOCAL_KEY_ID: Oid = Oid::new_unwrap("1.2.840.113549.1.9.21");
const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
const PBE_SHA1_RC2_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.5");
const PBE_SHA1_RC2_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.6");
const PBE_SHA1_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_2DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.4");
const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

/// Upper bound on the iterations of one key derivation (denial-of-service guard). Real
/// files use 2 048 (OpenSSL), 2 000 (Windows) or up to a few hundred thousand.
const MAX_ITERATIONS: i32 = 4_000_000;

/// Upper bound on the KDF iterations of one whole file (MAC and every bag together,
/// about a second of CPU): 20 bags at the per-derivation maximum would otherwise cost
/// half a minute (issue 25; DECISIONS D46).
pub const MAX_TOTAL_ITERATIONS: u64 = 10_000_000;

/// Most bags (keys and certificates) read from one file.
pub const MAX_BAGS: usize = 64;

/// The iterations a file may still spend (see [`MAX_TOTAL_ITERATIONS`]).
struct KdfBudget(std::cell::Cell<u64>);

impl KdfBudget {
    fn spend(&self, it: i32, derivations: u64) -> Result<()> {
        let cost = u64::try_from(it)
            .unwrap_or(u64::MAX)
            .saturating_mul(derivations);
        let left = self.0.get();
        if cost > left {
            return Err(bad(format!(
                "o arquivo exige mais de {MAX_TOTAL_ITERATIONS} iterações de derivação de chave no total"
            )));
        }
        self.0.set(left - cost);
        Ok(())
    }
}

/// A private key found in the file (PKCS#8 DER, zeroized on drop).
pub(crate) struct KeyEntry {
    pub pkcs8: Zeroizing<Vec<u8>>,
    pub local_key_id: Option<Vec<u8>>,
    pub friendly_name: Option<String>,
}

/// A certificate found in the file.
pub(crate) struct CertEntry {
    pub der: Vec<u8>,
    pub local_key_id: Option<Vec<u8>>,
    pub friendly_name: Option<String>,
}

/// Decoded contents of a PFX.
pub(crate) struct Contents {
    pub keys: Vec<KeyEntry>,
    pub certs: Vec<CertEntry>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(
        Code::CertInvalidFormat,
        format!("PKCS#12 inválido: {}", msg.into()),
    )
}

fn wrong_password(msg: &str) -> Error {
    Error::new(
        Code::CryptoKeyInaccessible,
        format!("não foi possível abrir o PKCS#12: senha incorreta ({msg})"),
    )
}

fn check_iterations(it: i32) -> Result<i32> {
    if !(1..=MAX_ITERATIONS).contains(&it) {
        return Err(bad(format!("número de iterações fora do intervalo: {it}")));
    }
    Ok(it)
}

macro_rules! verify_mac {
    ($d:ty, $password:expr, $salt:expr, $it:expr, $data:expr, $expected:expr) => {{
        let key = Zeroizing::new(
            derive_key_utf8::<$d>(
                $password,
                $salt,
                Pkcs12KeyType::Mac,
                $it,
                <$d as sha2::Digest>::output_size(),
            )
            .map_err(|e| bad(format!("senha não codificável em BMPString: {e}")))?,
        );
        let mut mac = <Hmac<$d> as Mac>::new_from_slice(&key).map_err(|_| bad("chave de MAC"))?;
        mac.update($data);
        mac.verify_slice($expected).is_ok()
    }};
}

/// Parses and decrypts a PFX, verifying its MAC.
pub(crate) fn read(bytes: &[u8], password: &str) -> Result<Contents> {
    let kdf = KdfBudget(std::cell::Cell::new(MAX_TOTAL_ITERATIONS));
    let pfx = pkcs12::pfx::Pfx::from_der(bytes).map_err(|e| bad(e.to_string()))?;
    if pfx.auth_safe.content_type != ID_DATA {
        return Err(bad(format!(
            "modo de integridade por chave pública não suportado (authSafe {})",
            pfx.auth_safe.content_type
        )));
    }
    let data = pfx
        .auth_safe
        .content
        .decode_as::<OctetString>()
        .map_err(|e| bad(format!("authSafe: {e}")))?;
    let data = data.as_bytes();

    // RFC 7292 §5: password integrity mode (HMAC keyed by the PKCS#12 KDF, ID = 3).
    if let Some(mac) = &pfx.mac_data {
        let it = check_iterations(mac.iterations)?;
        kdf.spend(it, 1)?;
        let salt = mac.mac_salt.as_bytes();
        let expected = mac.mac.digest.as_bytes();
        let alg = mac.mac.algorithm.oid;
        let ok = if alg == SHA1 {
            verify_mac!(Sha1, password, salt, it, data, expected)
        } else if alg == SHA256 {
            verify_mac!(Sha256, password, salt, it, data, expected)
        } else if alg == SHA384 {
            verify_mac!(Sha384, password, salt, it, data, expected)
        } else if alg == SHA512 {
            verify_mac!(Sha512, password, salt, it, data, expected)
        } else {
            return Err(Error::new(
                Code::CryptoAlgorithmUnsupported,
                format!("algoritmo de MAC PKCS#12 não suportado: {alg}"),
            ));
        };
        if !ok {
            return Err(wrong_password("o MAC do arquivo não confere"));
        }
    }

    let safes = Vec::<cms::content_info::ContentInfo>::from_der(data)
        .map_err(|e| bad(format!("AuthenticatedSafe: {e}")))?;
    let mut out = Contents {
        keys: Vec::new(),
        certs: Vec::new(),
    };
    for ci in safes {
        let contents: Zeroizing<Vec<u8>> = if ci.content_type == ID_DATA {
            let os = ci
                .content
                .decode_as::<OctetString>()
                .map_err(|e| bad(e.to_string()))?;
            Zeroizing::new(os.as_bytes().to_vec())
        } else if ci.content_type == ID_ENCRYPTED_DATA {
            let ed = ci
                .content
                .decode_as::<cms::encrypted_data::EncryptedData>()
                .map_err(|e| bad(format!("EncryptedData: {e}")))?;
            let eci = ed.enc_content_info;
            let ct = eci
                .encrypted_content
                .ok_or_else(|| bad("EncryptedData sem conteúdo"))?;
            decrypt(&eci.content_enc_alg, password, ct.as_bytes(), &kdf)?
        } else {
            continue; // enveloped (public-key privacy mode) not supported: skip
        };
        let bags = Vec::<pkcs12::safe_bag::SafeBag>::from_der(&contents)
            .map_err(|e| bad(format!("SafeContents: {e}")))?;
        for bag in bags {
            if out.keys.len() + out.certs.len() >= MAX_BAGS {
                return Err(bad(format!(
                    "mais de {MAX_BAGS} itens (chaves e certificados)"
                )));
            }
            read_bag(&bag, password, &mut out, &kdf)?;
        }
    }
    Ok(out)
}

fn attrs(bag: &pkcs12::safe_bag::SafeBag) -> (Option<Vec<u8>>, Option<String>) {
    let mut id = None;
    let mut name = None;
    if let Some(attrs) = &bag.bag_attributes {
        for a in attrs.iter() {
            let Some(v) = a.values.iter().next() else {
                continue;
            };
            if a.oid == LOCAL_KEY_ID {
                id = v
                    .decode_as::<OctetString>()
                    .ok()
                    .map(|o| o.as_bytes().to_vec());
            } else if a.oid == FRIENDLY_NAME {
                name = v.decode_as::<BmpString>().ok().map(|s| s.to_string());
            }
        }
    }
    (id, name)
}

fn read_bag(
    bag: &pkcs12::safe_bag::SafeBag,
    password: &str,
    out: &mut Contents,
    kdf: &KdfBudget,
) -> Result<()> {
    // bag_value holds the `[0] EXPLICIT` wrapper; its content is the bag's TLV.
    let wrapper = AnyRef::from_der(&bag.bag_value).map_err(|e| bad(format!("SafeBag: {e}")))?;
    let inner = wrapper.value();
    let (local_key_id, friendly_name) = attrs(bag);
    if bag.bag_id == CERT_BAG {
        let cb = pkcs12::cert_type::CertBag::from_der(inner)
            .map_err(|e| bad(format!("CertBag: {e}")))?;
        if cb.cert_id == X509_CERT {
            out.certs.push(CertEntry {
                der: cb.cert_value.as_bytes().to_vec(),
                local_key_id,
                friendly_name,
            });
        }
    } else if bag.bag_id == SHROUDED_KEY_BAG {
        let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(inner)
            .map_err(|e| bad(format!("EncryptedPrivateKeyInfo: {e}")))?;
        let pkcs8 = decrypt(
            &epki.encryption_algorithm,
            password,
            epki.encrypted_data.as_bytes(),
            kdf,
        )?;
        out.keys.push(KeyEntry {
            pkcs8,
            local_key_id,
            friendly_name,
        });
    } else if bag.bag_id == KEY_BAG {
        out.keys.push(KeyEntry {
            pkcs8: Zeroizing::new(inner.to_vec()),
            local_key_id,
            friendly_name,
        });
    }
    Ok(())
}

fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    password: &str,
    ct: &[u8],
    kdf: &KdfBudget,
) -> Result<Zeroizing<Vec<u8>>> {
    if alg.oid == PBES2 {
        let alg_der = alg.to_der().map_err(|e| bad(e.to_string()))?;
        let scheme = pkcs5::EncryptionScheme::from_der(&alg_der).map_err(|e| {
            Error::new(
                Code::CryptoAlgorithmUnsupported,
                format!("PBES2 não suportado: {e}"),
            )
        })?;
        if let pkcs5::EncryptionScheme::Pbes2(p) = &scheme {
            match &p.kdf {
                pkcs5::pbes2::Kdf::Pbkdf2(k) => {
                    let it =
                        check_iterations(i32::try_from(k.iteration_count).unwrap_or(i32::MAX))?;
                    kdf.spend(it, 1)?;
                }
                // scrypt's cost is not iterations: refused rather than unbounded.
                _ => {
                    return Err(Error::new(
                        Code::CryptoAlgorithmUnsupported,
                        "PBES2 com KDF diferente de PBKDF2 não suportado",
                    ))
                }
            }
        }
        // OpenSSL and RFC 8018 use the password's UTF-8 bytes for PBES2 inside PKCS#12.
        return scheme
            .decrypt(password.as_bytes(), ct)
            .map(Zeroizing::new)
            .map_err(|_| wrong_password("falha ao decifrar (PBES2)"));
    }
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| bad("parâmetros PBE ausentes"))?
        .decode_as::<pkcs12::pbe_params::Pkcs12PbeParams>()
        .map_err(|e| bad(format!("parâmetros PBE: {e}")))?;
    let it = check_iterations(params.iterations)?;
    kdf.spend(it, 2)?; // IV and key
    let salt = params.salt.as_bytes();
    let derive = |kind, len| -> Result<Zeroizing<Vec<u8>>> {
        derive_key_utf8::<Sha1>(password, salt, kind, it, len)
            .map(Zeroizing::new)
            .map_err(|e| bad(format!("senha não codificável em BMPString: {e}")))
    };
    let fail = |_| wrong_password("falha ao decifrar (PBE legado)");
    let iv = derive(Pkcs12KeyType::Iv, 8)?;
    let plain = if alg.oid == PBE_SHA1_3DES {
        let key = derive(Pkcs12KeyType::EncryptionKey, 24)?;
        cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| bad("chave 3DES"))?
            .decrypt_padded_vec_mut::<Pkcs7>(ct)
            .map_err(fail)?
    } else if alg.oid == PBE_SHA1_2DES {
        let key = derive(Pkcs12KeyType::EncryptionKey, 16)?;
        cbc::Decryptor::<des::TdesEde2>::new_from_slices(&key, &iv)
            .map_err(|_| bad("chave 2DES"))?
            .decrypt_padded_vec_mut::<Pkcs7>(ct)
            .map_err(fail)?
    } else if alg.oid == PBE_SHA1_RC2_40 || alg.oid == PBE_SHA1_RC2_128 {
        let bits = if alg.oid == PBE_SHA1_RC2_40 { 40 } else { 128 };
        let key = derive(Pkcs12KeyType::EncryptionKey, bits / 8)?;
        let cipher = rc2::Rc2::new_with_eff_key_len(&key, bits);
        cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, &iv)
            .map_err(|_| bad("IV RC2"))?
            .decrypt_padded_vec_mut::<Pkcs7>(ct)
            .map_err(fail)?
    } else {
        return Err(Error::new(
            Code::CryptoAlgorithmUnsupported,
            format!("algoritmo de cifra PKCS#12 não suportado: {}", alg.oid),
        ));
    };
    Ok(Zeroizing::new(plain))
}
