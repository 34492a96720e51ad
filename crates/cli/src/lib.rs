//! The `tokenhound` command: parses arguments, builds the core objects, picks a report writer and
//! maps the outcome to an exit code (0 clean, 1 findings, 2 error).
//!
//! A library so that other front ends can run the same command: the binary calls [`run`], and so
//! does the Python package's `tokenhound` console script.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use tokenhound::report::{Format, ReportOptions, Reporter, RulesFormat};
use tokenhound::{GitOptions, HookStatus, Rules, Scanner, Stats};

/// Find leaked credentials (API keys, tokens, private keys, webhook URLs, connection strings)
/// in files and directory trees.
///
/// Exit codes: 0 no findings, 1 findings (or failed rule checks), 2 an error (bad arguments, a
/// malformed rule file, or files that could not be read when nothing was found).
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
    /// With --git: only the commits of a range, such as origin/main..HEAD.
    #[arg(long, value_name = "A..B", requires = "git", conflicts_with = "branch")]
    range: Option<String>,
    /// With --git: only commits that are not ancestors of REV.
    #[arg(long, value_name = "REV", requires = "git")]
    since: Option<String>,
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
    /// Skip files larger than this (bytes; K, M and G suffixes are powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    max_file_size: u64,
    /// Worker threads (default: one per CPU).
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// Add the rules in FILE (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    rule_files: Vec<PathBuf>,
    /// Use only the rules given with --rules, not the built-in ones.
    #[arg(long)]
    no_builtin_rules: bool,
    /// Disable the rule with this id (repeatable).
    #[arg(long = "disable-rule", value_name = "ID")]
    disabled: Vec<String>,
    /// Print no summary and no per-file skip messages (errors are still printed).
    #[arg(short, long)]
    quiet: bool,
    /// When to colour the text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
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
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => 0,
        Err(err) => {
            eprintln!("tokenhound: error: {err:#}");
            2
        }
    }
}

fn scan(args: ScanArgs) -> Result<u8> {
    let rules = load_rules(&args.rule_files, !args.no_builtin_rules, &args.disabled)?;
    let mut builder = Scanner::builder();
    builder
        .rules(rules)
        .max_file_size(args.max_file_size)
        .scan_binary(args.scan_binary)
        .ignore_files(!args.no_ignore)
        .follow_links(args.follow_links)
        .threads(args.threads.unwrap_or(0));
    let scanner = builder.build()?;

    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Jsonl => Format::Jsonl,
        OutputFormat::Sarif => Format::Sarif,
    };
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let mut options = ReportOptions::default();
    options.show_secrets = args.show_secrets;
    options.color = color && format == Format::Text;
    options.base = std::env::current_dir().ok();
    let mut reporter = Reporter::new(format, options, out, io::stderr()).quiet(args.quiet);

    if args.staged || args.git {
        let repo = match args.paths.as_slice() {
            [] => PathBuf::from("."),
            [repo] => repo.clone(),
            _ => bail!("--staged and --git take one repository"),
        };
        let stats = if args.staged {
            scanner.scan_staged(&repo, &mut reporter)?
        } else {
            let mut options = GitOptions::new();
            options.range = args.range;
            options.since = args.since;
            options.branch = args.branch;
            scanner.scan_git(&repo, &options, &mut reporter)?
        };
        return finish(reporter, &scanner, stats);
    }
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths };
    let (stdin, files): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.as_os_str() == "-");
    let mut stats = Stats::default();
    if !stdin.is_empty() {
        stats = scanner.scan_reader(io::stdin().lock(), &mut reporter)?;
    }
    if !files.is_empty() {
        let tree = scanner.scan_paths(&files, &mut reporter)?;
        stats.merge(&tree);
    }
    finish(reporter, &scanner, stats)
}

/// Writes the end of the report and picks the exit code.
fn finish(reporter: Reporter<'_>, scanner: &Scanner, stats: Stats) -> Result<u8> {
    if let Some(e) = reporter.io_error()
        && e.kind() == io::ErrorKind::BrokenPipe
    {
        return Ok(exit_code(&stats));
    }
    let rules: Vec<_> = scanner.rules().collect();
    match reporter.finish(&stats, &rules) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write the report")?,
    }
    Ok(exit_code(&stats))
}

fn exit_code(stats: &Stats) -> u8 {
    if stats.findings > 0 {
        1
    } else if stats.errors > 0 {
        2
    } else {
        0
    }
}

fn load_rules(files: &[PathBuf], builtin: bool, disabled: &[String]) -> Result<Rules> {
    let mut rules = if builtin { Rules::builtin() } else { Rules::empty() };
    for file in files {
        rules.extend(Rules::from_path(file)?)?;
    }
    for id in disabled {
        if rules.disable(&[id]) == 0 {
            bail!("--disable-rule {id}: no rule has this id");
        }
    }
    if rules.is_empty() {
        bail!("no rules to scan with");
    }
    Ok(rules)
}

fn list(format: ListFormat, files: &[PathBuf]) -> Result<u8> {
    let rules = load_rules(files, true, &[])?;
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

/// Parses `100`, `64K`, `100M`, `1G` (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 10),
        Some((i, 'm' | 'M')) => (&text[..i], 20),
        Some((i, 'g' | 'G')) => (&text[..i], 30),
        _ => (text, 0),
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!("invalid size {text:?}: expected a number like 100, 64K, 100M or 1G")
    })?;
    n.checked_mul(1 << shift).ok_or_else(|| format!("size {text:?} is too large"))
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
