//! Confidence from evidence: a finding starts from its rule's confidence, and what the secret
//! and the text around it show raises or lowers it. Every step has a named [`Reason`].
//!
//! Runs once per finding, never per window, so its cost is proportional to what is reported.

use std::path::Path;

use super::filters;
use crate::finding::{FileRole, Reason};
use crate::rules::checksum::decode_base64;
use crate::rules::{Confidence, Rule};

/// A finding's confidence and the reasons behind it.
#[derive(Debug)]
pub(crate) struct Assessment {
    pub(crate) confidence: Confidence,
    pub(crate) reasons: Vec<Reason>,
}

/// How many lines either side are read for a table of same-shaped values.
const TABLE_LINES: usize = 6;
/// How far either side those lines are followed, in bytes.
const TABLE_REACH: usize = 4096;

/// Judges the secret at `start..end` of `hay`, found by `rule`.
pub(crate) fn assess(rule: &Rule, hay: &[u8], start: usize, end: usize) -> Assessment {
    let secret = &hay[start..end];
    let generic = rule.id().starts_with("generic.");
    let line = filters::line_of(hay, start, end);
    let line_start = line.as_ptr() as usize - hay.as_ptr() as usize;
    let before = &hay[line_start.max(start.saturating_sub(120))..start];
    let after = &hay[end..(line_start + line.len()).clamp(end, end + 40)];
    let mut reasons = Vec::new();

    // Evidence for.
    if rule.checksum.is_some() && !generic {
        reasons.push(Reason::ChecksumValid);
    }
    if !generic {
        let prefix = rule.keywords.iter().any(|k| {
            k.len() >= 3 && secret.len() > k.len() && secret[..k.len()].eq_ignore_ascii_case(k.as_bytes())
        });
        reasons.push(if prefix { Reason::ProviderPrefix } else { Reason::ProviderFormat });
    }
    let name = bound_name(before);
    let secret_name = name.as_deref().is_some_and(|n| means_secret(n.as_bytes()))
        || (name.as_deref().is_some_and(|n| n == "value") && means_secret(&lower(before)));
    if secret_name {
        reasons.push(Reason::KeywordAssignment);
    }
    let random = high_entropy(secret);
    if random {
        reasons.push(Reason::HighEntropy);
    }

    // Evidence against.
    let lowered = lower(secret);
    let decoded_basic = basic_password(rule, secret);
    let value = decoded_basic.as_deref().unwrap_or(secret);
    if is_placeholder(&lowered) {
        reasons.push(Reason::Placeholder);
    }
    if is_dictionary_like(value) {
        reasons.push(Reason::DictionaryWord);
    }
    if (secret.len() >= 16 && in_table(hay, start, end, secret))
        || known_answer_marker(&lower(line))
    {
        reasons.push(Reason::TestVectorContext);
    }
    if has_ellipsis(secret, before, after) {
        reasons.push(Reason::DocEllipsis);
    }
    if name.as_deref().is_some_and(hash_like) {
        reasons.push(Reason::HashLikeName);
    }
    if is_code(secret, after) {
        reasons.push(Reason::CodeValue);
    }
    if repeated_or_sequential(value) {
        reasons.push(Reason::RepeatedOrSequential);
    }
    if KNOWN_EXAMPLES.iter().any(|k| memchr::memmem::find(secret, k.as_bytes()).is_some()) {
        reasons.push(Reason::KnownExample);
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
    } else if base == Confidence::High {
        // A unique prefix or a validated structure holds against context (a key in a test
        // fixture is still a key), but not against a published example or a placeholder.
        let fatal = |r: &Reason| {
            matches!(r, Reason::Placeholder | Reason::KnownExample | Reason::DocEllipsis)
        };
        if reasons.iter().any(fatal) { Confidence::Low } else { base }
    } else if reasons.iter().any(|r| {
        // A provider's format without a checksum: any sign of a sample value lowers it.
        against(r) && !(*r == Reason::TestVectorContext && reasons.contains(&Reason::ProviderPrefix))
    }) {
        Confidence::Low
    } else {
        base
    };
    Assessment { confidence, reasons }
}

fn lower(b: &[u8]) -> Vec<u8> {
    b.to_ascii_lowercase()
}

/// The name a value is bound to: the identifier before the assignment that precedes the
/// secret (`db_password = "…"`, `"api_key": "…"`, `--password=`, `<password>`), lower-cased.
fn bound_name(before: &[u8]) -> Option<String> {
    let mut i = before.len();
    // The value's opening: quotes, string prefixes, blanks, operators, brackets.
    let mut ops = 0;
    while i > 0 {
        let c = before[i - 1];
        if matches!(c, b'"' | b'\'' | b'`' | b' ' | b'\t' | b'\\' | b'[' | b']' | b'>' | b'(' | b',') {
            i -= 1;
        } else if matches!(c, b'=' | b':' | b'!' | b'-') {
            ops += 1;
            i -= 1;
        } else if ops == 0 && matches!(c, b'r' | b'b' | b'u' | b'@' | b'f') && i >= 2 && !before[i - 2].is_ascii_alphanumeric() {
            i -= 1;
        } else {
            break;
        }
        if before.len() - i > 24 {
            break;
        }
    }
    // Type annotations: `DB_PASSWORD: &str = "…"`.
    let end = i;
    let mut j = end;
    while j > 0 && (before[j - 1].is_ascii_alphanumeric() || matches!(before[j - 1], b'_' | b'.' | b'-' | b'$')) {
        j -= 1;
    }
    if j == end {
        return None;
    }
    let mut name = &before[j..end];
    if matches!(name, b"str" | b"String" | b"string") {
        return bound_name(&before[..j]);
    }
    // `settings.auth.password`: the last part names the value.
    if let Some(dot) = name.iter().rposition(|&c| c == b'.') {
        if dot + 1 < name.len() {
            name = &name[dot + 1..];
        }
    }
    // Split camelCase into snake_case so that `authToken` and `nonceHex` read as words.
    let mut out = String::with_capacity(name.len() + 4);
    for (k, &c) in name.iter().enumerate() {
        if c.is_ascii_uppercase() && k > 0 && name[k - 1].is_ascii_lowercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase() as char);
    }
    Some(out)
}

const SECRET_WORDS: &[&str] = &[
    "password", "passwd", "passphrase", "pwd", "pass", "secret", "token", "apikey", "api_key",
    "api-key", "credential", "credentials", "auth", "private_key", "privatekey", "access_key",
    "accesskey", "signing_key", "encryption_key", "master_key", "session_key", "client_key",
    "app_key", "account_key", "service_key", "key", "dsn",
];

/// Whether a name (or a stretch of text) means a secret.
fn means_secret(name: &[u8]) -> bool {
    let name = std::str::from_utf8(name).unwrap_or("");
    words(name).any(|w| SECRET_WORDS.contains(&w))
        || ["password", "passwd", "secret", "token", "apikey", "api_key", "credential", "private_key"]
            .iter()
            .any(|w| name.contains(w))
}

fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty())
}

const HASH_WORDS: &[&str] = &[
    "hash", "hashed", "digest", "checksum", "nonce", "iv", "salt", "sha", "sha1", "sha256",
    "sha512", "md5", "id", "uuid", "guid", "fingerprint", "etag", "crc", "kid", "hex",
    "expected", "vector", "public", "pub", "cipher", "ciphertext", "plaintext", "msg", "message",
];

/// Whether a name says its value is a hash, an id or test data rather than a secret.
fn hash_like(name: &str) -> bool {
    words(name).any(|w| HASH_WORDS.contains(&w))
}

/// Random-looking: long enough, and high entropy for its alphabet.
fn high_entropy(secret: &[u8]) -> bool {
    let n = secret.len();
    let entropy = filters::shannon_entropy(secret);
    let hex = secret.iter().all(u8::is_ascii_hexdigit);
    if hex {
        return n >= 32 && entropy >= 3.5;
    }
    let classes = filters::char_classes(secret);
    (n >= 20 && entropy >= 4.0 && classes >= 2) || (n >= 14 && entropy >= 3.5 && classes >= 3)
}

const PLACEHOLDER_WORDS: &[&str] = &[
    "example", "sample", "placeholder", "dummy", "fake", "your", "xxxx", "changeme", "change_me",
    "redacted", "insert", "replace", "filtered", "secret", "password", "passw0rd", "token",
    "test", "demo", "foo", "bar", "lorem", "todo", "fixme", "mock", "<", ">", "****", "....",
];

fn is_placeholder(lowered: &[u8]) -> bool {
    PLACEHOLDER_WORDS.iter().any(|w| memchr::memmem::find(lowered, w.as_bytes()).is_some())
}

/// Passwords people choose for tests and docs: a word, perhaps in leet speak, perhaps with a
/// few digits or a sign after it (`hunter2`, `secret123`, `Tr0ub4dor`, `P@ssw0rd!`), or short.
fn is_dictionary_like(value: &[u8]) -> bool {
    if value.len() < 8 {
        return true;
    }
    let core: Vec<u8> = value
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
    let trimmed: &[u8] = {
        let mut e = core.len();
        while e > 0 && !core[e - 1].is_ascii_alphabetic() {
            e -= 1;
        }
        &core[..e]
    };
    let letters = trimmed.iter().all(|c| c.is_ascii_alphabetic() || matches!(c, b'-' | b'_' | b' '));
    if letters && !trimmed.is_empty() && value.len() <= 16 {
        // One or two words: few case changes in the original.
        let changes = value.windows(2).filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase()).count();
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
fn is_code(secret: &[u8], after: &[u8]) -> bool {
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
    let upper_const = ident(secret)
        && secret.contains(&b'_')
        && secret.iter().all(|c| !c.is_ascii_lowercase());
    let dotted = secret.split(|c| *c == b'.').count() > 1 && secret.split(|c| *c == b'.').all(ident);
    upper_const || dotted
}

/// `aaaaaa`, `123456`, `abcdef`, `abcabcabc`: a person typing, not a generator.
fn repeated_or_sequential(value: &[u8]) -> bool {
    let n = value.len();
    if n < 4 {
        return false;
    }
    let mut run = 1;
    let mut seq = 1;
    for w in value.windows(2) {
        run = if w[0] == w[1] { run + 1 } else { 1 };
        seq = if w[1] == w[0].wrapping_add(1) || w[0] == w[1].wrapping_add(1) { seq + 1 } else { 1 };
        if run >= 5 || seq >= 6 {
            return true;
        }
    }
    // A short period repeated: `abcabcabc`.
    (1..=n / 3).any(|p| value[p..].iter().zip(value).all(|(a, b)| a == b))
}

/// Words that mark a line of a known-answer test or an RFC vector.
fn known_answer_marker(line: &[u8]) -> bool {
    const MARKS: &[&str] = &["test vector", "known answer", "known-answer", "testvector", "kat_", "_kat"];
    MARKS.iter().any(|m| memchr::memmem::find(line, m.as_bytes()).is_some())
}

/// The secret's alphabet, for comparing shapes.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Shape {
    Hex,
    Base64,
}

fn shape(b: u8) -> Option<Shape> {
    if b.is_ascii_hexdigit() {
        Some(Shape::Hex)
    } else if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_') {
        Some(Shape::Base64)
    } else {
        None
    }
}

/// Whether the secret sits in a table: three or more nearby lines hold a value of the same
/// alphabet and about the same length (known-answer tests, RFC vectors, fixtures of digests).
fn in_table(hay: &[u8], start: usize, end: usize, secret: &[u8]) -> bool {
    let hex = secret.iter().all(u8::is_ascii_hexdigit);
    let want = if hex { Shape::Hex } else { Shape::Base64 };
    let n = secret.len();
    let (min, max) = (n * 3 / 4, n * 5 / 4 + 1);
    let lo = start.saturating_sub(TABLE_REACH);
    let hi = end.saturating_add(TABLE_REACH).min(hay.len());
    let mut others = 0;
    let mut check = |line: &[u8]| {
        let mut run = 0;
        let mut found = false;
        for &b in line.iter().chain(std::iter::once(&b' ')) {
            let fits = match (want, shape(b)) {
                (Shape::Hex, Some(Shape::Hex)) => true,
                (Shape::Base64, Some(_)) => true,
                _ => false,
            };
            if fits {
                run += 1;
            } else {
                if run >= min && run <= max {
                    found = true;
                }
                run = 0;
            }
        }
        if found {
            others += 1;
        }
    };
    // Lines before the secret's line.
    let line_lo = memchr::memrchr(b'\n', &hay[lo..start]).map_or(lo, |p| lo + p);
    for (k, line) in hay[lo..line_lo].rsplit(|&c| c == b'\n').enumerate() {
        if k >= TABLE_LINES {
            break;
        }
        check(line);
    }
    let line_hi = memchr::memchr(b'\n', &hay[end..hi]).map_or(hi, |p| end + p + 1);
    for (k, line) in hay[line_hi.min(hi)..hi].split(|&c| c == b'\n').enumerate() {
        if k >= TABLE_LINES {
            break;
        }
        check(line);
    }
    others >= 3
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
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD7b2bQGDe8R3Gl/Xyo0Jr0fjxyK+5Ew==",
];

/// What a file is for, from the components of its path.
pub(crate) fn file_role(path: &Path) -> Option<FileRole> {
    let mut role = None;
    let rank = |r: FileRole| match r {
        FileRole::Fixture => 0,
        FileRole::Generated => 1,
        FileRole::Vendored => 2,
        FileRole::Test => 3,
        FileRole::Docs => 4,
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
                | "vectors" | "test-vectors" | "test_vectors" | "recordings" => consider(FileRole::Fixture),
                "test" | "tests" | "testing" | "spec" | "specs" | "__tests__" | "t" | "unittests"
                | "unit_tests" | "integration_tests" => consider(FileRole::Test),
                "doc" | "docs" | "documentation" | "examples" | "example" | "samples" | "sample"
                | "man" | "tutorial" | "tutorials" => consider(FileRole::Docs),
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
            } else if matches!(ext, "md" | "rst" | "adoc" | "markdown" | "txt" | "html" | "texi" | "pod")
                || part.starts_with("readme")
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
        assess(rule, text.as_bytes(), start, start + secret.len())
    }

    #[test]
    fn a_random_value_bound_to_a_secret_name_is_medium() {
        let a = judge("generic.secret", r#"API_KEY = "a8Kd92jXk3L0pQ7rT5vW1yZ4""#, "a8Kd92jXk3L0pQ7rT5vW1yZ4");
        assert_eq!(a.confidence, Confidence::Medium, "{:?}", a.reasons);
        assert!(a.reasons.contains(&Reason::KeywordAssignment));
        assert!(a.reasons.contains(&Reason::HighEntropy));
    }

    #[test]
    fn sample_passwords_and_hash_names_stay_low() {
        let a = judge("generic.password", r#"password = "hunter2""#, "hunter2");
        assert_eq!(a.confidence, Confidence::Low);
        assert!(a.reasons.contains(&Reason::DictionaryWord));
        let a = judge("generic.secret", r#"nonce_hex = "a8Kd92jXk3L0pQ7rT5vW1yZ4""#, "a8Kd92jXk3L0pQ7rT5vW1yZ4");
        assert!(a.reasons.contains(&Reason::HashLikeName), "{:?}", a.reasons);
        assert_eq!(a.confidence, Confidence::Low);
        let a = judge("generic.secret", r#"token = "2YotnFZFEjr1zCsicMWpAA""#, "2YotnFZFEjr1zCsicMWpAA");
        assert!(a.reasons.contains(&Reason::KnownExample));
    }

    #[test]
    fn a_table_of_same_shaped_values_is_a_test_vector() {
        let mut text = String::new();
        for k in 0..5 {
            text.push_str(&format!("key = {k}f1e2d3c4b5a69788796a5b4c3d2e1f0{k}a\n"));
        }
        let secret = "2f1e2d3c4b5a69788796a5b4c3d2e1f02a";
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
            assert_eq!(bound_name(before.as_bytes()).as_deref(), Some(name), "{before}");
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
        assert!(repeated_or_sequential(b"abcdefgh"));
        assert!(repeated_or_sequential(b"xyzxyzxyz"));
        assert!(!repeated_or_sequential(b"kR7#vLq92!pZ"));
    }
}
