//! Findings: a rule's confirmed match, with where it is and a fingerprint of what it is.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::origin::GitOrigin;
use crate::rules::{Confidence, Kind, Rule};

/// A leaked credential.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Finding {
    /// The rule that found it.
    pub rule: Arc<Rule>,
    /// The file it is in; `None` for bytes scanned without a name.
    pub path: Option<PathBuf>,
    /// Where the secret is.
    pub location: Location,
    /// The secret itself. Its `Display` and `Debug` show only a short prefix.
    pub secret: Secret,
    /// A stable id of this credential: the rule id and a keyed hash of the secret, never its
    /// position, so moving code does not change it.
    pub fingerprint: String,
    /// Shannon entropy of the secret, in bits per byte.
    pub entropy: f64,
    /// Where in a git repository the secret is, for staged and history scans; `None` for files.
    pub git: Option<Box<GitOrigin>>,
    /// Set when a config allowlist or a baseline accepts this finding: reports keep it out of
    /// the text, JSON Lines and GitHub formats and mark it as suppressed in SARIF and JSON.
    pub suppression: Option<Suppression>,
    /// How sure the scanner is that this is a credential: the rule's confidence, raised or
    /// lowered by the evidence in [`Finding::confidence_reasons`].
    pub confidence: Confidence,
    /// The evidence behind [`Finding::confidence`], for and against, in a fixed order.
    pub confidence_reasons: Vec<Reason>,
    /// What the file is for, from its path (tests, fixtures, docs, vendored or generated code);
    /// `None` for ordinary code and configuration. Reported as context: it does not by itself
    /// lower the confidence of a credential whose structure validates.
    pub file_role: Option<FileRole>,
    /// Other rules that matched the same secret: one secret is one finding, of the most
    /// specific rule, and these are the rest, by id.
    pub also: Vec<String>,
    pub(crate) context: Context,
}

/// A piece of evidence for or against a finding being a live credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// A checksum or structure check validated the secret (CRC suffix, JWT, key DER).
    ChecksumValid,
    /// The secret starts with its provider's prefix.
    ProviderPrefix,
    /// The secret has a provider's format, found next to its keyword.
    ProviderFormat,
    /// The value is bound to a name that means a secret (`password =`, `api_key:`).
    KeywordAssignment,
    /// The value is random-looking: long, high entropy, mixed characters.
    HighEntropy,
    /// Downgrade: a placeholder or template (`example`, `xxxx`, `<token>`).
    Placeholder,
    /// Downgrade: a word or a person's sample password (`hunter2`, `secret123`, `tiger`).
    DictionaryWord,
    /// Downgrade: one of a table of same-shaped values, or a known-answer test.
    TestVectorContext,
    /// Downgrade: shortened for documentation (`9cbaf023…`, `abc...`).
    DocEllipsis,
    /// Downgrade: bound to a name that says hash, digest, checksum, nonce, iv, salt or id.
    HashLikeName,
    /// Downgrade: the value is code (a call, an interpolation, a path, an identifier).
    CodeValue,
    /// Downgrade: a repeated or sequential value (`aaaa`, `123456`, `abcabc`).
    RepeatedOrSequential,
    /// Downgrade: a published example credential (RFC, vendor documentation, emulators).
    KnownExample,
    /// Downgrade: the value has a known format (a JWT's `eyJ…` parts) whose structure does not
    /// hold: a fragment, an unsigned or truncated token.
    MalformedStructure,
    /// Downgrade: the value is shaped like an identifier (a UUID), not a secret.
    IdLikeValue,
    /// Downgrade: a generic value in documentation or an example program, where values are
    /// shown to be copied. Never applied to a value whose structure validates.
    DocsContext,
}

impl Reason {
    /// The name used in reports, such as `checksum-valid` or `doc-ellipsis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ChecksumValid => "checksum-valid",
            Reason::ProviderPrefix => "provider-prefix",
            Reason::ProviderFormat => "provider-format",
            Reason::KeywordAssignment => "keyword-assignment",
            Reason::HighEntropy => "high-entropy",
            Reason::Placeholder => "placeholder",
            Reason::DictionaryWord => "dictionary-word",
            Reason::TestVectorContext => "test-vector-context",
            Reason::DocEllipsis => "doc-ellipsis",
            Reason::HashLikeName => "hash-like-name",
            Reason::CodeValue => "code-value",
            Reason::RepeatedOrSequential => "repeated-or-sequential",
            Reason::KnownExample => "known-example",
            Reason::MalformedStructure => "malformed-structure",
            Reason::IdLikeValue => "id-like-value",
            Reason::DocsContext => "docs-context",
        }
    }

    /// Whether this reason lowers the confidence.
    pub fn is_downgrade(self) -> bool {
        self >= Reason::Placeholder
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a file is for, judged from its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FileRole {
    /// Test code (`tests/`, `test_*.py`, `*_test.go`, `*.spec.js`).
    Test,
    /// Test data (`fixtures/`, `testdata/`, recorded HTTP cassettes).
    Fixture,
    /// Documentation and examples (`docs/`, `examples/`, `*.md`, `*.rst`).
    Docs,
    /// Third-party code kept in the tree (`vendor/`, `node_modules/`, `third_party/`).
    Vendored,
    /// Generated code (`*.min.js`, `*_pb2.py`, `generated/`).
    Generated,
}

impl FileRole {
    /// `test`, `fixture`, `docs`, `vendored` or `generated`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::Test => "test",
            FileRole::Fixture => "fixture",
            FileRole::Docs => "docs",
            FileRole::Vendored => "vendored",
            FileRole::Generated => "generated",
        }
    }
}

impl fmt::Display for FileRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a finding is accepted rather than reported as a leak.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Suppression {
    /// What accepted it.
    pub kind: SuppressionKind,
    /// Why, for people: the allowlist entry's reason and where it is written, or the baseline
    /// file.
    pub justification: String,
}

/// What accepted a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SuppressionKind {
    /// An entry of a config file's allowlist.
    Allowlist,
    /// An entry of a baseline file: a known finding, recorded before.
    Baseline,
    /// A history scan of part of the commits (a pull request's range): the secret was already in
    /// the file before the commit that touched it, so the range did not add it.
    Existing,
    /// An inline allow comment on the secret's line (`tokenhound:allow`, `gitleaks:allow`,
    /// `pragma: allowlist secret`).
    Inline,
}

impl SuppressionKind {
    /// `allowlist`, `baseline`, `existing` or `inline`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Allowlist => "allowlist",
            SuppressionKind::Baseline => "baseline",
            SuppressionKind::Existing => "existing",
            SuppressionKind::Inline => "inline",
        }
    }
}

impl Suppression {
    /// A suppression of this kind with this justification.
    pub fn new(kind: SuppressionKind, justification: impl Into<String>) -> Suppression {
        Suppression { kind, justification: justification.into() }
    }
}

/// Where a secret is: 1-based lines and columns (columns count bytes; `end_column` is one past
/// the secret's last byte, as in SARIF) and 0-based byte offsets (`end` exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Location {
    /// Line of the first byte of the secret.
    pub line: usize,
    /// Column of the first byte of the secret.
    pub column: usize,
    /// Line of the last byte of the secret.
    pub end_line: usize,
    /// Column one past the last byte of the secret.
    pub end_column: usize,
    /// Byte offset of the secret's start.
    pub start: usize,
    /// Byte offset one past the secret's end.
    pub end: usize,
}

/// A secret value. `Display` and `Debug` redact it; [`Secret::expose`] gives it whole.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(pub(crate) String);

impl Secret {
    /// The whole secret. Print it only when the user asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Enough to recognise the secret, never enough to use it: a token's first characters
    /// (`ghp_ab…`), a URL's scheme, host and path shape with each segment cut to two characters
    /// (`https://hooks.slack.com/services/T0…/B0…/xh…`; lower-case words stay), a private key's type and a short hash
    /// of it (`RSA PRIVATE KEY, sha256 1a2b3c4d…`).
    pub fn redacted(&self) -> String {
        let s = self.0.as_str();
        if let Some(rest) = s.strip_prefix("-----BEGIN ")
            && let Some(end) = rest.find("-----")
        {
            let digest = Sha256::digest(s.as_bytes());
            let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
            return format!("{}, sha256 {short}…", &rest[..end]);
        }
        if let Some(at) = s.find("://")
            && s[..at].bytes().all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
            && !s[at + 3..].contains('@')
        {
            let (scheme, rest) = (&s[..at + 3], &s[at + 3..]);
            let mut parts = rest.split('/');
            let host = parts.next().unwrap_or_default();
            // Words of the path (`services`, `webhooks`) stay; what may be secret is cut.
            let word = |p: &str| p.bytes().all(|b| b.is_ascii_lowercase() || b"-_.".contains(&b));
            let segments: Vec<String> = parts
                .map(|p| if p.len() <= 2 || word(p) { p.to_string() } else { cut(p, 2) })
                .collect();
            let path = if segments.is_empty() {
                String::new()
            } else {
                format!("/{}", segments.join("/"))
            };
            return format!("{scheme}{host}{path}");
        }
        let len = s.chars().count();
        cut(s, (len / 4).min(6))
    }
}

/// The first `keep` characters of `s` and an ellipsis.
fn cut(s: &str, keep: usize) -> String {
    let prefix: String = s.chars().take(keep).collect();
    format!("{prefix}…")
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({:?})", self.redacted())
    }
}

/// The text around a secret on its line, cut short, for reports.
#[derive(Clone, Debug, Default)]
pub(crate) struct Context {
    pub(crate) before: String,
    pub(crate) after: String,
}

impl Finding {
    /// The id of the rule, such as `github.pat-classic`.
    pub fn rule_id(&self) -> &str {
        self.rule.id()
    }
    /// The provider's display name.
    pub fn provider(&self) -> &str {
        self.rule.provider()
    }
    /// The kind of credential.
    pub fn kind(&self) -> Kind {
        self.rule.kind()
    }
    /// How sure the scanner is, from the rule and the evidence (see [`Finding::confidence_reasons`]).
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }
    /// Whether a checksum or structure check validated the secret (`None`: the rule has none).
    pub fn checksum_valid(&self) -> Option<bool> {
        // A secret that fails its validator is never reported, so present means valid.
        self.rule.checksum().map(|_| true)
    }
    /// The path as text, `-` when there is none.
    pub fn path_display(&self) -> String {
        self.path.as_deref().map_or_else(|| "-".to_string(), |p| p.display().to_string())
    }
    /// The secret's line, cut to a few dozen bytes either side, with the secret shown whole or
    /// redacted.
    pub fn line_context(&self, show_secret: bool) -> String {
        let secret =
            if show_secret { self.secret.expose().to_string() } else { self.secret.redacted() };
        format!("{}{}{}", self.context.before, secret, self.context.after)
    }
}

/// The key of fingerprints. Fixed, so fingerprints agree across machines and versions; it makes
/// the hash specific to tokenhound rather than a bare SHA-256 of the secret.
const FINGERPRINT_KEY: &[u8] = b"tokenhound fingerprint v1";

pub(crate) fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(FINGERPRINT_KEY);
    h.update((rule_id.len() as u64).to_le_bytes());
    h.update(rule_id.as_bytes());
    h.update(secret);
    let digest = h.finalize();
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_a_short_prefix() {
        let s = Secret("ghp_abcdefghijklmnopqrstuvwxyz0123456789".into());
        assert_eq!(s.redacted(), "ghp_ab…");
        assert_eq!(format!("{s}"), "ghp_ab…");
        assert!(!format!("{s:?}").contains("cdef"));
        assert_eq!(Secret("hunter22".into()).redacted(), "hu…");
        assert_eq!(Secret("abc".into()).redacted(), "…");
    }

    #[test]
    fn redaction_of_urls_and_keys_says_what_they_are() {
        let hook = Secret("https://hooks.slack.com/services/T0123ABCD/B0456EFGH/xh7Ks9Qz".into());
        assert_eq!(hook.redacted(), "https://hooks.slack.com/services/T0…/B0…/xh…");
        let pem = Secret(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----".into(),
        );
        let shown = pem.redacted();
        assert!(shown.starts_with("RSA PRIVATE KEY, sha256 ") && shown.ends_with('…'), "{shown}");
        assert!(!shown.contains("MIIE"));
        // A URL with credentials in it is not shown as a URL.
        assert_eq!(Secret("https://user:pw@host/x".into()).redacted(), "https…");
    }

    #[test]
    fn fingerprint_depends_on_rule_and_secret_only() {
        let a = fingerprint("x.key", b"secret-value");
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint("x.key", b"secret-value"));
        assert_ne!(a, fingerprint("y.key", b"secret-value"));
        assert_ne!(a, fingerprint("x.key", b"secret-valuf"));
        // The rule id's length is hashed, so ids cannot bleed into secrets.
        assert_ne!(fingerprint("x.ke", b"ysecret"), fingerprint("x.key", b"secret"));
    }
}
