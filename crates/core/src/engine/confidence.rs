//! Confidence from evidence: a finding starts from its rule's confidence, and what the secret
//! and the text around it show raises or lowers it. Every step has a named [`Reason`].
//!
//! Runs once per finding, never per window, so its cost is proportional to what is reported.

use std::path::Path;

use super::filters;
use crate::finding::{FileRole, Reason};
use crate::rules::checksum::decode_base64;
use crate::rules::{Confidence, Kind, Rule};

/// A finding's confidence and the reasons behind it.
#[derive(Debug)]
pub(crate) struct Assessment {
    pub(crate) confidence: Confidence,
    pub(crate) reasons: Vec<Reason>,
    /// A generic rule's match that is plainly not a credential (code, a placeholder, a sample
    /// password, a test vector, a published example, an id): dropped, not reported at any
    /// threshold.
    pub(crate) drop: bool,
}

/// The reasons that drop a generic rule's match outright: code, placeholders, sample
/// passwords, test vectors, hash and id names, published examples. A provider's rule is only
/// lowered by them: its format is evidence of its own.
const DROPS_GENERIC: &[Reason] = &[
    Reason::Placeholder,
    Reason::DictionaryWord,
    Reason::TestVectorContext,
    Reason::HashLikeName,
    Reason::CodeValue,
    Reason::DocEllipsis,
    Reason::KnownExample,
    Reason::MalformedStructure,
    Reason::IdLikeValue,
];

/// How many lines either side are read for a table of same-shaped values.
const TABLE_LINES: usize = 6;
/// How far either side those lines are followed, in bytes.
const TABLE_REACH: usize = 4096;

/// Judges the secret at `start..end` of `hay`, found by `rule` in a file of `role`.
pub(crate) fn assess(
    rule: &Rule,
    hay: &[u8],
    start: usize,
    end: usize,
    role: Option<FileRole>,
) -> Assessment {
    let secret = &hay[start..end];
    let generic = rule.id().starts_with("generic.");
    // A checksum or a structure check validated the secret (the rule drops what fails it).
    let structural = rule.checksum.is_some() && !generic;
    let line = filters::line_of(hay, start, end);
    let line_start = line.as_ptr() as usize - hay.as_ptr() as usize;
    let before = &hay[line_start.max(start.saturating_sub(120))..start];
    let after = &hay[end..(line_start + line.len()).clamp(end, end + 40)];
    let mut reasons = Vec::new();

    // Evidence for.
    if structural {
        reasons.push(Reason::ChecksumValid);
    }
    let prefix = !generic
        && rule.keywords.iter().any(|k| {
            k.len() >= 3
                && secret.len() > k.len()
                && secret[..k.len()].eq_ignore_ascii_case(k.as_bytes())
        });
    if !generic {
        reasons.push(if prefix { Reason::ProviderPrefix } else { Reason::ProviderFormat });
    }
    // A value people choose (a password in a connection string, say), judged like a generic
    // rule's value: a provider's format tells where it is, not that it is random.
    let loose = generic
        || (!structural
            && !prefix
            && matches!(rule.kind, Kind::Password | Kind::ConnectionString | Kind::Credentials));
    let raw_name = bound_name(before);
    let name = raw_name.map(snake);
    let secret_name = name.as_deref().is_some_and(|n| means_secret(n.as_bytes()))
        || (name.as_deref().is_some_and(|n| n == "value") && means_secret(&lower(before)));
    if secret_name {
        reasons.push(Reason::KeywordAssignment);
    }
    let decoded_basic = basic_password(rule, secret);
    let value = decoded_basic.as_deref().unwrap_or(secret);
    let random = high_entropy(value) && !encodes_text(value);
    if random {
        reasons.push(Reason::HighEntropy);
    }

    // Evidence against.
    let lowered = lower(secret);
    if is_placeholder(&lowered, loose) {
        reasons.push(Reason::Placeholder);
    }
    // A passphrase of words (`Bluebird-77-Sky`) is not random, but people use them: lowered,
    // never dropped. An identifier made of words (`UnimplementedOKPCurveKey`) is code.
    let words_value = made_of_words(value);
    let dictionary = is_dictionary_like(value);
    let passphrase = value.len() >= 10 && value.contains(&b'-') && (words_value || dictionary);
    if loose && (dictionary || passphrase) {
        reasons.push(Reason::DictionaryWord);
    }
    if !structural && in_test_vectors(hay, start, end, secret, raw_name, line) {
        reasons.push(Reason::TestVectorContext);
    }
    if has_ellipsis(secret, before, after) {
        reasons.push(Reason::DocEllipsis);
    }
    if name.as_deref().is_some_and(hash_like) {
        reasons.push(Reason::HashLikeName);
    }
    if !structural && (is_code(secret, after, loose) || (loose && words_value && !passphrase)) {
        reasons.push(Reason::CodeValue);
    }
    if !structural && repeated_or_sequential(value, generic) {
        reasons.push(Reason::RepeatedOrSequential);
    }
    if KNOWN_EXAMPLES.iter().any(|k| memchr::memmem::find(secret, k.as_bytes()).is_some()) {
        reasons.push(Reason::KnownExample);
    }
    if generic && malformed_jwt(secret) {
        reasons.push(Reason::MalformedStructure);
    }
    if (generic && uuid_like(secret)) || rule.kind == Kind::PasswordHash {
        // A password hash authenticates nobody: it is reported, for cracking risk, but low.
        reasons.push(Reason::IdLikeValue);
    }
    if generic && role == Some(FileRole::Docs) {
        reasons.push(Reason::DocsContext);
    }
    reasons.sort_unstable();
    reasons.dedup();

    let base = rule.confidence;
    let against = |r: &Reason| r.is_downgrade();
    let confidence = if generic {
        // A generic rule reaches medium only for a random-looking value bound to a name that
        // means a secret, with nothing against it.
        if secret_name && random && !reasons.iter().any(against) {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    } else if structural || base == Confidence::High {
        // A unique prefix or a validated structure holds against context (a key in a test
        // fixture is still a key), but not against a published example or a placeholder.
        let fatal = |r: &Reason| {
            matches!(r, Reason::Placeholder | Reason::KnownExample | Reason::DocEllipsis)
        };
        if reasons.iter().any(fatal) { Confidence::Low } else { base }
    } else if reasons.iter().any(against) {
        // A provider's format without a checksum: any sign of a sample value lowers it.
        Confidence::Low
    } else if base == Confidence::Low && random && secret_name {
        // A provider's loose format, random and bound to a name that means a secret.
        Confidence::Medium
    } else {
        base
    };
    let drop = generic
        && reasons
            .iter()
            .any(|r| DROPS_GENERIC.contains(r) && !(passphrase && *r == Reason::DictionaryWord));
    Assessment { confidence, reasons, drop }
}

fn lower(b: &[u8]) -> Vec<u8> {
    b.to_ascii_lowercase()
}

/// The name a value is bound to: the identifier before the assignment that precedes the
/// secret (`db_password = "…"`, `"api_key": "…"`, `--password=`, `<password>`).
fn bound_name(before: &[u8]) -> Option<&[u8]> {
    let mut i = before.len();
    // The value's opening: quotes, string prefixes, blanks, operators, brackets.
    let mut ops = 0;
    while i > 0 {
        let c = before[i - 1];
        if matches!(
            c,
            b'"' | b'\'' | b'`' | b' ' | b'\t' | b'\\' | b'[' | b']' | b'>' | b'(' | b','
        ) {
            i -= 1;
        } else if matches!(c, b'=' | b':' | b'!' | b'-') {
            ops += 1;
            i -= 1;
        } else if ops == 0
            && matches!(c, b'r' | b'b' | b'u' | b'@' | b'f')
            && i >= 2
            && !before[i - 2].is_ascii_alphanumeric()
        {
            i -= 1;
        } else {
            break;
        }
        if before.len() - i > 24 {
            break;
        }
    }
    let end = i;
    let mut j = end;
    while j > 0
        && (before[j - 1].is_ascii_alphanumeric()
            || matches!(before[j - 1], b'_' | b'.' | b'-' | b'$'))
    {
        j -= 1;
    }
    if j == end {
        return None;
    }
    let name = &before[j..end];
    // Type annotations: `DB_PASSWORD: &str = "…"`.
    if matches!(name, b"str" | b"String" | b"string") {
        return bound_name(before[..j].strip_suffix(b"&").unwrap_or(&before[..j]));
    }
    Some(name)
}

/// A name in snake_case, lower-cased: `settings.authToken` gives `auth_token` (the last part of
/// a dotted path names the value).
fn snake(name: &[u8]) -> String {
    let name = name.strip_prefix(b"--").or_else(|| name.strip_prefix(b"-")).unwrap_or(name);
    let name = match name.iter().rposition(|&c| c == b'.') {
        Some(dot) if dot + 1 < name.len() => &name[dot + 1..],
        _ => name,
    };
    let mut out = String::with_capacity(name.len() + 4);
    for (k, &c) in name.iter().enumerate() {
        if c.is_ascii_uppercase() && k > 0 && name[k - 1].is_ascii_lowercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase() as char);
    }
    out
}

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "credential",
    "credentials",
    "auth",
    "private_key",
    "privatekey",
    "access_key",
    "accesskey",
    "signing_key",
    "encryption_key",
    "master_key",
    "session_key",
    "client_key",
    "app_key",
    "account_key",
    "service_key",
    "key",
    "dsn",
    "bearer",
    "basic",
];

/// Whether a name (or a stretch of text) means a secret.
fn means_secret(name: &[u8]) -> bool {
    let name = std::str::from_utf8(name).unwrap_or("");
    words(name).any(|w| SECRET_WORDS.contains(&w))
        || [
            "password",
            "passwd",
            "pwd",
            "secret",
            "token",
            "apikey",
            "api_key",
            "credential",
            "private_key",
        ]
        .iter()
        .any(|w| name.contains(w))
}

fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty())
}

/// Words that say a value is a hash or test data wherever they stand in its name.
const HASH_WORDS: &[&str] = &[
    "hash",
    "hashed",
    "digest",
    "checksum",
    "nonce",
    "salt",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "md5",
    "fingerprint",
    "etag",
    "crc",
    "expected",
    "vector",
    "vectors",
    "ciphertext",
    "plaintext",
    "kat",
    "csrf",
    "xsrf",
    "authenticity",
    "ephemeral",
];

/// Words that say so as the last word of a name (`client_id`, but not `id_token`).
const ID_WORDS: &[&str] =
    &["id", "uuid", "guid", "iv", "kid", "hex", "pub", "public", "msg", "name"];

/// Whether a name says its value is a hash, an id or test data rather than a secret.
fn hash_like(name: &str) -> bool {
    words(name).any(|w| HASH_WORDS.contains(&w))
        || words(name).last().is_some_and(|w| ID_WORDS.contains(&w))
}

/// Random-looking: long enough, and high entropy for its alphabet.
fn high_entropy(secret: &[u8]) -> bool {
    let n = secret.len();
    let entropy = filters::shannon_entropy(secret);
    let hex = secret.iter().all(u8::is_ascii_hexdigit);
    if hex {
        return n >= 32 && entropy >= 3.4;
    }
    let classes = filters::char_classes(secret);
    (n >= 20 && entropy >= 3.7 && classes >= 2) || (n >= 14 && entropy >= 3.5 && classes >= 3)
}

/// Base64 whose bytes are readable text (`dXNlcjpwYXNzd29yZA==`): an encoding of words, not
/// key material.
fn encodes_text(value: &[u8]) -> bool {
    if value.len() < 12 || !value.len().is_multiple_of(4) && !value.ends_with(b"=") {
        return false;
    }
    decode_base64(value)
        .is_some_and(|d| d.len() >= 8 && d.iter().all(|b| b.is_ascii_graphic() || *b == b' '))
}

/// A value that starts like a JWT (`eyJ`) but is not a signed three-part token: a header
/// alone, an unsigned token, an encrypted five-part one (a valid JWT is the JWT rule's).
fn malformed_jwt(secret: &[u8]) -> bool {
    if !secret.starts_with(b"eyJ") {
        return false;
    }
    let parts: Vec<&[u8]> = secret.split(|&c| c == b'.').collect();
    !(parts.len() == 3 && parts[1].len() >= 4 && parts[2].len() >= 32)
}

/// A UUID (`8-4-4-4-12` hex digits), or a password
/// hash in a `crypt` or Django format (`md5$salt$hash`, `$2b$12$…`).
fn uuid_like(secret: &[u8]) -> bool {
    let hash_format = secret.iter().filter(|&&c| c == b'$').count() >= 2
        && secret.split(|&c| c == b'$').find(|p| !p.is_empty()).is_some_and(|alg| {
            alg.len() <= 24 && alg.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        });
    if hash_format {
        return true;
    }
    let groups: Vec<usize> = secret.split(|&c| c == b'-').map(<[u8]>::len).collect();
    groups == [8, 4, 4, 4, 12] && secret.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-')
}

/// Marks of a placeholder in any secret.
const PLACEHOLDER_MARKS: &[&str] = &[
    "example",
    "placeholder",
    "xxxxx",
    "changeme",
    "change_me",
    "redacted",
    "[filtered]",
    "insert_",
    "insert-",
    "replace_",
    "replace-",
    "your_",
    "your-",
    "*****",
    ".....",
];

/// Words that, inside a generic rule's value, show a person wrote it (a provider's token can
/// hold them by chance, or as its prefix: `AGE-SECRET-KEY-1…`).
const PLACEHOLDER_WORDS: &[&str] = &[
    "sample", "dummy", "fake", "your", "secret", "password", "passw0rd", "token", "test", "demo",
    "foo", "bar", "baz", "lorem", "todo", "fixme", "mock", "invalid", "hello", "world", "<", ">",
    "pass", "asdf", "qwer", "zxcv", "1234", "tiger", "scott", "hunter", "user", "admin", "none",
    "null",
];

fn is_placeholder(lowered: &[u8], generic: bool) -> bool {
    let has = |text: &[u8], w: &&str| memchr::memmem::find(text, w.as_bytes()).is_some();
    if PLACEHOLDER_MARKS.iter().any(|w| has(lowered, w)) {
        return true;
    }
    // Leet speak hides the words: `P@ssw0rd`, `Pa55word`.
    let plain: Vec<u8> = lowered
        .iter()
        .map(|&c| match c {
            b'0' => b'o',
            b'3' => b'e',
            b'4' | b'@' => b'a',
            b'5' | b'$' => b's',
            b'7' => b't',
            c => c,
        })
        .collect();
    generic && PLACEHOLDER_WORDS.iter().any(|w| has(lowered, w) || has(&plain, w))
}

/// Passwords people choose for tests and docs: a word, perhaps in leet speak, perhaps with a
/// few digits or a sign after it (`hunter2`, `secret123`, `Tr0ub4dor`, `P@ssw0rd!`), or short.
fn is_dictionary_like(value: &[u8]) -> bool {
    if value.len() < 8 || value.contains(&b' ') {
        return true;
    }
    // Digits and signs after the word (`secret123`, `hunter2!`) are the usual decoration.
    let mut e = value.len();
    while e > 0 && !value[e - 1].is_ascii_alphabetic() {
        e -= 1;
    }
    let trimmed: Vec<u8> = value[..e]
        .iter()
        .map(|&c| match c {
            b'0' => b'o',
            b'1' | b'!' => b'i',
            b'3' => b'e',
            b'4' | b'@' => b'a',
            b'5' | b'$' => b's',
            b'7' => b't',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    // Words joined by `_` or `-`: `AT_with_valid_scope1_valid_scope2`.
    let parts: Vec<&[u8]> = value.split(|&c| c == b'_' || c == b'-').collect();
    let wordy =
        parts.iter().filter(|p| p.len() >= 3 && p.iter().all(u8::is_ascii_lowercase)).count();
    if parts.len() >= 3 && wordy >= 2 {
        return true;
    }
    // Leet speak swaps a few letters, and a word is in one case or capitalised: a random
    // token (`7ZAokc7DPk7NGi`) swaps many and mixes cases throughout.
    let swapped = value[..e].iter().filter(|c| !c.is_ascii_alphabetic()).count();
    let upper = value[..e].iter().filter(|c| c.is_ascii_uppercase()).count();
    let one_case = upper <= 2 || value[..e].iter().all(|c| !c.is_ascii_lowercase());
    let letters = swapped <= 3
        && one_case
        && trimmed.iter().all(|c| c.is_ascii_alphabetic() || matches!(c, b'-' | b'_' | b' '));
    if letters && !trimmed.is_empty() && value.len() <= 16 {
        // One or two words: few case changes in the original.
        let changes = value
            .windows(2)
            .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
            .count();
        return changes <= 2;
    }
    false
}

/// For Basic credentials, the password after decoding `user:password`.
fn basic_password(rule: &Rule, secret: &[u8]) -> Option<Vec<u8>> {
    if rule.id() != "generic.authorization-basic" {
        return None;
    }
    let decoded = decode_base64(secret)?;
    let colon = decoded.iter().position(|&c| c == b':')?;
    Some(decoded[colon + 1..].to_vec())
}

/// Documentation shortens a value with an ellipsis: `9cbaf023…`, `sk_live_...`.
fn has_ellipsis(secret: &[u8], before: &[u8], after: &[u8]) -> bool {
    const DOTS: [&[u8]; 2] = [b"...", "\u{2026}".as_bytes()];
    DOTS.iter().any(|d| {
        secret.ends_with(d) || secret.starts_with(d) || after.starts_with(d) || before.ends_with(d)
    })
}

/// A value that is code: a call, an interpolation, a path, a module path or a constant's name.
fn is_code(secret: &[u8], after: &[u8], generic: bool) -> bool {
    const MARKS: &[&[u8]] = &[b"${", b"#{", b"{{", b"%s", b"%(", b"::", b"->", b"()", b"=>"];
    if MARKS.iter().any(|m| memchr::memmem::find(secret, m).is_some()) {
        return true;
    }
    if secret.starts_with(b"/") || secret.starts_with(b"./") || secret.starts_with(b"$") {
        return true;
    }
    // An unquoted value followed by a call or an operator: `KEY = make_key(…)`.
    let rest = after.iter().skip_while(|c| **c == b' ').copied().collect::<Vec<u8>>();
    if rest.starts_with(b"(") || rest.starts_with(b"+ ") || rest.starts_with(b"..") {
        return true;
    }
    // A constant or identifier: `ALICE_PRIVATE_KEY`, `some_module.attr`.
    let ident = |s: &[u8]| {
        !s.is_empty()
            && (s[0].is_ascii_alphabetic() || s[0] == b'_')
            && s.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    let upper_const =
        ident(secret) && secret.contains(&b'_') && secret.iter().all(|c| !c.is_ascii_lowercase());
    let dotted = secret.split(|c| *c == b'.').count() > 1
        && secret.split(|c| *c == b'.').all(|p| ident(p) && p.len() <= 32);
    let file_name = [".key", ".pem", ".crt", ".json", ".txt", ".p12", ".pfx", ".jks", ".der"]
        .iter()
        .any(|e| secret.to_ascii_lowercase().ends_with(e.as_bytes()));
    let module =
        secret.first() == Some(&b'.') && secret.get(1).is_some_and(u8::is_ascii_alphabetic);
    generic && (upper_const || dotted || file_name || module)
}

/// A value made of words: an identifier (`UnimplementedOKPCurveKey`, `BOB_dh2048_different_pg`,
/// `ed25519PrivateKey`) or a passphrase (`mail-Relay-2291`). Each part (split at `_`, `-`, `.` and lower-to-upper case changes) is
/// a lower-case word, a capitalised word, a short acronym or a short number; a random token
/// breaks that within a few characters.
fn made_of_words(secret: &[u8]) -> bool {
    if !secret.first().is_some_and(u8::is_ascii_alphabetic)
        || !secret.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        return false;
    }
    let mut parts: Vec<&[u8]> = Vec::new();
    for chunk in secret.split(|c| matches!(c, b'_' | b'-' | b'.')) {
        let mut from = 0;
        for k in 1..chunk.len() {
            if chunk[k - 1].is_ascii_lowercase() && chunk[k].is_ascii_uppercase() {
                parts.push(&chunk[from..k]);
                from = k;
            }
        }
        parts.push(&chunk[from..]);
    }
    // A word of four or more letters has vowels: `different`, not `tygzugf`.
    let spoken = |w: &[u8]| {
        let vowels = w.iter().filter(|c| b"aeiouy".contains(&c.to_ascii_lowercase())).count();
        w.len() < 4 || vowels * 4 >= w.len()
    };
    let word = |p: &&[u8]| {
        let letters = p.iter().filter(|c| c.is_ascii_alphabetic()).count();
        let digits = p.len() - letters;
        match p {
            [] => true,
            [first, ..] if first.is_ascii_uppercase() => {
                // `Curve`, an acronym (`FIPS186`, `NAMED`), or an acronym followed by a word
                // (`OKPCurve`, `OAuth`: one part, as the split is at lower-to-upper changes).
                let caps = p.iter().take_while(|c| c.is_ascii_uppercase()).count();
                let tail = &p[caps..];
                (tail.len() >= 2 && tail.iter().all(u8::is_ascii_lowercase) && spoken(p))
                    || (p.len() <= 10
                        && p.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
            }
            _ => {
                (p.iter().all(u8::is_ascii_lowercase) && p.len() >= 2 && spoken(p))
                    || (digits > 0 && p.len() <= 7 && letters <= 3)
                    || p.iter().all(u8::is_ascii_digit) && p.len() <= 4
            }
        }
    };
    parts.len() >= 2 && parts.iter().all(word)
}

/// `aaaaaa`, `123456`, `abcdef`, `abcabcabc`: a person typing, not a generator.
fn repeated_or_sequential(value: &[u8], generic: bool) -> bool {
    let n = value.len();
    if n < 4 {
        return false;
    }
    // A provider's format has fixed parts (`-----BEGIN`, a DSN's project number): only a
    // long run of one byte, or a whole value repeating itself, counts there.
    if !generic && n > 100 {
        // Key blocks: DER holds runs of zero bytes (`AAAAAAAA`) by design.
        return false;
    }
    let (max_run, max_seq) = if generic { (5, 6) } else { (8, usize::MAX) };
    let mut run = 1;
    let mut seq = 1;
    for w in value.windows(2) {
        // Runs of blanks and dashes are layout (indentation, `-----BEGIN`), not the value.
        run = if w[0] == w[1] && w[0].is_ascii_alphanumeric() { run + 1 } else { 1 };
        seq =
            if w[1] == w[0].wrapping_add(1) || w[0] == w[1].wrapping_add(1) { seq + 1 } else { 1 };
        if run >= max_run || seq >= max_seq {
            return true;
        }
    }
    // A short period repeated: `abcabcabc`.
    (1..=n / 3).any(|p| value[p..].iter().zip(value).all(|(a, b)| a == b))
}

/// Words that mark a line of a known-answer test or an RFC vector.
fn known_answer_marker(line: &[u8]) -> bool {
    const MARKS: &[&str] =
        &["test vector", "known answer", "known-answer", "testvector", "kat_", "_kat"];
    MARKS.iter().any(|m| memchr::memmem::find(line, m.as_bytes()).is_some())
}

/// Whether the secret is one of a set of test vectors: a known-answer marker on its line, a
/// hex value among other hex values of its length (on its line or in a table of nearby lines),
/// or a name bound to several different values of the same shape nearby (`SharedSecret=…`
/// records, `"passwd": …` tables).
fn in_test_vectors(
    hay: &[u8],
    start: usize,
    end: usize,
    secret: &[u8],
    name: Option<&[u8]>,
    line: &[u8],
) -> bool {
    if known_answer_marker(&lower(line)) {
        return true;
    }
    let hex = secret.iter().all(u8::is_ascii_hexdigit);
    if hex && secret.len() >= 16 {
        let others = runs(line, Shape::Hex, 16, usize::MAX).count().saturating_sub(1);
        if others >= 2 || in_table(hay, start, end, secret) {
            return true;
        }
    }
    // Hex values are test data more often than tokens: two others suffice there.
    let others = if hex { 2 } else { 4 };
    name.is_some_and(|name| {
        name.len() >= 3 && same_name_values(hay, start, end, secret, name) >= others
    })
}

/// How many different values of the secret's shape and about its length are bound to `name`
/// within `TABLE_REACH` bytes either side.
fn same_name_values(hay: &[u8], start: usize, end: usize, secret: &[u8], name: &[u8]) -> usize {
    let lo = start.saturating_sub(2 * TABLE_REACH);
    let hi = end.saturating_add(2 * TABLE_REACH).min(hay.len());
    let want = if secret.iter().all(u8::is_ascii_hexdigit) { Shape::Hex } else { Shape::Base64 };
    let n = secret.len();
    // Known-answer records vary the length of a hex value with the curve or hash they test.
    let (min, max) = if want == Shape::Hex { (16, usize::MAX) } else { (n * 3 / 4, n * 5 / 4 + 1) };
    let mut seen: Vec<&[u8]> = Vec::new();
    for at in memchr::memmem::find_iter(&hay[lo..hi], name) {
        let mut k = lo + at + name.len();
        let stop = (k + 8).min(hi);
        while k < stop && matches!(hay[k], b'"' | b'\'' | b' ' | b'\t' | b'=' | b':') {
            k += 1;
        }
        let from = k;
        while k < hi && fits(want, hay[k]) {
            k += 1;
        }
        let value = &hay[from..k];
        if value.len() >= min
            && value.len() <= max
            && value != secret
            && !seen.contains(&value)
            && !repeated_or_sequential(value, true)
        {
            seen.push(value);
            if seen.len() >= 4 {
                break;
            }
        }
    }
    seen.len()
}

/// The secret's alphabet, for comparing shapes.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Shape {
    Hex,
    Base64,
}

fn fits(shape: Shape, b: u8) -> bool {
    match shape {
        Shape::Hex => b.is_ascii_hexdigit(),
        Shape::Base64 => b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'),
    }
}

/// The runs of `shape` bytes in `line` whose length is within `min..=max`.
fn runs(line: &[u8], shape: Shape, min: usize, max: usize) -> impl Iterator<Item = &[u8]> {
    line.split(move |&b| !fits(shape, b)).filter(move |r| r.len() >= min && r.len() <= max)
}

/// Whether a hex secret sits in a table: three or more nearby lines hold a hex value of about
/// its length (known-answer tests, RFC vectors, fixtures of digests).
fn in_table(hay: &[u8], start: usize, end: usize, secret: &[u8]) -> bool {
    let n = secret.len();
    let (min, max) = (n * 3 / 4, n * 5 / 4 + 1);
    let lo = start.saturating_sub(TABLE_REACH);
    let hi = end.saturating_add(TABLE_REACH).min(hay.len());
    let has = |line: &[u8]| runs(line, Shape::Hex, min, max).next().is_some();
    let line_lo = memchr::memrchr(b'\n', &hay[lo..start]).map_or(lo, |p| lo + p);
    let before = hay[lo..line_lo].rsplit(|&c| c == b'\n').take(TABLE_LINES).filter(|l| has(l));
    let line_hi = memchr::memchr(b'\n', &hay[end..hi]).map_or(hi, |p| end + p + 1);
    let after =
        hay[line_hi.min(hi)..hi].split(|&c| c == b'\n').take(TABLE_LINES).filter(|l| has(l));
    before.count() + after.count() >= 3
}
/// Credentials published as examples in RFCs, vendors' documentation and local emulators:
/// whoever finds them in a tree has found documentation, not a leak.
const KNOWN_EXAMPLES: &[&str] = &[
    // RFC 6749 (OAuth 2.0) and RFC 6750 example tokens and client credentials.
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
    "SplxlOBeZQQYbYS6WxSbIA",
    "7Fjfp0ZBr1KtDRbnfVdmIw",
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    "s6BhdRkqt3",
    "mF_9.B5f-4.1JqM",
    // RFC 7617 and RFC 2617 Basic examples (Aladdin:open sesame).
    "QWxhZGRpbjpvcGVuIHNlc2FtZQ",
    // The jwt.io example token's claims (John Doe, 1516239022).
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    // AWS documentation keys.
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    // MinIO's public play server.
    "Q3AM3UQ867SPQQA43P2F",
    "zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG",
    // The Azure Storage emulator (Azurite) account key.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // The Azure Cosmos DB emulator key.
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
];

/// What a file is for, from the components of its path.
pub(crate) fn file_role(path: &Path) -> Option<FileRole> {
    let mut role = None;
    let rank = |r: FileRole| match r {
        FileRole::Fixture => 0,
        FileRole::Generated => 1,
        FileRole::Vendored => 2,
        FileRole::Docs => 3,
        FileRole::Test => 4,
    };
    let mut consider = |r: FileRole| {
        if role.is_none_or(|old| rank(r) < rank(old)) {
            role = Some(r);
        }
    };
    let count = path.components().count();
    for (k, component) in path.components().enumerate() {
        let Some(part) = component.as_os_str().to_str() else { continue };
        let part = part.to_ascii_lowercase();
        let file = k + 1 == count;
        if !file {
            match part.as_str() {
                "fixtures" | "fixture" | "testdata" | "test_data" | "test-data" | "cassettes"
                | "vectors" | "test-vectors" | "test_vectors" | "recordings" => {
                    consider(FileRole::Fixture)
                }
                "test" | "tests" | "testing" | "spec" | "specs" | "__tests__" | "t"
                | "unittests" | "unit_tests" | "integration_tests" => consider(FileRole::Test),
                "examples" | "example" | "samples" | "sample" | "man" | "tutorial"
                | "tutorials" => consider(FileRole::Docs),
                p if p.starts_with("doc") => consider(FileRole::Docs),
                "vendor" | "vendored" | "third_party" | "third-party" | "thirdparty"
                | "node_modules" | "site-packages" => consider(FileRole::Vendored),
                "generated" | "gen" | "__generated__" => consider(FileRole::Generated),
                _ => {}
            }
        } else {
            let ext = part.rsplit_once('.').map_or("", |(_, e)| e);
            if part.ends_with(".min.js") || part.ends_with("_pb2.py") || part.ends_with(".pb.go") {
                consider(FileRole::Generated);
            } else if part.starts_with("test_")
                || part.contains("_test.")
                || part.contains(".test.")
                || part.contains(".spec.")
                || part.starts_with("test.")
                || part.contains("tests.")
            {
                consider(FileRole::Test);
            } else if matches!(ext, "md" | "rst" | "adoc" | "markdown" | "html" | "texi" | "pod")
                || part.starts_with("readme")
                || part == "pkg-info"
                || part.contains("example")
            {
                consider(FileRole::Docs);
            }
        }
    }
    role
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    fn judge(rule: &str, text: &str, secret: &str) -> Assessment {
        let rules = Rules::builtin();
        let rule = rules.iter().find(|r| r.id() == rule).unwrap();
        let start = text.find(secret).unwrap();
        assess(rule, text.as_bytes(), start, start + secret.len(), None)
    }

    #[test]
    fn a_random_value_bound_to_a_secret_name_is_medium() {
        let a = judge(
            "generic.secret",
            r#"API_KEY = "a8Kd92jXk3L0pQ7rT5vW1yZ4""#, // tokenhound:allow (made up for this test)
            "a8Kd92jXk3L0pQ7rT5vW1yZ4",
        );
        assert_eq!(a.confidence, Confidence::Medium, "{:?}", a.reasons);
        assert!(a.reasons.contains(&Reason::KeywordAssignment));
        assert!(a.reasons.contains(&Reason::HighEntropy));
    }

    #[test]
    fn sample_passwords_and_hash_names_stay_low() {
        let a = judge("generic.password", r#"password = "hunter2""#, "hunter2");
        assert_eq!(a.confidence, Confidence::Low);
        assert!(a.reasons.contains(&Reason::DictionaryWord));
        let a = judge(
            "generic.secret",
            r#"nonce_hex = "a8Kd92jXk3L0pQ7rT5vW1yZ4""#,
            "a8Kd92jXk3L0pQ7rT5vW1yZ4",
        );
        assert!(a.reasons.contains(&Reason::HashLikeName), "{:?}", a.reasons);
        assert_eq!(a.confidence, Confidence::Low);
        let a = judge(
            "generic.secret",
            r#"token = "2YotnFZFEjr1zCsicMWpAA""#,
            "2YotnFZFEjr1zCsicMWpAA",
        );
        assert!(a.reasons.contains(&Reason::KnownExample));
    }

    #[test]
    fn a_table_of_same_shaped_values_is_a_test_vector() {
        let mut text = String::new();
        for k in 0..5 {
            text.push_str(&format!("key = {k}f1e2d3c4b5a69788796a5b4c3d2e1f0{k}a\n"));
        }
        let secret = "2f1e2d3c4b5a69788796a5b4c3d2e1f02a"; // tokenhound:allow (test value)
        let a = judge("generic.secret-config", &text, secret);
        assert!(a.reasons.contains(&Reason::TestVectorContext), "{:?}", a.reasons);
    }

    #[test]
    fn names_are_read_across_syntaxes() {
        for (before, name) in [
            (r#"db_password = ""#, "db_password"),
            (r#""api_key": ""#, "api_key"),
            ("const DB_PASSWORD: &str = \"", "db_password"),
            ("let authToken = '", "auth_token"),
            ("--password=", "password"),
            ("<password>", "password"),
            ("settings.auth.secret_key = r'", "secret_key"),
        ] {
            assert_eq!(bound_name(before.as_bytes()).map(snake).as_deref(), Some(name), "{before}");
        }
    }

    #[test]
    fn file_roles_from_paths() {
        assert_eq!(file_role(Path::new("src/app/settings.py")), None);
        assert_eq!(file_role(Path::new("tests/test_auth.py")), Some(FileRole::Test));
        assert_eq!(file_role(Path::new("tests/fixtures/key.pem")), Some(FileRole::Fixture));
        assert_eq!(file_role(Path::new("docs/usage.rst")), Some(FileRole::Docs));
        assert_eq!(file_role(Path::new("vendor/x/y.go")), Some(FileRole::Vendored));
        assert_eq!(file_role(Path::new("web/app.min.js")), Some(FileRole::Generated));
    }

    #[test]
    fn words_and_sequences() {
        for w in ["hunter2", "secret123", "tiger", "Tr0ub4dor", "P@ssw0rd!"] {
            assert!(is_dictionary_like(w.as_bytes()), "{w}");
        }
        assert!(!is_dictionary_like(b"kR7#vLq92!pZ"));
        assert!(repeated_or_sequential(b"abcdefgh", true));
        assert!(repeated_or_sequential(b"xyzxyzxyz", true));
        assert!(!repeated_or_sequential(b"kR7#vLq92!pZ", true));
        assert!(!repeated_or_sequential(b"-----BEGIN PRIVATE KEY-----", false));
    }
}
