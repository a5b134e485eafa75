//! Generator of `crates/sesgo-refs/src/generated/table.rs`: for every FHIR R4 (4.0.1)
//! resource, backbone element and complex datatype, the JSON members and their types,
//! read from the official StructureDefinition snapshots (`profiles-resources.xml`,
//! `profiles-types.xml`) shipped in the Maven Central artifact
//! `ca.uhn.hapi.fhir:hapi-fhir-validation-resources-r4` (see docs/adr/0011).
//!
//! The jar is fetched with `mvn dependency:get` when it is not in the local Maven
//! repository (`$SESGO_FHIR_R4_JAR` overrides its location), and read with `unzip -p`
//! (falling back to the JDK's `jar`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const OUTPUT: &str = "crates/sesgo-refs/src/generated/table.rs";

const GROUP: &str = "ca.uhn.hapi.fhir";
const ARTIFACT: &str = "hapi-fhir-validation-resources-r4";
const VERSION: &str = "7.4.0";
const PROFILE_DIR: &str = "org/hl7/fhir/r4/model/profile";
const FHIR_VERSION: &str = "4.0.1";

/// The type of one member, as written into the table.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ty {
    Reference,
    Resource,
    Datatype(String),
    Backbone(String),
}

#[derive(Default)]
struct Ctx {
    base: Option<String>,
    resource: bool,
    prims: BTreeSet<String>,
    members: BTreeMap<String, Ty>,
}

fn jar_path() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("SESGO_FHIR_R4_JAR") {
        return Ok(PathBuf::from(p));
    }
    let m2 = match std::env::var("M2_REPO") {
        Ok(p) => PathBuf::from(p),
        Err(_) => {
            let home = std::env::var("HOME").map_err(|_| "HOME is not set".to_owned())?;
            Path::new(&home).join(".m2/repository")
        }
    };
    Ok(m2
        .join(GROUP.replace('.', "/"))
        .join(ARTIFACT)
        .join(VERSION)
        .join(format!("{ARTIFACT}-{VERSION}.jar")))
}

fn fetch_jar() -> Result<PathBuf, String> {
    let jar = jar_path()?;
    if jar.exists() {
        return Ok(jar);
    }
    eprintln!("xtask: fetching {GROUP}:{ARTIFACT}:{VERSION} with mvn");
    let status = Command::new("mvn")
        .args([
            "-q",
            "-B",
            "dependency:get",
            &format!("-Dartifact={GROUP}:{ARTIFACT}:{VERSION}"),
            "-Dtransitive=false",
        ])
        .status()
        .map_err(|e| format!("mvn: {e} (Maven is needed to fetch the FHIR R4 definitions)"))?;
    if !status.success() || !jar.exists() {
        return Err(format!(
            "mvn dependency:get failed ({status}); expected {jar:?}"
        ));
    }
    Ok(jar)
}

fn read_entry(jar: &Path, name: &str) -> Result<String, String> {
    let entry = format!("{PROFILE_DIR}/{name}");
    if let Ok(out) = Command::new("unzip")
        .arg("-p")
        .arg(jar)
        .arg(&entry)
        .output()
    {
        if out.status.success() && !out.stdout.is_empty() {
            return String::from_utf8(out.stdout).map_err(|e| format!("{entry}: {e}"));
        }
    }
    // Fallback: the JDK's `jar` tool, extracting into a scratch directory.
    let dir = std::env::temp_dir().join(format!("sesgo-fhir-r4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let status = Command::new("jar")
        .current_dir(&dir)
        .arg("xf")
        .arg(jar)
        .arg(&entry)
        .status()
        .map_err(|e| format!("neither unzip nor jar could read {jar:?}: {e}"))?;
    let text = std::fs::read_to_string(dir.join(&entry));
    let _ = std::fs::remove_dir_all(&dir);
    if !status.success() {
        return Err(format!("jar xf {jar:?} {entry} failed"));
    }
    text.map_err(|e| format!("{entry}: {e}"))
}

fn child<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a>(
    n: roxmltree::Node<'a, 'a>,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'a>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn value_of(n: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    child(n, name).and_then(|c| c.attribute("value").map(str::to_owned))
}

fn last_segment(url: &str) -> String {
    url.rsplit('/').next().unwrap_or(url).to_owned()
}

fn is_primitive_code(code: &str) -> bool {
    code.contains("://") || code.starts_with(|c: char| c.is_ascii_lowercase())
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn add_bundle(xml: &str, ctxs: &mut BTreeMap<String, Ctx>) -> Result<(), String> {
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: u32::MAX,
        },
    )
    .map_err(|e| e.to_string())?;
    for entry in children(doc.root_element(), "entry") {
        let Some(sd) = child(entry, "resource").and_then(|r| child(r, "StructureDefinition"))
        else {
            continue;
        };
        let kind = value_of(sd, "kind").unwrap_or_default();
        if kind != "resource" && kind != "complex-type" {
            continue;
        }
        if let Some(v) = value_of(sd, "fhirVersion") {
            if v != FHIR_VERSION {
                return Err(format!("unexpected fhirVersion {v}"));
            }
        }
        let name = value_of(sd, "id").ok_or("StructureDefinition without id")?;
        let ty = value_of(sd, "type").ok_or("StructureDefinition without type")?;
        let abstract_ = value_of(sd, "abstract").as_deref() == Some("true");
        let base = value_of(sd, "baseDefinition").map(|u| last_segment(&u));
        if value_of(sd, "derivation").as_deref() == Some("constraint") {
            // SimpleQuantity, Age, Duration…: the base type's members under another name.
            if name != ty {
                ctxs.entry(name).or_default().base = Some(ty);
            }
            continue;
        }
        {
            let c = ctxs.entry(ty.clone()).or_default();
            c.base = base;
            c.resource = kind == "resource" && !abstract_;
        }
        let snapshot = child(sd, "snapshot").ok_or(format!("{ty}: no snapshot"))?;
        for el in children(snapshot, "element") {
            let path = value_of(el, "path").ok_or(format!("{ty}: element without path"))?;
            let Some((parent, member)) = path.rsplit_once('.') else {
                continue;
            };
            // Inherited elements (Resource.id, Element.extension…) live in their base.
            let base_path = child(el, "base").and_then(|b| value_of(b, "path"));
            if let Some(bp) = &base_path {
                if bp.split('.').next() != Some(ty.as_str()) {
                    continue;
                }
            }
            let codes: Vec<String> = children(el, "type")
                .filter_map(|t| value_of(t, "code"))
                .collect();
            let parent_ctx = ctxs.entry(parent.to_owned()).or_default();
            if let Some(cr) = value_of(el, "contentReference") {
                let target = cr.rsplit('#').next().unwrap_or(&cr).to_owned();
                parent_ctx
                    .members
                    .insert(member.to_owned(), Ty::Backbone(target));
                continue;
            }
            if let Some(prefix) = member.strip_suffix("[x]") {
                for code in &codes {
                    let m = format!("{prefix}{}", capitalize(code));
                    if is_primitive_code(code) {
                        parent_ctx.prims.insert(m);
                    } else {
                        parent_ctx.members.insert(m, datatype(code));
                    }
                }
                continue;
            }
            let [code] = codes.as_slice() else {
                return Err(format!("{path}: expected one type, found {codes:?}"));
            };
            if code == "BackboneElement" || code == "Element" {
                parent_ctx
                    .members
                    .insert(member.to_owned(), Ty::Backbone(path.clone()));
                let c = ctxs.entry(path.clone()).or_default();
                c.base = Some(code.clone());
            } else if is_primitive_code(code) {
                parent_ctx.prims.insert(member.to_owned());
            } else {
                parent_ctx.members.insert(member.to_owned(), datatype(code));
            }
        }
    }
    Ok(())
}

fn datatype(code: &str) -> Ty {
    match code {
        "Reference" => Ty::Reference,
        "Resource" => Ty::Resource,
        other => Ty::Datatype(other.to_owned()),
    }
}

fn render(ctxs: &BTreeMap<String, Ctx>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// @generated by `cargo xtask gen` (xtask/src/gen_refs.rs) from the FHIR R4 {FHIR_VERSION}\n\
         // StructureDefinition snapshots profiles-resources.xml and profiles-types.xml of\n\
         // {GROUP}:{ARTIFACT}:{VERSION} (Maven Central). Do not edit by hand.\n\
         //\n\
         // One row per resource type, backbone element path and complex datatype: its base\n\
         // (inherited members are looked up there), its primitive members and its other\n\
         // members with their types. Rows and members are sorted (binary search).\n\n\
         use crate::table::{{Ctx, T}};\n\n\
         /// FHIR version of the definitions.\n\
         pub const FHIR_VERSION: &str = \"{FHIR_VERSION}\";\n"
    );
    out.push_str("/// Every concrete (non-abstract) R4 resource type, sorted.\n");
    out.push_str("pub(crate) static RESOURCE_TYPES: &[&str] = &[\n");
    for (name, c) in ctxs {
        if c.resource {
            let _ = writeln!(out, "{name:?},");
        }
    }
    out.push_str(
        "];\n\n/// Every context, sorted by name.\npub(crate) static CONTEXTS: &[Ctx] = &[\n",
    );
    for (name, c) in ctxs {
        let base = match &c.base {
            Some(b) => format!("Some({b:?})"),
            None => "None".to_owned(),
        };
        let prims: Vec<String> = c.prims.iter().map(|p| format!("{p:?}")).collect();
        let members: Vec<String> = c
            .members
            .iter()
            .map(|(m, t)| {
                let t = match t {
                    Ty::Reference => "T::Reference".to_owned(),
                    Ty::Resource => "T::Resource".to_owned(),
                    Ty::Datatype(d) => format!("T::Datatype({d:?})"),
                    Ty::Backbone(b) => format!("T::Backbone({b:?})"),
                };
                format!("({m:?}, {t})")
            })
            .collect();
        let _ = writeln!(
            out,
            "Ctx {{ name: {name:?}, base: {base}, prims: &[{}], members: &[{}] }},",
            prims.join(", "),
            members.join(", ")
        );
    }
    out.push_str("];\n");
    out
}

/// Generates the table (fetching the definitions first when needed).
pub fn generate() -> Result<String, String> {
    let jar = fetch_jar()?;
    let mut ctxs = BTreeMap::new();
    for name in ["profiles-types.xml", "profiles-resources.xml"] {
        let xml = read_entry(&jar, name)?;
        add_bundle(&xml, &mut ctxs).map_err(|e| format!("{name}: {e}"))?;
    }
    // Sanity checks on the definitions, so a wrong artifact fails loudly.
    for (ctx, member, want) in [
        ("Observation", "subject", Ty::Reference),
        ("Bundle.entry", "resource", Ty::Resource),
        (
            "Questionnaire.item",
            "item",
            Ty::Backbone("Questionnaire.item".into()),
        ),
        ("Identifier", "assigner", Ty::Reference),
    ] {
        let got = ctxs.get(ctx).and_then(|c| c.members.get(member));
        if got != Some(&want) {
            return Err(format!("{ctx}.{member}: expected {want:?}, found {got:?}"));
        }
    }
    Ok(render(&ctxs))
}
