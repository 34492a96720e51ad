//! A project: its `tokenhound.toml`, its rules in layers and its policy, found from a path, so
//! that every front end (the command, the Python module, a Rust program) scans the same
//! directory the same way.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::policy::{Baseline, Coverage, Policy, PolicyOutcome, repository_root};
use crate::rules::Rules;
use crate::scanner::{Scanner, ScannerBuilder};
use crate::sink::Sink;
use crate::source::git::GitOptions;
use crate::stats::Stats;

/// What to scan with a [`Project`]'s policy; see [`Project::scan`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// Files and directory trees; `-` is standard input. Finding paths are as given.
    Paths(Vec<PathBuf>),
    /// The change staged in the repository at (or above) this path.
    Staged(PathBuf),
    /// The named files of the repository at (or above) the first path, from its index: as the
    /// pre-commit framework passes them ([`Scanner::scan_staged_files`]).
    StagedFiles(PathBuf, Vec<PathBuf>),
    /// The history of the repository at (or above) this path.
    Git(PathBuf, GitOptions),
}

/// Which configuration file a project uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum ConfigChoice {
    /// The first `tokenhound.toml` found from the scanned path ([`Config::discover`]).
    #[default]
    Discover,
    File(PathBuf),
    None,
}

/// Chooses a project's configuration, rules and baseline; [`ProjectBuilder::discover`] loads
/// them.
#[derive(Clone, Debug)]
pub struct ProjectBuilder {
    config: ConfigChoice,
    rule_files: Vec<PathBuf>,
    builtin_rules: bool,
    disable: Vec<String>,
    baseline: Option<PathBuf>,
}

impl Default for ProjectBuilder {
    fn default() -> Self {
        ProjectBuilder {
            config: ConfigChoice::Discover,
            rule_files: Vec::new(),
            builtin_rules: true,
            disable: Vec::new(),
            baseline: None,
        }
    }
}

impl ProjectBuilder {
    /// Use this configuration file instead of discovering one.
    pub fn config_file(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.config = ConfigChoice::File(path.into());
        self
    }
    /// Use no configuration file at all.
    pub fn no_config(&mut self) -> &mut Self {
        self.config = ConfigChoice::None;
        self
    }
    /// Add the rules of this file, after the built-in and the configuration's rules.
    pub fn rule_file(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.rule_files.push(path.into());
        self
    }
    /// Whether to start from the built-in rules (default true; a configuration's
    /// `rules.builtin = false` also turns them off).
    pub fn builtin_rules(&mut self, yes: bool) -> &mut Self {
        self.builtin_rules = yes;
        self
    }
    /// Turn off the rule with this id; an id no rule has is an error.
    pub fn disable_rule(&mut self, id: impl Into<String>) -> &mut Self {
        self.disable.push(id.into());
        self
    }
    /// Suppress the findings recorded in this baseline file.
    pub fn baseline(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.baseline = Some(path.into());
        self
    }

    /// Loads the project that `start` (a file or directory to be scanned) belongs to: its
    /// configuration, the rules in layers (built-in, the configuration's files, inline rules,
    /// disabled ids and overrides, then the builder's files and disabled ids) and the policy
    /// (the configuration's allowlists and the baseline).
    pub fn discover(&self, start: impl AsRef<Path>) -> Result<Project, Error> {
        let start = start.as_ref();
        let path = match &self.config {
            ConfigChoice::Discover => Config::discover(start),
            ConfigChoice::File(path) => Some(path.clone()),
            ConfigChoice::None => None,
        };
        let config = path.map(Config::from_path).transpose()?;
        let builtin = self.builtin_rules && config.as_ref().is_none_or(Config::builtin_rules);
        let mut rules = if builtin { Rules::builtin() } else { Rules::empty() };
        if let Some(config) = &config {
            config.apply_rules(&mut rules)?;
        }
        for file in &self.rule_files {
            rules.extend(Rules::from_path(file)?)?;
        }
        for id in &self.disable {
            if rules.disable(&[id]) == 0 {
                return Err(Error::new(ErrorKind::Config, format!("no rule has id {id:?}")));
            }
        }
        if rules.is_empty() {
            return Err(Error::new(ErrorKind::Config, "no rules to scan with"));
        }
        let root = project_root(config.as_ref(), start);
        let mut scanner = Scanner::builder();
        if let Some(config) = &config {
            config.apply_scan(&mut scanner);
        }
        let warnings = config.as_ref().map(Config::warnings).unwrap_or_default();
        let config_path = config.as_ref().and_then(|c| c.path().map(Path::to_path_buf));
        let mut policy = Policy::new(&root);
        if let Some(config) = config {
            policy.allowlist(config);
        }
        let baseline = match &self.baseline {
            Some(path) => {
                let baseline = Baseline::from_path(path)?;
                policy.baseline(baseline.clone(), path.display().to_string());
                Some((path.clone(), baseline))
            }
            None => None,
        };
        Ok(Project { config_path, warnings, root, rules, scanner, policy, baseline })
    }
}

/// A project's configuration, rules and policy, ready to scan with. The command line, the
/// Python module and Rust programs all load projects this way, so the same directory with the
/// same `tokenhound.toml` gives the same findings, allowlists and baseline included.
///
/// ```
/// use tokenhound::{Collector, Project, Target};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("tokenhound.toml"), "[[allowlist]]\npaths = [\"tests/\"]\n")?;
/// std::fs::create_dir(dir.path().join("tests"))?;
/// let token = "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";
/// std::fs::write(dir.path().join("tests/fixture.py"), format!("T = '{token}'\n"))?;
/// std::fs::write(dir.path().join("app.py"), format!("T = '{token}'\n"))?;
///
/// let project = Project::discover(dir.path())?;
/// let scanner = project.scanner()?;
/// let mut results = Collector::new();
/// let (stats, outcome) =
///     project.scan(&scanner, &Target::Paths(vec![dir.path().into()]), &mut results)?;
/// assert_eq!((stats.findings, outcome.new, outcome.allowlisted), (2, 1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Project {
    config_path: Option<PathBuf>,
    warnings: Vec<String>,
    root: PathBuf,
    rules: Rules,
    scanner: ScannerBuilder,
    policy: Policy,
    baseline: Option<(PathBuf, Baseline)>,
}

impl Project {
    /// The project `start` belongs to, with its discovered configuration (if any), the rules it
    /// layers and its allowlists; see [`ProjectBuilder::discover`].
    pub fn discover(start: impl AsRef<Path>) -> Result<Project, Error> {
        ProjectBuilder::default().discover(start)
    }

    /// A builder, to choose the configuration, more rules or a baseline.
    pub fn builder() -> ProjectBuilder {
        ProjectBuilder::default()
    }

    /// The configuration file in use, if any.
    pub fn config_path(&self) -> Option<&Path> {
        self.config_path.as_deref()
    }

    /// Warnings about the configuration (allowlist entries that have expired).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Where baseline paths and allowlist globs start: the configuration's directory, else the
    /// repository root, else the current directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The rules, in their layers.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// A scanner builder with the project's rules and its `[scan]` options; set further
    /// options (threads, limits from the command line) before building.
    pub fn scanner_builder(&self) -> ScannerBuilder {
        let mut builder = self.scanner.clone();
        builder.rules(self.rules.clone());
        builder
    }

    /// A scanner with the project's rules and options.
    pub fn scanner(&self) -> Result<Scanner, Error> {
        self.scanner_builder().build()
    }

    /// The allowlists and baseline applied to findings.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The baseline file and what it held when the project was loaded.
    pub fn baseline(&self) -> Option<(&Path, &Baseline)> {
        self.baseline.as_ref().map(|(p, b)| (p.as_path(), b))
    }

    /// Scans `target` with `scanner`, marking each finding as the policy says before `sink`
    /// gets it; returns the scan's counts and the policy's outcome (new, allowlisted and
    /// baselined findings, stale baseline entries, the findings as a baseline).
    ///
    /// Finding paths are as given for [`Target::Paths`] (and relative to the current
    /// directory for the baseline), relative to the repository root for git targets. A scan of
    /// part of a history (a range, `since` or a branch) calls no baseline entry stale.
    pub fn scan(
        &self,
        scanner: &Scanner,
        target: &Target,
        sink: &mut dyn Sink,
    ) -> Result<(Stats, PolicyOutcome), Error> {
        match target {
            Target::Paths(paths) => {
                let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.clone() };
                let (stdin, files): (Vec<PathBuf>, Vec<PathBuf>) =
                    paths.into_iter().partition(|p| p.as_os_str() == "-");
                let cwd = std::env::current_dir().map_err(|e| {
                    Error::io(e, Path::new(".")).with_message("cannot read the current directory")
                })?;
                let mut sink = self.policy.sink(sink, &cwd);
                // Entries for files deleted under what was scanned are stale too.
                sink.coverage(Coverage::Paths(files.clone()));
                let mut stats = Stats::default();
                if !stdin.is_empty() {
                    stats = scanner.scan_reader(std::io::stdin().lock(), &mut sink)?;
                }
                if !files.is_empty() {
                    stats.merge(&scanner.scan_paths(&files, &mut sink)?);
                }
                let (_, outcome) = sink.finish();
                Ok((stats, outcome))
            }
            Target::Staged(repo) | Target::StagedFiles(repo, _) | Target::Git(repo, _) => {
                // Git paths are relative to the repository root.
                let base = repository_root(repo).unwrap_or_else(|| repo.clone());
                let mut sink = self.policy.sink(sink, &base);
                let stats = match target {
                    Target::Git(_, options) => {
                        if options.range.is_some()
                            || options.since.is_some()
                            || options.branch.is_some()
                        {
                            sink.coverage(Coverage::Partial);
                        }
                        scanner.scan_git(repo, options, &mut sink)?
                    }
                    Target::StagedFiles(_, files) => {
                        scanner.scan_staged_files(repo, files, &mut sink)?
                    }
                    _ => scanner.scan_staged(repo, &mut sink)?,
                };
                let (_, outcome) = sink.finish();
                Ok((stats, outcome))
            }
        }
    }
}

/// Where baseline paths and allowlist globs start: the config's directory, else the
/// repository root, else the current directory.
fn project_root(config: Option<&Config>, start: &Path) -> PathBuf {
    if let Some(config) = config {
        return std::fs::canonicalize(config.dir()).unwrap_or_else(|_| config.dir().to_path_buf());
    }
    repository_root(start)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}
