//! Staged and history scans of real repositories, built in temporary directories with the `git`
//! command (its global and system configuration shut out).

use std::path::{Path, PathBuf};
use std::process::Command;

use tokenhound::report::{Format, ReportOptions, Reporter};
use tokenhound::{
    Collector, ErrorKind, Finding, GitOptions, HookStatus, Rules, Scanner, SkipReason, Stats,
};

/// A GitHub classic token with a valid CRC32 checksum, one per seed (see `gen_token`).
const TOKEN_A: &str = "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";
const TOKEN_B: &str = "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";
const PG_PASSWORD: &str = "Qx7vLm2Rt9Zp";

fn pg_uri() -> String {
    format!("postgres://app:{PG_PASSWORD}@db.internal/app")
}

fn scanner() -> Scanner {
    let rules = Rules::from_path(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/git-rules.toml"),
    )
    .unwrap();
    Scanner::builder().rules(rules).threads(2).build().unwrap()
}

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    clock: u64,
}

impl Repo {
    fn new() -> Repo {
        Repo::init(&[])
    }

    fn init(extra: &[&str]) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        let repo = Repo { _dir: dir, root, clock: 1_700_000_000 };
        let mut args = vec!["-c", "init.defaultBranch=main", "init", "-q"];
        args.extend_from_slice(extra);
        repo.git(&args);
        repo.git(&["config", "user.name", "Ann Dev"]);
        repo.git(&["config", "user.email", "ann@example.com"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(&self.root, args, self.clock)
    }

    fn write(&self, path: &str, text: impl AsRef<[u8]>) {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Commits everything with a distinct, increasing date; returns the commit id.
    fn commit(&mut self, subject: &str) -> String {
        self.clock += 60;
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", subject]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn staged(&self) -> (Collector, Stats) {
        let mut sink = Collector::new();
        let stats = scanner().scan_staged(&self.root, &mut sink).unwrap();
        (sink, stats)
    }

    fn history(&self, options: &GitOptions) -> (Collector, Stats) {
        let mut sink = Collector::new();
        let stats = scanner().scan_git(&self.root, options, &mut sink).unwrap();
        (sink, stats)
    }
}

fn git_in(dir: &Path, args: &[&str], clock: u64) -> String {
    let date = format!("@{clock} +0200");
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `(path, line, rule)` of each finding.
fn places(findings: &[Finding]) -> Vec<(String, usize, &str)> {
    findings.iter().map(|f| (f.path_display(), f.location.line, f.rule_id())).collect()
}

/// `(path, line, commit subject, commits, paths)` of each history finding.
fn history_places(findings: &[Finding]) -> Vec<(String, usize, String, u64, u64)> {
    findings
        .iter()
        .map(|f| {
            let git = f.git.as_ref().expect("git origin");
            let commit = git.commit.as_ref().expect("commit");
            (f.path_display(), f.location.line, commit.subject.clone(), git.commits, git.paths)
        })
        .collect()
}

#[test]
fn history_attributes_each_secret_to_the_commit_that_introduced_it() {
    let mut repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.commit("first");
    repo.write("cfg.py", format!("x = 1\ntoken = \"{TOKEN_A}\"\n"));
    let added = repo.commit("add token");
    repo.write("cfg.py", format!("x = 1\ntoken = \"{TOKEN_A}\"\ny = 2\n"));
    repo.commit("edit cfg");
    repo.write("cfg.py", "x = 1\n");
    repo.commit("remove token");

    let (sink, stats) = repo.history(&GitOptions::new());
    assert!(sink.errors.is_empty(), "{:?}", sink.errors);
    assert_eq!(stats.commits_scanned, 4);
    assert!(!stats.shallow);
    // Seen in two commits at one path, reported once, attributed to the one that added it.
    assert_eq!(
        history_places(&sink.findings),
        vec![("cfg.py".into(), 2, "add token".into(), 2, 1)]
    );
    let f = &sink.findings[0];
    assert_eq!(f.rule_id(), "github.pat-classic");
    assert_eq!(f.secret.expose(), TOKEN_A);
    let git = f.git.as_ref().unwrap();
    let commit = git.commit.as_ref().unwrap();
    assert_eq!(commit.id, added);
    assert_eq!(commit.author_name, "Ann Dev");
    assert_eq!(commit.author_email, "ann@example.com");
    assert_eq!(commit.timestamp, 1_700_000_120);
    assert_eq!(commit.date, "2023-11-15T00:15:20+02:00");
    let blob = repo.git(&["rev-parse", &format!("{added}:cfg.py")]);
    assert_eq!(git.blob, blob.trim());
    // Four blob versions of cfg.py plus README.md, each read once.
    assert_eq!(stats.files_scanned, 4);
}

#[test]
fn history_follows_branches_merges_and_renames() {
    let mut repo = Repo::new();
    repo.write("a.txt", "base\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("db.env", format!("DATABASE_URL={}\n", pg_uri()));
    repo.commit("feature: database");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("app.py", format!("t = '{TOKEN_A}'\n"));
    repo.commit("main: token");
    // Before the merge, --branch main does not see the feature branch.
    let (sink, _) = repo.history(&GitOptions::new().branch("main"));
    assert_eq!(places(&sink.findings), vec![("app.py".into(), 1, "github.pat-classic")]);
    repo.clock += 60;
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    std::fs::create_dir(repo.root.join("src")).unwrap();
    repo.git(&["mv", "app.py", "src/app.py"]);
    repo.commit("move app");

    let (sink, stats) = repo.history(&GitOptions::new());
    assert_eq!(stats.commits_scanned, 5);
    // The merge brought db.env from the feature branch: attributed there, not to the merge.
    // The rename wrote the token's blob at a new path: one more location, same secret.
    assert_eq!(
        history_places(&sink.findings),
        vec![
            ("db.env".into(), 1, "feature: database".into(), 1, 1),
            ("app.py".into(), 1, "main: token".into(), 1, 2),
            ("src/app.py".into(), 1, "move app".into(), 1, 2),
        ]
    );
    // The renamed file's blob was not read again.
    assert_eq!(stats.files_scanned, 3);
}

/// Records what a scan tells a sink besides findings.
#[derive(Default)]
struct Calls {
    scanned: Vec<String>,
    progress: usize,
}

impl tokenhound::Sink for Calls {
    fn finding(&mut self, _: Finding) -> Result<bool, tokenhound::Error> {
        Ok(true)
    }
    fn scanned(&mut self, path: &Path) -> Result<bool, tokenhound::Error> {
        self.scanned.push(path.display().to_string());
        Ok(true)
    }
    fn progress(&mut self, _: &Stats) -> Result<bool, tokenhound::Error> {
        self.progress += 1;
        Ok(true)
    }
}

#[test]
fn scans_name_the_paths_they_scanned_whole_and_report_progress() {
    let mut repo = Repo::new();
    repo.write("a.py", format!("import os\nt = '{TOKEN_A}'\n"));
    repo.write("b.txt", "nothing\n");
    repo.commit("one");
    repo.git(&["mv", "b.txt", "c.txt"]);
    repo.commit("rename");

    // History: every path a blob was written at, the renamed one too; progress per blob.
    let mut calls = Calls::default();
    scanner().scan_git(&repo.root, &GitOptions::new(), &mut calls).unwrap();
    assert_eq!(calls.scanned, ["a.py", "b.txt", "c.txt"]);
    assert_eq!(calls.progress, 3);

    // Staged: a file whose finding is on an unchanged line is not scanned whole; one with
    // every line new (or no finding dropped) is.
    repo.write("a.py", format!("import re\nt = '{TOKEN_A}'\n"));
    repo.write("d.txt", format!("u = '{TOKEN_B}'\n"));
    repo.git(&["add", "-A"]);
    let mut calls = Calls::default();
    scanner().scan_staged(&repo.root, &mut calls).unwrap();
    assert_eq!(calls.scanned, ["d.txt"]);
    assert_eq!(calls.progress, 2);
}

#[test]
fn ranges_and_since_limit_the_commits() {
    let mut repo = Repo::new();
    repo.write("one.txt", format!("{TOKEN_A}\n"));
    let first = repo.commit("one");
    repo.write("two.txt", format!("{TOKEN_B}\n"));
    repo.commit("two");
    repo.write("three.txt", format!("url = {}\n", pg_uri()));
    repo.commit("three");

    let (sink, stats) = repo.history(&GitOptions::new().range(format!("{first}..HEAD")));
    assert_eq!(stats.commits_scanned, 2);
    assert_eq!(
        places(&sink.findings),
        vec![
            ("two.txt".into(), 1, "github.pat-classic"),
            ("three.txt".into(), 1, "postgres.connection-uri")
        ]
    );
    let (sink, _) = repo.history(&GitOptions::new().range("HEAD~1"));
    assert_eq!(sink.findings.len(), 2, "a single revision means it and its ancestors");
    let (sink, stats) = repo.history(&GitOptions::new().since("HEAD~1"));
    assert_eq!(stats.commits_scanned, 1);
    assert_eq!(places(&sink.findings), vec![("three.txt".into(), 1, "postgres.connection-uri")]);

    let err = scanner()
        .scan_git(&repo.root, &GitOptions::new().range("nope..HEAD"), &mut Collector::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Git);
    assert!(err.to_string().contains("invalid range \"nope..HEAD\""), "{err}");
}

/// Counts `progress` calls and answers `false` to the `stop_at`-th.
struct Stopper {
    calls: u64,
    stop_at: u64,
    findings: usize,
}

impl tokenhound::Sink for Stopper {
    fn finding(&mut self, _: Finding) -> Result<bool, tokenhound::Error> {
        self.findings += 1;
        Ok(true)
    }
    fn progress(&mut self, _: &Stats) -> Result<bool, tokenhound::Error> {
        self.calls += 1;
        Ok(self.calls != self.stop_at)
    }
}

#[test]
fn history_reports_progress_and_stops_when_the_sink_says_so() {
    let mut repo = Repo::new();
    for n in 0..5 {
        repo.write(&format!("f{n}.txt"), format!("{TOKEN_A}\n{n}\n"));
        repo.commit(&format!("c{n}"));
    }
    let mut sink = Stopper { calls: 0, stop_at: 0, findings: 0 };
    scanner().scan_git(&repo.root, &GitOptions::new(), &mut sink).unwrap();
    assert_eq!(sink.calls, 5, "one call per blob");
    assert_eq!(sink.findings, 5);
    // Stopped before the end of the walk: the findings, known only then, are not delivered.
    let mut sink = Stopper { calls: 0, stop_at: 2, findings: 0 };
    scanner().scan_git(&repo.root, &GitOptions::new(), &mut sink).unwrap();
    assert_eq!((sink.calls, sink.findings), (2, 0));
}

#[test]
fn staged_reports_the_index_not_the_work_tree() {
    let mut repo = Repo::new();
    repo.write("old.py", format!("keep = '{TOKEN_A}'\nx = 1\n"));
    repo.write("move.py", format!("t = '{TOKEN_B}'\n"));
    repo.write("gone.py", format!("t = '{TOKEN_B}'\n"));
    repo.commit("base");

    // A secret staged and then removed from the work tree is still committed: reported.
    repo.write("new.py", format!("a = 1\nb = '{TOKEN_B}'\n"));
    repo.git(&["add", "new.py"]);
    repo.write("new.py", "a = 1\n");
    // A secret only in the work tree is not.
    repo.write("unstaged.py", format!("{TOKEN_A}\n"));
    // A secret already in HEAD on an unchanged line is not; a new line beside it is.
    repo.write("old.py", format!("keep = '{TOKEN_A}'\nx = 2\ndb = '{}'\n", pg_uri()));
    repo.git(&["add", "old.py"]);
    // Renames, mode changes and deletions add nothing.
    repo.git(&["mv", "move.py", "moved.py"]);
    repo.git(&["rm", "-q", "gone.py"]);
    repo.git(&["update-index", "--chmod=+x", "old.py"]);

    let (sink, stats) = repo.staged();
    assert!(sink.errors.is_empty(), "{:?}", sink.errors);
    assert_eq!(
        places(&sink.findings),
        vec![
            ("new.py".into(), 2, "github.pat-classic"),
            ("old.py".into(), 3, "postgres.connection-uri")
        ]
    );
    assert_eq!(stats.files_scanned, 2);
    let git = sink.findings[0].git.as_ref().unwrap();
    assert!(git.commit.is_none());
    let staged_blob = repo.git(&["rev-parse", ":new.py"]);
    assert_eq!(git.blob, staged_blob.trim());

    // An edited line that keeps the secret is a modified line: reported.
    repo.commit("second");
    repo.write("moved.py", format!("t = '{TOKEN_B}'  # rotated soon\n"));
    repo.git(&["add", "moved.py"]);
    let (sink, _) = repo.staged();
    assert_eq!(places(&sink.findings), vec![("moved.py".into(), 1, "github.pat-classic")]);
}

#[test]
fn staged_on_an_unborn_branch_scans_every_staged_blob() {
    let repo = Repo::new();
    repo.write("a/b.txt", format!("{TOKEN_A}\n"));
    repo.git(&["add", "."]);
    let (sink, _) = repo.staged();
    assert_eq!(places(&sink.findings), vec![("a/b.txt".into(), 1, "github.pat-classic")]);
    // Nothing committed yet: the history is empty, not an error.
    let (sink, stats) = repo.history(&GitOptions::new());
    assert!(sink.findings.is_empty() && sink.errors.is_empty());
    assert_eq!(stats.commits_scanned, 0);
}

#[test]
fn empty_repository_has_nothing_to_report() {
    let repo = Repo::new();
    let (sink, stats) = repo.staged();
    assert!(sink.findings.is_empty() && sink.errors.is_empty());
    assert_eq!(stats.files_scanned, 0);
    let (sink, stats) = repo.history(&GitOptions::new());
    assert!(sink.findings.is_empty() && sink.errors.is_empty());
    assert_eq!(stats.commits_scanned, 0);
}

#[test]
fn bare_repository_history_works_and_staged_says_why_not() {
    let mut repo = Repo::new();
    repo.write("a.txt", format!("{TOKEN_A}\n"));
    repo.commit("add");
    let bare = repo.root.parent().unwrap().join("bare.git");
    git_in(repo.root.parent().unwrap(), &["clone", "-q", "--bare", "repo", "bare.git"], 0);
    let mut sink = Collector::new();
    scanner().scan_git(&bare, &GitOptions::new(), &mut sink).unwrap();
    assert_eq!(places(&sink.findings), vec![("a.txt".into(), 1, "github.pat-classic")]);
    let err = scanner().scan_staged(&bare, &mut Collector::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Git);
    assert!(err.to_string().contains("bare repository"), "{err}");
}

#[test]
fn not_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // The temporary directory may sit below a repository; GIT_CEILING_DIRECTORIES is not
    // something the library reads, so check with a directory git itself rejects.
    let outside = Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    if outside.status.success() {
        return;
    }
    for result in [
        scanner().scan_staged(dir.path(), &mut Collector::new()),
        scanner().scan_git(dir.path(), &GitOptions::new(), &mut Collector::new()),
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Git);
        assert!(err.to_string().contains("not a git repository"), "{err}");
    }
    let missing = dir.path().join("missing");
    let err = scanner().scan_staged(&missing, &mut Collector::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
}

#[test]
fn binary_large_and_lfs_blobs() {
    let mut repo = Repo::new();
    let mut binary = b"\x00\x01binary ".to_vec();
    binary.extend_from_slice(TOKEN_A.as_bytes());
    repo.write("image.bin", &binary);
    repo.write(
        "model.bin",
        "version https://git-lfs.github.com/spec/v1\n\
         oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    repo.write("big.txt", format!("{TOKEN_B}\n{}\n", "x".repeat(4096)));
    repo.git(&["add", "."]);

    let rules = Rules::from_path(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/git-rules.toml"),
    )
    .unwrap();
    let small = Scanner::builder().rules(rules).max_file_size(1024).build().unwrap();
    let mut sink = Collector::new();
    small.scan_staged(&repo.root, &mut sink).unwrap();
    assert!(sink.findings.is_empty());
    let mut skipped = sink.skipped.clone();
    skipped.sort();
    assert_eq!(
        skipped,
        vec![
            (PathBuf::from("big.txt"), SkipReason::TooLarge),
            (PathBuf::from("image.bin"), SkipReason::Binary)
        ]
    );
    repo.commit("blobs");
    let (sink, stats) = repo.history(&GitOptions::new());
    // The LFS pointer is a small text blob: scanned, nothing in it. The binary is skipped.
    assert_eq!(places(&sink.findings), vec![("big.txt".into(), 1, "github.pat-classic")]);
    assert_eq!(stats.skipped.get(&SkipReason::Binary), Some(&1));
    assert_eq!(stats.files_scanned, 2);
}

#[test]
fn submodules_are_not_followed() {
    let mut inner = Repo::new();
    inner.write("secret.txt", format!("{TOKEN_A}\n"));
    inner.commit("inner");
    let mut outer = Repo::new();
    outer.write("README", "outer\n");
    outer.commit("outer");
    let url = inner.root.display().to_string();
    outer.git(&["-c", "protocol.file.allow=always", "submodule", "add", "-q", &url, "sub"]);
    let (sink, _) = outer.staged();
    assert!(sink.findings.is_empty() && sink.errors.is_empty(), "{:?}", sink.errors);
    outer.commit("add submodule");
    let (sink, stats) = outer.history(&GitOptions::new());
    assert!(sink.findings.is_empty() && sink.errors.is_empty(), "{:?}", sink.errors);
    assert_eq!(stats.commits_scanned, 2);
}

#[test]
fn a_missing_object_is_an_error_and_the_scan_goes_on() {
    let mut repo = Repo::new();
    repo.write("a.txt", format!("{TOKEN_A}\n"));
    repo.write("b.txt", "harmless\n");
    repo.commit("add");
    let blob = repo.git(&["rev-parse", "HEAD:b.txt"]);
    let blob = blob.trim();
    let object = repo.root.join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    std::fs::remove_file(object).unwrap();
    let (sink, stats) = repo.history(&GitOptions::new());
    assert_eq!(places(&sink.findings), vec![("a.txt".into(), 1, "github.pat-classic")]);
    assert_eq!(stats.errors, 1);
    let message = sink.errors[0].to_string();
    assert!(message.starts_with("b.txt: ") && message.contains(blob), "{message}");
}

#[test]
fn shallow_clones_scan_what_is_there_and_say_so() {
    let mut repo = Repo::new();
    repo.write("a.txt", format!("{TOKEN_A}\n"));
    repo.commit("one");
    repo.write("b.txt", format!("{TOKEN_B}\n"));
    repo.commit("two");
    let parent = repo.root.parent().unwrap();
    let url = format!("file://{}", repo.root.display());
    git_in(parent, &["clone", "-q", "--depth", "1", &url, "shallow"], 0);
    let mut sink = Collector::new();
    let stats = scanner().scan_git(parent.join("shallow"), &GitOptions::new(), &mut sink).unwrap();
    assert!(stats.shallow);
    assert_eq!(stats.commits_scanned, 1);
    // Both tokens are in the only commit there is.
    assert_eq!(
        history_places(&sink.findings),
        vec![("a.txt".into(), 1, "two".into(), 1, 1), ("b.txt".into(), 1, "two".into(), 1, 1)]
    );
}

#[test]
fn reports_carry_the_git_fields() {
    let mut repo = Repo::new();
    repo.write("a.txt", format!("{TOKEN_A}\n"));
    let commit = repo.commit("add token");
    let (sink, stats) = repo.history(&GitOptions::new());
    let rules: Vec<_> = scanner().rules().cloned().collect();
    let rule_refs: Vec<_> = rules.iter().collect();
    let render = |format| {
        let mut out = Vec::new();
        let mut reporter = Reporter::new(format, ReportOptions::default(), &mut out, Vec::new());
        for f in &sink.findings {
            tokenhound::Sink::finding(&mut reporter, f.clone()).unwrap();
        }
        reporter.finish(&stats, &rule_refs).unwrap();
        String::from_utf8(out).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    let git = &json["findings"][0]["git"];
    assert_eq!(git["commit"], commit.as_str());
    assert_eq!(git["author_email"], "ann@example.com");
    assert_eq!(git["subject"], "add token");
    assert_eq!(git["commits"], 1);
    assert_eq!(json["stats"]["commits_scanned"], 1);
    let sarif: serde_json::Value = serde_json::from_str(&render(Format::Sarif)).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["partialFingerprints"]["tokenhound/commit/v1"], commit.as_str());
    assert_eq!(result["properties"]["git"]["author_name"], "Ann Dev");
    let text = render(Format::Text);
    assert!(text.contains(&format!("commit: {commit} ")), "{text}");
    let jsonl = render(Format::Jsonl);
    assert!(jsonl.contains("\"subject\":\"add token\""), "{jsonl}");
}

#[test]
fn hook_install_honours_hooks_path_and_refuses_to_overwrite() {
    let repo = Repo::new();
    let default = repo.root.join(".git/hooks/pre-commit");
    assert_eq!(
        tokenhound::install_hook(&repo.root, false).unwrap(),
        HookStatus::Installed(default.clone())
    );
    let script = std::fs::read_to_string(&default).unwrap();
    assert!(script.starts_with("#!/bin/sh\n") && script.contains("scan --staged"));
    // Reinstalling over our own hook is fine.
    assert!(matches!(tokenhound::install_hook(&repo.root, false), Ok(HookStatus::Installed(_))));
    assert_eq!(
        tokenhound::uninstall_hook(&repo.root).unwrap(),
        HookStatus::Removed(default.clone())
    );
    assert_eq!(tokenhound::uninstall_hook(&repo.root).unwrap(), HookStatus::NotInstalled(default));

    repo.git(&["config", "core.hooksPath", "githooks"]);
    let custom = repo.root.join("githooks/pre-commit");
    std::fs::create_dir_all(custom.parent().unwrap()).unwrap();
    std::fs::write(&custom, "#!/bin/sh\necho mine\n").unwrap();
    let err = tokenhound::install_hook(&repo.root, false).unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&custom).unwrap(), "#!/bin/sh\necho mine\n");
    assert!(tokenhound::uninstall_hook(&repo.root).is_err(), "a foreign hook stays");
    assert_eq!(
        tokenhound::install_hook(&repo.root, true).unwrap(),
        HookStatus::Replaced(custom.clone())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&custom).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111);
    }
}

#[test]
fn staged_files_scan_named_files_from_the_index_whole_when_unchanged() {
    let mut repo = Repo::new();
    repo.write("old.py", format!("T = '{TOKEN_A}'\n"));
    repo.write("edit.py", format!("A = '{TOKEN_B}'\n"));
    repo.commit("one");
    // edit.py changes on a line of its own; old.py is not changed at all.
    repo.write("edit.py", format!("A = '{TOKEN_B}'\nB = 1\n"));
    repo.git(&["add", "edit.py"]);
    repo.write("untracked.py", format!("T = '{TOKEN_A}'\n"));
    let files = ["old.py", "edit.py", "untracked.py"].map(|f| repo.root.join(f));
    let mut sink = Collector::new();
    let stats = scanner().scan_staged_files(&repo.root, &files, &mut sink).unwrap();
    let found: Vec<_> = sink.findings.iter().map(|f| f.path_display()).collect();
    // old.py whole (what `pre-commit run --all-files` asks); edit.py's old line is not new.
    assert_eq!(found, ["old.py"]);
    assert_eq!(sink.skipped, [(PathBuf::from("untracked.py"), SkipReason::NotStaged)]);
    assert_eq!(stats.files_scanned, 2);
    // No names: the staged change alone, as scan_staged.
    let mut sink = Collector::new();
    scanner().scan_staged_files(&repo.root, &[], &mut sink).unwrap();
    assert!(sink.findings.is_empty() && sink.skipped.is_empty());
}
