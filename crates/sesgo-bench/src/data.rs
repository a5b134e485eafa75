//! Deterministic, realistic benchmark inputs (issue 11): a transfer Bundle of about the
//! requested size and its Provenance, valid under both policies' reference rules (lowercase
//! v4 `urn:uuid`s, every reference inside the signed set, decimals with trailing zeros,
//! backbone elements, choice types, extensions, a contained resource).

use std::fmt::Write as _;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }
    fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a & 0xffff_ffff,
            (a >> 32) & 0xffff,
            b & 0xfff,
            8 + ((b >> 12) & 3),
            (b >> 14) & 0xfff,
            (b >> 26) & 0xffff_ffff_ffff
        )
    }
    fn decimal(&mut self) -> String {
        // Two decimals kept verbatim, e.g. 36.50 (policy 0.2.0 must not touch them).
        format!("{}.{:02}", 30 + self.next() % 15, self.next() % 100)
    }
}

/// Observations in the largest Bundles: with the Patient, the Encounter and (in the
/// transfer Bundle) the signed Provenance, 1000 entries, the guide's default
/// `maxEntriesBundle`, so that default settings verify every size.
pub const MAX_OBSERVATIONS: usize = 997;

/// The sizes of issue 11 (the guide's maximum Bundle is 50 MB).
pub const SIZES: [&str; 5] = ["1KB", "100KB", "1MB", "10MB", "50MB"];

/// Parses `1KB`, `100KB`, `1MB`, `50MB` (powers of 1000: the guide's "50 MB" is
/// 52 428 800 bytes, so `50MiB` is accepted too).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let upper = s.to_ascii_uppercase();
    let (num, mult) = if let Some(n) = upper.strip_suffix("MIB") {
        (n, 1 << 20)
    } else if let Some(n) = upper.strip_suffix("KIB") {
        (n, 1 << 10)
    } else if let Some(n) = upper.strip_suffix("MB") {
        (n, 1_000_000)
    } else if let Some(n) = upper.strip_suffix("KB") {
        (n, 1_000)
    } else {
        (upper.as_str(), 1)
    };
    num.trim()
        .parse::<usize>()
        .map(|n| n * mult)
        .map_err(|_| format!("bad size {s}"))
}

/// The Bundle and Provenance for a size label (`1MB`…), seeded by the byte count, exactly
/// what `cargo xtask bench-data` writes.
pub fn for_label(label: &str) -> Result<(String, String), String> {
    let bytes = parse_size(label)?;
    Ok(generate(bytes, bytes as u64))
}

/// Bundle of about `target_bytes` (at least the smallest realistic one) and its Provenance.
pub fn generate(target_bytes: usize, seed: u64) -> (String, String) {
    let mut rng = Lcg(seed ^ 0x0005_e560);
    // Entry count grows with size but stays under the guide's default maxEntriesBundle
    // (1000, counting the Patient, the Encounter and the signed Provenance of the transfer
    // Bundle), so default settings accept every size.
    let entries = (target_bytes / 5_000).clamp(1, MAX_OBSERVATIONS);
    let per_entry = target_bytes / (entries + 2);
    let patient = rng.uuid();
    let encounter = rng.uuid();
    let mut targets = vec![patient.clone(), encounter.clone()];
    let mut out = String::with_capacity(target_bytes + 4096);
    out.push_str(r#"{"resourceType":"Bundle","type":"collection","timestamp":"2026-11-20T14:32:10-03:00","entry":["#);
    let _ = write!(
        out,
        r#"{{"fullUrl":"urn:uuid:{patient}","resource":{{"resourceType":"Patient","id":"p1","meta":{{"versionId":"3","lastUpdated":"2026-11-20T14:30:00-03:00"}},"identifier":[{{"system":"urn:brasil:cpf","value":"52998224725"}}],"name":[{{"text":"Ana Beatriz Souza","family":"Souza","given":["Ana","Beatriz"]}}],"gender":"female","birthDate":"1988-03-14"}}}}"#
    );
    let _ = write!(
        out,
        r#",{{"fullUrl":"urn:uuid:{encounter}","resource":{{"resourceType":"Encounter","status":"finished","class":{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"}},"subject":{{"reference":"urn:uuid:{patient}"}},"participant":[{{"individual":{{"identifier":{{"system":"urn:brasil:cpf","value":"11144477735"}}}}}}]}}}}"#
    );
    for i in 0..entries {
        let id = rng.uuid();
        targets.push(id.clone());
        let start = out.len();
        let _ = write!(
            out,
            r##",{{"fullUrl":"urn:uuid:{id}","resource":{{"resourceType":"Observation","id":"o{i}","meta":{{"versionId":"1","lastUpdated":"2026-11-20T14:31:00-03:00","tag":[{{"code":"bench"}}]}},"contained":[{{"resourceType":"Device","id":"d","deviceName":[{{"name":"Monitor multiparamétrico","type":"model-name"}}]}}],"extension":[{{"url":"https://example.org/fhir/StructureDefinition/origem","valueReference":{{"reference":"urn:uuid:{encounter}"}}}}],"status":"final","code":{{"coding":[{{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel"}}],"text":"Pressão arterial \"sentado\""}},"subject":{{"reference":"urn:uuid:{patient}"}},"encounter":{{"reference":"urn:uuid:{encounter}"}},"effectiveDateTime":"2026-11-20T14:10:00-03:00","performer":[{{"identifier":{{"system":"urn:brasil:cpf","value":"11144477735"}},"display":"Dr. Carlos Menezes"}}],"device":{{"reference":"#d"}},"component":["##
        );
        let mut first = true;
        while out.len() - start < per_entry.saturating_sub(120) || first {
            if !first {
                out.push(',');
            }
            first = false;
            let (v, lo, hi) = (rng.decimal(), rng.decimal(), rng.decimal());
            let _ = write!(
                out,
                r#"{{"code":{{"coding":[{{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}}]}},"valueQuantity":{{"value":{v},"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},"interpretation":[{{"text":"normal"}}],"referenceRange":[{{"low":{{"value":{lo}}},"high":{{"value":{hi}}},"text":"Faixa de referência — adulto"}}]}}"#
            );
        }
        out.push_str("]}}");
    }
    out.push_str("]}");
    let mut prov = String::from(r#"{"resourceType":"Provenance","target":["#);
    for (i, t) in targets.iter().enumerate() {
        if i > 0 {
            prov.push(',');
        }
        let _ = write!(prov, r#"{{"reference":"urn:uuid:{t}"}}"#);
    }
    prov.push_str(r#"],"recorded":"2026-11-20T14:32:10-03:00","agent":[{"who":{"identifier":{"system":"urn:brasil:cpf","value":"11144477735"}}}]}"#);
    (out, prov)
}
