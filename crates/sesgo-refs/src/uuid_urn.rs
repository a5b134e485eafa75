//! `urn:uuid:` validation under the two policies (IG-DIGEST §17.2, docs/adr/0011).

/// Why a `urn:uuid:` string was refused, or `Ok` with the UUID.
pub(crate) fn check_urn_uuid(s: &str, lowercase_uuids: bool) -> Result<uuid::Uuid, &'static str> {
    let Some(rest) = s.strip_prefix("urn:uuid:") else {
        return Err("não começa com 'urn:uuid:'");
    };
    // Only the hyphenated 8-4-4-4-12 form (the uuid crate also takes braced/simple forms).
    let b = rest.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
        return Err("UUID fora do formato 8-4-4-4-12");
    }
    let u = uuid::Uuid::try_parse(rest).map_err(|_| "UUID com caracteres não hexadecimais")?;
    // The guide's pattern is lower-case only, under every policy: an upper-case twin of
    // a fullUrl names the same UUID (RFC 4122 §3) and would be a second name for one
    // entry (docs/guide/DECISIONS.md D8).
    if rest.bytes().any(|c| c.is_ascii_uppercase()) {
        return Err("o guia exige UUID em minúsculas");
    }
    if lowercase_uuids {
        if !(1..=8).contains(&u.get_version_num()) {
            return Err("versão de UUID fora de 1–8 (RFC 4122/9562)");
        }
        if u.get_variant() != uuid::Variant::RFC4122 {
            return Err("variante de UUID diferente de RFC 4122");
        }
    }
    Ok(u)
}
