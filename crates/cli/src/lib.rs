//! The `tokenhound` command: parses arguments, builds the core objects, picks a report writer and
//! maps the outcome to an exit code (0 clean, 1 findings, 2 error).
//!
//! A library so that other front ends can run the same command: the binary calls [`run`], and so
//! does the Python package's `tokenhound` console script.

mod progress;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::ProgressDrawTarget;
use tokenhound::inventory::{Inventory, InventoryFormat};
use tokenhound::report::{Format, ReportOptions, Reporter, RulesFormat};
use tokenhound::{
    Config, ErrorKind, GitOptions, HookStatus, Project, Rules, Scanner, Sink, Stats, Target,
};

use progress::Progress;

/// Find leaked credentials (API keys, tokens, private keys, webhook URLs, connection strings)
/// in files and directory trees.
///
/// Exit codes: 0 no findings, 1 findings that no allowlist or baseline suppresses (or failed rule
/// checks), 2 an error (bad arguments, a malformed rule, config or baseline file, or files that
/// could not be read when nothing was found).
///
/// A `tokenhound.toml` found walking up from the scanned path to the repository root is used
/// unless --no-config; see the README for its keys.
#[derive(Parser, Debug)]
#[command(name = "tokenhound", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan files and directories (default: the current directory); `-` reads standard input.
    Scan(ScanArgs),
    /// List or check rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Install or remove a git pre-commit hook that runs `tokenhound scan --staged`.
    #[command(subcommand)]
    Hook(HookCommand),
    /// List the distinct credentials (non-human identities) found, grouped by provider and
    /// kind, with their locations; secrets are always redacted.
    Inventory(InventoryArgs),
    /// Work with the configuration file (tokenhound.toml).
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Validate the configuration without scanning: syntax, unknown keys, types, regexes, globs,
    /// dates and rule ids. Prints warnings for expired allowlist entries.
    Check {
        /// Where to look for tokenhound.toml (walking up to the repository root).
        #[arg(value_name = "PATH", default_value = ".")]
        path: PathBuf,
        /// Check this file instead of looking for one.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// Where the configuration comes from.
#[derive(Args, Debug)]
struct ConfigArgs {
    /// Use this configuration file instead of the tokenhound.toml found walking up from the
    /// scanned path to the repository root.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Use no configuration file.
    #[arg(long)]
    no_config: bool,
}

#[derive(Args, Debug)]
struct InventoryArgs {
    /// The tree (or, with --git, the repository) to inventory.
    #[arg(value_name = "PATH", default_value = ".")]
    path: PathBuf,
    /// Inventory the repository's history (every reachable blob), with the first and last
    /// commit that wrote each credential.
    #[arg(long)]
    git: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = InventoryOutput::Text)]
    format: InventoryOutput,
    /// Write the inventory to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Add the rules in FILE (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    rule_files: Vec<PathBuf>,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum InventoryOutput {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand, Debug)]
enum HookCommand {
    /// Write the pre-commit hook (into core.hooksPath when set, else .git/hooks).
    Install {
        /// Replace an existing pre-commit hook that tokenhound did not write.
        #[arg(long)]
        force: bool,
        /// The repository (default: the one the current directory is in).
        #[arg(value_name = "REPO", default_value = ".")]
        repo: PathBuf,
    },
    /// Remove the pre-commit hook that `hook install` wrote.
    Uninstall {
        /// The repository (default: the one the current directory is in).
        #[arg(value_name = "REPO", default_value = ".")]
        repo: PathBuf,
    },
}

/// A confidence level on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ConfidenceArg {
    Low,
    Medium,
    High,
}

impl ConfidenceArg {
    fn level(self) -> tokenhound::Confidence {
        match self {
            ConfidenceArg::Low => tokenhound::Confidence::Low,
            ConfidenceArg::Medium => tokenhound::Confidence::Medium,
            ConfidenceArg::High => tokenhound::Confidence::High,
        }
    }
}

#[derive(Args, Debug)]
struct ScanArgs {
    /// Files or directories to scan; `-` is standard input. With --staged or --git, the
    /// repository (default: the one the current directory is in).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Scan the change staged for commit (index blobs that differ from HEAD), reporting only
    /// lines it adds or modifies: what a pre-commit hook runs.
    #[arg(long, conflicts_with = "git")]
    staged: bool,
    /// Scan the repository's history: every blob reachable from every reference (or --branch),
    /// once, each finding attributed to the commit that introduced it.
    #[arg(long)]
    git: bool,
    /// Name every skipped file on standard error, binary files and links not followed included
    /// (they are otherwise only counted in the summary).
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
    /// Scan the named files as the pre-commit framework passes them: from git's index, only
    /// the lines a staged change adds to a file it changes, the whole file otherwise (what
    /// `pre-commit run --all-files` means). Without files, the whole staged change.
    #[arg(long, conflicts_with_all = ["git", "staged"])]
    pre_commit: bool,
    /// With --git: only the commits of a range, such as origin/main..HEAD.
    #[arg(long, value_name = "A..B", requires = "git", conflicts_with = "branch")]
    range: Option<String>,
    /// With --git: only commits that are not ancestors of REV.
    #[arg(long, value_name = "REV", requires = "git")]
    since: Option<String>,
    /// With --range or --since: also fail on secrets that were already in a file before the
    /// commit that changed it. By default a range is blamed only for what it added; secrets
    /// it did not add are listed as suppressed ("existing") and do not fail the scan.
    #[arg(long)]
    fail_on_existing: bool,
    /// With --git: start from this branch (or revision) instead of every reference.
    #[arg(long, value_name = "REF", requires = "git")]
    branch: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print secrets whole. By default only a short prefix is shown.
    #[arg(long)]
    show_secrets: bool,
    /// Also scan files that .gitignore, .ignore and git's exclude files leave out.
    #[arg(long)]
    no_ignore: bool,
    /// Scan binary files too (a NUL byte in the first 8 KiB) instead of skipping them.
    #[arg(long)]
    scan_binary: bool,
    /// Follow symbolic links met while walking (paths given on the command line are always
    /// followed).
    #[arg(long)]
    follow_links: bool,
    /// Skip files larger than this (bytes; K, M and G suffixes are powers of 1024). Default
    /// 100M, or the config's scan.max_file_size.
    #[arg(long, value_name = "SIZE", value_parser = tokenhound::parse_size)]
    max_file_size: Option<u64>,
    /// Worker threads (default: one per CPU).
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// Report findings of at least this confidence (default: medium, chosen from measured
    /// precision; see "What confidence means" in the README). Those below are counted in the
    /// summary and in the JSON stats (`below_threshold`).
    #[arg(long, value_enum, value_name = "LEVEL")]
    min_confidence: Option<ConfidenceArg>,
    /// Add the rules in FILE (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    rule_files: Vec<PathBuf>,
    /// Use only the rules given with --rules, not the built-in ones.
    #[arg(long)]
    no_builtin_rules: bool,
    /// Disable the rule with this id (repeatable).
    #[arg(long = "disable-rule", value_name = "ID")]
    disabled: Vec<String>,
    /// Print no summary, no progress bar and no per-file skip messages (errors are still
    /// printed). Without it, a scan longer than a second shows a progress bar on standard error
    /// when that is a terminal.
    #[arg(short, long)]
    quiet: bool,
    /// When to colour the text output: `auto` colours it on a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Suppress the findings recorded in this baseline file: only new findings are reported
    /// (SARIF keeps them, marked as suppressed) and only new findings exit with code 1.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings (those no allowlist suppresses) in FILE, sorted and without
    /// secrets, for --baseline.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// With --baseline: rewrite the baseline without its stale entries: those that matched no
    /// finding in a file that was scanned (or was deleted from a scanned directory). Entries
    /// for files outside the scan are kept; a scan of part of the history prunes nothing.
    #[arg(long, requires = "baseline")]
    prune_baseline: bool,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// List the rules.
    List {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Add the rules in FILE (repeatable).
        #[arg(long = "rules", value_name = "FILE")]
        rule_files: Vec<PathBuf>,
    },
    /// Check rules: validate fields, compile every regex and run every example with and without
    /// a trailing newline. Without FILE, checks the built-in rules.
    Check {
        /// Rule files to check.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Jsonl,
    Sarif,
    /// GitHub Actions workflow commands: annotations on a pull request.
    Github,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ListFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Runs the command line `args` (the program name first, as in `std::env::args_os`) and returns
/// the exit code. Errors are printed to standard error.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are "errors" that print to stdout and succeed.
            let _ = err.print();
            return if err.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Rules(RulesCommand::List { format, rule_files }) => list(format, &rule_files),
        Command::Rules(RulesCommand::Check { files }) => check(&files),
        Command::Hook(command) => hook(command),
        Command::Inventory(args) => inventory(args),
        Command::Config(ConfigCommand::Check { path, config }) => config_check(&path, config),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => 0,
        Err(err) => {
            eprintln!("tokenhound: error: {}", error_message(&err));
            2
        }
    }
}

/// The error and its causes, `: `-separated, as `{:#}` gives them, except that the chain stops
/// at a library error: its message already says what its I/O source says.
fn error_message(err: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        parts.push(cause.to_string());
        if cause.is::<tokenhound::Error>() {
            break;
        }
    }
    parts.join(": ")
}

fn scan(args: ScanArgs) -> Result<u8> {
    let start = match args.paths.first() {
        Some(p) if p.as_os_str() != "-" => p.clone(),
        _ => PathBuf::from("."),
    };
    let mut project = project_builder(&args.config, &args.rule_files);
    project.builtin_rules(!args.no_builtin_rules);
    for id in &args.disabled {
        project.disable_rule(id);
    }
    if let Some(path) = &args.baseline {
        project.baseline(path);
    }
    let project = project.discover(&start)?;
    warn(&project);
    let mut builder = project.scanner_builder();
    builder.threads(args.threads.unwrap_or(0));
    builder.min_confidence(
        args.min_confidence.map_or(tokenhound::DEFAULT_MIN_CONFIDENCE, ConfidenceArg::level),
    );
    // Command-line options take precedence over the config's `[scan]` section.
    if let Some(n) = args.max_file_size {
        builder.max_file_size(n);
    }
    if args.scan_binary {
        builder.scan_binary(true);
    }
    if args.no_ignore {
        builder.ignore_files(false);
    }
    if args.follow_links {
        builder.follow_links(true);
    }
    let scanner = builder.build()?;

    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Jsonl => Format::Jsonl,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
    };
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    // On a terminal findings show as they are found (stdout is line-buffered); elsewhere they
    // are block-buffered.
    let out: Box<dyn Write> =
        if to_terminal { Box::new(io::stdout().lock()) } else { output(args.output.as_ref())? };
    let color = use_color(args.color, to_terminal, std::env::var_os("NO_COLOR").as_deref());
    let mut options = ReportOptions::default();
    options.show_secrets = args.show_secrets;
    options.color = color && format == Format::Text;
    options.base = std::env::current_dir().ok();
    options.baseline = project.policy().has_baseline();
    let mut reporter =
        Reporter::new(format, options, out, io::stderr()).quiet(args.quiet).verbose(args.verbose);
    // A progress bar (for scans over a second) only when standard error is a terminal.
    let progress = || (!args.quiet && io::stderr().is_terminal()).then(ProgressDrawTarget::stderr);

    let target = if args.pre_commit {
        Target::StagedFiles(PathBuf::from("."), args.paths)
    } else if args.staged || args.git {
        let repo = match args.paths.as_slice() {
            [] => PathBuf::from("."),
            [repo] => repo.clone(),
            _ => bail!("--staged and --git take one repository"),
        };
        if args.staged {
            Target::Staged(repo)
        } else {
            let mut options = GitOptions::new();
            options.range = args.range;
            options.since = args.since;
            options.branch = args.branch;
            options.fail_on_existing = args.fail_on_existing;
            Target::Git(repo, options)
        }
    } else {
        Target::Paths(args.paths)
    };
    let partial_history = matches!(&target, Target::Git(_, o)
        if o.range.is_some() || o.since.is_some() || o.branch.is_some());
    // Inside the policy, so that the bar counts findings as the summary does.
    let mut sink = Progress::new(&mut reporter, progress());
    let scanned = project.scan(&scanner, &target, &mut sink);
    drop(sink);
    let (stats, outcome) = match scanned {
        Ok(done) => done,
        Err(err) if err.kind() == ErrorKind::Report && is_broken_pipe_error(&err) => return Ok(0),
        Err(err) => return Err(err.into()),
    };
    if let Some(path) = &args.write_baseline {
        outcome.current.write_to(path)?;
        if !args.quiet {
            eprintln!(
                "tokenhound: wrote {} baseline entr{} to {}",
                outcome.current.len(),
                if outcome.current.len() == 1 { "y" } else { "ies" },
                path.display()
            );
        }
    }
    if args.prune_baseline && partial_history {
        eprintln!(
            "tokenhound: --prune-baseline: a scan of part of the history (--range, --since or \
             --branch) cannot tell which entries are stale; nothing pruned"
        );
    }
    if let Some((path, original)) = project.baseline()
        && !outcome.stale.is_empty()
    {
        if args.prune_baseline {
            original.without(&outcome.stale).write_to(path)?;
            eprintln!(
                "tokenhound: pruned {} stale entr{} from {}",
                outcome.stale.len(),
                if outcome.stale.len() == 1 { "y" } else { "ies" },
                path.display()
            );
        } else if !args.quiet {
            eprintln!(
                "tokenhound: {} baseline entr{} in {} match no finding (--prune-baseline removes them):",
                outcome.stale.len(),
                if outcome.stale.len() == 1 { "y" } else { "ies" },
                path.display()
            );
            for e in &outcome.stale {
                eprintln!("tokenhound:   {} {} {}", e.path, e.rule, e.fingerprint);
            }
        }
    }
    let code = finish(reporter, &scanner, stats)?;
    // Recording a baseline accepts the findings it records.
    Ok(if args.write_baseline.is_some() && code == 1 { 0 } else { code })
}

/// A project builder with the command's configuration choice and rule files.
fn project_builder(config: &ConfigArgs, rule_files: &[PathBuf]) -> tokenhound::ProjectBuilder {
    let mut project = Project::builder();
    if config.no_config {
        project.no_config();
    } else if let Some(path) = &config.config {
        project.config_file(path);
    }
    for file in rule_files {
        project.rule_file(file);
    }
    project
}

/// The configuration's warnings (expired allowlist entries) go to standard error.
fn warn(project: &Project) {
    for warning in project.warnings() {
        eprintln!("tokenhound: warning: {warning}");
    }
}

/// Whether to colour the report: `--color always` or `never` as asked; `auto` only on a terminal
/// and only when `NO_COLOR` is unset or empty (<https://no-color.org>: a command-line flag
/// overrides it).
fn use_color(choice: ColorChoice, to_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

fn output(path: Option<&PathBuf>) -> Result<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    })
}

/// Writes the end of the report and picks the exit code.
fn finish(reporter: Reporter<'_>, scanner: &Scanner, stats: Stats) -> Result<u8> {
    let unsuppressed = reporter.unsuppressed();
    let rules: Vec<_> = scanner.rules().collect();
    match reporter.finish(&stats, &rules) {
        Err(e) if is_broken_pipe_error(&e) => {}
        other => other?,
    }
    Ok(exit_code(&stats, unsuppressed))
}

fn exit_code(stats: &Stats, unsuppressed: u64) -> u8 {
    if unsuppressed > 0 {
        1
    } else if stats.errors > 0 {
        2
    } else {
        0
    }
}

fn inventory(args: InventoryArgs) -> Result<u8> {
    let project = project_builder(&args.config, &args.rule_files).discover(&args.path)?;
    warn(&project);
    let scanner = project.scanner()?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut inventory = Inventory::new(Some(cwd));
    let errors = {
        let mut counter = ErrorPrinter { inner: &mut inventory, errors: 0 };
        let target = if args.git {
            Target::Git(args.path.clone(), GitOptions::new())
        } else {
            Target::Paths(vec![args.path.clone()])
        };
        project.scan(&scanner, &target, &mut counter)?;
        counter.errors
    };
    let format = match args.format {
        InventoryOutput::Text => InventoryFormat::Text,
        InventoryOutput::Json => InventoryFormat::Json,
        InventoryOutput::Markdown => InventoryFormat::Markdown,
    };
    let mut out = output(args.output.as_ref())?;
    inventory.write(&mut out, format)?;
    out.flush()?;
    Ok(if errors > 0 && inventory.is_empty() { 2 } else { 0 })
}

/// Prints per-file errors and passes findings on.
struct ErrorPrinter<'a, S> {
    inner: &'a mut S,
    errors: u64,
}

impl<S: Sink> Sink for ErrorPrinter<'_, S> {
    fn finding(&mut self, finding: tokenhound::Finding) -> Result<bool, tokenhound::Error> {
        self.inner.finding(finding)
    }
    fn error(&mut self, error: tokenhound::Error) -> Result<bool, tokenhound::Error> {
        eprintln!("tokenhound: {error}");
        self.errors += 1;
        Ok(true)
    }
}

fn config_check(start: &std::path::Path, explicit: Option<PathBuf>) -> Result<u8> {
    let mut project = Project::builder();
    match explicit {
        Some(path) => {
            project.config_file(path);
        }
        None if Config::discover(start).is_none() => {
            bail!("no tokenhound.toml in {} or above it up to the repository root", start.display())
        }
        None => {}
    }
    let project = project.discover(start)?;
    let path = project.config_path().expect("a config file was found or named");
    let config = Config::from_path(path)?;
    let warnings = project.warnings();
    for warning in warnings {
        println!("warning: {warning}");
    }
    println!(
        "{}: ok ({} rules, {} allowlist entr{}{})",
        path.display(),
        project.rules().len(),
        config.allowlist_len(),
        if config.allowlist_len() == 1 { "y" } else { "ies" },
        if warnings.is_empty() { String::new() } else { format!(", {} expired", warnings.len()) }
    );
    Ok(0)
}

fn list(format: ListFormat, files: &[PathBuf]) -> Result<u8> {
    let mut rules = Rules::builtin();
    for file in files {
        rules.extend(Rules::from_path(file)?)?;
    }
    let format = match format {
        ListFormat::Text => RulesFormat::Text,
        ListFormat::Json => RulesFormat::Json,
        ListFormat::Markdown => RulesFormat::Markdown,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    tokenhound::report::write_rules(&mut out, &rules, format)?;
    out.flush()?;
    Ok(0)
}

fn check(files: &[PathBuf]) -> Result<u8> {
    let rules = if files.is_empty() {
        Rules::builtin()
    } else {
        // User rules are checked beside the built-in allowlist, which applies to them too.
        let mut rules = Rules::builtin();
        rules.retain(|_| false);
        for file in files {
            rules.extend(Rules::from_path(file)?)?;
        }
        rules
    };
    let problems = rules.check();
    for p in &problems {
        println!("{p}");
    }
    let sources = if files.is_empty() {
        "built-in rules".to_string()
    } else {
        format!("{} file(s)", files.len())
    };
    if problems.is_empty() {
        println!("checked {} rules ({sources}): all passed", rules.len());
        Ok(0)
    } else {
        println!("checked {} rules ({sources}): {} problem(s)", rules.len(), problems.len());
        Ok(1)
    }
}

fn hook(command: HookCommand) -> Result<u8> {
    let status = match command {
        HookCommand::Install { force, repo } => tokenhound::install_hook(&repo, force)?,
        HookCommand::Uninstall { repo } => tokenhound::uninstall_hook(&repo)?,
    };
    match status {
        HookStatus::Installed(path) => {
            println!("installed the pre-commit hook: {}", path.display())
        }
        HookStatus::Replaced(path) => {
            println!("replaced the existing pre-commit hook: {}", path.display())
        }
        HookStatus::Removed(path) => println!("removed the pre-commit hook: {}", path.display()),
        HookStatus::NotInstalled(path) => {
            println!("no pre-commit hook to remove: {}", path.display())
        }
        other => println!("{other:?}"),
    }
    Ok(0)
}

/// Whether a library error comes from writing to a closed pipe (`tokenhound scan | head`).
fn is_broken_pipe_error(err: &tokenhound::Error) -> bool {
    std::error::Error::source(err)
        .and_then(|e| e.downcast_ref::<io::Error>())
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn colour_on_a_terminal_unless_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(use_color(ColorChoice::Auto, true, None));
        assert!(use_color(ColorChoice::Auto, true, empty), "an empty NO_COLOR is unset");
        assert!(!use_color(ColorChoice::Auto, true, set));
        assert!(!use_color(ColorChoice::Auto, false, None));
        assert!(use_color(ColorChoice::Always, false, set), "the flag wins over NO_COLOR");
        assert!(!use_color(ColorChoice::Never, true, None));
    }
}
