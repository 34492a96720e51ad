//! Findings from an input's confirmed matches: lines and columns counted once per input, the
//! secret's line as context, fingerprints.

use std::sync::Arc;

use super::{CompiledRule, NO_RULE, RawMatch, confidence, filters};
use crate::finding::{
    Context, Finding, Location, Secret, Suppression, SuppressionKind, fingerprint,
};
use crate::origin::{GitOrigin, Origin};

const CONTEXT_BYTES: usize = 80;

/// Turns the raw matches of one input (sorted by start) into findings, counting lines once.
pub(crate) fn build(
    hay: &[u8],
    origin: &Origin,
    matches: &[RawMatch],
    rules: &[CompiledRule],
    out: &mut Vec<Finding>,
) {
    let (path, git) = match origin {
        Origin::Bytes(path) => (path.as_ref(), None),
        Origin::Stdin => (None, None),
        Origin::File(path) => (Some(path), None),
        Origin::Git { path, blob, commit } => {
            let git = GitOrigin {
                blob: blob.clone(),
                commit: commit.clone(),
                commits: 0,
                paths: 0,
                last_commit: None,
            };
            (Some(path), Some(git))
        }
    };
    let role = path.and_then(|p| confidence::file_role(p));
    let mut counter = LineCounter::default();
    for m in matches {
        let (line, line_start) = counter.advance(hay, m.start);
        let last = m.end.saturating_sub(1).max(m.start);
        let (end_line, end_line_start) = counter.peek(hay, last);
        let rule = &rules[m.rule as usize].rule;
        let secret = &hay[m.start..m.end];
        let assessment = confidence::assess(rule, hay, m.start, m.end, role);
        if assessment.drop {
            continue;
        }
        let also = (m.also.iter().filter(|&&r| r != NO_RULE))
            .map(|&r| rules[r as usize].rule.id().to_string())
            .collect();
        out.push(Finding {
            rule: Arc::clone(rule),
            path: path.cloned(),
            location: Location {
                line,
                column: m.start - line_start + 1,
                end_line,
                end_column: m.end - end_line_start + 1,
                start: m.start,
                end: m.end,
            },
            secret: Secret(String::from_utf8_lossy(secret).into_owned()),
            fingerprint: fingerprint(rule.id(), secret),
            entropy: m.entropy,
            git: git.clone().map(Box::new),
            suppression: m.allowed.then(|| {
                Suppression::new(SuppressionKind::Inline, "an inline allow comment on the line")
            }),
            confidence: assessment.confidence,
            confidence_reasons: assessment.reasons,
            file_role: role,
            also,
            context: context(hay, m.start, m.end),
        });
    }
}

fn context(hay: &[u8], start: usize, end: usize) -> Context {
    let line = filters::line_of(hay, start, end);
    // `line` is a subslice of `hay`: recover its offset to split around the secret.
    let line_start = line.as_ptr() as usize - hay.as_ptr() as usize;
    let line_end = line_start + line.len();
    let before = &hay[line_start.max(start.saturating_sub(CONTEXT_BYTES))..start];
    let after = if end < line_end { &hay[end..line_end.min(end + CONTEXT_BYTES)] } else { &[][..] };
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).replace(['\r', '\n', '\t'], " ");
    Context {
        before: lossy(before).trim_start().to_string(),
        after: lossy(after).trim_end().to_string(),
    }
}

/// Counts lines forward through a haystack, so that line numbers of N findings cost one pass.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: usize,
    line_start: usize,
}

impl LineCounter {
    /// The 1-based line of `offset` and the offset where that line starts. Offsets must not
    /// decrease between calls by more than the current line (findings arrive sorted).
    fn advance(&mut self, hay: &[u8], offset: usize) -> (usize, usize) {
        if offset < self.line_start {
            *self = LineCounter::default();
        }
        for nl in memchr::memchr_iter(b'\n', &hay[self.offset..offset]) {
            self.line += 1;
            self.line_start = self.offset + nl + 1;
        }
        self.offset = offset;
        (self.line + 1, self.line_start)
    }

    fn peek(&self, hay: &[u8], offset: usize) -> (usize, usize) {
        let mut probe = LineCounter { ..*self };
        probe.advance(hay, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counter_counts_once() {
        let hay = b"a\nbb\nccc\n";
        let mut c = LineCounter::default();
        assert_eq!(c.advance(hay, 0), (1, 0));
        assert_eq!(c.advance(hay, 3), (2, 2));
        assert_eq!(c.peek(hay, 6), (3, 5));
        assert_eq!(c.advance(hay, 7), (3, 5));
        assert_eq!(c.advance(hay, 1), (1, 0), "going back restarts");
    }
}
