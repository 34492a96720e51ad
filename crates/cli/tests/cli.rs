//! End-to-end tests of the `tokenhound` command: exit codes, formats, redaction, sources and bad
//! input. Each test builds its own tree in a temporary directory.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Fake GitHub classic PATs with valid CRC32 checksums (random; never issued by GitHub).
const GH1: &str = "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";
const GH2: &str = "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";
/// GH1 with its last checksum character changed: not a finding of the GitHub rule.
const GH1_BAD_CHECKSUM: &str = "ghp_OgBn9N15TS0tk3NkWWbGfDbvmbCg532VZJRG";

/// A temporary tree and a command runner, in the spirit of ripgrep's `tests/util.rs`.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        Tree { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokenhound"));
        cmd.current_dir(self.path()).args(args).env_remove("NO_COLOR");
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        Run(self.cmd(args).stdin(Stdio::null()).output().unwrap())
    }
}

struct Run(Output);

impl Run {
    fn code(&self) -> i32 {
        self.0.status.code().expect("exited normally")
    }
    fn stdout(&self) -> String {
        String::from_utf8(self.0.stdout.clone()).unwrap()
    }
    fn stderr(&self) -> String {
        String::from_utf8(self.0.stderr.clone()).unwrap()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.0.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout()))
    }
    #[track_caller]
    fn expect_code(self, code: i32) -> Run {
        assert_eq!(self.code(), code, "stdout:\n{}\nstderr:\n{}", self.stdout(), self.stderr());
        self
    }
}

fn planted() -> Tree {
    let t = Tree::new();
    t.write("src/app.py", format!("import os\n\nTOKEN = \"{GH1}\"\n"));
    t.write("README.md", "# demo\nNothing to see.\n");
    t
}

fn findings(run: &Run) -> Vec<Value> {
    run.json()["findings"].as_array().unwrap().clone()
}

#[test]
fn clean_tree_exits_zero_with_a_summary() {
    let t = Tree::new();
    t.write("main.rs", "fn main() { println!(\"hello\"); }\n");
    let run = t.run(&["scan", "."]).expect_code(0);
    assert_eq!(run.stdout(), "");
    assert!(run.stderr().contains("scanned 1 file"), "{}", run.stderr());
}

#[test]
fn finding_exits_one_with_file_line_column_and_redacted_secret() {
    let t = planted();
    let run = t.run(&["scan", "."]).expect_code(1);
    let out = run.stdout();
    assert!(out.contains("src/app.py:3:10: github.pat-classic"), "{out}");
    assert!(out.contains("ghp_Og…"), "{out}");
    assert!(!out.contains(GH1), "secret printed in full without --show-secrets:\n{out}");
    assert!(!out.contains('\x1b'), "no colour when stdout is not a terminal");

    let shown = t.run(&["scan", "--show-secrets", "."]).expect_code(1);
    assert!(shown.stdout().contains(GH1));
}

#[test]
fn a_wrong_checksum_is_not_a_github_finding() {
    let t = Tree::new();
    t.write("a.py", format!("TOKEN = \"{GH1_BAD_CHECKSUM}\"\n"));
    let run = t.run(&["scan", "-f", "json", "."]);
    assert!(findings(&run).iter().all(|f| f["rule"] != "github.pat-classic"), "{}", run.stdout());
}

#[test]
fn json_format_has_findings_and_stats() {
    let t = planted();
    let run = t.run(&["scan", "-f", "json", "."]).expect_code(1);
    let doc = run.json();
    assert_eq!(doc["version"], 1);
    let f = &findings(&run)[0];
    assert_eq!(f["rule"], "github.pat-classic");
    assert_eq!(f["provider"], "GitHub");
    assert_eq!(f["path"], "./src/app.py");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(3), Some(10)));
    assert_eq!((f["end_line"].as_u64(), f["end_column"].as_u64()), (Some(3), Some(50)));
    assert_eq!(f["secret"], "ghp_Og…");
    assert_eq!(f["checksum"], "valid");
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
    assert_eq!(doc["stats"]["files_scanned"], 2);
    assert_eq!(doc["stats"]["findings"], 1);
}

#[test]
fn jsonl_streams_one_object_per_line() {
    let t = planted();
    t.write("lib/b.py", format!("b = '{GH2}'\n"));
    let run = t.run(&["scan", "-f", "jsonl", "."]).expect_code(1);
    let lines: Vec<Value> =
        run.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    // Deterministic order: walk order (lib/ before src/).
    assert_eq!(lines[0]["path"], "./lib/b.py");
    assert_eq!(lines[1]["path"], "./src/app.py");
}

#[test]
fn sarif_format_is_sarif_2_1_0() {
    let t = planted();
    let run = t.run(&["scan", "-f", "sarif", "."]).expect_code(1);
    let doc = run.json();
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["id"], "github.pat-classic");
    let result = &run0["results"][0];
    assert_eq!(result["ruleIndex"], 0);
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "src/app.py");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 3);
    assert!(result["partialFingerprints"]["tokenhound/v1"].is_string());
    assert!(!run.stdout().contains(GH1));
}

#[test]
fn output_file_receives_the_report() {
    let t = planted();
    t.run(&["scan", "-f", "json", "-o", "report.json", "src"]).expect_code(1);
    let doc: Value =
        serde_json::from_slice(&std::fs::read(t.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn stdin_is_scanned_with_a_dash() {
    let t = Tree::new();
    let mut child = t
        .cmd(&["scan", "-f", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("export GITHUB_TOKEN={GH2}\n").as_bytes())
        .unwrap();
    let run = Run(child.wait_with_output().unwrap()).expect_code(1);
    let f = &findings(&run)[0];
    assert_eq!(f["path"], Value::Null);
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(1), Some(21)));
}

/// A scan that runs longer than a second draws no progress bar when standard error is not a
/// terminal (here a pipe): standard input held open for 1.5 s makes the scan long, and the
/// tree scanned after it calls the progress callback many times past the delay.
#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let t = planted();
    for i in 0..50 {
        t.write(&format!("more/f{i:02}.txt"), "nothing here\n");
    }
    let mut child = t
        .cmd(&["scan", "-", "."])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    stdin.write_all(format!("export GITHUB_TOKEN={GH2}\n").as_bytes()).unwrap();
    drop(stdin);
    let run = Run(child.wait_with_output().unwrap()).expect_code(1);
    let err = run.stderr();
    assert!(err.contains("scanned 53 files"), "{err}");
    assert!(!err.contains("scanning"), "a progress bar on a pipe: {err:?}");
    assert!(!err.contains('\r') && !err.contains('\x1b'), "terminal control on a pipe: {err:?}");
    assert!(run.stdout().contains("-:1:21: github.pat-classic"), "{}", run.stdout());
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let t = planted();
    // Standard output is a pipe here: `auto` gives no colour, with or without NO_COLOR.
    let auto = t.run(&["scan", "src"]).expect_code(1);
    assert!(!auto.stdout().contains('\x1b'), "{}", auto.stdout());
    let always = t.run(&["scan", "--color", "always", "src"]).expect_code(1);
    assert!(always.stdout().contains("\x1b["), "{}", always.stdout());
    let never =
        Run(t.cmd(&["scan", "--color", "never", "src"]).env("NO_COLOR", "1").output().unwrap());
    assert!(!never.stdout().contains('\x1b'), "{}", never.stdout());
    // Colour is for text only.
    let json = t.run(&["scan", "--color", "always", "-f", "json", "src"]).expect_code(1);
    assert!(!json.stdout().contains('\x1b'), "{}", json.stdout());
}

#[test]
fn gitignore_leaves_out_untracked_files_in_a_repository_and_nothing_elsewhere() {
    // Outside a git repository, .gitignore describes nothing: the file is scanned. A `.ignore`
    // file (the project's own excludes) still applies.
    let t = Tree::new();
    t.write(".gitignore", "secrets.txt\n");
    t.write("secrets.txt", format!("{GH1}\n"));
    t.write(".ignore", "vendor/\n");
    t.write("vendor/lib.txt", format!("{GH2}\n"));
    let run = t.run(&["scan", "."]).expect_code(1);
    assert!(run.stdout().contains("secrets.txt:1:1"), "{}", run.stdout());
    assert!(!run.stdout().contains("vendor/lib.txt"), "{}", run.stdout());

    // In a repository: an untracked ignored file is left out, but a file git tracks is in the
    // repository whatever .gitignore says (force-added), and is scanned.
    let git = |args: &[&str]| git_at(&t, args, "2024-01-01T00:00:00Z");
    git(&["init", "-q"]);
    t.write(".gitignore", "secrets.txt\n*.pem\n");
    t.write("deploy/key.pem", format!("{GH2}\n"));
    git(&["add", "-f", "secrets.txt", ".gitignore"]);
    let run = t.run(&["scan", "."]).expect_code(1);
    assert!(run.stdout().contains("secrets.txt:1:1"), "{}", run.stdout());
    assert!(!run.stdout().contains("key.pem"), "{}", run.stdout());
    let all = t.run(&["scan", "--no-ignore", "."]).expect_code(1);
    assert!(all.stdout().contains("key.pem") && all.stdout().contains("vendor/lib.txt"));
}

#[test]
fn hidden_files_are_scanned_and_git_dir_is_not() {
    let t = Tree::new();
    t.write(".env", format!("GITHUB_TOKEN={GH1}\n"));
    t.write(".git/config", format!("token = {GH2}\n"));
    let run = t.run(&["scan", "-f", "json", "."]).expect_code(1);
    let paths: Vec<Value> = findings(&run).iter().map(|f| f["path"].clone()).collect();
    assert_eq!(paths, vec![Value::from("./.env")]);
}

#[test]
fn binary_files_are_skipped_and_counted_unless_asked_for() {
    let t = Tree::new();
    t.write("blob.bin", [b"\x00\x01\x02 ".as_slice(), GH1.as_bytes()].concat());
    let run = t.run(&["scan", "-f", "json", "."]).expect_code(0);
    let stats = &run.json()["stats"];
    assert_eq!(stats["skipped"]["binary"], 1);
    assert_eq!(stats["skipped_files"][0]["reason"], "binary");
    let text = t.run(&["scan", "."]).expect_code(0);
    assert!(text.stderr().contains("skipped 1 (1 binary)"), "{}", text.stderr());
    t.run(&["scan", "--scan-binary", "."]).expect_code(1);
}

#[test]
fn files_over_the_size_limit_are_skipped_and_reported() {
    let t = planted();
    let run = t.run(&["scan", "--max-file-size", "10", "."]).expect_code(0);
    assert!(
        run.stderr().contains("app.py: skipped: larger than the maximum file size"),
        "{}",
        run.stderr()
    );
    t.run(&["scan", "--max-file-size", "10x", "."]).expect_code(2);
}

#[test]
fn unreadable_file_is_an_error_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::new();
    let locked = t.write("locked.txt", format!("{GH2}\n"));
    t.write("open.txt", "nothing\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything; drop to an unprivileged user so the file really is unreadable.
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    let mut cmd = if is_root {
        std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_tokenhound"),
        ]);
        c.current_dir(t.path());
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_tokenhound"))
    };
    cmd.current_dir(t.path()).args(["scan", "."]);
    let run = Run(cmd.output().unwrap()).expect_code(2);
    assert!(run.stderr().contains("locked.txt: permission denied"), "{}", run.stderr());
    assert!(
        run.stderr().contains("scanned 1 file"),
        "the other file is still scanned: {}",
        run.stderr()
    );
}

#[test]
fn broken_symlink_is_reported_and_skipped() {
    let t = planted();
    std::os::unix::fs::symlink(t.path().join("missing"), t.path().join("dangling")).unwrap();
    let run = t.run(&["scan", "-f", "json", "."]).expect_code(1);
    let stats = &run.json()["stats"];
    assert_eq!(stats["skipped"]["broken-symlink"], 1);
    assert!(run.stderr().contains("dangling: skipped: broken symbolic link"), "{}", run.stderr());
}

#[test]
fn nonexistent_path_is_an_error() {
    let t = Tree::new();
    let run = t.run(&["scan", "no-such-dir"]).expect_code(2);
    assert!(run.stderr().contains("no-such-dir: no such file or directory"), "{}", run.stderr());
}

#[test]
fn invalid_utf8_does_not_break_the_scan() {
    let t = Tree::new();
    let mut data = b"caf\xe9 \xff\xfe\n\x80\x81 ".to_vec();
    data.extend_from_slice(format!("token={GH1}\n").as_bytes());
    t.write("latin1.txt", data);
    let run = t.run(&["scan", "-f", "json", "."]).expect_code(1);
    let f = &findings(&run)[0];
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(2), Some(10)));
}

#[test]
fn crlf_line_endings_give_the_same_positions() {
    let t = Tree::new();
    t.write("win.ini", format!("[github]\r\nname = demo\r\ntoken = {GH2}\r\n"));
    let run = t.run(&["scan", "-f", "json", "--show-secrets", "."]).expect_code(1);
    let f = &findings(&run)[0];
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(3), Some(9)));
    assert_eq!(f["secret"], GH2);
}

#[test]
fn a_50_mb_single_line_file_is_scanned() {
    let t = Tree::new();
    let mut data = vec![b'a'; 50 << 20];
    for (i, b) in data.iter_mut().enumerate() {
        if i % 7 == 0 {
            *b = b' ';
        }
    }
    let at = data.len() - 100;
    data[at - 1] = b'=';
    data[at..at + GH1.len()].copy_from_slice(GH1.as_bytes());
    data[at + GH1.len()] = b' ';
    t.write("minified.js", &data);
    let run = t.run(&["scan", "-f", "json", "."]).expect_code(1);
    let f = &findings(&run)[0];
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(1), Some(at as u64 + 1)));
}

#[test]
fn malformed_rule_file_names_file_line_column_and_rule() {
    let t = planted();
    t.write(
        "bad.toml",
        "[[rules]]\nid = \"acme.key\"\nname = \"Acme\"\nprovider = \"Acme\"\nkind = \"api-key\"\nkeywords = [\"acme_\"]\npattern = '''(?P<secret>acme_[a-z'''\n",
    );
    let run = t.run(&["scan", "--rules", "bad.toml", "."]).expect_code(2);
    assert!(
        run.stderr().contains("bad.toml:7:1: rule acme.key: invalid pattern"),
        "{}",
        run.stderr()
    );
    let run = t.run(&["rules", "check", "bad.toml"]).expect_code(2);
    assert!(run.stderr().contains("bad.toml:7:1"), "{}", run.stderr());
}

#[test]
fn custom_rules_are_used_and_checked() {
    let t = Tree::new();
    t.write(
        "acme.toml",
        r#"[[rules]]
id = "acme.key"
name = "Acme key"
provider = "Acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\b(?P<secret>acme_[a-z0-9]{16})\b'''
min_entropy = 3.0
examples = ["key = acme_q8f2k9x0m3n7b1v4", "ACME=acme_z0y9x8w7v6u5t4s3", "{\"k\": \"acme_a1b2c3d4e5f6g7h8\"}"]
negative_examples = ["acme_short", "acme_aaaaaaaaaaaaaaaa", "acme_Q8F2K9X0M3N7B1V4"]
"#,
    );
    t.write("src.txt", "key: acme_q8f2k9x0m3n7b1v4\n");
    let run =
        t.run(&["scan", "--rules", "acme.toml", "--no-builtin-rules", "src.txt"]).expect_code(1);
    assert!(run.stdout().contains("src.txt:1:6: acme.key"), "{}", run.stdout());
    let check = t.run(&["rules", "check", "acme.toml"]).expect_code(0);
    assert!(
        check.stdout().contains("checked 1 rules (1 file(s)): all passed"),
        "{}",
        check.stdout()
    );
    t.run(&[
        "scan",
        "--rules",
        "acme.toml",
        "--disable-rule",
        "acme.key",
        "--no-builtin-rules",
        ".",
    ])
    .expect_code(2);
}

#[test]
fn failing_examples_are_reported_by_rules_check() {
    let t = Tree::new();
    t.write(
        "weak.toml",
        r#"[[rules]]
id = "weak.key"
name = "Weak"
provider = "Weak"
kind = "api-key"
keywords = ["weak_"]
pattern = '''weak_[0-9]{4}'''
examples = ["weak_1234", "weak_12", "weak_9999"]
negative_examples = ["weak_abcd", "weak_5678", "none"]
"#,
    );
    let run = t.run(&["rules", "check", "weak.toml"]).expect_code(1);
    let out = run.stdout();
    assert!(out.contains("weak.toml:1: rule weak.key: example 2 is not found: weak_12"), "{out}");
    assert!(out.contains("rule weak.key: negative example 2 is found: weak_5678"), "{out}");
    assert!(out.contains("1 rules (1 file(s)): 2 problem(s)"), "{out}");
}

#[test]
fn builtin_rules_list_and_check() {
    let t = Tree::new();
    let list = t.run(&["rules", "list", "--format", "json"]).expect_code(0).json();
    let ids: Vec<&str> =
        list.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"github.pat-classic"));
    let run = t.run(&["rules", "check"]).expect_code(0);
    assert!(run.stdout().contains("(built-in rules): all passed"), "{}", run.stdout());
}

#[test]
fn inline_allow_comments_suppress_a_line() {
    let t = Tree::new();
    t.write(
        "a.py",
        format!("a = '{GH1}'  # tokenhound:allow\nb = '{GH2}'  # gitleaks:allow\nc = '{GH1}'  # pragma: allowlist secret\n"),
    );
    // Suppressed, not lost: counted in the summary, listed in JSON and SARIF.
    let run = t.run(&["scan", "."]).expect_code(0);
    assert!(run.stderr().contains("3 suppressed (3 inline allow)"), "{}", run.stderr());
    let doc = t.run(&["scan", "-f", "json", "."]).expect_code(0).json();
    assert_eq!(doc["stats"]["suppressed"], 3);
    let kinds: Vec<_> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["suppression"]["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [(1, "inline"), (2, "inline"), (3, "inline")]);
    let sarif = t.run(&["scan", "-f", "sarif", "."]).expect_code(0).json();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["suppressions"][0]["kind"], "inSource");
    // The inventory leaves them out: declared not to be credentials.
    let inventory = t.run(&["inventory", "-f", "json"]).expect_code(0).json();
    assert_eq!(inventory["totals"]["credentials"], 0);
}

#[test]
fn closed_stdout_ends_quietly() {
    let t = Tree::new();
    let mut big = String::new();
    for _ in 0..20_000 {
        big.push_str(&format!("token = {GH1}\n"));
    }
    t.write("many.txt", big);
    let mut child = t
        .cmd(&["scan", "-f", "jsonl", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert_ne!(status.code(), Some(2), "{stderr}");
}

#[test]
fn help_is_true_to_the_flags() {
    let t = Tree::new();
    let help = t.run(&["scan", "--help"]).expect_code(0).stdout();
    for flag in [
        "--format",
        "--output",
        "--show-secrets",
        "--no-ignore",
        "--scan-binary",
        "--max-file-size",
        "--rules",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    t.run(&["scan", "--format", "xml", "."]).expect_code(2);
}

#[test]
fn docs_rules_md_is_generated_from_the_rules() {
    let t = Tree::new();
    let generated = t.run(&["rules", "list", "--format", "markdown"]).expect_code(0).stdout();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/RULES.md"))
            .unwrap();
    assert!(
        generated == committed,
        "docs/RULES.md is stale: run `cargo run -p tokenhound-cli -- rules list --format markdown > docs/RULES.md`"
    );
    // The README's headline says the same numbers as the generated list.
    let counts = generated.lines().find(|l| l.ends_with(" providers.")).unwrap();
    let counts = counts.trim_end_matches('.').replace(" rules for ", " built-in rules for ");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    assert!(readme.contains(&format!("**{counts}**")), "README.md does not say **{counts}**");
}

// ---- Adoption in CI: config, allowlists, baselines, SARIF suppressions, github, inventory ----

/// A repository-like tree (a `.git` directory marks its root) with two leaks.
fn project() -> Tree {
    let t = Tree::new();
    std::fs::create_dir_all(t.path().join(".git")).unwrap();
    t.write("src/app.py", format!("import os\n\nTOKEN = \"{GH1}\"\n"));
    t.write("deploy/.env", "DATABASE_URL=postgres://app:Vq9xL2mZr8Tk4Pw@db.internal:5432/app\n");
    t
}

#[test]
fn config_is_found_from_a_subdirectory_and_no_config_ignores_it() {
    let t = project();
    t.write("tokenhound.toml", "[[allowlist]]\nreason = \"fake\"\npaths = [\"src/**\"]\n");
    let mut cmd = t.cmd(&["scan", "-f", "json", "."]);
    let run = Run(cmd.current_dir(t.path().join("src")).output().unwrap()).expect_code(0);
    assert_eq!(findings(&run).len(), 0);
    let suppressed = run.json()["suppressed"].as_array().unwrap().clone();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppression"]["kind"], "allowlist");
    assert_eq!(
        suppressed[0]["suppression"]["justification"],
        format!(
            "fake (allowlist entry at {}:1)",
            t.path().canonicalize().unwrap().join("tokenhound.toml").display()
        )
    );

    let mut cmd = t.cmd(&["scan", "--no-config", "."]);
    Run(cmd.current_dir(t.path().join("src")).output().unwrap()).expect_code(1);
    // --config names another file.
    t.write("other.toml", "[[allowlist]]\npaths = [\"/src/\", \"/deploy/\"]\n");
    t.run(&["scan", "--config", "other.toml", "."]).expect_code(0);
}

#[test]
fn config_errors_name_file_line_and_column() {
    let t = project();
    for (text, expected) in [
        ("[scan]\nbinary = true\ncolour = 1\n", "tokenhound.toml:3:1: unknown field `colour`"),
        ("[scan]\nbinary = \"yes\"\n", "tokenhound.toml:2:10: invalid type"),
        ("[[allowlist]]\nsecrets = ['(']\n", "tokenhound.toml:2:12: secrets: invalid regex"),
        (
            "[[allowlist]]\npaths = ['x']\nexpires = \"soon\"\n",
            "tokenhound.toml:3:11: invalid type",
        ),
        (
            "[rules]\ndisable = [\"no.such-rule\"]\n",
            "tokenhound.toml:2:12: disable: no rule has id",
        ),
        ("[[allowlist]]\nreason = \"x\"\n", "tokenhound.toml:1:1: an allowlist entry needs"),
        ("[rules\n", "tokenhound.toml:1:7:"),
    ] {
        t.write("tokenhound.toml", text);
        let run = t.run(&["scan", "."]).expect_code(2);
        assert!(run.stderr().contains(expected), "{text:?}: {}", run.stderr());
        let run = t.run(&["config", "check"]).expect_code(2);
        assert!(run.stderr().contains(expected), "{text:?}: {}", run.stderr());
    }
    t.write("tokenhound.toml", "[scan]\nmax_file_size = \"1M\"\n");
    let run = t.run(&["config", "check"]).expect_code(0);
    assert!(run.stdout().contains("tokenhound.toml: ok"), "{}", run.stdout());
    std::fs::remove_file(t.path().join("tokenhound.toml")).unwrap();
    t.run(&["config", "check"]).expect_code(2);
}

#[test]
fn each_allowlist_kind_suppresses_and_an_expired_entry_does_not() {
    let fp = {
        let t = project();
        findings(&t.run(&["scan", "-f", "json", "src"]))[0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let scoped = "[[allowlist]]\nrules = [\"github.pat-classic\"]\n";
    for (entry, suppressed) in [
        (format!("{scoped}paths = [\"src/*.py\"]\n"), true),
        (format!("{scoped}paths = [\"*.py\"]\n"), true),
        (format!("{scoped}paths = [\"deploy/\"]\n"), false),
        (format!("{scoped}secrets = ['^ghp_OgBn']\n"), true),
        (format!("{scoped}lines = ['^TOKEN = ']\n"), true),
        (format!("{scoped}stopwords = [\"og\"]\n"), true),
        (format!("{scoped}fingerprints = [\"{fp}\"]\n"), true),
        ("[[allowlist]]\nrules = [\"aws.access-key\"]\npaths = [\"src/\"]\n".to_string(), false),
        (format!("{scoped}paths = [\"src/\"]\nexpires = 2999-12-31\n"), true),
        (format!("{scoped}paths = [\"src/\"]\nexpires = 2001-02-03\nreason = \"demo\"\n"), false),
    ] {
        let t = project();
        t.write("tokenhound.toml", &entry);
        let run = t.run(&["scan", "src"]);
        assert_eq!(run.code(), if suppressed { 0 } else { 1 }, "{entry}\n{}", run.stderr());
        if entry.contains("2001") {
            assert!(
                run.stderr().contains(
                    "tokenhound.toml:1: allowlist entry (demo) expired on 2001-02-03: it no longer applies"
                ),
                "{}",
                run.stderr()
            );
        }
        if suppressed {
            assert!(
                run.stderr().contains("0 findings; 1 suppressed (1 allowlist)"),
                "{}",
                run.stderr()
            );
        }
    }
}

#[test]
fn baseline_round_trip_code_motion_new_files_and_byte_identical_rewrite() {
    let t = project();
    let run = t.run(&["scan", "--write-baseline", ".tokenhound-baseline.json"]).expect_code(0);
    assert!(run.stderr().contains("wrote 2 baseline entries"), "{}", run.stderr());
    let first = std::fs::read_to_string(t.path().join(".tokenhound-baseline.json")).unwrap();
    assert!(!first.contains(GH1) && !first.contains("Vq9xL2mZr8Tk4Pw"), "no secrets: {first}");
    assert!(!first.contains("\"line\""), "no line numbers: {first}");
    assert!(first.find("deploy/.env").unwrap() < first.find("src/app.py").unwrap(), "sorted");

    let run = t.run(&["scan", "--baseline", ".tokenhound-baseline.json"]).expect_code(0);
    assert!(run.stdout().is_empty(), "{}", run.stdout());
    assert!(run.stderr().contains("0 findings; 2 suppressed (2 baseline)"), "{}", run.stderr());

    // Moving the secret to another line keeps it baselined.
    t.write(
        "src/app.py",
        format!("import os\nimport sys\n\n\ndef f():\n    pass\n\nTOKEN = \"{GH1}\"\n"),
    );
    t.run(&["scan", "--baseline", ".tokenhound-baseline.json"]).expect_code(0);

    // Re-writing an unchanged baseline gives the same bytes.
    t.run(&[
        "scan",
        "--baseline",
        ".tokenhound-baseline.json",
        "--write-baseline",
        ".tokenhound-baseline.json",
    ])
    .expect_code(0);
    let second = std::fs::read_to_string(t.path().join(".tokenhound-baseline.json")).unwrap();
    assert_eq!(first, second);

    // The same secret pasted into a new file is new.
    t.write("src/copy.py", format!("T = \"{GH1}\"\n"));
    let run =
        t.run(&["scan", "-f", "json", "--baseline", ".tokenhound-baseline.json"]).expect_code(1);
    let new = findings(&run);
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["path"], "./src/copy.py");
    assert_eq!(run.json()["suppressed"].as_array().unwrap().len(), 2);
    assert_eq!(run.json()["stats"]["findings"], 1);
    assert_eq!(run.json()["stats"]["suppressed"], 2);

    // A fixed leak leaves a stale entry: reported, then pruned.
    std::fs::remove_file(t.path().join("src/copy.py")).unwrap();
    std::fs::remove_file(t.path().join("deploy/.env")).unwrap();
    let run = t.run(&["scan", "--baseline", ".tokenhound-baseline.json"]).expect_code(0);
    assert!(
        run.stderr().contains("1 baseline entry in .tokenhound-baseline.json match no finding"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("deploy/.env postgres.connection-uri"), "{}", run.stderr());
    t.run(&["scan", "--baseline", ".tokenhound-baseline.json", "--prune-baseline"]).expect_code(0);
    let pruned = std::fs::read_to_string(t.path().join(".tokenhound-baseline.json")).unwrap();
    assert!(!pruned.contains("deploy/.env") && pruned.contains("src/app.py"), "{pruned}");

    // A malformed baseline is an error with a location.
    t.write("bad.json", "{\n  \"version\": 1,\n  \"findings\": 3\n}\n");
    let run = t.run(&["scan", "--baseline", "bad.json"]).expect_code(2);
    assert!(run.stderr().contains("bad.json:3:"), "{}", run.stderr());
}

/// The stale entries a run reports, as `path rule` lines.
fn stale(run: &Run) -> Vec<String> {
    let err = run.stderr();
    let mut lines = err.lines().skip_while(|l| !l.contains("match no finding"));
    lines.next();
    lines
        .map_while(|l| l.strip_prefix("tokenhound:   "))
        .map(|l| l.rsplit_once(' ').unwrap().0.to_string())
        .collect()
}

#[test]
fn stale_baseline_entries_only_for_what_was_scanned() {
    let t = project();
    t.run(&["scan", "--write-baseline", "base.json"]).expect_code(0);
    let scan = |paths: &[&str]| {
        let args = [&["scan", "--baseline", "base.json"][..], paths].concat();
        t.run(&args).expect_code(0)
    };
    // One directory, one file: the other directory's entry is not stale.
    for paths in [&["src"][..], &["src/app.py"], &["./deploy"], &[]] {
        let run = scan(paths);
        assert!(stale(&run).is_empty(), "{paths:?}: {}", run.stderr());
        assert!(!run.stderr().contains("match no finding"), "{paths:?}: {}", run.stderr());
    }

    // A deleted file's entry is stale when a scan covers where it was, and only then.
    std::fs::remove_file(t.path().join("deploy/.env")).unwrap();
    assert!(stale(&scan(&["src"])).is_empty());
    assert_eq!(stale(&scan(&["deploy"])), ["deploy/.env postgres.connection-uri"]);
    let run = scan(&[]);
    assert_eq!(stale(&run), ["deploy/.env postgres.connection-uri"]);
    assert!(run.stderr().contains("1 baseline entry in base.json match no finding"));

    // A fixed leak in a file that was scanned is stale.
    t.write("src/app.py", "import os\n");
    assert_eq!(stale(&scan(&["src/app.py"])), ["src/app.py github.pat-classic"]);

    // A file the scan leaves out is not stale, though it lies under what was scanned.
    t.write("deploy/.env", "DATABASE_URL=postgres://app:Vq9xL2mZr8Tk4Pw@db.internal:5432/app\n");
    t.write(".gitignore", "deploy/\n");
    t.write("src/app.py", "import os\n");
    assert_eq!(stale(&scan(&[])), ["src/app.py github.pat-classic"]);
}

#[test]
fn prune_baseline_keeps_entries_outside_the_scan() {
    let t = project();
    t.write("lib/k.py", format!("K = \"{GH2}\"\n"));
    t.run(&["scan", "--write-baseline", "base.json"]).expect_code(0);
    let entries = || {
        let text = std::fs::read_to_string(t.path().join("base.json")).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let list = doc["findings"].as_array().unwrap().iter();
        list.map(|e| e["path"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(entries(), ["deploy/.env", "lib/k.py", "src/app.py"]);

    // The leak in src is fixed and lib's file deleted; pruning over src drops src's entry only.
    t.write("src/app.py", "import os\n");
    std::fs::remove_file(t.path().join("lib/k.py")).unwrap();
    let run = t.run(&["scan", "--baseline", "base.json", "--prune-baseline", "src"]).expect_code(0);
    assert!(run.stderr().contains("pruned 1 stale entry from base.json"), "{}", run.stderr());
    assert_eq!(entries(), ["deploy/.env", "lib/k.py"]);

    // Over the whole tree, the deleted file's entry goes; the ignored directory's stays.
    t.write(".gitignore", "deploy/\n");
    let run = t.run(&["scan", "--baseline", "base.json", "--prune-baseline"]).expect_code(0);
    assert!(run.stderr().contains("pruned 1 stale entry from base.json"), "{}", run.stderr());
    assert_eq!(entries(), ["deploy/.env"]);
}

#[test]
fn stale_baseline_entries_in_git_scans() {
    let t = Tree::new();
    let git = |args: &[&str]| git_at(&t, args, "2024-01-01T00:00:00Z");
    git(&["init", "-q"]);
    t.write("a.py", format!("import os\nA = \"{GH1}\"\n"));
    t.write("b.py", format!("B = \"{GH2}\"\n"));
    git(&["add", "-A"]);
    git(&["commit", "-qm", "one"]);
    // A baseline of the work tree while a.py also held GH2 and an untracked file held GH1.
    t.write("a.py", format!("import os\nA = \"{GH1}\"\nC = \"{GH2}\"\n"));
    t.write("c.py", format!("C = \"{GH1}\"\n"));
    t.run(&["scan", "--write-baseline", "base.json"]).expect_code(0);
    t.write("a.py", format!("import os\nA = \"{GH1}\"\n"));
    std::fs::remove_file(t.path().join("c.py")).unwrap();
    let base = std::fs::read_to_string(t.path().join("base.json")).unwrap();
    assert_eq!(base.matches("\"path\"").count(), 4, "{base}");

    // The whole history: a.py never held GH2 there, so that entry is stale; c.py was never
    // in the history, so its entry is out of scope.
    let run = t.run(&["scan", "--git", "--baseline", "base.json"]).expect_code(0);
    assert_eq!(stale(&run), ["a.py github.pat-classic"]);

    // Part of the history: nothing is stale, and nothing is pruned.
    t.write("b.py", "B = None\n");
    git(&["commit", "-qam", "two"]);
    let run = t
        .run(&["scan", "--git", "--range", "HEAD~1..HEAD", "--baseline", "base.json"])
        .expect_code(0);
    assert!(stale(&run).is_empty(), "{}", run.stderr());
    let run = t
        .run(&["scan", "--git", "--branch", "HEAD", "--baseline", "base.json", "--prune-baseline"])
        .expect_code(0);
    assert!(run.stderr().contains("nothing pruned"), "{}", run.stderr());
    assert_eq!(std::fs::read_to_string(t.path().join("base.json")).unwrap(), base);

    // A staged change: a file whose baselined secret sits on an unchanged line is not stale, a
    // file whose secret the change removes is, and files outside the change are not.
    t.write("a.py", format!("import os\nimport sys\nA = \"{GH1}\"\n"));
    t.write("b.py", format!("B = \"{GH2}\"\n"));
    git(&["commit", "-qam", "three"]);
    t.write("a.py", format!("import os\nimport re\nA = \"{GH1}\"\n"));
    t.write("b.py", "B = None\n");
    git(&["add", "a.py", "b.py"]);
    let run = t.run(&["scan", "--staged", "--baseline", "base.json"]).expect_code(0);
    assert_eq!(stale(&run), ["b.py github.pat-classic"]);
}

#[test]
fn sarif_marks_baselined_and_allowlisted_results_as_suppressed() {
    let t = project();
    t.run(&["scan", "--write-baseline", "base.json", "src"]).expect_code(0);
    t.write("tokenhound.toml", "[[allowlist]]\nreason = \"docs example\"\npaths = [\"deploy/\"]\n");
    t.write("new.py", format!("K = \"{GH2}\"\n"));
    let run = t.run(&["scan", "-f", "sarif", "--baseline", "base.json"]).expect_code(1);
    let doc = run.json();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let by_uri = |uri: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri)
            .unwrap()
            .clone()
    };
    let app = by_uri("src/app.py");
    assert_eq!(app["baselineState"], "unchanged");
    assert_eq!(app["suppressions"][0]["kind"], "external");
    assert_eq!(app["suppressions"][0]["justification"], "recorded in the baseline base.json");
    let env = by_uri("deploy/.env");
    assert_eq!(env["baselineState"], "new");
    assert!(env["suppressions"][0]["justification"].as_str().unwrap().starts_with("docs example"));
    let new = by_uri("new.py");
    assert_eq!(new["baselineState"], "new");
    assert!(new.get("suppressions").is_none());
}

#[test]
fn github_format_prints_workflow_commands() {
    let t = project();
    let run = t.run(&["scan", "-f", "github", "src"]).expect_code(1);
    let out = run.stdout();
    assert!(
        out.starts_with("::error file=src/app.py,line=3,col=10,endLine=3,endColumn=50,title=tokenhound%3A github.pat-classic::GitHub personal access token (classic) (GitHub, high confidence): ghp_Og… (fingerprint "),
        "{out}"
    );
    assert!(!out.contains(GH1));
}

#[test]
fn summary_counts_findings_by_confidence() {
    let t = project();
    let run = t.run(&["scan", "."]).expect_code(1);
    assert!(run.stderr().contains(": 2 findings (1 high, 1 medium)"), "{}", run.stderr());
}

/// Compares with an expected file in tests/expected/, or writes it when `UPDATE_EXPECTED` is set.
#[track_caller]
fn expect_file(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expected").join(name);
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(actual, expected, "{name} differs (UPDATE_EXPECTED=1 rewrites it)");
}

fn inventory_tree() -> Tree {
    let t = project();
    t.write("src/settings.py", format!("GITHUB_TOKEN = \"{GH1}\"\nOTHER = \"{GH2}\"\n"));
    t.write("tests/fixture.env", format!("# allowlisted: not a credential\nT={GH2}\n"));
    t.write("tokenhound.toml", "[[allowlist]]\nreason = \"fixtures\"\npaths = [\"tests/\"]\n");
    t
}

#[test]
fn inventory_in_every_format() {
    let t = inventory_tree();
    for (format, file) in
        [("text", "inventory.txt"), ("json", "inventory.json"), ("markdown", "inventory.md")]
    {
        let run = t.run(&["inventory", "-f", format]).expect_code(0);
        let out = run.stdout().replace(env!("CARGO_PKG_VERSION"), "VERSION");
        assert!(!out.contains(GH1) && !out.contains(GH2) && !out.contains("Vq9xL2mZr8Tk4Pw"));
        expect_file(file, &out);
    }
}

#[test]
fn a_pull_request_range_is_blamed_only_for_the_secrets_it_added() {
    let t = Tree::new();
    let git = |args: &[&str]| git_at(&t, args, "2024-01-01T00:00:00Z");
    git(&["init", "-q", "-b", "main"]);
    // On main: a .env that already leaks a token and a database password.
    t.write(".env", format!("A={GH1}\nDATABASE_URL=postgres://app:Vq9xL2mZr8Tk4Pw@db:5432/app\n"));
    t.write("app.py", "print('hello')\n");
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    // The pull request: one harmless line appended to the leaky file, a new leak in another.
    git(&["checkout", "-qb", "feature"]);
    t.write(
        ".env",
        format!("A={GH1}\nDATABASE_URL=postgres://app:Vq9xL2mZr8Tk4Pw@db:5432/app\nY=2\n"),
    );
    t.write("app.py", format!("print('hello')\nTOKEN = \"{GH2}\"\n"));
    git(&["commit", "-qam", "feature"]);

    let run = t.run(&["scan", "--git", "--range", "main..feature", "-f", "json"]).expect_code(1);
    let doc = run.json();
    let found: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["rule"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(found, [("app.py".to_string(), "github.pat-classic".to_string())]);
    let existing: Vec<_> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["suppression"]["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(existing, [(".env", "existing"), (".env", "existing")]);

    // Only the old leaks: a range that touched the file but added nothing passes.
    git(&["checkout", "-q", "main"]);
    git(&["checkout", "-qb", "harmless"]);
    t.write(
        ".env",
        format!("A={GH1}\nDATABASE_URL=postgres://app:Vq9xL2mZr8Tk4Pw@db:5432/app\nZ=3\n"),
    );
    git(&["commit", "-qam", "harmless"]);
    let run = t.run(&["scan", "--git", "--range", "main..harmless"]).expect_code(0);
    assert!(run.stderr().contains("2 already there before the range"), "{}", run.stderr());
    // Unless asked: then every secret in what the range touched fails it.
    let run =
        t.run(&["scan", "--git", "--range", "main..harmless", "--fail-on-existing", "-f", "json"]);
    assert_eq!(run.code(), 1);
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 2);
    // The whole history is not a range: the secrets are findings, attributed to their commit.
    let run = t.run(&["scan", "--git", "-f", "json"]).expect_code(1);
    assert!(run.json()["suppressed"].as_array().is_none_or(|s| s.is_empty()));
}

/// Runs git in `t` with a fixed identity and date, and no user or system config.
fn git_at(t: &Tree, args: &[&str], date: &str) -> String {
    let out = Command::new("git")
        .current_dir(t.path())
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "Ann")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Ann")
        .env("GIT_COMMITTER_EMAIL", "ann@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn inventory_of_history_names_first_and_last_commit() {
    let t = Tree::new();
    let git = |args: &[&str], date: &str| git_at(&t, args, date);
    git(&["init", "-q"], "2024-01-01T00:00:00Z");
    t.write("a.py", format!("T = \"{GH1}\"\n"));
    git(&["add", "-A"], "2024-01-01T00:00:00Z");
    git(&["commit", "-qm", "one"], "2024-01-01T00:00:00Z");
    let first = git(&["rev-parse", "HEAD"], "2024-01-01T00:00:00Z");
    t.write("b.py", format!("T = \"{GH1}\"\n"));
    git(&["add", "-A"], "2024-02-01T00:00:00Z");
    git(&["commit", "-qm", "two"], "2024-02-01T00:00:00Z");
    let last = git(&["rev-parse", "HEAD"], "2024-02-01T00:00:00Z");
    let run = t.run(&["inventory", "--git", "-f", "json"]).expect_code(0);
    let doc = run.json();
    let item = &doc["groups"][0]["items"][0];
    assert_eq!(doc["totals"]["credentials"], 1);
    assert_eq!(item["locations"], 2);
    assert_eq!(item["files"], serde_json::json!(["a.py", "b.py"]));
    assert_eq!(item["first_commit"]["id"], first.as_str());
    assert_eq!(item["last_commit"]["id"], last.as_str());
}

#[test]
fn inventory_of_history_follows_a_secret_kept_through_later_edits() {
    let t = Tree::new();
    let git = |args: &[&str], date: &str| git_at(&t, args, date);
    git(&["init", "-q"], "2024-01-01T00:00:00Z");
    let mut ids = Vec::new();
    for (n, date) in ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"]
        .into_iter()
        .enumerate()
    {
        // The same key in the same file, which each commit edits elsewhere.
        t.write(".env", format!("T={GH1}\nN={n}\n"));
        git(&["add", "-A"], date);
        git(&["commit", "-qm", &format!("edit {n}")], date);
        ids.push(git(&["rev-parse", "HEAD"], date));
    }
    let scan = t.run(&["scan", "--git", "-f", "json"]).expect_code(1).json();
    let git_fields = &scan["findings"][0]["git"];
    assert_eq!(
        (git_fields["commit"].as_str(), git_fields["commits"].as_u64()),
        (Some(&*ids[0]), Some(3))
    );
    assert_eq!(git_fields["last_commit"], ids[2].as_str());
    let doc = t.run(&["inventory", "--git", "-f", "json"]).expect_code(0).json();
    let item = &doc["groups"][0]["items"][0];
    assert_eq!(item["first_commit"]["id"], ids[0].as_str());
    assert_eq!(item["last_commit"]["id"], ids[2].as_str());
    let text = t.run(&["inventory", "--git"]).expect_code(0).stdout();
    assert!(text.contains(&format!("{}..{}", &ids[0][..12], &ids[2][..12])), "{text}");
}

#[test]
fn a_report_that_cannot_be_written_stops_the_scan_with_exit_code_two() {
    if !Path::new("/dev/full").exists() {
        return; // Not Linux: no device that fails every write.
    }
    let tree = Tree::new();
    // Enough findings that the report's buffer is written during the scan, not only at its end.
    let many: String = (0..2000).map(|i| format!("t{i} = \"{GH1}\"\n")).collect();
    tree.write("many.py", many);
    tree.write("one.py", format!("t = \"{GH2}\"\n"));
    for args in [&["scan", "-o", "/dev/full", "."][..], &["scan", "-o", "/dev/full", "one.py"]] {
        let run = tree.run(args);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(run.stderr().contains("cannot write the report"), "{}", run.stderr());
        assert!(run.stderr().contains("no space left on device"), "{}", run.stderr());
    }
}

#[test]
fn a_user_rule_that_parses_but_cannot_be_built_fails_at_load_with_its_location() {
    let tree = Tree::new();
    tree.write("a.txt", "nothing\n");
    // Valid syntax, but its NFA is far over the size limit.
    tree.write(
        "huge.toml",
        "[[rules]]\nid = \"acme.huge\"\nname = \"Huge\"\nprovider = \"Acme\"\nkind = \"api-key\"\n\
         keywords = [\"acme\"]\npattern = '''acme(?:[a-z0-9]{1000}){1000}'''\n",
    );
    let run = tree.run(&["scan", "--rules", "huge.toml", "."]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let err = run.stderr();
    assert!(err.contains("huge.toml:1: rule acme.huge: cannot build the rule"), "{err}");
}

#[test]
fn every_format_prints_the_summary_and_the_next_steps_to_standard_error_unless_quiet() {
    let tree = Tree::new();
    tree.write("app.py", format!("T = \"{GH1}\"\n"));
    for format in ["text", "json", "jsonl", "sarif", "github"] {
        let run = tree.run(&["scan", "-f", format, "-o", "report.out", "."]);
        assert_eq!(run.code(), 1, "{format}");
        let err = run.stderr();
        assert!(err.contains("tokenhound: scanned "), "{format}: {err}");
        assert!(err.contains("tokenhound: next: rotate or revoke"), "{format}: {err}");
        assert!(err.contains("--write-baseline"), "{format}: {err}");
        let quiet = tree.run(&["scan", "-q", "-f", format, "-o", "report.out", "."]);
        assert_eq!((quiet.code(), quiet.stderr()), (1, String::new()), "{format}");
    }
    let text = tree.run(&["scan", "."]);
    assert!(text.stdout().contains("rotate or revoke it: https://"), "{}", text.stdout());
    let clean = Tree::new();
    clean.write("a.txt", "nothing\n");
    assert!(!clean.run(&["scan", "."]).stderr().contains("next:"), "no advice without findings");
}

#[test]
fn verbose_names_skipped_binary_files() {
    let tree = Tree::new();
    tree.write("blob.bin", b"\0\x01binary");
    tree.write("a.txt", "nothing\n");
    let plain = tree.run(&["scan", "."]).expect_code(0);
    assert!(!plain.stderr().contains("blob.bin"), "{}", plain.stderr());
    assert!(plain.stderr().contains("skipped 1 (1 binary)"), "{}", plain.stderr());
    let verbose = tree.run(&["scan", "-v", "."]).expect_code(0);
    assert!(verbose.stderr().contains("blob.bin: skipped: binary file"), "{}", verbose.stderr());
}

#[test]
fn the_repository_scans_clean_with_its_own_config() {
    // The README's first command, in this checkout: its tokenhound.toml allowlists the fake
    // credentials of rule examples, tests and docs, with reasons, so nothing is reported.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if !root.join(".git").exists() {
        return; // A packaged crate, not the repository.
    }
    let out = Command::new(env!("CARGO_BIN_EXE_tokenhound"))
        .current_dir(&root)
        .args(["scan", "-f", "json", "."])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{} {}", f["path"], f["line"], f["rule"]))
        .collect();
    assert_eq!(out.status.code(), Some(0), "{found:#?}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(doc["stats"]["suppressed"].as_u64().unwrap() > 1000, "the rule examples were scanned");
}

#[test]
fn min_confidence_hides_and_counts_what_is_below_it() {
    let t = project();
    // A sample password bound to a secret name: a low-confidence generic finding.
    t.write("src/db.py", "DB_PASSWORD = \"Qm7-house-Blue-2\"\n");
    let run = t.run(&["scan", "-f", "json", "src/db.py"]).expect_code(0);
    let doc = run.json();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["stats"]["below_threshold"], 1, "{doc}");
    let run = t.run(&["scan", "--min-confidence", "low", "-f", "json", "src/db.py"]).expect_code(1);
    let doc = run.json();
    let finding = &doc["findings"][0];
    assert_eq!(finding["confidence"], "low");
    assert!(finding["confidence_reasons"].as_array().unwrap().contains(&"dictionary-word".into()));
    assert_eq!(doc["stats"]["below_threshold"], 0);
    let run = t.run(&["scan", "src/db.py"]).expect_code(0);
    assert!(run.stderr().contains("1 below the confidence threshold"), "{}", run.stderr());
}
