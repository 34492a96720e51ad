//! tokenhound finds leaked credentials of non-human identities (API keys, OAuth and bot tokens,
//! service-account keys, private keys, webhook URLs, connection strings with passwords) in bytes,
//! files and directory trees.
//!
//! The main types:
//! - [`Project`]: what a directory's scan needs, found from a path ([`Project::discover`]):
//!   its `tokenhound.toml` ([`Config`]), the rules in layers, and the [`Policy`] (allowlists and
//!   a [`Baseline`]). The command line and the Python module both load projects this way, so
//!   they agree; [`Project::scan`] scans a [`Target`] (files and trees, the staged change, a
//!   history) and marks what the policy suppresses.
//! - [`Rules`]: what credentials look like, as data. [`Rules::builtin`] holds the built-in
//!   providers' formats; users add TOML files ([`Rules::from_path`]).
//! - [`Scanner`]: rules compiled into one keyword automaton plus lazily compiled regexes.
//!   [`Scanner::new`] for the built-in rules, [`Scanner::builder`] for the rest. Immutable,
//!   cheap to clone, `Send + Sync`. Every source runs on one executor: a private thread pool,
//!   a scratch per worker and one reorder stage.
//! - [`Blob`] and [`Origin`]: bytes to scan and where they came from (a file, standard input, a
//!   git blob), which findings carry.
//! - [`Finding`]: a credential found: its rule, location, secret (redacted when displayed) and a
//!   position-independent fingerprint.
//! - [`Sink`]: receives findings, skipped files and errors as a scan produces them; its methods
//!   return `Result<bool, Error>` (`Ok(false)` stops the scan, an error stops it and is
//!   returned). `Vec<Finding>` and [`Collector`] are sinks, and so is [`report::Reporter`],
//!   which writes text, JSON, JSON Lines, SARIF or GitHub annotations.
//! - [`inventory::Inventory`]: the distinct credentials found, grouped by provider and kind.
//! - [`Error`]: every error names where it happened (file, line, column, rule id):
//!
//! ```
//! let err = tokenhound::Rules::from_toml("[[rules]]\nid = 'x'\n", "mine.toml").unwrap_err();
//! assert_eq!(err.kind(), tokenhound::ErrorKind::Rule);
//! assert!(err.to_string().starts_with("mine.toml:1:1: "), "{err}");
//! ```
//!
//! # Example
//!
//! ```
//! use tokenhound::Scanner;
//!
//! let scanner = Scanner::new()?;
//! // A GitHub token (fake, but with a valid checksum) in a line of Python.
//! let source = b"import os\nTOKEN = \"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\"\n";
//! let findings = scanner.scan_bytes(source, None);
//! assert_eq!(findings.len(), 1);
//! let f = &findings[0];
//! assert_eq!(f.rule_id(), "github.pat-classic");
//! assert_eq!((f.location.line, f.location.column), (2, 10));
//! // Displaying a secret redacts it; `expose` gives it whole.
//! assert_eq!(f.secret.to_string(), "ghp_Og…");
//! assert!(f.secret.expose().ends_with("ZJRF"));
//! # Ok::<(), tokenhound::Error>(())
//! ```
//!
//! Scanning a tree in parallel, collecting results:
//!
//! ```no_run
//! let scanner = tokenhound::Scanner::new()?;
//! let mut results = tokenhound::Collector::new();
//! let stats = scanner.scan_path(".", &mut results)?;
//! for f in &results.findings {
//!     println!("{}:{}: {} {}", f.path_display(), f.location.line, f.rule_id(), f.secret);
//! }
//! println!("{} files, {} skipped", stats.files_scanned, stats.skipped_total());
//! # Ok::<(), tokenhound::Error>(())
//! ```
#![deny(missing_docs)]

// Modules in dependency order: each imports only modules above it (tests/module_graph.rs
// checks; rustfmt.toml keeps rustfmt from sorting them).
mod location;
mod error;
mod stats;
mod origin;
mod rules;
mod finding;
mod sink;
mod engine;
mod source;
mod chunked;
mod exec;
mod scanner;
mod selftest;
mod hook;
mod policy;
mod config;
mod project;
pub mod report;
pub mod inventory;

pub use config::{CONFIG_FILE_NAMES, Config, parse_size};
pub use error::{Error, ErrorKind};
pub use finding::{FileRole, Finding, Location, Reason, Secret, Suppression, SuppressionKind};
pub use hook::{HookStatus, install_hook, uninstall_hook};
pub use origin::{Blob, GitCommit, GitOrigin, Origin};
pub use policy::{
    Baseline, BaselineEntry, Coverage, Policy, PolicyOutcome, PolicySink, repository_root,
};
pub use project::{Project, ProjectBuilder, Target};
pub use rules::{Confidence, Iter as RulesIter, Kind, Rule, Rules};
pub use scanner::{DEFAULT_MAX_FILE_SIZE, DEFAULT_MIN_CONFIDENCE, Scanner, ScannerBuilder};
pub use sink::{Collector, Sink};
pub use source::git::GitOptions;
pub use stats::{SkipReason, Stats};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
