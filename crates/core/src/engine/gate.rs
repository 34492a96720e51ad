//! A cheap test a window must pass before its rule's regex runs: the secret a rule reports is
//! made of a known set of bytes and has a known minimum length, so a window without a run of at
//! least that many such bytes cannot hold it.
//!
//! Most keyword hits are in ordinary text: `aws` in a comment, `pat` inside `path`. Their windows
//! rarely hold a run of 40 base64 characters or 82 of `[A-Za-z0-9.]`, and the test rejects them
//! at about a byte a cycle, where a lazy DFA meeting new text builds states. A rule whose windows
//! never pass is never compiled at all.
//!
//! Where every secret starts with the same bytes (`re_`, `pat`, `xoxb-`), the run must start
//! with them: a long identifier elsewhere on the line does not let the window through.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The bytes a rule's secret is made of and its minimum length, derived from its pattern.
#[derive(Clone, Debug)]
pub(crate) struct Gate {
    /// `set[b]`: byte `b` can occur in the secret.
    set: [bool; 256],
    /// The secret's minimum length; 0 lets every window through.
    min_len: usize,
    /// The bytes every secret starts with, each as the one byte or the two (ASCII cases) it can
    /// be; empty when secrets have no fixed start.
    prefix: Vec<[u8; 2]>,
}

/// Gates shorter than this are not worth testing: nearly every window holds such a run.
const MIN_USEFUL_LEN: usize = 8;

impl Gate {
    /// A gate that lets every window through.
    pub(crate) fn open() -> Gate {
        Gate { set: [true; 256], min_len: 0, prefix: Vec::new() }
    }

    /// Derives the gate of `hir`, whose secret is the capture group named `secret` or, without
    /// one, the whole match.
    pub(crate) fn of(hir: &Hir) -> Gate {
        let whole = Gate::of_span(hir);
        let Some(group) = find_group(hir, "secret") else { return whole };
        let secret = Gate::of_span(group);
        if participates(hir, "secret") {
            return secret;
        }
        // Where the group can be left out, the engine reports the whole match instead: either
        // kind of run lets a window through.
        let mut set = whole.set;
        for (b, &on) in secret.set.iter().enumerate() {
            set[b] |= on;
        }
        Gate { set, min_len: whole.min_len.min(secret.min_len), prefix: Vec::new() }.useful()
    }

    /// The gate of one contiguous match of `hir`: every byte it can match, and its minimum length.
    fn of_span(hir: &Hir) -> Gate {
        let mut set = [false; 256];
        add_bytes(hir, &mut set);
        let min_len = hir.properties().minimum_len().unwrap_or(0);
        let mut prefix = Vec::new();
        add_prefix(hir, &mut prefix);
        prefix.truncate(min_len);
        Gate { set, min_len, prefix }.useful()
    }

    fn useful(self) -> Gate {
        if self.min_len < MIN_USEFUL_LEN { Gate::open() } else { self }
    }

    /// Whether `window` holds a run of at least `min_len` bytes of the set.
    ///
    /// Tests the last byte of each candidate run first and reads backwards, so a byte outside
    /// the set skips the candidates that contain it: on ordinary text, it reads a fraction of
    /// the window. No byte is read twice.
    pub(crate) fn passes(&self, window: &[u8]) -> bool {
        let len = self.min_len;
        if len == 0 {
            return true;
        }
        if let Some((&[a, b], rest)) = self.prefix.split_first() {
            // Occurrences come in order: once one is too near the end, so are the rest.
            return memchr::memchr2_iter(a, b, window)
                .take_while(|&at| at + len <= window.len())
                .any(|at| {
                    let run = &window[at..at + len];
                    rest.iter().zip(&run[1..]).all(|(p, &b)| p.contains(&b))
                        && run.iter().all(|&b| self.set[usize::from(b)])
                });
        }
        // `window[start..good]` is known to be in the set.
        let (mut start, mut good) = (0, 0);
        while start + len <= window.len() {
            let end = start + len;
            let mut i = end;
            while i > good && self.set[window[i - 1] as usize] {
                i -= 1;
            }
            if i == good {
                return true;
            }
            // `window[i - 1]` is outside the set, and `window[i..end]` inside it.
            (start, good) = (i, end);
        }
        false
    }
}

/// The capture group named `name` in `hir`.
fn find_group<'h>(hir: &'h Hir, name: &str) -> Option<&'h Hir> {
    match hir.kind() {
        HirKind::Capture(c) if c.name.as_deref() == Some(name) => Some(&c.sub),
        HirKind::Capture(c) => find_group(&c.sub, name),
        HirKind::Repetition(r) => find_group(&r.sub, name),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().find_map(|s| find_group(s, name))
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => None,
    }
}

/// Whether every match of `hir` sets the capture group named `name`.
fn participates(hir: &Hir, name: &str) -> bool {
    match hir.kind() {
        HirKind::Capture(c) => c.name.as_deref() == Some(name) || participates(&c.sub, name),
        HirKind::Repetition(r) => r.min > 0 && participates(&r.sub, name),
        HirKind::Concat(subs) => subs.iter().any(|s| participates(s, name)),
        HirKind::Alternation(subs) => subs.iter().all(|s| participates(s, name)),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => false,
    }
}

/// Appends to `prefix` the bytes every match of `hir` starts with; returns whether it took all of
/// `hir`, so that what follows `hir` in a concatenation continues the prefix.
fn add_prefix(hir: &Hir, prefix: &mut Vec<[u8; 2]>) -> bool {
    match hir.kind() {
        HirKind::Literal(lit) => {
            prefix.extend(lit.0.iter().map(|&b| [b, b]));
            true
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut bytes = class.iter().flat_map(|r| r.start()..=r.end());
            let one = match (bytes.next(), bytes.next(), bytes.next()) {
                (Some(a), None, _) => [a, a],
                (Some(a), Some(b), None)
                    if a.is_ascii_uppercase() && b == a.to_ascii_lowercase() =>
                {
                    [a, b]
                }
                _ => return false,
            };
            prefix.push(one);
            true
        }
        HirKind::Capture(c) => add_prefix(&c.sub, prefix),
        HirKind::Concat(subs) => subs.iter().all(|s| add_prefix(s, prefix)),
        // Zero width: the next piece starts where this one does.
        HirKind::Look(_) | HirKind::Empty => true,
        HirKind::Class(Class::Unicode(_)) | HirKind::Repetition(_) | HirKind::Alternation(_) => {
            false
        }
    }
}

/// Marks in `set` every byte a match of `hir` can contain.
fn add_bytes(hir: &Hir, set: &mut [bool; 256]) {
    match hir.kind() {
        HirKind::Literal(lit) => lit.0.iter().for_each(|&b| set[b as usize] = true),
        HirKind::Class(Class::Bytes(class)) => {
            for range in class.ranges() {
                (range.start()..=range.end()).for_each(|b| set[b as usize] = true);
            }
        }
        HirKind::Class(Class::Unicode(class)) => {
            for range in class.ranges() {
                let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                (start..=end.min(0x7f)).for_each(|b| set[b as usize] = true);
                if end > 0x7f {
                    // Encoded as UTF-8, a character past ASCII is bytes of 0x80 and up.
                    set[0x80..].iter_mut().for_each(|b| *b = true);
                }
            }
        }
        HirKind::Capture(c) => add_bytes(&c.sub, set),
        HirKind::Repetition(r) => add_bytes(&r.sub, set),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().for_each(|s| add_bytes(s, set));
        }
        HirKind::Empty | HirKind::Look(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::xorshift;
    use crate::rules::syntax::parse_hir;

    fn gate(pattern: &str) -> Gate {
        Gate::of(&parse_hir(pattern).unwrap())
    }

    #[test]
    fn a_window_passes_only_with_a_long_enough_run_of_the_secrets_bytes() {
        let g = gate(r"(?i)aws.{0,20}=\s*(?P<secret>[A-Za-z0-9/+]{40})\b");
        assert_eq!(g.min_len, 40);
        let key = "aws_secret = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYab";
        assert!(g.passes(key.as_bytes()));
        assert!(!g.passes(b"see the aws docs: https://docs.aws.amazon.com/cli/latest/index.html"));
        // 39 bytes of the set, then one outside it.
        assert!(!g.passes(format!("{}-x", "a".repeat(39)).as_bytes()));
        assert!(g.passes("a".repeat(40).as_bytes()));
    }

    #[test]
    fn the_skipping_search_agrees_with_counting_runs() {
        fn longest_run(g: &Gate, window: &[u8]) -> usize {
            let (mut run, mut best) = (0, 0);
            for &b in window {
                run = if g.set[b as usize] { run + 1 } else { 0 };
                best = best.max(run);
            }
            best
        }
        let mut g = gate(r"(?P<secret>[a-c]{8})");
        // A fixed xorshift stream: windows of `a`..`d`, where `d` breaks runs.
        let mut x: u32 = 0x9e37_79b9;
        for case in 0..20_000 {
            let len = case % 40;
            let window: Vec<u8> =
                (0..len).map(|_| b"aaabbbcccd"[(xorshift(&mut x) % 10) as usize]).collect();
            g.min_len = 1 + case % 12;
            let expected = longest_run(&g, &window) >= g.min_len;
            assert_eq!(
                g.passes(&window),
                expected,
                "{:?} {}",
                String::from_utf8_lossy(&window),
                g.min_len
            );
        }
    }

    #[test]
    fn a_secret_with_a_fixed_start_needs_its_run_to_start_there() {
        let g = gate(r"\b(?P<secret>re_[A-Za-z0-9_]{32})\b");
        assert_eq!(g.prefix, [[b'r', b'r'], [b'e', b'e'], [b'_', b'_']]);
        assert!(g.passes(b"RESEND_KEY=re_123456789_abcdefghijklmnopqrstuvw"));
        // A long enough run, but not at `re_`; and `re_` with too short a run.
        assert!(!g.passes(b"import re_x; a_very_long_identifier_name_with_words_in_it = 1"));
        assert!(!g.passes(b"re_compile(x)"));
        assert!(!g.passes(b"re_123456789_abcdefghijklmnopqrstu"), "35 bytes, one short");
        let g = gate(r"(?i)(?P<secret>pat[a-z0-9]{14}\.[a-f0-9]{8})");
        assert_eq!(g.prefix, [[b'P', b'p'], [b'A', b'a'], [b'T', b't']]);
        assert!(g.passes(b"x PatABCDEFGHIJKLMN.abcdef12"));
        assert!(!g.passes(b"x QatABCDEFGHIJKLMN.abcdef12"));
    }

    #[test]
    fn patterns_without_a_fixed_start_have_no_prefix() {
        assert!(gate(r"(?P<secret>(?:sk|rk)_[a-z]{20})").prefix.is_empty());
        assert!(gate(r"(?P<secret>[a-z]{3}_[a-z]{20})").prefix.is_empty());
        assert!(gate(r"(?P<secret>x{2}_[a-z]{20})").prefix.is_empty(), "a repetition ends it");
        // Where the group can be left out, neither the group's start nor the match's holds.
        assert!(gate(r"k=(?:(?P<secret>ab[a-z]{20})|[A-Z]{20})").prefix.is_empty());
        // Without a group, the match's start.
        assert_eq!(gate(r"\bxoxb-[0-9]{10}").prefix.len(), 5);
    }

    #[test]
    fn the_prefix_search_agrees_with_checking_every_start() {
        let g = gate(r"(?i)(?P<secret>ab[a-c]{6})");
        let mut x: u32 = 0x2545_f491;
        for case in 0..20_000 {
            let window: Vec<u8> =
                (0..case % 30).map(|_| b"aAbBccd"[(xorshift(&mut x) % 7) as usize]).collect();
            let expected = (0..window.len()).any(|at| {
                let run = &window[at..(at + 8).min(window.len())];
                run.len() == 8
                    && run[..2].eq_ignore_ascii_case(b"ab")
                    && run.iter().all(|b| b"aAbBcC".contains(b))
            });
            assert_eq!(g.passes(&window), expected, "{:?}", String::from_utf8_lossy(&window));
        }
    }

    #[test]
    fn case_insensitive_classes_and_literals_count_both_cases() {
        let g = gate(r"(?i)\b(?P<secret>pat[a-z0-9]{14}\.[a-f0-9]{8})\b");
        assert_eq!(g.min_len, 26);
        assert!(g.passes(b"x PATABCDEFGHIJKLMN.ABCDEF12 y"));
        assert!(!g.passes(b"x PATABCDEFGHIJKLMN-ABCDEF12 y"));
    }

    #[test]
    fn without_a_secret_group_the_whole_match_is_the_run() {
        let g = gate(r"sk_live_[0-9a-zA-Z]{24}");
        assert_eq!(g.min_len, 32);
        assert!(g.passes(b"key=sk_live_abcdefghijklmnopqrstuvwx;"));
        assert!(!g.passes(b"key=sk_live_abcdefghijklmnopqrstuvw;"));
    }

    #[test]
    fn an_optional_secret_group_widens_the_gate_to_the_whole_match() {
        let g = gate(r"token=(?:(?P<secret>[a-f0-9]{32})|[A-Z]{10})");
        assert_eq!(g.min_len, 16);
        assert!(g.passes(b"token=ABCDEFGHIJ"), "the whole match is the finding here");
        let g = gate(r"(?:(?P<secret>[a-f0-9]{32})|(?P<secret2>[a-f0-9]{40}))");
        assert_eq!(g.min_len, 32);
    }

    #[test]
    fn short_or_unbounded_secrets_open_the_gate() {
        assert_eq!(gate(r"password\s*=\s*(?P<secret>\S{4,})").min_len, 0);
        assert_eq!(gate(r"(?P<secret>x*)").min_len, 0);
        assert!(Gate::open().passes(b""));
    }

    #[test]
    fn characters_past_ascii_admit_every_high_byte() {
        let g = gate(r"(?P<secret>(?-u:\xff)[\x00-\x7f]{8})");
        assert!(g.set[0xff] && g.set[0x00]);
        assert!(!g.set[0x80]);
        let g = Gate::of(&parse_hir_unicode("(?P<secret>[é-ü]{8})"));
        assert!(g.set[0x80] && g.set[0xff]);
    }

    fn parse_hir_unicode(pattern: &str) -> Hir {
        regex_syntax::ParserBuilder::new().build().parse(pattern).unwrap()
    }
}
