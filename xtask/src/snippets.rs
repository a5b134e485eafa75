//! `cargo xtask test snippets`: every code block of the README and the docs runs as
//! written (docs/adr/0053).
//!
//! Documents: `README.md` first, then every `*.md` under `docs/` and `bindings/*/`, in
//! path order. In each, every fenced block whose info string starts with a language is
//! extracted and run, in document order, as a reader following the text in one terminal
//! would: from a sandbox that looks like the repository root (`target/snippets/root`,
//! with `examples/` and the built artifacts where the README says they are), with the
//! `sesgo` command and the wheel's virtual environment on `PATH`. Shell blocks share one
//! session per document: the directory a block `cd`s into and the variables it
//! `export`s carry over to the next block, and the programs (C, Python, Java, C#) run in
//! that directory with that environment.
//!
//! | info string | what runs |
//! |---|---|
//! | `sh`, `bash`, `shell` | `bash` with `set -eo pipefail`; must exit 0 |
//! | `c` | compiled as C11 and as C++17 (`-Wall -Wextra -Wpedantic -Werror`) with `pkg-config --cflags --libs sesgo` of the C dist; both binaries run |
//! | `python` | the wheel's virtual environment's `python` |
//! | `java` | `javac -cp <jar>` then `java -cp <jar>:<classes> <class>` |
//! | `csharp` | `mcs -r:<assembly>` then `mono` with the package's native library |
//! | `json` | parsed (strict JSON) |
//! | `text`, `output`, no language | not code: skipped |
//!
//! Attributes after the language: `file=NAME` also saves the block as `NAME` in the
//! session's directory (a later shell block may compile or run it, as the text says);
//! `expect-exit=N` (shell) runs the block in a subshell that must exit with N (an error
//! shown on purpose); `no-run REASON` skips the block — the reason is required and
//! printed. Any other language or attribute fails: a new block is either runnable or
//! says why not.
//!
//! The artifacts are the ones the other suites of the same run built — the C dist, the
//! jar and the wheel without test hooks (docs/adr/0054), the .NET package over the C
//! dist, the debug `sesgo` — so the suite costs what its blocks cost (the demo PKI, a
//! few compilations).

use crate::ctest::target_dir;
use crate::{root, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Seconds any one block may take.
const BLOCK_TIMEOUT_SECS: u32 = 300;

/// Info-string languages that are not code.
const NOT_CODE: &[&str] = &["text", "txt", "plain", "output"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lang {
    Shell,
    C,
    Python,
    Java,
    CSharp,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Disposition {
    Run(Lang),
    NoRun { lang: String, reason: String },
    NotCode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    info: String,
    what: Disposition,
    file: Option<String>,
    expect_exit: Option<i32>,
    code: String,
}

/// The fenced code blocks of a Markdown text (CommonMark fences of ``` or ~~~, indented
/// at most three spaces).
fn extract(text: &str) -> std::result::Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let t = line.trim_start_matches(' ');
        let fence_char = match t.chars().next() {
            Some(c @ ('`' | '~')) if indent <= 3 => c,
            _ => continue,
        };
        let fence_len = t.chars().take_while(|&c| c == fence_char).count();
        if fence_len < 3 {
            continue;
        }
        let info = t[fence_len..].trim().to_owned();
        let mut code = String::new();
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            let lt = l.trim_start_matches(' ');
            let n = lt.chars().take_while(|&c| c == fence_char).count();
            if n >= fence_len && lt[n..].trim().is_empty() && l.len() - lt.len() <= 3 {
                closed = true;
                break;
            }
            // Content indented like the opening fence loses that indentation.
            let strip = l.len() - l.trim_start_matches(' ').len();
            code.push_str(&l[strip.min(indent)..]);
            code.push('\n');
        }
        if !closed {
            return Err(format!("line {}: code block never closed", i + 1));
        }
        let (what, file, expect_exit) =
            classify(&info).map_err(|e| format!("line {}: ```{info}: {e}", i + 1))?;
        blocks.push(Block {
            line: i + 1,
            info,
            what,
            file,
            expect_exit,
            code,
        });
    }
    Ok(blocks)
}

type Classified = (Disposition, Option<String>, Option<i32>);

fn classify(info: &str) -> std::result::Result<Classified, String> {
    let mut words = info.split_whitespace();
    let Some(lang) = words.next() else {
        return Ok((Disposition::NotCode, None, None));
    };
    let lang = lang.to_ascii_lowercase();
    if NOT_CODE.contains(&lang.as_str()) {
        return Ok((Disposition::NotCode, None, None));
    }
    let mut file = None;
    let mut expect_exit = None;
    let rest: Vec<&str> = words.collect();
    let mut i = 0;
    while i < rest.len() {
        let w = rest[i];
        if w == "no-run" {
            let reason = rest[i + 1..].join(" ");
            if reason.trim().is_empty() {
                return Err("`no-run` needs a reason after it".into());
            }
            return Ok((Disposition::NoRun { lang, reason }, None, None));
        } else if let Some(f) = w.strip_prefix("file=") {
            if f.is_empty() || f.contains('/') || f.starts_with('.') {
                return Err(format!("file={f}: a plain file name"));
            }
            file = Some(f.to_owned());
        } else if let Some(n) = w.strip_prefix("expect-exit=") {
            expect_exit = Some(n.parse().map_err(|_| format!("expect-exit={n}"))?);
        } else {
            return Err(format!(
                "unknown attribute `{w}` (file=NAME, expect-exit=N, no-run REASON)"
            ));
        }
        i += 1;
    }
    let run = match lang.as_str() {
        "sh" | "bash" | "shell" => Lang::Shell,
        "c" => Lang::C,
        "python" | "py" => Lang::Python,
        "java" => Lang::Java,
        "csharp" | "cs" | "c#" => Lang::CSharp,
        "json" => Lang::Json,
        other => {
            return Err(format!(
                "no runner for `{other}`: write it in a runnable language or mark it \
                 `{other} no-run <reason>`"
            ))
        }
    };
    if expect_exit.is_some() && run != Lang::Shell {
        return Err("expect-exit applies to shell blocks".into());
    }
    Ok((Disposition::Run(run), file, expect_exit))
}

/// The documents, README first.
fn documents() -> Result<Vec<PathBuf>> {
    let root = root();
    let mut found = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for e in entries {
            let p = e.map_err(|e| e.to_string())?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() {
                if name != "target" && !name.starts_with('.') && name != "node_modules" {
                    walk(&p, out)?;
                }
            } else if name.ends_with(".md") {
                out.push(p);
            }
        }
        Ok(())
    }
    walk(&root.join("docs"), &mut found)?;
    for b in std::fs::read_dir(root.join("bindings")).map_err(|e| e.to_string())? {
        let readme = b.map_err(|e| e.to_string())?.path().join("README.md");
        if readme.is_file() {
            found.push(readme);
        }
    }
    found.sort();
    let mut docs = vec![root.join("README.md")];
    docs.extend(found);
    Ok(docs)
}

/// Where the built artifacts are, linked into the sandbox where the README names them.
struct Artifacts {
    /// `target/c-dist` (debug, no testing hooks).
    c_dist: PathBuf,
    /// The jar with the debug native library without testing hooks.
    jar: PathBuf,
    /// The python of a venv with the wheel without testing hooks.
    python: PathBuf,
    /// The .NET package layout over the C dist.
    dotnet: PathBuf,
    /// The debug `sesgo` command.
    sesgo: PathBuf,
}

impl Artifacts {
    fn build() -> Result<Artifacts> {
        let mut c = crate::cargo();
        c.args(["build", "-p", "sesgo-cli"]);
        crate::progress("building the sesgo command (debug)");
        crate::run(c)?;
        let sesgo = target_dir()
            .join("debug")
            .join(format!("sesgo{}", std::env::consts::EXE_SUFFIX));
        Ok(Artifacts {
            c_dist: crate::ctest::build_dist("debug")?,
            jar: crate::java::build_jar(false)?,
            python: crate::python::user_venv()?,
            dotnet: crate::dotnet::build_package(crate::dotnet::Flavor::Dev)?,
            sesgo,
        })
    }
}

fn symlink(target: &Path, link: &Path) -> Result {
    if let Some(d) = link.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    std::os::unix::fs::symlink(target, link)
        .map_err(|e| format!("{} -> {}: {e}", link.display(), target.display()))
}

/// The sandbox: `root/` (looks like the repository root), `bin/` (on PATH), `work/`
/// (compiled programs), `state/` (the shell session).
struct Sandbox {
    root: PathBuf,
    bin: PathBuf,
    work: PathBuf,
    state: PathBuf,
}

impl Sandbox {
    fn create(a: &Artifacts) -> Result<Sandbox> {
        let base = target_dir().join("snippets");
        let _ = std::fs::remove_dir_all(&base);
        let s = Sandbox {
            root: base.join("root"),
            bin: base.join("bin"),
            work: base.join("work"),
            state: base.join("state"),
        };
        for d in [&s.root, &s.bin, &s.work, &s.state] {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        let repo = root();
        symlink(&repo.join("examples"), &s.root.join("examples"))?;
        symlink(&a.c_dist, &s.root.join("target/c-dist"))?;
        let jar_name = a.jar.file_name().ok_or("jar without a name")?;
        symlink(&a.jar, &s.root.join("bindings/java/target").join(jar_name))?;
        symlink(&a.dotnet, &s.root.join("target/dotnet/package"))?;
        let wheels = a.python_wheel_dir();
        symlink(&wheels, &s.root.join("target/wheels"))?;
        symlink(&a.sesgo, &s.bin.join("sesgo"))?;
        Ok(s)
    }
}

impl Artifacts {
    fn python_wheel_dir(&self) -> PathBuf {
        target_dir().join("wheels")
    }

    fn venv_bin(&self) -> PathBuf {
        self.python
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

/// One document's terminal session: the shell's directory and exported variables,
/// carried from block to block through `state/`.
struct Session<'a> {
    sandbox: &'a Sandbox,
    artifacts: &'a Artifacts,
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl<'a> Session<'a> {
    fn start(sandbox: &'a Sandbox, artifacts: &'a Artifacts) -> Result<Session<'a>> {
        let s = Session { sandbox, artifacts };
        std::fs::write(
            sandbox.state.join("cwd"),
            sandbox.root.to_string_lossy().as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        // The reader's terminal: the sesgo command and the wheel's venv activated.
        let path = format!(
            "{}:{}:{}",
            sandbox.bin.display(),
            artifacts.venv_bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let env = format!(
            "export PATH={}\nexport VIRTUAL_ENV={}\n",
            sh_quote(&path),
            sh_quote(
                &artifacts
                    .venv_bin()
                    .parent()
                    .unwrap_or(Path::new("/"))
                    .to_string_lossy()
            )
        );
        std::fs::write(sandbox.state.join("env"), env).map_err(|e| e.to_string())?;
        Ok(s)
    }

    /// A bash script that enters the session, runs `body`, and (when `save`) records the
    /// session's directory and exported variables for the next block.
    fn script(&self, body: &str, save: bool) -> String {
        let st = &self.sandbox.state;
        let mut s = format!(
            "set -eo pipefail\n. {env}\ncd \"$(cat {cwd})\"\n",
            env = sh_quote(&st.join("env").to_string_lossy()),
            cwd = sh_quote(&st.join("cwd").to_string_lossy()),
        );
        s.push_str(body);
        if !body.ends_with('\n') {
            s.push('\n');
        }
        if save {
            s.push_str(&format!(
                "pwd > {cwd}\nexport -p > {env}\n",
                env = sh_quote(&st.join("env.next").to_string_lossy()),
                cwd = sh_quote(&st.join("cwd.next").to_string_lossy()),
            ));
        }
        s
    }

    fn cwd(&self) -> Result<PathBuf> {
        let p = self.sandbox.state.join("cwd");
        std::fs::read_to_string(&p)
            .map(|s| PathBuf::from(s.trim()))
            .map_err(|e| format!("{}: {e}", p.display()))
    }

    /// Runs `body` in the session; returns (status code, stdout, stderr).
    fn bash(&self, body: &str, save: bool) -> Result<(i32, String, String)> {
        let script = self.sandbox.work.join("block.sh");
        std::fs::write(&script, self.script(body, save)).map_err(|e| e.to_string())?;
        let out = Command::new("timeout")
            .arg(BLOCK_TIMEOUT_SECS.to_string())
            .args(["bash", "--noprofile", "--norc"])
            .arg(&script)
            .current_dir(&self.sandbox.root)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("bash: {e}"))?;
        let code = out.status.code().unwrap_or(-1);
        if save && code == 0 {
            for f in ["env", "cwd"] {
                let next = self.sandbox.state.join(format!("{f}.next"));
                std::fs::rename(&next, self.sandbox.state.join(f))
                    .map_err(|e| format!("{}: {e}", next.display()))?;
            }
        }
        Ok((
            code,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    fn must(&self, what: &str, body: &str) -> Result<String> {
        let (code, stdout, stderr) = self.bash(body, false)?;
        if code != 0 {
            return Err(failure(what, code, &stdout, &stderr));
        }
        Ok(stdout)
    }

    fn save_file(&self, b: &Block) -> Result {
        if let Some(name) = &b.file {
            let p = self.cwd()?.join(name);
            std::fs::write(&p, &b.code).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        Ok(())
    }

    fn run(&self, b: &Block, lang: &Lang) -> Result<String> {
        self.save_file(b)?;
        let work = &self.sandbox.work;
        let tag = format!("l{}", b.line);
        match lang {
            Lang::Shell => match b.expect_exit {
                None => {
                    let (code, stdout, stderr) = self.bash(&b.code, true)?;
                    if code != 0 {
                        return Err(failure("the block", code, &stdout, &stderr));
                    }
                    Ok(stdout + &stderr)
                }
                Some(want) => {
                    let body = format!(
                        "set +e\n(\nset -e\n{}\n)\nrc=$?\necho \"exit $rc\"\n[ \"$rc\" = {want} ]\n",
                        b.code
                    );
                    let (code, stdout, stderr) = self.bash(&body, false)?;
                    if code != 0 {
                        return Err(failure(
                            &format!("the block (expected exit {want})"),
                            code,
                            &stdout,
                            &stderr,
                        ));
                    }
                    Ok(stdout + &stderr)
                }
            },
            Lang::C => {
                let src = work.join(format!("{tag}.c"));
                std::fs::write(&src, &b.code).map_err(|e| e.to_string())?;
                let pc = self.artifacts.c_dist.join("lib/pkgconfig");
                let lib = self.artifacts.c_dist.join("lib");
                let flags = "-Wall -Wextra -Wpedantic -Werror";
                let mut out = String::new();
                for (compiler, std, lang_flag, exe) in [
                    ("${CC:-cc}", "-std=c11", "", format!("{tag}-c11")),
                    ("${CXX:-c++}", "-std=c++17", "-x c++", format!("{tag}-cxx")),
                ] {
                    let exe = work.join(exe);
                    let body = format!(
                        "{compiler} {std} {flags} {lang_flag} {src} -x none \
                         $(PKG_CONFIG_PATH={pc} pkg-config --cflags --libs sesgo) -o {exe}\n\
                         LD_LIBRARY_PATH={lib} {exe}\n",
                        src = sh_quote(&src.to_string_lossy()),
                        pc = sh_quote(&pc.to_string_lossy()),
                        lib = sh_quote(&lib.to_string_lossy()),
                        exe = sh_quote(&exe.to_string_lossy()),
                    );
                    out += &self.must(&format!("C program ({std})"), &body)?;
                }
                Ok(out)
            }
            Lang::Python => {
                let src = work.join(format!("{tag}.py"));
                std::fs::write(&src, &b.code).map_err(|e| e.to_string())?;
                let py = sh_quote(&self.artifacts.python.to_string_lossy());
                self.must(
                    "Python program",
                    &format!("{py} {}\n", sh_quote(&src.to_string_lossy())),
                )
            }
            Lang::Java => {
                let class = java_class(&b.code)
                    .ok_or("a Java block must declare a class (a complete program)")?;
                let dir = work.join(format!("{tag}-java"));
                std::fs::create_dir_all(dir.join("classes")).map_err(|e| e.to_string())?;
                let src = dir.join(format!("{class}.java"));
                std::fs::write(&src, &b.code).map_err(|e| e.to_string())?;
                let jar = sh_quote(&self.artifacts.jar.to_string_lossy());
                let classes = dir.join("classes");
                let body = format!(
                    "javac -Xlint:all -Werror -cp {jar} -d {classes} {src}\n\
                     java -cp {jar}:{classes} {class}\n",
                    classes = sh_quote(&classes.to_string_lossy()),
                    src = sh_quote(&src.to_string_lossy()),
                );
                self.must("Java program", &body)
            }
            Lang::CSharp => {
                let src = work.join(format!("{tag}.cs"));
                std::fs::write(&src, &b.code).map_err(|e| e.to_string())?;
                let pkg = &self.artifacts.dotnet;
                let dll_dir = pkg.join("lib/netstandard2.0");
                let dll = dll_dir.join("Br.Gov.Go.Saude.Sesgo.dll");
                let native = pkg.join("runtimes");
                let exe = work.join(format!("{tag}.exe"));
                let body = format!(
                    "mcs -warnaserror -out:{exe} -r:{dll} {src}\n\
                     lib=$(find {native} -name 'libsesgo.*' | head -n 1)\n\
                     MONO_PATH={dll_dir} SESGO_NATIVE_LIBRARY=\"$lib\" mono {exe}\n",
                    exe = sh_quote(&exe.to_string_lossy()),
                    dll = sh_quote(&dll.to_string_lossy()),
                    src = sh_quote(&src.to_string_lossy()),
                    native = sh_quote(&native.to_string_lossy()),
                    dll_dir = sh_quote(&dll_dir.to_string_lossy()),
                );
                self.must("C# program", &body)
            }
            Lang::Json => serde_json::from_str::<serde_json::Value>(&b.code)
                .map(|_| String::new())
                .map_err(|e| format!("not JSON: {e}")),
        }
    }
}

/// The class a Java block declares (its first top-level `class`), which holds `main`.
fn java_class(code: &str) -> Option<String> {
    code.lines().find_map(|l| {
        let l = l.trim_start();
        if l.starts_with("//") || l.starts_with('*') {
            return None;
        }
        let mut words = l
            .split_whitespace()
            .skip_while(|w| matches!(*w, "public" | "final" | "abstract" | "static" | "sealed"));
        (words.next() == Some("class"))
            .then(|| words.next())
            .flatten()
            .map(|n| n.trim_end_matches('{').to_owned())
    })
}

fn failure(what: &str, code: i32, stdout: &str, stderr: &str) -> String {
    let tail = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    format!(
        "{what} failed (exit {code}{})\n--- stdout\n{}\n--- stderr\n{}",
        if code == 124 { ", timed out" } else { "" },
        tail(stdout),
        tail(stderr)
    )
}

pub fn test_snippets() -> Result {
    let docs = documents()?;
    let mut all = Vec::new();
    for d in &docs {
        let text = std::fs::read_to_string(d).map_err(|e| format!("{}: {e}", d.display()))?;
        let rel = d.strip_prefix(root()).unwrap_or(d).display().to_string();
        let blocks = extract(&text).map_err(|e| format!("{rel}: {e}"))?;
        all.push((rel, blocks));
    }
    let artifacts = Artifacts::build()?;
    let sandbox = Sandbox::create(&artifacts)?;
    let (mut ran, mut skipped) = (0, 0);
    for (doc, blocks) in &all {
        let session = Session::start(&sandbox, &artifacts)?;
        for b in blocks {
            let at = format!("{doc}:{} ```{}", b.line, b.info);
            match &b.what {
                Disposition::NotCode => {}
                Disposition::NoRun { lang, reason } => {
                    skipped += 1;
                    eprintln!("xtask: snippet {doc}:{} ({lang}) not run: {reason}", b.line);
                }
                Disposition::Run(lang) => {
                    let t = std::time::Instant::now();
                    session
                        .run(b, lang)
                        .map_err(|e| format!("snippet {at}: {e}"))?;
                    ran += 1;
                    eprintln!(
                        "xtask: snippet {doc}:{} ({lang:?}) ok ({:.1} s)",
                        b.line,
                        t.elapsed().as_secs_f64()
                    );
                }
            }
        }
    }
    if ran == 0 {
        return Err("no snippet ran".into());
    }
    eprintln!("xtask: {ran} snippets ran as written; {skipped} marked no-run (reasons above)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_classified_by_their_info_string() {
        let md = "intro\n```sh\necho hi\n```\n\n```c file=app.c\nint main(void){return 0;}\n```\n\
                  ```text\nnot code\n```\n```\nnone\n```\n```sh no-run needs a token\nx\n```\n\
                  ```sh expect-exit=1\nfalse\n```\n   ```python\n   print(1)\n   ```\n";
        let b = extract(md).unwrap();
        assert_eq!(b.len(), 7);
        assert_eq!(b[0].what, Disposition::Run(Lang::Shell));
        assert_eq!(b[0].code, "echo hi\n");
        assert_eq!(b[0].line, 2);
        assert_eq!(b[1].file.as_deref(), Some("app.c"));
        assert_eq!(b[2].what, Disposition::NotCode);
        assert_eq!(b[3].what, Disposition::NotCode);
        assert_eq!(
            b[4].what,
            Disposition::NoRun {
                lang: "sh".into(),
                reason: "needs a token".into()
            }
        );
        assert_eq!(b[5].expect_exit, Some(1));
        assert_eq!(b[6].code, "print(1)\n");
    }

    #[test]
    fn unknown_languages_and_reasonless_no_run_are_refused() {
        assert!(extract("```ruby\nputs 1\n```\n").is_err());
        assert!(extract("```sh no-run\nx\n```\n").is_err());
        assert!(extract("```sh fast\nx\n```\n").is_err());
        assert!(extract("```sh\nnever closed\n").is_err());
        assert!(extract("```python expect-exit=1\nx\n```\n").is_err());
    }

    #[test]
    fn the_java_class_is_found() {
        assert_eq!(
            java_class("import x;\n\npublic class SignVerify {\n").as_deref(),
            Some("SignVerify")
        );
        assert_eq!(java_class("final class A{").as_deref(), Some("A"));
        assert_eq!(
            java_class("// class Not\nclass Yes {}").as_deref(),
            Some("Yes")
        );
    }
}
