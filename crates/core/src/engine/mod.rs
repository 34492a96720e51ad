//! The matching engine: one Aho-Corasick automaton over every rule's keywords finds candidate
//! windows; each rule's regex confirms inside its windows only; filters drop what is not a
//! credential.

use std::sync::{Arc, OnceLock};

use regex_automata::meta::{self, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::{Input, PatternID};

mod confidence;
pub(crate) mod filters;
mod findings;
mod gate;
mod keywords;

use crate::rules::syntax::{build_regex, parse_hir, parse_regex};
use crate::rules::{AllowlistSpec, Rule, Rules};
use gate::Gate;
use keywords::{Hits, Keywords};

/// An allowlist with its regexes compiled.
#[derive(Debug, Default)]
pub(crate) struct Allowlist {
    /// Lower-cased.
    stopwords: Vec<Vec<u8>>,
    regexes: Vec<Regex>,
    line_regexes: Vec<Regex>,
}

impl Allowlist {
    pub(crate) fn compile(spec: &AllowlistSpec) -> Result<Allowlist, String> {
        let compile = |list: &[std::borrow::Cow<'static, str>]| {
            list.iter().map(|r| build_regex(r)).collect::<Result<Vec<_>, _>>()
        };
        Ok(Allowlist {
            stopwords: spec.stopwords.iter().map(|s| s.to_ascii_lowercase().into_bytes()).collect(),
            regexes: compile(&spec.regexes)?,
            line_regexes: compile(&spec.line_regexes)?,
        })
    }

    /// Whether this list drops `secret` (given lower-cased too) found on `line`.
    fn drops(&self, secret: &[u8], lower: &[u8], line: &[u8]) -> bool {
        self.stopwords.iter().any(|w| memchr::memmem::find(lower, w).is_some())
            || self.regexes.iter().any(|r| r.is_match(secret))
            || self.line_regexes.iter().any(|r| r.is_match(line))
    }
}

/// A rule's compiled regex and allowlist, built the first time one of its keywords is hit.
#[derive(Debug)]
pub(crate) struct Matcher {
    regex: Regex,
    secret_group: Option<usize>,
    allowlist: Allowlist,
}

impl Matcher {
    fn compile(rule: &Rule) -> Result<Matcher, String> {
        let regex = build_regex(&rule.pattern).map_err(|e| format!("invalid pattern: {e}"))?;
        let secret_group = regex.group_info().to_index(PatternID::ZERO, "secret");
        let allowlist = Allowlist::compile(&rule.allowlist)
            .map_err(|e| format!("invalid allowlist regex: {e}"))?;
        Ok(Matcher { regex, secret_group, allowlist })
    }
}

#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) rule: Arc<Rule>,
    /// Derived the first time one of the rule's keywords is hit: parsing costs far less than
    /// compiling, and the gate decides whether the rule is compiled at all.
    gate: OnceLock<Gate>,
    matcher: OnceLock<Result<Matcher, String>>,
    /// Whether a failure to build has been reported: once per scanner, not once per window.
    reported: std::sync::atomic::AtomicBool,
}

impl CompiledRule {
    pub(crate) fn matcher(&self) -> Result<&Matcher, &str> {
        self.matcher.get_or_init(|| Matcher::compile(&self.rule)).as_ref().map_err(|e| e.as_str())
    }

    /// The error for a rule whose regex or allowlist does not build: its file, line and id.
    fn build_error(&self, message: &str) -> crate::Error {
        let origin = &self.rule.origin;
        crate::Error::new(
            crate::error::ErrorKind::Rule,
            format!("cannot build the rule: {message}"),
        )
        .with_line(&origin.file, origin.line)
        .with_rule(&self.rule.id)
    }

    fn gate(&self) -> &Gate {
        // Rules are parsed when they load, so this parse succeeds; were it to fail, the open
        // gate would leave the rule to `matcher`.
        self.gate.get_or_init(|| {
            parse_hir(&self.rule.pattern).map_or_else(|_| Gate::open(), |h| Gate::of(&h))
        })
    }
}

/// Every rule, compiled for scanning. Immutable and shared between threads.
#[derive(Debug)]
pub(crate) struct Engine {
    pub(crate) rules: Vec<CompiledRule>,
    keywords: Keywords,
    /// For each keyword (an Aho-Corasick pattern id), the rules that listed it.
    keyword_rules: Vec<Vec<u32>>,
    global_spec: AllowlistSpec,
    global: OnceLock<Allowlist>,
    /// How far before a keyword hit's end its rules' windows can start: the longest keyword
    /// plus the widest window. A window that ends before `hit end - reach` cannot merge with the
    /// window of this hit or any later one.
    reach: usize,
}

/// Windows collected before the closed ones are confirmed and dropped, so that memory stays
/// bounded on keyword-dense input (a file of a million `password=` lines would otherwise hold
/// a window per line per rule).
const FLUSH_WINDOWS: usize = 1 << 14;

/// Room for this many windows is kept between scans (96 KiB).
const WINDOWS_KEPT: usize = 4096;

/// No window open for a rule, in `Scratch::open`.
const NO_WINDOW: u32 = u32::MAX;

/// A confirmed match, before it becomes a [`crate::Finding`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawMatch {
    pub(crate) rule: u32,
    /// The secret's span.
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) entropy: f64,
    /// Other rules that matched the same secret (`NO_RULE` for none), reported with it.
    pub(crate) also: [u32; ALSO],
    /// Its line carries an inline allow comment: reported as suppressed, not dropped.
    pub(crate) allowed: bool,
}

/// How many other rules a finding lists as also matching its secret.
pub(crate) const ALSO: usize = 4;
/// An empty slot of `RawMatch::also`.
pub(crate) const NO_RULE: u32 = u32::MAX;

/// Per-thread working memory: regex caches and reusable buffers.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    windows: Vec<(u32, usize, usize)>,
    /// For each rule, the index in `windows` of its last window, or `NO_WINDOW`.
    open: Vec<u32>,
    /// Boxed: a `meta::Cache` is over a kilobyte even when unused, and there is a slot per rule.
    caches: Vec<Option<Box<RuleCache>>>,
    /// The sum of the caches' `bytes`.
    cache_bytes: usize,
    /// Scans run with this scratch, the clock of `RuleCache::used`.
    tick: u64,
    lower: Vec<u8>,
    pub(crate) matches: Vec<RawMatch>,
    hits: Hits,
    /// A reusable file buffer, for the sources.
    pub(crate) buf: Vec<u8>,
    /// Rules that failed to build the first time this worker needed them, as errors to report.
    pub(crate) rule_errors: Vec<crate::Error>,
}

/// A rule's regex cache in one worker's [`Scratch`].
#[derive(Debug)]
struct RuleCache {
    cache: meta::Cache,
    caps: Captures,
    /// The cache's memory use, as of its last search.
    bytes: usize,
    /// The `Scratch::tick` of its last search.
    used: u64,
}

/// The regex cache memory a worker keeps, as the caches count it (their lazy DFAs' tables can
/// hold up to twice that in allocations). Each rule's cache grows as its lazy DFA meets new text,
/// up to the hybrid capacity; a worker that has confirmed windows of 300 rules held 20 to 30 MiB
/// of them. Past the budget, the least recently used caches are dropped after a scan, to be
/// rebuilt when their rule is hit again; on a tree of real code that costs no measurable time.
const CACHE_BUDGET: usize = 4 << 20;

impl Scratch {
    /// Drops the least recently used caches until those left take at most 3/4 of the budget,
    /// sparing those the last scan used: a scan that needs more than the budget (a file dense
    /// with keywords of many rules) would otherwise rebuild them all on every scan.
    fn evict(&mut self) {
        let last = self.tick.saturating_sub(1);
        let mut live: Vec<(u64, usize)> = (self.caches.iter().enumerate())
            .filter_map(|(i, c)| c.as_ref().filter(|c| c.used < last).map(|c| (c.used, i)))
            .collect();
        live.sort_unstable();
        let target = CACHE_BUDGET / 4 * 3;
        for (_, i) in live {
            if self.cache_bytes <= target {
                break;
            }
            if let Some(c) = self.caches[i].take() {
                self.cache_bytes -= c.bytes;
            }
        }
    }
}

impl Engine {
    pub(crate) fn new(rules: &Rules) -> Result<Engine, crate::Error> {
        let mut keywords: Vec<Vec<u8>> = Vec::new();
        let mut keyword_rules: Vec<Vec<u32>> = Vec::new();
        let mut slots: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        for (index, rule) in rules.rules.iter().enumerate() {
            for keyword in &rule.keywords {
                let lower = keyword.to_ascii_lowercase().into_bytes();
                let slot = *slots.entry(lower.clone()).or_insert_with(|| {
                    keywords.push(lower);
                    keyword_rules.push(Vec::new());
                    keywords.len() - 1
                });
                if !keyword_rules[slot].contains(&(index as u32)) {
                    keyword_rules[slot].push(index as u32);
                }
            }
        }
        // The global allowlist compiles on first use, like the rules' regexes; check it now
        // only for syntax, so that a bad one is still an error here.
        for r in rules.global.regexes.iter().chain(&rules.global.line_regexes) {
            parse_regex(r).map_err(|e| {
                crate::Error::new(
                    crate::error::ErrorKind::Rule,
                    format!("invalid global allowlist regex: {e}"),
                )
            })?;
        }
        // A user's rule is built now, where a failure (a pattern over the size limit, say) can
        // name its file, line and id. The built-in rules are all built by a test instead, so
        // that start-up does not pay for hundreds of regexes that a scan may never need.
        let compiled: Vec<CompiledRule> = rules
            .rules
            .iter()
            .map(|r| CompiledRule {
                rule: Arc::clone(r),
                gate: OnceLock::new(),
                matcher: OnceLock::new(),
                reported: Default::default(),
            })
            .collect();
        for c in compiled.iter().filter(|c| !c.rule.origin.builtin) {
            if let Err(e) = c.matcher() {
                return Err(c.build_error(e));
            }
        }
        let keywords = Keywords::new(keywords)?;
        let reach =
            keywords.max_len() + rules.rules.iter().map(|r| r.window as usize).max().unwrap_or(0);
        Ok(Engine {
            reach,
            rules: compiled,
            keywords,
            keyword_rules,
            global_spec: rules.global.clone(),
            global: OnceLock::new(),
        })
    }

    /// Finds every credential in `hay` and appends it to `out` as a finding from `origin`.
    pub(crate) fn find(
        &self,
        hay: &[u8],
        origin: &crate::origin::Origin,
        scratch: &mut Scratch,
        out: &mut Vec<crate::Finding>,
    ) {
        self.scan(hay, scratch);
        findings::build(hay, origin, &scratch.matches, &self.rules, out);
    }

    /// Finds every credential in `hay`, leaving them in `scratch.matches` sorted by position.
    pub(crate) fn scan(&self, hay: &[u8], scratch: &mut Scratch) {
        self.scan_flushing(hay, scratch, FLUSH_WINDOWS);
    }

    /// [`Engine::scan`], confirming closed windows whenever `flush` or more are pending.
    fn scan_flushing(&self, hay: &[u8], scratch: &mut Scratch, flush: usize) {
        let mut flush_at = flush;
        scratch.matches.clear();
        scratch.windows.clear();
        // A keyword-dense file leaves millions of windows' room; keep a little for the next.
        scratch.windows.shrink_to(WINDOWS_KEPT);
        if scratch.caches.len() < self.rules.len() {
            scratch.caches.resize_with(self.rules.len(), || None);
        }
        if scratch.open.len() < self.rules.len() {
            scratch.open.resize(self.rules.len(), NO_WINDOW);
        }
        // Hits come in order of their end, so a rule's new window overlaps its last one or lies
        // after it: merging as they come keeps one window per run of hits, not one per hit. A
        // line of a thousand keywords (or `aaaa…` against a keyword of `A`s, which hits at every
        // byte) would otherwise cost memory in proportion to its hits.
        let mut hits = std::mem::take(&mut scratch.hits);
        self.keywords.search(hay, &mut hits, |start, end, keyword| {
            for &index in &self.keyword_rules[keyword] {
                let rule = &self.rules[index as usize].rule;
                let (lo, hi) = window(hay, start, end, rule.window as usize, rule.multiline);
                let slot = &mut scratch.open[index as usize];
                if let Some(last) = scratch.windows.get_mut(*slot as usize)
                    && last.0 == index
                    && lo <= last.2
                    && hi >= last.1
                {
                    last.1 = last.1.min(lo);
                    last.2 = last.2.max(hi);
                    continue;
                }
                *slot = scratch.windows.len() as u32;
                scratch.windows.push((index, lo, hi));
            }
            if scratch.windows.len() >= flush_at {
                let open = self.flush(hay, end.saturating_sub(self.reach), scratch);
                flush_at = flush.max(2 * open);
            }
        });
        scratch.hits = hits;
        for &(index, _, _) in &scratch.windows {
            scratch.open[index as usize] = NO_WINDOW;
        }
        if scratch.windows.is_empty() && scratch.matches.is_empty() {
            return;
        }
        scratch.windows.sort_unstable();
        let mut merged = 0;
        for i in 1..scratch.windows.len() {
            let (rule, lo, hi) = scratch.windows[i];
            let last = &mut scratch.windows[merged];
            if last.0 == rule && lo <= last.2 {
                last.2 = last.2.max(hi);
            } else {
                merged += 1;
                scratch.windows[merged] = (rule, lo, hi);
            }
        }
        scratch.windows.truncate(merged + 1);

        let windows = std::mem::take(&mut scratch.windows);
        for &(index, lo, hi) in &windows {
            self.confirm(hay, index, lo, hi, scratch);
        }
        scratch.windows = windows;
        resolve_overlaps(&mut scratch.matches, &self.rules);
        scratch.tick += 1;
        if scratch.cache_bytes > CACHE_BUDGET {
            scratch.evict();
        }
    }

    /// Confirms the windows that end before `cutoff` (no later hit's window can reach them)
    /// and drops them; returns how many windows stay open.
    fn flush(&self, hay: &[u8], cutoff: usize, scratch: &mut Scratch) -> usize {
        let mut windows = std::mem::take(&mut scratch.windows);
        for &(index, _, _) in &windows {
            scratch.open[index as usize] = NO_WINDOW;
        }
        let mut kept = 0;
        for i in 0..windows.len() {
            let (index, lo, hi) = windows[i];
            if hi < cutoff {
                self.confirm(hay, index, lo, hi, scratch);
            } else {
                windows[kept] = windows[i];
                scratch.open[index as usize] = kept as u32;
                kept += 1;
            }
        }
        windows.truncate(kept);
        scratch.windows = windows;
        kept
    }

    fn confirm(&self, hay: &[u8], index: u32, lo: usize, hi: usize, scratch: &mut Scratch) {
        let compiled = &self.rules[index as usize];
        if !compiled.gate().passes(&hay[lo..hi]) {
            return;
        }
        let matcher = match compiled.matcher() {
            Ok(matcher) => matcher,
            Err(e) => {
                if !compiled.reported.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    scratch.rule_errors.push(compiled.build_error(e));
                }
                return;
            }
        };
        let rule = &compiled.rule;
        let entry = scratch.caches[index as usize].get_or_insert_with(|| {
            Box::new(RuleCache {
                cache: matcher.regex.create_cache(),
                caps: matcher.regex.create_captures(),
                bytes: 0,
                used: 0,
            })
        });
        let (cache, caps) = (&mut entry.cache, &mut entry.caps);
        let mut input = Input::new(hay).span(lo..hi);
        loop {
            matcher.regex.search_captures_with(cache, &input, caps);
            let Some(m) = caps.get_match() else { break };
            let span = matcher.secret_group.and_then(|g| caps.get_group(g)).unwrap_or(m.span());
            let next = if m.is_empty() { m.end() + 1 } else { m.end() };
            if span.start < span.end {
                let secret = &hay[span.start..span.end];
                // Syntax was checked in `new`; a size-limit failure leaves no global list.
                let global = self
                    .global
                    .get_or_init(|| Allowlist::compile(&self.global_spec).unwrap_or_default());
                if let Some((entropy, allowed)) = accept(
                    rule,
                    &matcher.allowlist,
                    global,
                    hay,
                    secret,
                    span.start,
                    &mut scratch.lower,
                ) {
                    scratch.matches.push(RawMatch {
                        rule: index,
                        start: span.start,
                        end: span.end,
                        entropy,
                        also: [NO_RULE; ALSO],
                        allowed,
                    });
                }
            }
            if next > hi {
                break;
            }
            input.set_start(next);
        }
        if let Some(entry) = scratch.caches[index as usize].as_mut() {
            let bytes = entry.cache.memory_usage();
            scratch.cache_bytes = scratch.cache_bytes + bytes - entry.bytes;
            entry.bytes = bytes;
            entry.used = scratch.tick;
        }
    }
}

/// The window searched around a keyword hit at `start..end`.
fn window(hay: &[u8], start: usize, end: usize, size: usize, multiline: bool) -> (usize, usize) {
    let mut lo = start.saturating_sub(size);
    let mut hi = end.saturating_add(size).min(hay.len());
    if !multiline {
        if let Some(nl) = memchr::memrchr(b'\n', &hay[lo..start]) {
            lo += nl + 1;
        }
        if let Some(nl) = memchr::memchr(b'\n', &hay[end..hi]) {
            hi = end + nl;
        }
    }
    (lo, hi)
}

/// Runs the filters on a match; returns its entropy when it is kept, and whether its line
/// carries an inline allow comment (the finding is then kept as suppressed, so that it is
/// counted and listed, not lost without a trace).
fn accept(
    rule: &Rule,
    allowlist: &Allowlist,
    global: &Allowlist,
    hay: &[u8],
    secret: &[u8],
    start: usize,
    lower: &mut Vec<u8>,
) -> Option<(f64, bool)> {
    let entropy = filters::shannon_entropy(secret);
    if rule.min_entropy.is_some_and(|min| entropy < min) {
        return None;
    }
    if filters::char_classes(secret) < rule.min_char_classes {
        return None;
    }
    if rule.checksum.is_some_and(|c| !c.validate(secret)) {
        return None;
    }
    lower.clear();
    lower.extend(secret.iter().map(u8::to_ascii_lowercase));
    let line = filters::line_of(hay, start, start + secret.len());
    if allowlist.drops(secret, lower, line) || global.drops(secret, lower, line) {
        return None;
    }
    Some((entropy, filters::has_allow_comment(line)))
}

/// Where two rules' secrets overlap, keeps one finding: the more specific rule (higher
/// confidence, then a checksum, then a provider's rule over a generic one; among equals, the
/// first). The rules it wins over are listed in its `also`, so one secret is one finding.
/// Leaves `matches` sorted by (start, end, rule).
fn resolve_overlaps(matches: &mut Vec<RawMatch>, rules: &[CompiledRule]) {
    if matches.len() < 2 {
        return;
    }
    matches.sort_unstable_by_key(|m| (m.start, m.end, m.rule));
    let rank = |m: &RawMatch| {
        let r = &rules[m.rule as usize].rule;
        (r.confidence, r.checksum.is_some(), !r.id().starts_with("generic."))
    };
    // For each match, the one it lost to (itself when kept).
    let mut winner: Vec<usize> = (0..matches.len()).collect();
    let mut active: Vec<usize> = Vec::new();
    for i in 0..matches.len() {
        let current = matches[i];
        active.retain(|&j| matches[j].end > current.start);
        for &j in &active {
            if winner[j] != j {
                continue;
            }
            if rank(&current) > rank(&matches[j]) {
                winner[j] = i;
            } else if winner[i] == i {
                winner[i] = j;
            }
        }
        active.push(i);
    }
    for i in 0..matches.len() {
        // Follow the chain to the match that was kept.
        let mut w = i;
        let mut steps = 0;
        while winner[w] != w && steps < matches.len() {
            w = winner[w];
            steps += 1;
        }
        if w != i {
            let rule = matches[i].rule;
            let kept = &mut matches[w];
            if kept.rule != rule
                && !kept.also.contains(&rule)
                && let Some(slot) = kept.also.iter_mut().find(|r| **r == NO_RULE)
            {
                *slot = rule;
            }
        }
    }
    let mut i = 0;
    matches.retain(|_| {
        i += 1;
        winner[i - 1] == i - 1
    });
}

/// A fixed stream of pseudo-random numbers for tests (xorshift32): the same cases on every run.
#[cfg(test)]
pub(crate) fn xorshift(x: &mut u32) -> u32 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_stops_at_line_ends_unless_multiline() {
        let hay = b"first line\nkey=abc token\nlast";
        let start = 11 + 4;
        assert_eq!(window(hay, start, start + 3, 100, false), (11, 24));
        assert_eq!(window(hay, start, start + 3, 100, true), (0, hay.len()));
        assert_eq!(window(hay, start, start + 3, 2, false), (13, 20));
    }

    #[test]
    fn a_workers_regex_caches_stay_within_the_budget_and_eviction_changes_no_result() {
        let rules = Rules::builtin();
        let engine = Engine::new(&rules).unwrap();
        let inputs: Vec<String> =
            rules.iter().map(|r| r.examples().collect::<Vec<_>>().join("\n")).collect();
        let mut scratch = Scratch::default();
        let mut first = Vec::new();
        for input in &inputs {
            engine.scan(input.as_bytes(), &mut scratch);
            first
                .push(scratch.matches.iter().map(|m| (m.rule, m.start, m.end)).collect::<Vec<_>>());
            let last: usize = (scratch.caches.iter().flatten())
                .filter(|c| c.used + 1 == scratch.tick)
                .map(|c| c.bytes)
                .sum();
            assert!(
                scratch.cache_bytes <= CACHE_BUDGET.max(last),
                "{} bytes kept",
                scratch.cache_bytes
            );
            let counted: usize = scratch.caches.iter().flatten().map(|c| c.bytes).sum();
            assert_eq!(scratch.cache_bytes, counted);
        }
        let live = scratch.caches.iter().flatten().count();
        assert!(live < inputs.len() / 2, "{live} caches kept: the budget never bit");
        for (input, expected) in inputs.iter().zip(&first) {
            let mut fresh = Scratch::default();
            engine.scan(input.as_bytes(), &mut fresh);
            let again: Vec<_> = fresh.matches.iter().map(|m| (m.rule, m.start, m.end)).collect();
            assert_eq!(&again, expected);
        }
    }

    #[test]
    fn keyword_nfa_and_dfa_find_the_same_matches() {
        let engine = Engine::new(&Rules::builtin()).unwrap();
        let input =
            b"TOKEN=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\npassword = \"Tr0ub4dor&3x\"\n";
        let mut scratch = Scratch::default();
        let spans = |engine: &Engine, scratch: &mut Scratch| {
            engine.scan(input, scratch);
            scratch.matches.iter().map(|m| (m.rule, m.start, m.end)).collect::<Vec<_>>()
        };
        let with_nfa = spans(&engine, &mut scratch);
        assert!(!engine.keywords.has_dfa(), "a small scan does not build the DFA");
        assert_eq!(with_nfa.len(), 2);
        engine.scan(&vec![b'x'; crate::engine::keywords::DFA_AFTER as usize], &mut scratch);
        assert!(engine.keywords.has_dfa(), "a large scan switches to the DFA");
        assert_eq!(spans(&engine, &mut scratch), with_nfa);
    }

    #[test]
    fn flushing_windows_early_finds_the_same_matches() {
        let engine = Engine::new(&Rules::builtin()).unwrap();
        let mut input = Vec::new();
        for i in 0..3000 {
            input.extend_from_slice(format!("password=Xk9{i:08}vQ2mT7pLr token: ").as_bytes());
            if i % 7 == 0 {
                input.extend_from_slice(b"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");
            }
            // Mostly long lines, where a rule's windows merge into one that keeps growing.
            input.push(if i % 500 == 0 { b'\n' } else { b' ' });
        }
        let mut scratch = Scratch::default();
        let mut spans = |flush| {
            engine.scan_flushing(&input, &mut scratch, flush);
            scratch.matches.iter().map(|m| (m.rule, m.start, m.end)).collect::<Vec<_>>()
        };
        let whole = spans(usize::MAX);
        assert!(whole.len() > 3000, "{}", whole.len());
        for flush in [1, 2, 16, 1000] {
            assert_eq!(spans(flush), whole, "flushing at {flush} windows");
        }
    }

    #[test]
    fn overlapping_rules_give_one_finding_that_lists_the_others() {
        let rule = |id: &str, confidence: &str| {
            format!(
                "[[rules]]\nid = \"{id}\"\nname = \"x\"\nprovider = \"X\"\nkind = \"api-key\"\n\
                 confidence = \"{confidence}\"\nkeywords = [\"tok_\"]\n\
                 pattern = '\\b(?P<secret>tok_[a-z0-9]{{16}})'\n"
            )
        };
        let text =
            [rule("a.one", "medium"), rule("b.two", "high"), rule("c.three", "medium")].join("\n");
        let rules = Rules::from_toml(&text, "t.toml").unwrap();
        let engine = Engine::new(&rules).unwrap();
        let mut out = Vec::new();
        let origin = crate::origin::Origin::Bytes(None);
        engine.find(b"key = tok_abcdefgh12345678\n", &origin, &mut Scratch::default(), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].rule_id(), "b.two", "the higher confidence wins");
        assert_eq!(out[0].also, ["a.one", "c.three"]);
    }

    #[test]
    fn one_provider_reports_one_secret_once() {
        let engine = Engine::new(&Rules::builtin()).unwrap();
        let mut scratch = Scratch::default();
        // Two generic rules (configuration files, and key=value log lines) both read this.
        engine.scan(b"password=Xk900000001vQ2mT7pLr\n", &mut scratch);
        let rules: Vec<_> =
            scratch.matches.iter().map(|m| engine.rules[m.rule as usize].rule.id()).collect();
        assert_eq!(rules.len(), 1, "{rules:?}");
    }
}
