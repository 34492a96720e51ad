//! Offline validators: a secret that fails its rule's validator is not a finding of that rule.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// A named validator, as written in a rule's `checksum` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Checksum {
    /// `<prefix>_<body><6 base62 chars of CRC32(body)>`: GitHub and npm tokens.
    Crc32Base62,
    /// A JSON Web Token whose header decodes to a JSON object naming `alg`.
    Jwt,
    /// Base64 of a JSON object, after an optional `word_` prefix.
    Base64Json,
    /// Base64 of at least 8 bytes, mostly printable.
    Base64,
    /// A PyPI API token: `pypi-` and a macaroon issued by pypi.org or test.pypi.org.
    PypiMacaroon,
}

const NAMES: &[(&str, Checksum)] = &[
    ("crc32-base62", Checksum::Crc32Base62),
    ("jwt", Checksum::Jwt),
    ("base64-json", Checksum::Base64Json),
    ("base64", Checksum::Base64),
    ("pypi-macaroon", Checksum::PypiMacaroon),
];

impl Checksum {
    pub(crate) fn parse(name: &str) -> Option<Checksum> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    }

    pub(crate) fn as_str(self) -> &'static str {
        NAMES.iter().find(|(_, c)| *c == self).map_or("", |(n, _)| n)
    }

    /// Whether `secret` passes this validator.
    pub(crate) fn validate(self, secret: &[u8]) -> bool {
        match self {
            Checksum::Crc32Base62 => crc32_base62(secret),
            Checksum::Jwt => jwt(secret),
            Checksum::Base64Json => {
                let body = match secret.iter().position(|&b| b == b'_') {
                    Some(i) if secret[..i].iter().all(u8::is_ascii_alphanumeric) => {
                        &secret[i + 1..]
                    }
                    _ => secret,
                };
                decode_base64(body).is_some_and(|d| is_json_object(&d))
            }
            Checksum::Base64 => decode_base64(secret).is_some_and(|d| {
                let printable =
                    d.iter().filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()).count();
                d.len() >= 8 && printable * 10 >= d.len() * 9
            }),
            Checksum::PypiMacaroon => secret
                .strip_prefix(b"pypi-")
                .and_then(decode_base64)
                .is_some_and(|d| memchr::memmem::find(&d, b"pypi.org").is_some()),
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn crc32_base62(secret: &[u8]) -> bool {
    let Some(underscore) = secret.iter().rposition(|&b| b == b'_') else { return false };
    let rest = &secret[underscore + 1..];
    if rest.len() <= 6 {
        return false;
    }
    let (body, check) = rest.split_at(rest.len() - 6);
    let mut n = crc32fast::hash(body);
    let mut expected = [b'0'; 6];
    for slot in expected.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    n == 0 && expected == check
}

fn jwt(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let header_ok = decode_base64(header).is_some_and(|h| {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&h)
            .is_ok_and(|m| m.contains_key("alg"))
    });
    header_ok && decode_base64(payload).is_some_and(|p| is_json_object(&p))
}

fn is_json_object(data: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(data).is_ok()
}

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Decodes standard or URL-safe base64, padded or not (real tokens often drop the padding).
pub(crate) fn decode_base64(data: &[u8]) -> Option<Vec<u8>> {
    if data.iter().any(|&b| b == b'-' || b == b'_') {
        URL_SAFE.decode(data).ok()
    } else {
        STANDARD.decode(data).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b62(mut n: u32) -> String {
        let mut s = vec![b'0'; 6];
        for slot in s.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        String::from_utf8(s).unwrap()
    }

    #[test]
    fn crc32_base62_accepts_a_correct_checksum_and_rejects_a_wrong_one() {
        let body = "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ";
        let good = format!("ghp_{body}{}", b62(crc32fast::hash(body.as_bytes())));
        assert_eq!(&good[34..], "0mLq17");
        assert!(Checksum::Crc32Base62.validate(good.as_bytes()));
        let bad = format!("ghp_{body}0mLq18");
        assert!(!Checksum::Crc32Base62.validate(bad.as_bytes()));
        assert!(!Checksum::Crc32Base62.validate(b"ghp_short"));
        assert!(!Checksum::Crc32Base62.validate(b"no-underscore-at-all-0mLq17"));
    }

    #[test]
    fn jwt_needs_a_json_header_with_alg() {
        let ok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0b2tlbmhvdW5kIn0.c2lnbmF0dXJl";
        assert!(Checksum::Jwt.validate(ok.as_bytes()));
        // `{"typ":"JWT"}`: no alg.
        assert!(!Checksum::Jwt.validate(b"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln"));
        assert!(!Checksum::Jwt.validate(b"eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln"));
        assert!(!Checksum::Jwt.validate(b"a.b"));
    }

    #[test]
    fn base64_json_and_base64() {
        // glc_ + base64 of {"o":"1"}
        assert!(Checksum::Base64Json.validate(b"glc_eyJvIjoiMSJ9"));
        assert!(!Checksum::Base64Json.validate(b"glc_bm90IGpzb24gYXQgYWxs"));
        assert!(Checksum::Base64.validate(b"c3VwZXJzZWNyZXRwYXNzd29yZA=="));
        assert!(!Checksum::Base64.validate(b"AAECAwQFBgcICQoL"));
        assert!(!Checksum::Base64.validate(b"not base64!"));
    }

    #[test]
    fn pypi_macaroon_names_pypi() {
        assert!(Checksum::PypiMacaroon.validate(b"pypi-AgEIcHlwaS5vcmcCJGZha2U"));
        assert!(!Checksum::PypiMacaroon.validate(b"pypi-AgEIZXhhbXBsZS5jb20CJGZha2U"));
    }

    #[test]
    fn names_round_trip() {
        for (name, c) in NAMES {
            assert_eq!(Checksum::parse(name), Some(*c));
            assert_eq!(c.as_str(), *name);
        }
    }
}
