//! Rules: what a credential looks like, as data.
//!
//! [`Rules`] is a set of [`Rule`]s plus the allowlist that applies to all of them. The built-in
//! set is parsed at build time and embedded ([`Rules::builtin`]); users add TOML files
//! ([`Rules::from_path`], [`Rules::from_toml`]). The format is documented in `rules/README.md`.

mod builtin;
pub(crate) mod checksum;
pub(crate) mod raw;
pub(crate) mod syntax;

pub(crate) use builtin::problems as builtin_problems;

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, ErrorKind};
use checksum::Checksum;
use raw::{RawAllowlist, RawRule, RawRuleFile};

type Str = Cow<'static, str>;

/// What kind of credential a rule finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A key for a provider's API.
    ApiKey,
    /// A bearer access token.
    AccessToken,
    /// An OAuth access token or client credential.
    OauthToken,
    /// A refresh token that mints new access tokens.
    RefreshToken,
    /// A chat bot's token.
    BotToken,
    /// An OAuth or application client secret.
    ClientSecret,
    /// A service account's key file.
    ServiceAccountKey,
    /// A private key (PEM, OpenSSH, PGP, ...).
    PrivateKey,
    /// A password.
    Password,
    /// A password hash (bcrypt, sha-crypt, NTLM, Kerberos, ...): crackable offline, so as good
    /// as the password for a weak one.
    PasswordHash,
    /// A connection string or URI that embeds a credential.
    ConnectionString,
    /// A webhook URL whose path is the credential.
    WebhookUrl,
    /// A secret used to sign or verify payloads.
    SigningSecret,
    /// A session token or cookie.
    SessionToken,
    /// A symmetric encryption key.
    EncryptionKey,
    /// A certificate bundle holding a private key.
    Certificate,
    /// A combination of identifiers and secrets.
    Credentials,
}

const KINDS: &[(&str, Kind)] = &[
    ("api-key", Kind::ApiKey),
    ("access-token", Kind::AccessToken),
    ("oauth-token", Kind::OauthToken),
    ("refresh-token", Kind::RefreshToken),
    ("bot-token", Kind::BotToken),
    ("client-secret", Kind::ClientSecret),
    ("service-account-key", Kind::ServiceAccountKey),
    ("private-key", Kind::PrivateKey),
    ("password", Kind::Password),
    ("password-hash", Kind::PasswordHash),
    ("connection-string", Kind::ConnectionString),
    ("webhook-url", Kind::WebhookUrl),
    ("signing-secret", Kind::SigningSecret),
    ("session-token", Kind::SessionToken),
    ("encryption-key", Kind::EncryptionKey),
    ("certificate", Kind::Certificate),
    ("credentials", Kind::Credentials),
];

impl Kind {
    /// The name used in rule files and reports, such as `api-key`.
    pub fn as_str(self) -> &'static str {
        KINDS.iter().find(|(_, k)| *k == self).map(|(s, _)| *s).unwrap_or("credentials")
    }

    fn parse(s: &str) -> Option<Kind> {
        KINDS.iter().find(|(name, _)| *name == s).map(|(_, k)| *k)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a rule is that a match is a real credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Generic assignment or entropy rules.
    Low,
    /// A provider-specific format that needs context.
    Medium,
    /// A unique prefix, or a checksum or structure that validates.
    High,
}

impl Confidence {
    /// `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Confidence> {
        match s {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Exceptions that drop a match: stopwords and regexes on the secret, regexes on the line.
#[derive(Clone, Debug, Default)]
pub(crate) struct AllowlistSpec {
    pub(crate) stopwords: Vec<Str>,
    pub(crate) regexes: Vec<Str>,
    pub(crate) line_regexes: Vec<Str>,
}

impl AllowlistSpec {
    fn from_raw<S: Into<Str>>(raw: RawAllowlist<S>) -> AllowlistSpec {
        let strs = |list: Vec<S>| list.into_iter().map(Into::into).collect();
        AllowlistSpec {
            stopwords: strs(raw.stopwords),
            regexes: strs(raw.regexes),
            line_regexes: strs(raw.line_regexes),
        }
    }

    fn extend(&mut self, other: &AllowlistSpec) {
        self.stopwords.extend(other.stopwords.iter().cloned());
        self.regexes.extend(other.regexes.iter().cloned());
        self.line_regexes.extend(other.line_regexes.iter().cloned());
    }
}

/// Where a rule was defined.
#[derive(Clone, Debug)]
pub(crate) struct Defined {
    pub(crate) file: Str,
    pub(crate) line: usize,
    pub(crate) builtin: bool,
}

impl fmt::Display for Defined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One detection rule. Read-only; see `rules/README.md` for what each field means.
#[derive(Clone, Debug)]
pub struct Rule {
    pub(crate) id: Str,
    pub(crate) name: Str,
    pub(crate) provider: Str,
    pub(crate) kind: Kind,
    pub(crate) keywords: Vec<Str>,
    pub(crate) pattern: Str,
    pub(crate) confidence: Confidence,
    pub(crate) min_entropy: Option<f64>,
    pub(crate) min_char_classes: u8,
    pub(crate) checksum: Option<Checksum>,
    pub(crate) window: u32,
    pub(crate) multiline: bool,
    pub(crate) description: Option<Str>,
    pub(crate) remediation: Option<Str>,
    pub(crate) references: Vec<Str>,
    pub(crate) examples: Vec<Str>,
    pub(crate) negative_examples: Vec<Str>,
    pub(crate) allowlist: AllowlistSpec,
    pub(crate) origin: Defined,
}

impl Rule {
    /// The stable id, such as `github.pat-classic`.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// A one-line name for people.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The provider's display name, such as `GitHub`.
    pub fn provider(&self) -> &str {
        &self.provider
    }
    /// What kind of credential this rule finds.
    pub fn kind(&self) -> Kind {
        self.kind
    }
    /// How sure a match of this rule is.
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }
    /// The literals that must occur near a match.
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        self.keywords.iter().map(|k| &**k)
    }
    /// The regular expression.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
    /// What the credential grants, if the rule says.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// How to revoke or rotate the credential, if the rule says.
    pub fn remediation(&self) -> Option<&str> {
        self.remediation.as_deref()
    }
    /// Links to the provider's documentation.
    pub fn references(&self) -> impl Iterator<Item = &str> {
        self.references.iter().map(|k| &**k)
    }
    /// The name of the checksum validator, if any.
    pub fn checksum(&self) -> Option<&'static str> {
        self.checksum.map(Checksum::as_str)
    }
    /// Minimum Shannon entropy of the secret, in bits per byte.
    pub fn min_entropy(&self) -> Option<f64> {
        self.min_entropy
    }
    /// Positive examples: each must produce a finding of this rule.
    pub fn examples(&self) -> impl Iterator<Item = &str> {
        self.examples.iter().map(|k| &**k)
    }
    /// Negative examples: each must produce none of this rule.
    pub fn negative_examples(&self) -> impl Iterator<Item = &str> {
        self.negative_examples.iter().map(|k| &**k)
    }
    /// Where the rule was defined, as `FILE:LINE`.
    pub fn source(&self) -> String {
        self.origin.to_string()
    }
}

/// A set of rules, with the allowlist shared by all of them.
///
/// ```
/// let mut rules = tokenhound::Rules::builtin();
/// let before = rules.len();
/// rules.disable(&["github.pat-classic"]);
/// assert_eq!(rules.len(), before - 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// Shared: a set is cloned for every scanner built from it, and the engine keeps the same
    /// `Arc`s.
    pub(crate) rules: Vec<Arc<Rule>>,
    pub(crate) global: AllowlistSpec,
}

impl Rules {
    /// The built-in rules, embedded at build time. Cheap: no TOML is parsed at run time.
    pub fn builtin() -> Rules {
        builtin::load()
    }

    /// An empty set: add rules with [`Rules::extend`].
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses rules from TOML text; `name` names the source in error messages.
    pub fn from_toml(text: &str, name: &str) -> Result<Rules, Error> {
        parse_file(text, name)
    }

    /// Reads and parses a rule file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Rules, Error> {
        let path = path.as_ref();
        let text = crate::error::read_text(path, "rule file", ErrorKind::Rule)?;
        parse_file(&text, &path.display().to_string())
    }

    /// Adds every rule of `other`, and its allowlist; an id defined twice is an error.
    pub fn extend(&mut self, other: Rules) -> Result<(), Error> {
        for rule in &other.rules {
            if let Some(prev) = self.get(&rule.id) {
                return Err(Error::new(ErrorKind::Rule, "duplicate rule id")
                    .with_location(&rule.origin.file, rule.origin.line, 1)
                    .with_rule(&rule.id)
                    .with_message(format!("rule id is already defined at {}", prev.origin)));
            }
        }
        self.rules.extend(other.rules);
        self.global.extend(&other.global);
        Ok(())
    }

    /// Removes the rules with these ids; returns how many were removed.
    pub fn disable<S: AsRef<str>>(&mut self, ids: &[S]) -> usize {
        let before = self.rules.len();
        self.rules.retain(|r| !ids.iter().any(|id| id.as_ref() == r.id));
        before - self.rules.len()
    }

    /// Keeps only the rules for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&Rule) -> bool) {
        let mut keep = keep;
        self.rules.retain(|r| keep(r));
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id).map(|r| &**r)
    }

    /// How many rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules, in load order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.rules.iter())
    }
}

/// The rules of a [`Rules`], in load order.
#[derive(Clone, Debug)]
pub struct Iter<'a>(std::slice::Iter<'a, Arc<Rule>>);

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Rule;
    fn next(&mut self) -> Option<&'a Rule> {
        self.0.next().map(|r| &**r)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Rules {
    type Item = &'a Rule;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

fn parse_file(text: &str, name: &str) -> Result<Rules, Error> {
    let file: RawRuleFile = toml::from_str(text).map_err(|e| {
        let span = e.span().map_or(0, |s| s.start);
        let (line, col) = crate::location::line_col(text, span);
        let mut err = Error::new(ErrorKind::Rule, e.message().trim_end_matches('.'))
            .with_location(name, line, col);
        if let Some(id) = raw::enclosing_rule_id(text, span) {
            err = err.with_rule(&id);
        }
        err
    })?;
    let mut rules = Rules {
        rules: Vec::with_capacity(file.rules.len()),
        global: file.allowlist.map(AllowlistSpec::from_raw).unwrap_or_default(),
    };
    push_rules(&mut rules, file.rules, text, name)?;
    Ok(rules)
}

/// Validates parsed `[[rules]]` entries of `text` (a rule file, or a config file's
/// `[[rules.inline]]`) and adds them to `rules`; errors point at the key at fault.
pub(crate) fn push_rules(
    rules: &mut Rules,
    list: Vec<toml::Spanned<RawRule>>,
    text: &str,
    name: &str,
) -> Result<(), Error> {
    for spanned in list {
        // The span of an array-of-tables item may cover only its `[[rules]]` header: the entry
        // runs to the next table header or the end of the file.
        let start = spanned.span().start;
        let end = text[spanned.span().end..]
            .find("\n[")
            .map_or(text.len(), |i| spanned.span().end + i + 1);
        let (line, _) = crate::location::line_col(text, start);
        let raw = spanned.into_inner();
        let located = |key: &str| {
            // Point at the offending key inside this entry when it is written there.
            let entry = &text[start..end.min(text.len())];
            let at = entry
                .match_indices(key)
                .find(|(i, _)| {
                    entry[..*i].ends_with('\n')
                        && entry[i + key.len()..].trim_start().starts_with('=')
                })
                .map_or(start, |(i, _)| start + i);
            crate::location::line_col(text, at)
        };
        let rule = validate(
            raw,
            Defined { file: Cow::Owned(name.to_string()), line, builtin: false },
            true,
        )
        .map_err(|(key, msg, id)| {
            let (l, c) = located(key);
            let mut e = Error::new(ErrorKind::Rule, msg).with_location(name, l, c);
            if !id.is_empty() {
                e = e.with_rule(&id);
            }
            e
        })?;
        if rules.get(&rule.id).is_some() {
            let (l, c) = located("id");
            return Err(Error::new(ErrorKind::Rule, "duplicate rule id")
                .with_location(name, l, c)
                .with_rule(&rule.id));
        }
        rules.rules.push(Arc::new(rule));
    }
    Ok(())
}

/// Checks a rule's fields and makes the rule: the one place that turns rule syntax into a
/// [`Rule`], for rule files, config files' inline rules and the built-in rules (whose strings,
/// `S = &'static str`, are borrowed rather than copied). On failure returns the key at fault, a
/// message and the rule id.
fn validate<S: AsRef<str> + Into<Str>>(
    raw: RawRule<S>,
    origin: Defined,
    parse_regexes: bool,
) -> Result<Rule, (&'static str, String, String)> {
    let fail = |key: &'static str, msg: String| Err((key, msg, raw.id.as_ref().to_string()));
    if !valid_id(raw.id.as_ref()) {
        return fail(
            "id",
            format!("invalid rule id {:?}: expected lower-case `provider.what`", raw.id.as_ref()),
        );
    }
    let Some(kind) = Kind::parse(raw.kind.as_ref()) else {
        return fail("kind", format!("unknown kind {:?}", raw.kind.as_ref()));
    };
    let confidence = match raw.confidence.as_ref().map(AsRef::as_ref) {
        None => Confidence::Medium,
        Some(c) => match Confidence::parse(c) {
            Some(c) => c,
            None => return fail("confidence", format!("unknown confidence {c:?}")),
        },
    };
    if raw.keywords.is_empty() {
        return fail("keywords", "a rule needs at least one keyword".into());
    }
    if let Some(k) = raw.keywords.iter().map(AsRef::as_ref).find(|k| k.len() < 3) {
        return fail("keywords", format!("keyword {k:?} is shorter than 3 bytes"));
    }
    let checksum = match raw.checksum.as_ref().map(AsRef::as_ref) {
        None => None,
        Some(name) => match Checksum::parse(name) {
            Some(c) => Some(c),
            None => return fail("checksum", format!("unknown checksum validator {name:?}")),
        },
    };
    if let Some(e) = raw.min_entropy
        && !(0.0..=8.0).contains(&e)
    {
        return fail("min_entropy", format!("min_entropy {e} is outside 0..=8"));
    }
    if let Some(n) = raw.min_char_classes.filter(|n| *n > 4) {
        return fail("min_char_classes", format!("min_char_classes {n} is outside 0..=4"));
    }
    let window = raw.window.unwrap_or(DEFAULT_WINDOW);
    if !(16..=MAX_WINDOW).contains(&window) {
        return fail("window", format!("window {window} is outside 16..={MAX_WINDOW}"));
    }
    if parse_regexes {
        if let Err(msg) = syntax::parse_regex(raw.pattern.as_ref()) {
            return fail("pattern", format!("invalid pattern: {msg}"));
        }
        if let Some(a) = &raw.allowlist
            && let Some(msg) = a
                .regexes
                .iter()
                .chain(&a.line_regexes)
                .find_map(|r| syntax::parse_regex(r.as_ref()).err())
        {
            return fail("allowlist", format!("invalid allowlist regex: {msg}"));
        }
    }
    let strs = |list: Vec<S>| list.into_iter().map(Into::into).collect();
    Ok(Rule {
        id: raw.id.into(),
        name: raw.name.into(),
        provider: raw.provider.into(),
        kind,
        keywords: strs(raw.keywords),
        pattern: raw.pattern.into(),
        confidence,
        min_entropy: raw.min_entropy,
        min_char_classes: raw.min_char_classes.unwrap_or(0),
        checksum,
        window,
        multiline: raw.multiline.unwrap_or(false),
        description: raw.description.map(Into::into),
        remediation: raw.remediation.map(Into::into),
        references: strs(raw.references),
        examples: strs(raw.examples),
        negative_examples: strs(raw.negative_examples),
        allowlist: raw.allowlist.map(AllowlistSpec::from_raw).unwrap_or_default(),
        origin,
    })
}

pub(crate) const DEFAULT_WINDOW: u32 = 256;
pub(crate) const MAX_WINDOW: u32 = 65536;

fn valid_id(id: &str) -> bool {
    let ok_chars =
        id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    ok_chars
        && id.contains('.')
        && id.split('.').all(|part| !part.is_empty() && !part.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[rules]]
id = "acme.key"
name = "Acme key"
provider = "Acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\b(?P<secret>acme_[a-z0-9]{16})\b'''
"#;

    #[test]
    fn parses_a_minimal_rule() {
        let rules = Rules::from_toml(ONE, "one.toml").unwrap();
        let r = rules.get("acme.key").unwrap();
        assert_eq!(r.kind(), Kind::ApiKey);
        assert_eq!(r.confidence(), Confidence::Medium);
        assert_eq!(r.source(), "one.toml:2");
    }

    #[test]
    fn unknown_key_names_file_line_column_and_rule() {
        let text = ONE.replace("kind = \"api-key\"", "kind = \"api-key\"\nkinde = 1");
        let err = Rules::from_toml(&text, "bad.toml").unwrap_err().to_string();
        assert!(err.starts_with("bad.toml:7:1: rule acme.key:"), "{err}");
        assert!(err.contains("kinde"), "{err}");
    }

    #[test]
    fn missing_keywords_is_an_error() {
        let text = ONE.replace("keywords = [\"acme_\"]", "keywords = []");
        let err = Rules::from_toml(&text, "k.toml").unwrap_err().to_string();
        assert_eq!(err, "k.toml:7:1: rule acme.key: a rule needs at least one keyword");
    }

    #[test]
    fn invalid_regex_points_at_pattern() {
        let text = ONE.replace("[a-z0-9]{16}", "[a-z0-9{16}");
        let err = Rules::from_toml(&text, "r.toml").unwrap_err().to_string();
        assert!(err.starts_with("r.toml:8:1: rule acme.key: invalid pattern"), "{err}");
    }

    #[test]
    fn bad_kind_confidence_checksum_and_id() {
        for (from, to, key_line) in [
            ("kind = \"api-key\"", "kind = \"apikey\"", 6),
            ("keywords", "confidence = \"sure\"\nkeywords", 7),
            ("keywords", "checksum = \"luhn9\"\nkeywords", 7),
            ("id = \"acme.key\"", "id = \"AcmeKey\"", 3),
        ] {
            let text = ONE.replace(from, to);
            let err = Rules::from_toml(&text, "x.toml").unwrap_err();
            assert_eq!(err.line(), Some(key_line), "{err}");
        }
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = format!("{ONE}\n{ONE}");
        let err = Rules::from_toml(&text, "d.toml").unwrap_err().to_string();
        assert!(err.contains("duplicate rule id"), "{err}");
        let mut a = Rules::from_toml(ONE, "a.toml").unwrap();
        let err = a.extend(Rules::from_toml(ONE, "b.toml").unwrap()).unwrap_err().to_string();
        assert!(err.contains("already defined at a.toml:2"), "{err}");
    }

    #[test]
    fn builtin_rules_are_loaded() {
        let rules = Rules::builtin();
        assert!(!rules.is_empty());
        assert!(!rules.global.stopwords.is_empty(), "global.toml's allowlist is embedded");
        for r in &rules {
            assert!(valid_id(r.id()), "{}", r.id());
        }
    }
}
