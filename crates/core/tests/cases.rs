//! Data-driven scan cases (`tests/cases/*.toml` at the workspace root), each run through every
//! read path: bytes in memory, a file read into a buffer, and a file read in small chunks with
//! overlap. All three must give the expected findings, and so the same ones.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tokenhound::{Collector, Scanner, SuppressionKind};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    input: String,
    #[serde(default)]
    expect: Vec<Expect>,
}

#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
#[serde(deny_unknown_fields)]
struct Expect {
    rule: String,
    line: usize,
    column: usize,
    secret: String,
}

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    files
}

fn found(findings: &[tokenhound::Finding]) -> Vec<Expect> {
    let mut out: Vec<Expect> = findings
        .iter()
        .map(|f| Expect {
            rule: f.rule_id().to_string(),
            line: f.location.line,
            column: f.location.column,
            secret: f.secret.expose().to_string(),
        })
        .collect();
    out.sort();
    out
}

fn scan_file(scanner: &Scanner, path: &Path) -> Vec<Expect> {
    let mut sink = Collector::new();
    let stats = scanner.scan_path(path, &mut sink).unwrap();
    assert!(
        sink.errors.is_empty() && sink.skipped.is_empty(),
        "{:?} {:?}",
        sink.errors,
        sink.skipped
    );
    assert_eq!(stats.files_scanned, 1);
    // A sink gets the findings on lines with an inline allow comment too, marked suppressed
    // (scan_bytes leaves them out): compare what is reported.
    let (suppressed, reported): (Vec<_>, Vec<_>) =
        sink.findings.into_iter().partition(|f| f.suppression.is_some());
    assert!(
        suppressed.iter().all(|f| f.suppression.as_ref().unwrap().kind == SuppressionKind::Inline)
    );
    found(&reported)
}

#[test]
fn scan_cases_agree_on_every_read_path() {
    let buffered = Scanner::new().unwrap();
    let chunked = Scanner::builder().chunk_size(7).build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in case_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let cases: CaseFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in cases.case {
            count += 1;
            let mut expected = case.expect.clone();
            expected.sort();
            let path = dir.path().join(format!("case-{count}.txt"));
            std::fs::write(&path, &case.input).unwrap();
            let from_bytes = found(&buffered.scan_bytes(case.input.as_bytes(), None));
            let from_read = scan_file(&buffered, &path);
            let from_chunks = scan_file(&chunked, &path);
            if from_bytes != expected {
                failures.push(format!(
                    "{}: {}:\n  expected {expected:?}\n  found    {from_bytes:?}",
                    file.display(),
                    case.name
                ));
            }
            if from_read != from_bytes || from_chunks != from_bytes {
                failures.push(format!("{}: {}: read paths disagree:\n  bytes {from_bytes:?}\n  read  {from_read:?}\n  chunks {from_chunks:?}", file.display(), case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
