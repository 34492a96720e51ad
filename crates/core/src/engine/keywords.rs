//! The keyword search: every rule's keywords in one ASCII case-insensitive Aho-Corasick
//! automaton, reporting every occurrence (overlapping ones too) in order of where it ends.
//!
//! A scan starts with a non-contiguous NFA, which builds in a few milliseconds, and switches to a
//! DFA once the engine has scanned [`DFA_AFTER`] bytes. The DFA is walked by this module in
//! [`LANES`] interleaved lanes: each DFA step reads the table at an address the previous step
//! gave, so one walk waits on memory most of the time, and independent walks over different
//! parts of the input fill those waits. On a tree of real code, that halves the keyword search's time.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, MatchKind, StartKind, dfa};

/// Bytes an engine scans with the keyword NFA before it builds the DFA. With the built-in rules
/// the NFA searches about 100 MB/s and the DFA takes about 12 ms to build, the time the NFA takes
/// over 1.2 MB. A pre-commit hook or a one-file scan stays under it and never pays the DFA's
/// build; a tree scan passes it within milliseconds and runs the rest with the DFA.
pub(crate) const DFA_AFTER: u64 = 2 << 20;

/// Walks over the DFA run side by side.
const LANES: usize = 4;

/// A lane's shortest stretch: below `LANES` times this, one walk reads the whole block. Each
/// lane first reads up to the longest keyword's length before its stretch, so on the shortest
/// stretches the lanes read about a tenth more bytes than one walk would.
const MIN_LANE: usize = 256;

/// The DFA's hits are gathered a block at a time, so their buffer stays small whatever the
/// input (a block of `a`s against a keyword of `a`s hits at every byte).
const BLOCK: usize = 64 << 10;

/// The keywords, as automata.
#[derive(Debug)]
pub(crate) struct Keywords {
    nfa: AhoCorasick,
    /// Built on first need; `None` when the keywords need more states than [`Dfa`] holds, and
    /// the NFA stays.
    dfa: OnceLock<Option<Dfa>>,
    list: Vec<Vec<u8>>,
    scanned: AtomicU64,
}

/// The keywords' DFA, laid out for the search loop from the one aho-corasick builds:
///
/// - A compact alphabet: each byte that occurs in a keyword has a code from 1 (in the bytes'
///   order), its other ASCII case the same code, and every other byte the code 0. The DFA is
///   built over the keywords' codes and fed the input's, so it matches ASCII case-insensitively
///   without transitions for both cases, and a row has 64 entries with the built-in rules where
///   a case-insensitive DFA over bytes has 128.
/// - States are 16-bit row numbers: a row of 64 is 128 bytes, and a state's transitions on the
///   letters fit in one cache line.
/// - Rows in breadth-first order from the start state, so the states ordinary text keeps
///   visiting (the first bytes of keywords) lie together; match states come first, so a state
///   is a match state when its number is below [`Dfa::matches`].
///
/// With the built-in rules the table takes 0.8 MB, against 3.2 MB for aho-corasick's
/// case-insensitive DFA: a search in a worker that also runs regexes finds more of it in cache.
#[derive(Debug)]
struct Dfa {
    code: [u8; 256],
    /// The transition from state `s` on code `c` is at `(s << stride2) | c`.
    trans: Vec<u16>,
    stride2: u32,
    start: u16,
    /// States below this are match states.
    matches: u16,
    /// Match state `s`'s keywords are `keywords[match_at[s]..match_at[s + 1]]`.
    match_at: Vec<u32>,
    keywords: Vec<u32>,
    keyword_len: Vec<u32>,
    max_len: usize,
}

impl Dfa {
    /// `None` when the keywords need more than 65,536 states or aho-corasick's DFA exceeds its
    /// size limit: the NFA is used instead.
    fn build(list: &[Vec<u8>]) -> Option<Dfa> {
        let mut used = [false; 256];
        for &b in list.iter().flatten() {
            used[usize::from(b)] = true;
        }
        // Codes in the bytes' order, so that letters have neighbouring codes and a state's
        // transitions on them share a cache line.
        let mut code = [0u8; 256];
        let mut codes = 1usize;
        for b in (0..=u8::MAX).filter(|&b| used[usize::from(b)]) {
            // At most 230 bytes have codes: the keywords are in lower case, and an upper-case
            // letter shares its lower case's code.
            code[usize::from(b)] = u8::try_from(codes).ok()?;
            code[usize::from(b.to_ascii_uppercase())] = u8::try_from(codes).ok()?;
            codes += 1;
        }
        let coded: Vec<Vec<u8>> =
            list.iter().map(|k| k.iter().map(|&b| code[usize::from(b)]).collect()).collect();
        let ac = dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .start_kind(StartKind::Unanchored)
            .build(&coded)
            .ok()?;
        let next = |s: StateID, c: usize| ac.next_state(Anchored::No, s, c as u8);

        // Breadth first from the start state. aho-corasick's state ids are indices into its
        // table: `rank` maps them to their place in `order`, plus one; `to` holds each state's
        // transitions as places in `order`.
        let start = ac.start_state(Anchored::No).ok()?;
        let mut rank: Vec<u32> = vec![0; start.as_usize() + 1];
        rank[start.as_usize()] = 1;
        let mut order = vec![start];
        let mut to: Vec<u32> = Vec::new();
        let mut i = 0;
        while let Some(&s) = order.get(i) {
            for c in 0..codes {
                let t = next(s, c);
                if t.as_usize() >= rank.len() {
                    rank.resize(t.as_usize() + 1, 0);
                }
                if rank[t.as_usize()] == 0 {
                    order.push(t);
                    rank[t.as_usize()] = order.len() as u32;
                }
                to.push(rank[t.as_usize()] - 1);
            }
            i += 1;
        }
        if order.len() > usize::from(u16::MAX) + 1 {
            return None;
        }
        // Match states first, each group in breadth-first order.
        let is_match: Vec<bool> = order.iter().map(|&s| ac.is_match(s)).collect();
        let matches = is_match.iter().filter(|&&m| m).count();
        let (mut place, mut next_match, mut next_other) = (vec![0u16; order.len()], 0, matches);
        for (i, &m) in is_match.iter().enumerate() {
            let slot = if m { &mut next_match } else { &mut next_other };
            place[i] = *slot as u16;
            *slot += 1;
        }

        let stride2 = codes.next_power_of_two().trailing_zeros();
        let mut trans = vec![0u16; order.len() << stride2];
        let mut match_at = vec![0u32; matches + 1];
        let mut keywords = vec![Vec::new(); matches];
        for (i, &s) in order.iter().enumerate() {
            let row = usize::from(place[i]) << stride2;
            for c in 0..codes {
                trans[row | c] = place[to[i * codes + c] as usize];
            }
            if is_match[i] {
                keywords[usize::from(place[i])] =
                    (0..ac.match_len(s)).map(|k| ac.match_pattern(s, k).as_u32()).collect();
            }
        }
        for (m, list) in keywords.iter().enumerate() {
            match_at[m + 1] = match_at[m] + list.len() as u32;
        }
        let keywords: Vec<u32> = keywords.concat();
        let matches = u16::try_from(matches).ok()?;
        Some(Dfa {
            code,
            trans,
            stride2,
            start: place[0],
            matches,
            match_at,
            keywords,
            keyword_len: list.iter().map(|k| k.len() as u32).collect(),
            max_len: ac.max_pattern_len(),
        })
    }

    #[inline(always)]
    fn next(&self, s: u16, byte: u8) -> u16 {
        self.trans[(usize::from(s) << self.stride2) | usize::from(self.code[usize::from(byte)])]
    }

    #[inline(always)]
    fn is_match(&self, s: u16) -> bool {
        s < self.matches
    }

    /// Records the keywords that end with the byte at `at`, if `s`, the state after it, is a
    /// match state.
    #[inline(always)]
    fn record(&self, s: u16, at: usize, out: &mut Vec<(usize, u32)>) {
        if self.is_match(s) {
            let s = usize::from(s);
            let (from, to) = (self.match_at[s] as usize, self.match_at[s + 1] as usize);
            out.extend(self.keywords[from..to].iter().map(|&k| (at + 1, k)));
        }
    }
}

/// Per-worker room for the hits of one block, a list per lane: `(end, keyword)`.
#[derive(Debug, Default)]
pub(crate) struct Hits {
    lanes: [Vec<(usize, u32)>; LANES],
}

impl Keywords {
    /// `list` is the keywords in lower case; a hit's keyword is its index there.
    pub(crate) fn new(list: Vec<Vec<u8>>) -> Result<Keywords, crate::Error> {
        let nfa = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::NoncontiguousNFA))
            .build(&list)
            .map_err(|e| crate::Error::new(crate::error::ErrorKind::Rule, e.to_string()))?;
        Ok(Keywords { nfa, dfa: OnceLock::new(), list, scanned: AtomicU64::new(0) })
    }

    /// The longest keyword's length.
    pub(crate) fn max_len(&self) -> usize {
        self.list.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Calls `hit(start, end, keyword)` for every occurrence of a keyword in `hay`, in order of
    /// `end`; occurrences with the same end come in the automaton's order.
    pub(crate) fn search(
        &self,
        hay: &[u8],
        hits: &mut Hits,
        mut hit: impl FnMut(usize, usize, usize),
    ) {
        match self.dfa_for(hay.len()) {
            Some(dfa) => search_dfa(dfa, hay, hits, hit),
            None => {
                for m in self.nfa.find_overlapping_iter(hay) {
                    hit(m.start(), m.end(), m.pattern().as_usize());
                }
            }
        }
    }

    /// Whether the DFA has been built.
    #[cfg(test)]
    pub(crate) fn has_dfa(&self) -> bool {
        self.dfa.get().is_some_and(Option::is_some)
    }

    fn dfa_for(&self, len: usize) -> Option<&Dfa> {
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref();
        }
        let before = self.scanned.fetch_add(len as u64, Ordering::Relaxed);
        if before + (len as u64) < DFA_AFTER {
            return None;
        }
        self.dfa.get_or_init(|| Dfa::build(&self.list)).as_ref()
    }
}

/// [`Keywords::search`] with the DFA, in blocks of equal size up to [`BLOCK`] bytes, each split
/// among the lanes.
///
/// Each lane reports the hits that end in its stretch of the block. Before its stretch, it reads
/// the longest keyword's length less one, so that it sees every keyword that ends there: the
/// automaton's state after a byte depends only on the bytes a keyword could span. The stretches
/// follow each other, so their hits, taken lane by lane, are in order.
fn search_dfa(dfa: &Dfa, hay: &[u8], hits: &mut Hits, mut hit: impl FnMut(usize, usize, usize)) {
    let overlap = dfa.max_len.saturating_sub(1);
    // The state of a walk that starts `overlap` bytes before `at`.
    let warm = |at: usize| walk(dfa, dfa.start, hay, at.saturating_sub(overlap), at, None);
    // Blocks of equal size, so that the last is not a short one read by one walk.
    let size = hay.len().div_ceil(hay.len().div_ceil(BLOCK).max(1));
    let mut block = 0;
    while block < hay.len() {
        let end = (block + size).min(hay.len());
        let lanes = if end - block < LANES * MIN_LANE {
            walk(dfa, warm(block), hay, block, end, Some(&mut hits.lanes[0]));
            1
        } else {
            let stretch = (end - block) / LANES;
            let at: [usize; LANES] = std::array::from_fn(|i| block + i * stretch);
            let [mut s0, mut s1, mut s2, mut s3] = at.map(warm);
            let bytes = |i: usize| &hay[at[i]..at[i] + stretch];
            let lanes = bytes(0).iter().zip(bytes(1)).zip(bytes(2)).zip(bytes(3));
            for (k, (((&b0, &b1), &b2), &b3)) in lanes.enumerate() {
                s0 = dfa.next(s0, b0);
                s1 = dfa.next(s1, b1);
                s2 = dfa.next(s2, b2);
                s3 = dfa.next(s3, b3);
                // Not `||`: one branch for the four, taken at a hit only.
                if dfa.is_match(s0) | dfa.is_match(s1) | dfa.is_match(s2) | dfa.is_match(s3) {
                    for (i, s) in [s0, s1, s2, s3].into_iter().enumerate() {
                        dfa.record(s, at[i] + k, &mut hits.lanes[i]);
                    }
                }
            }
            // The last lane also takes what is left when the block does not split evenly.
            walk(dfa, s3, hay, at[3] + stretch, end, Some(&mut hits.lanes[3]));
            LANES
        };
        for lane in &mut hits.lanes[..lanes] {
            for &(end, k) in lane.iter() {
                hit(end - dfa.keyword_len[k as usize] as usize, end, k as usize);
            }
            lane.clear();
        }
        block = end;
    }
}

/// Runs the DFA from `s` over `hay[from..to]`, recording its hits in `out` if given; returns
/// the state it ends in.
fn walk(
    dfa: &Dfa,
    mut s: u16,
    hay: &[u8],
    from: usize,
    to: usize,
    mut out: Option<&mut Vec<(usize, u32)>>,
) -> u16 {
    for (k, &byte) in hay[from..to].iter().enumerate() {
        s = dfa.next(s, byte);
        if dfa.is_match(s)
            && let Some(out) = out.as_deref_mut()
        {
            dfa.record(s, from + k, out);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::xorshift;

    fn nfa_hits(k: &Keywords, hay: &[u8]) -> Vec<(usize, usize, usize)> {
        k.nfa
            .find_overlapping_iter(hay)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect()
    }

    fn dfa_hits(k: &Keywords, hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let dfa = k.dfa_for(DFA_AFTER as usize).expect("a DFA");
        let mut out = Vec::new();
        search_dfa(dfa, hay, &mut Hits::default(), |s, e, p| out.push((s, e, p)));
        out
    }

    #[test]
    fn the_lanes_find_what_the_nfa_finds_in_the_same_order() {
        let words: Vec<Vec<u8>> =
            ["aws", "aws_secret", "secret", "ghp_", "pat", "path", "a-b-c-d", "clé", "{x}"]
                .iter()
                .map(|w| w.as_bytes().to_vec())
                .collect();
        let k = Keywords::new(words).unwrap();
        // Keywords everywhere, across every lane and block boundary, in mixed case, and some
        // that straddle the boundaries by every offset.
        let mut hay = Vec::new();
        let mut x: u32 = 12345;
        while hay.len() < 3 * BLOCK + 777 {
            // Upper case, bytes past ASCII (only ASCII letters fold), and bytes in no keyword.
            let piece: &[u8] = match xorshift(&mut x) % 13 {
                0 => b"AWS_Secret",
                1 => b"path",
                2 => b"-b-c-",
                3 => b"a",
                4 => b"ghp_",
                5 => b"secret",
                6 => "CLé".as_bytes(),
                7 => "clÉ".as_bytes(),
                8 => b"{X}\x00\xff",
                _ => b" xyz ",
            };
            hay.extend_from_slice(piece);
        }
        for len in
            [0, 1, 3, 100, LANES * MIN_LANE - 1, LANES * MIN_LANE, BLOCK, BLOCK + 1, hay.len()]
        {
            let hay = &hay[..len];
            assert_eq!(dfa_hits(&k, hay), nfa_hits(&k, hay), "{len} bytes");
        }
        assert!(nfa_hits(&k, &hay).len() > 10_000);
    }

    #[test]
    fn a_dense_block_does_not_keep_its_hits() {
        let k = Keywords::new(vec![b"aaa".to_vec()]).unwrap();
        let hay = vec![b'a'; 4 * BLOCK];
        let dfa = k.dfa_for(DFA_AFTER as usize).unwrap();
        let mut hits = Hits::default();
        let mut n = 0;
        search_dfa(dfa, &hay, &mut hits, |_, _, _| n += 1);
        assert_eq!(n, hay.len() - 2);
        assert!(hits.lanes.iter().all(Vec::is_empty));
        assert!(hits.lanes.iter().map(Vec::capacity).sum::<usize>() <= 2 * BLOCK);
    }

    #[test]
    fn keywords_that_need_more_than_65536_states_stay_with_the_nfa() {
        // 7,000 keywords of 12 pseudo-random letters: about 75,000 states.
        let mut x: u32 = 7;
        let words: Vec<Vec<u8>> = (0..7000)
            .map(|_| (0..12).map(|_| b'a' + (xorshift(&mut x) % 26) as u8).collect())
            .collect();
        assert!(Dfa::build(&words).is_none());
        let hay = [b"x ".as_slice(), &words[6999].to_ascii_uppercase(), b" y"].concat();
        let k = Keywords::new(words).unwrap();
        let mut found = Vec::new();
        k.search(&vec![b' '; DFA_AFTER as usize], &mut Hits::default(), |_, _, _| {});
        k.search(&hay, &mut Hits::default(), |s, e, p| found.push((s, e, p)));
        assert!(!k.has_dfa());
        assert!(found.contains(&(2, 14, 6999)), "{found:?}");
    }

    #[test]
    fn the_built_in_keywords_fit_the_compact_table() {
        let rules = crate::Rules::builtin();
        let mut list: Vec<Vec<u8>> = Vec::new();
        for keyword in rules.iter().flat_map(|r| r.keywords()) {
            let keyword = keyword.to_ascii_lowercase().into_bytes();
            if !list.contains(&keyword) {
                list.push(keyword);
            }
        }
        let dfa = Dfa::build(&list).expect("a DFA: at most 65,536 states");
        assert_eq!(dfa.stride2, 6, "a row of 64 codes");
        // 0.8 MB with 626 rules, 1.25 MB with 969 (1,742 keywords): past a core's L2, which the
        // keyword search feels (benches/record). Cutting keywords per rule is the speed issue's
        // work; this bound keeps the table from growing unnoticed.
        assert!(dfa.trans.len() * 2 < 3 << 19, "{} bytes", dfa.trans.len() * 2);
    }

    #[test]
    fn a_small_scan_uses_the_nfa_and_a_large_one_builds_the_dfa() {
        let k = Keywords::new(vec![b"token".to_vec()]).unwrap();
        let mut n = 0;
        k.search(b"TOKEN token", &mut Hits::default(), |_, _, _| n += 1);
        assert_eq!(n, 2);
        assert!(!k.has_dfa());
        k.search(&vec![b'x'; DFA_AFTER as usize], &mut Hits::default(), |_, _, _| {});
        assert!(k.has_dfa());
    }
}
