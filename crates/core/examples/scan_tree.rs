//! Scans the directories given as arguments (default: the current one) with the built-in rules
//! and prints each finding, redacted, as `path:line:column rule provider secret`.
//!
//! ```sh
//! cargo run -p tokenhound --example scan_tree -- path/to/repo
//! ```

use std::path::Path;

use tokenhound::{Finding, Scanner, Sink, SkipReason};

/// A sink that prints as it goes, instead of collecting.
struct Print;

impl Sink for Print {
    fn finding(&mut self, f: Finding) -> Result<bool, tokenhound::Error> {
        println!(
            "{}:{}:{} {} {} {}",
            f.path_display(),
            f.location.line,
            f.location.column,
            f.rule_id(),
            f.provider(),
            f.secret
        );
        Ok(true)
    }

    fn skipped(&mut self, path: &Path, reason: SkipReason) -> Result<bool, tokenhound::Error> {
        eprintln!("skipped {}: {reason}", path.display());
        Ok(true)
    }

    fn error(&mut self, error: tokenhound::Error) -> Result<bool, tokenhound::Error> {
        eprintln!("error: {error}");
        Ok(true)
    }
}

fn main() -> Result<(), tokenhound::Error> {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        paths.push(".".into());
    }
    let scanner = Scanner::new()?;
    let stats = scanner.scan_paths(&paths, &mut Print)?;
    eprintln!(
        "{} files, {} bytes, {} findings, {} skipped, {} errors in {:?}",
        stats.files_scanned,
        stats.bytes_scanned,
        stats.findings,
        stats.skipped_total(),
        stats.errors,
        stats.elapsed
    );
    Ok(())
}
