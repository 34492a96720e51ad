//! The bad-input matrix: one row per kind of hostile or broken input, each with the result it must
//! give (findings, a counted skip with its reason, or a clear error), never a panic, a hang or a
//! silent skip. Every row runs the `tokenhound` command under a watchdog; rows whose tree scans
//! with default options also run through the library, which must agree with the command.
//!
//! Decisions these rows pin down (see the README's "Hostile input" section):
//! - UTF-16 text with a byte-order mark is transcoded to UTF-8 and scanned (up to the chunk size,
//!   8 MiB; a larger UTF-16 file is skipped as binary).
//! - A file over `--max-file-size` (100 MiB by default) is skipped and counted; under a raised
//!   limit a large file is read in 8 MiB chunks, so memory stays bounded, and a file truncated
//!   mid-scan is simply shorter (files are never memory-mapped, so there is no SIGBUS).
//! - FIFOs, sockets and devices, in a tree or named on the command line, are skipped as
//!   `not-a-file` without being read (opened with `O_NONBLOCK` and checked first).
//! - A malformed `tokenhound.toml` (found walking up, or named with `--config`) or baseline
//!   (`--baseline`) stops the command before it scans: exit code 2 and one line naming the file,
//!   and the line and column where the text is at fault.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A fake GitHub classic PAT with a valid CRC32 checksum.
const GH1: &str = "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";
/// No row may take longer than this: a hang fails the row instead of the whole CI job.
const WATCHDOG: Duration = Duration::from_secs(60);

/// What a row must produce.
struct Expect {
    code: i32,
    findings: u64,
    /// Skips by reason, as in the JSON report's `stats.skipped`.
    skipped: &'static [(&'static str, u64)],
    /// Per-file errors counted in `stats.errors`.
    errors: u64,
    /// Text standard error must contain ("" for no check).
    stderr: &'static str,
}

const fn found(n: u64) -> Expect {
    Expect { code: if n > 0 { 1 } else { 0 }, findings: n, skipped: &[], errors: 0, stderr: "" }
}

const fn skipped(reason: &'static [(&'static str, u64)]) -> Expect {
    Expect { code: 0, findings: 0, skipped: reason, errors: 0, stderr: "" }
}

/// A usage or rule error: exit code 2 and a message, no report.
const fn fails(stderr: &'static str) -> Expect {
    Expect { code: 2, findings: 0, skipped: &[], errors: 0, stderr }
}

struct Row {
    name: &'static str,
    /// Builds the row's input under the directory given; returns the arguments after `scan`.
    setup: fn(&Path) -> Vec<String>,
    expect: Expect,
    /// Also scan the directory through the library with default options and compare.
    library: bool,
}

fn write(dir: &Path, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A file of `len` bytes whose first bytes are `head` and last bytes `tail`, sparse in between
/// (zeros that take no disk space; they are past the 8 KiB binary probe).
fn sparse(path: &Path, head: &[u8], len: u64, tail: &[u8]) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(head).unwrap();
    f.set_len(len).unwrap();
    f.seek(SeekFrom::Start(len - tail.len() as u64)).unwrap();
    f.write_all(tail).unwrap();
}

/// Eight KiB of text, so that a sparse file is not taken for binary.
fn text_head() -> Vec<u8> {
    b"some text\n".repeat(820)
}

fn utf16(text: &str, little: bool) -> Vec<u8> {
    let mut out = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
    for unit in text.encode_utf16() {
        out.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
    }
    out
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            name: "binary file (NUL in the first 8 KiB) is skipped",
            setup: |d| {
                write(d, "blob.bin", [b"\x00\x01".as_slice(), GH1.as_bytes()].concat());
                args(&["."])
            },
            expect: skipped(&[("binary", 1)]),
            library: true,
        },
        Row {
            name: "binary file is scanned with --scan-binary",
            setup: |d| {
                write(d, "blob.bin", [b"\x00\x01 ".as_slice(), GH1.as_bytes()].concat());
                args(&["--scan-binary", "."])
            },
            expect: found(1),
            library: false,
        },
        Row {
            name: "invalid UTF-8 around a secret",
            setup: |d| {
                write(
                    d,
                    "latin1.txt",
                    [b"caf\xe9 \xff\xfe\x80 key=".as_slice(), GH1.as_bytes()].concat(),
                );
                args(&["."])
            },
            expect: found(1),
            library: true,
        },
        Row {
            name: "UTF-16 LE with a BOM is transcoded and scanned",
            setup: |d| {
                write(d, "win.ps1", utf16(&format!("$token = \"{GH1}\"\r\n"), true));
                args(&["."])
            },
            expect: found(1),
            library: true,
        },
        Row {
            name: "UTF-16 BE with a BOM is transcoded and scanned",
            setup: |d| {
                write(d, "be.txt", utf16(&format!("token = {GH1}\n"), false));
                args(&["."])
            },
            expect: found(1),
            library: true,
        },
        Row {
            name: "1 GiB sparse file is skipped as too large by default",
            setup: |d| {
                sparse(&d.join("huge.log"), &text_head(), 1 << 30, GH1.as_bytes());
                args(&["."])
            },
            expect: skipped(&[("too-large", 1)]),
            library: true,
        },
        Row {
            name: "1 GiB sparse file is scanned in chunks under a raised limit",
            setup: |d| {
                let tail = format!("\ntoken={GH1}\n");
                sparse(&d.join("huge.log"), &text_head(), 1 << 30, tail.as_bytes());
                args(&["--max-file-size", "2G", "."])
            },
            expect: found(1),
            library: false,
        },
        Row {
            name: "100 MiB single line with a secret at its end",
            setup: |d| {
                let mut line = vec![b'a'; 100 << 20];
                let secret = format!(" {GH1}");
                let at = line.len() - secret.len();
                line[at..].copy_from_slice(secret.as_bytes());
                write(d, "minified.js", line);
                args(&["."])
            },
            expect: found(1),
            library: true,
        },
        Row {
            name: "directory of 100,000 small files",
            setup: |d| {
                for i in 0..100_000 {
                    let name = format!("d{:03}/f{i:06}.txt", i % 256);
                    if i == 0 {
                        std::fs::create_dir_all(d.join("d000")).unwrap();
                    }
                    if i < 256 {
                        std::fs::create_dir_all(d.join(format!("d{i:03}"))).unwrap();
                    }
                    let body = if i == 77_777 { format!("t={GH1}\n") } else { "x = 1\n".into() };
                    std::fs::write(d.join(name), body).unwrap();
                }
                args(&["."])
            },
            expect: found(1),
            library: true,
        },
        Row {
            name: "deeply nested directories (1,000 levels)",
            setup: |d| {
                let mut rel = PathBuf::new();
                for _ in 0..1000 {
                    rel.push("d");
                }
                write(d, rel.join("deep.txt"), format!("t={GH1}\n"));
                args(&["."])
            },
            expect: found(1),
            library: true,
        },
        Row {
            name: "non-UTF-8 file name",
            setup: |d| {
                write(d, OsStr::from_bytes(b"caf\xe9-\xff.env"), format!("T={GH1}\n"));
                args(&["."])
            },
            expect: found(1),
            library: true,
        },
        Row {
            name: "symbolic link loop is a counted skip",
            setup: |d| {
                std::os::unix::fs::symlink(d.join("b"), d.join("a")).unwrap();
                std::os::unix::fs::symlink(d.join("a"), d.join("b")).unwrap();
                args(&["."])
            },
            expect: skipped(&[("broken-symlink", 2)]),
            library: true,
        },
        Row {
            name: "directory link loop with --follow-links is a counted error",
            setup: |d| {
                write(d, "sub/ok.txt", "fine\n");
                std::os::unix::fs::symlink("..", d.join("sub/up")).unwrap();
                args(&["--follow-links", "."])
            },
            expect: Expect {
                code: 2,
                findings: 0,
                skipped: &[],
                errors: 1,
                stderr: "symbolic link loop",
            },
            library: false,
        },
        Row {
            name: "FIFO in the tree is skipped, not opened",
            setup: |d| {
                mkfifo(&d.join("pipe"));
                write(d, "ok.txt", format!("t={GH1}\n"));
                args(&["."])
            },
            expect: Expect { skipped: &[("not-a-file", 1)], ..found(1) },
            library: true,
        },
        Row {
            name: "FIFO named on the command line does not block",
            setup: |d| {
                mkfifo(&d.join("pipe"));
                args(&["pipe"])
            },
            expect: skipped(&[("not-a-file", 1)]),
            library: false,
        },
        Row {
            name: "device file named on the command line is skipped",
            setup: |_| args(&["/dev/zero"]),
            expect: skipped(&[("not-a-file", 1)]),
            library: false,
        },
        Row {
            name: "permission denied is a counted error; the scan goes on",
            setup: |d| {
                use std::os::unix::fs::PermissionsExt;
                let locked = write(d, "locked.txt", format!("{GH1}\n"));
                write(d, "open.txt", format!("t={GH1}\n"));
                std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
                std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
                args(&["."])
            },
            // Exit 1, not 2: a finding outranks an unreadable file.
            expect: Expect {
                code: 1,
                findings: 1,
                skipped: &[],
                errors: 1,
                stderr: "locked.txt: permission denied",
            },
            library: false,
        },
        Row {
            name: "path that does not exist is a counted error",
            setup: |_| args(&["gone.txt"]),
            expect: Expect {
                code: 2,
                findings: 0,
                skipped: &[],
                errors: 1,
                stderr: "gone.txt: no such file or directory",
            },
            library: false,
        },
        Row {
            name: "malformed rule file: TOML syntax error names file and line",
            setup: |d| {
                write(d, "bad.toml", "[[rules]]\nid = \"acme.key\nkeywords = [\"acme\"]\n");
                args(&["--rules", "bad.toml", "."])
            },
            expect: fails("bad.toml:2"),
            library: false,
        },
        Row {
            name: "malformed rule file: not UTF-8",
            setup: |d| {
                write(d, "bad.toml", b"\xff\xfe\x00garbage");
                args(&["--rules", "bad.toml", "."])
            },
            expect: fails("bad.toml:1:1: rule file is not UTF-8 text\n"),
            library: false,
        },
        Row {
            name: "malformed rule file: a pattern that does not compile names the rule",
            setup: |d| {
                write(
                    d,
                    "bad.toml",
                    "[[rules]]\nid = \"acme.key\"\nname = \"Acme key\"\nprovider = \"Acme\"\n\
                     kind = \"api-key\"\nkeywords = [\"acme\"]\npattern = \"acme_(?P<secret>[a-z\"\n",
                );
                args(&["--rules", "bad.toml", "."])
            },
            expect: fails("rule acme.key: invalid pattern"),
            library: false,
        },
        Row {
            name: "missing rule file",
            setup: |_| args(&["--rules", "nowhere.toml", "."]),
            expect: fails("nowhere.toml"),
            library: false,
        },
        Row {
            name: "malformed config file: TOML syntax error names file, line and column",
            setup: |d| {
                with_secret(d);
                write(d, "tokenhound.toml", "[scan]\nbinary = true\n[[allowlist]\n");
                args(&["."])
            },
            expect: fails("tokenhound.toml:3:13: unclosed array table, expected `]`\n"),
            library: false,
        },
        Row {
            name: "malformed config file: an unknown key",
            setup: |d| {
                with_secret(d);
                write(d, "tokenhound.toml", "[scan]\ncolour = 1\n");
                args(&["."])
            },
            expect: fails("tokenhound.toml:2:1: unknown field `colour`, expected one of"),
            library: false,
        },
        Row {
            name: "malformed config file: a value of the wrong type",
            setup: |d| {
                with_secret(d);
                write(d, "tokenhound.toml", "[scan]\nbinary = \"yes\"\n");
                args(&["."])
            },
            expect: fails(
                "tokenhound.toml:2:10: invalid type: string \"yes\", expected a boolean\n",
            ),
            library: false,
        },
        Row {
            name: "config naming /dev/zero as a rule file: an error, not exhausted memory",
            setup: |d| {
                with_secret(d);
                write(d, "tokenhound.toml", "[rules]\nfiles = [\"/dev/zero\"]\n");
                args(&["."])
            },
            expect: fails("/dev/zero: rule file is larger than 64 MiB\n"),
            library: false,
        },
        Row {
            name: "malformed config file: not UTF-8",
            setup: |d| {
                with_secret(d);
                write(d, "tokenhound.toml", b"[scan]\nbinary = true # caf\xe9\n");
                args(&["."])
            },
            expect: fails("tokenhound.toml:2:20: config file is not UTF-8 text\n"),
            library: false,
        },
        Row {
            name: "missing config file named with --config",
            setup: |d| {
                with_secret(d);
                args(&["--config", "nowhere.toml", "."])
            },
            expect: fails(
                "tokenhound: error: nowhere.toml: cannot read config file: no such file or directory\n",
            ),
            library: false,
        },
        Row {
            name: "malformed baseline: invalid JSON names file, line and column",
            setup: |d| {
                with_secret(d);
                write(
                    d,
                    "base.json",
                    "{\n  \"version\": 1,\n  \"tool\": \"tokenhound\",\n  \"findings\": [,]\n}\n",
                );
                args(&["--baseline", "base.json", "."])
            },
            expect: fails("tokenhound: error: base.json:4:16: invalid baseline: expected value\n"),
            library: false,
        },
        Row {
            name: "malformed baseline: an empty file",
            setup: |d| {
                with_secret(d);
                write(d, "base.json", "");
                args(&["--baseline", "base.json", "."])
            },
            expect: fails("base.json:1:1: invalid baseline: EOF while parsing a value\n"),
            library: false,
        },
        Row {
            name: "malformed baseline: an unknown field",
            setup: |d| {
                with_secret(d);
                write(
                    d,
                    "base.json",
                    "{\"version\": 1, \"tool\": \"t\", \"findings\": [], \"x\": 0}",
                );
                args(&["--baseline", "base.json", "."])
            },
            expect: fails("base.json:1:47: invalid baseline: unknown field `x`"),
            library: false,
        },
        Row {
            name: "malformed baseline: an unsupported version",
            setup: |d| {
                with_secret(d);
                write(d, "base.json", "{\"version\": 2, \"tool\": \"t\", \"findings\": []}");
                args(&["--baseline", "base.json", "."])
            },
            expect: fails("base.json: unsupported baseline version 2\n"),
            library: false,
        },
        Row {
            name: "missing baseline file",
            setup: |d| {
                with_secret(d);
                args(&["--baseline", "nowhere.json", "."])
            },
            expect: fails(
                "tokenhound: error: nowhere.json: cannot read baseline: no such file or directory\n",
            ),
            library: false,
        },
    ]
}

/// A finding to be had, so that a row whose config or baseline were ignored would exit with 1.
fn with_secret(dir: &Path) {
    write(dir, "app.py", format!("TOKEN = \"{GH1}\"\n"));
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// Waits for `child` under the watchdog; kills it and fails the row if it hangs.
fn wait(mut child: Child, name: &str) -> std::process::Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            panic!("{name}: still running after {WATCHDOG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The command for a row: as an unprivileged user when running as root, since root reads
/// files whatever their permissions.
fn command(dir: &Path, unprivileged: bool) -> Command {
    let bin = env!("CARGO_BIN_EXE_tokenhound");
    let mut cmd = if unprivileged && is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin]);
        c
    } else {
        Command::new(bin)
    };
    cmd.current_dir(dir).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn check_row(row: &Row) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let args = (row.setup)(dir.path());
    let unprivileged = row.name.starts_with("permission denied");
    let run = |format: &str| {
        let child = command(dir.path(), unprivileged)
            .arg("scan")
            .args(["-f", format])
            .args(&args)
            .spawn()
            .unwrap();
        wait(child, row.name)
    };
    let out = run("json");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().ok_or_else(|| format!("killed by a signal: {:?}", out.status))?;
    let e = &row.expect;
    if code != e.code {
        return Err(format!("exit code {code}, expected {}; stderr:\n{stderr}", e.code));
    }
    if !stderr.is_empty() && stderr.contains("panicked") {
        return Err(format!("panic: {stderr}"));
    }
    if code == 2 && e.errors == 0 {
        // A usage or rule error: a message, no report.
        if !stderr.contains(e.stderr) {
            return Err(format!("stderr lacks {:?}:\n{stderr}", e.stderr));
        }
        return Ok(());
    }
    let doc: Value = serde_json::from_slice(&out.stdout).map_err(|err| format!("json: {err}"))?;
    let stats = &doc["stats"];
    let mut skipped: Vec<(String, u64)> = stats["skipped"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect())
        .unwrap_or_default();
    skipped.retain(|(_, n)| *n > 0);
    let expected: Vec<(String, u64)> = e.skipped.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    let got = (stats["findings"].as_u64(), stats["errors"].as_u64(), skipped);
    let want = (Some(e.findings), Some(e.errors), expected);
    if got != want {
        return Err(format!("(findings, errors, skipped) {got:?}, expected {want:?}\n{stderr}"));
    }
    // Every skip and error is named in the report, none silent.
    let listed = stats["skipped_files"].as_array().map_or(0, Vec::len) as u64;
    if listed != e.skipped.iter().map(|(_, n)| n).sum::<u64>() {
        return Err(format!("{listed} skipped files listed: {stats}"));
    }
    if !e.stderr.is_empty() {
        // The text report names the file and the reason on standard error.
        let text = run("text");
        let text_err = String::from_utf8_lossy(&text.stderr);
        if !text_err.contains(e.stderr) {
            return Err(format!("stderr lacks {:?}:\n{text_err}", e.stderr));
        }
    }
    if row.library {
        let scanner = tokenhound::Scanner::new().unwrap();
        let mut sink = tokenhound::Collector::new();
        let lib = scanner.scan_path(dir.path(), &mut sink).map_err(|e| e.to_string())?;
        let lib_skipped: Vec<(String, u64)> =
            lib.skipped.iter().map(|(r, n)| (r.as_str().to_string(), *n)).collect();
        let mut cli_skipped = want.2.clone();
        cli_skipped.sort();
        let lib_got = (lib.findings, lib.errors, lib_skipped);
        if lib_got != (e.findings, e.errors, cli_skipped) {
            return Err(format!("library disagrees: {lib_got:?}"));
        }
    }
    Ok(())
}

#[test]
fn bad_input_matrix() {
    let started = Instant::now();
    let mut failures = Vec::new();
    let rows = rows();
    for row in &rows {
        let t = Instant::now();
        if let Err(why) = check_row(row) {
            failures.push(format!("{}: {why}", row.name));
        }
        eprintln!("{:>6.2}s  {}", t.elapsed().as_secs_f64(), row.name);
    }
    eprintln!("{} rows in {:.1}s", rows.len(), started.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// A file truncated by another process while it is being scanned: with memory maps this was a
/// SIGBUS crash; read in chunks, the file is just shorter.
#[test]
fn file_truncated_while_scanned_does_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shrinking.log");
    for delay_ms in [0, 20, 100] {
        sparse(&path, &text_head(), 1 << 30, format!("\nt={GH1}\n").as_bytes());
        let child = command(dir.path(), false)
            .args(["scan", "-f", "json", "--max-file-size", "2G", "shrinking.log"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        std::fs::File::options().write(true).open(&path).unwrap().set_len(4096).unwrap();
        let out = wait(child, "truncated file");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "exit {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Files that vanish between the walk and the read: each is either scanned or a counted
/// "no such file" error, never a panic or a silent loss.
#[test]
fn files_vanishing_during_the_walk_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    const N: usize = 3000;
    for i in 0..N {
        write(dir.path(), format!("f{i:05}.txt"), "x = 1\n");
    }
    let child =
        command(dir.path(), false).args(["scan", "-f", "json", "-j", "1", "."]).spawn().unwrap();
    for i in (0..N).rev().step_by(2) {
        let _ = std::fs::remove_file(dir.path().join(format!("f{i:05}.txt")));
    }
    let out = wait(child, "vanishing files");
    let code = out.status.code().expect("exited normally");
    assert!(matches!(code, 0 | 2), "exit {code}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stats = &doc["stats"];
    let scanned = stats["files_scanned"].as_u64().unwrap();
    let errors = stats["errors"].as_u64().unwrap();
    assert!(scanned >= (N / 2) as u64, "{stats}");
    // A file deleted before the walk listed its directory is not an error; one deleted after is.
    assert!(scanned + errors <= N as u64, "{stats}");
    assert_eq!(code == 2, errors > 0, "{stats}");
    for message in stats["error_messages"].as_array().unwrap() {
        assert!(message.as_str().unwrap().contains("no such file or directory"), "{message}");
    }
}
