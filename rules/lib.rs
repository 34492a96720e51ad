//! The built-in rules of [tokenhound](https://github.com/tokenhound/tokenhound), as TOML text:
//! one file per provider, plus `global.toml` (the allowlist every rule shares). The `tokenhound`
//! crate parses them at build time; `README.md` in this folder documents the format.
//!
//! ```
//! let names: Vec<&str> = tokenhound_rules::FILES.iter().map(|(name, _)| *name).collect();
//! assert!(names.contains(&"github.toml") && names.contains(&"global.toml"));
//! ```
#![deny(missing_docs)]

/// Every rule file, as `(file name, contents)`, sorted by name.
pub static FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/files.rs"));
