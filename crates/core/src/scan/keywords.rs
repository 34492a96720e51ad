//! The keyword search: every rule's keywords in one ASCII case-insensitive Aho-Corasick
//! automaton, reporting every occurrence (overlapping ones too) in order of where it ends.
//!
//! A scan starts with a non-contiguous NFA, which builds in a few milliseconds, and switches to a
//! DFA once the engine has scanned [`DFA_AFTER`] bytes. The DFA is walked by this module in
//! [`LANES`] interleaved lanes: a DFA step is a chain of two dependent table reads, so one walk
//! waits on memory most of the time, and independent walks over different parts of the input
//! fill those waits. On a tree of real code, that halves the keyword search's time.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, MatchKind, PatternID, StartKind, dfa};

/// Bytes an engine scans with the keyword NFA before it builds the DFA. With the built-in rules
/// the NFA searches about 100 MB/s and the DFA takes about 6 ms to build, the time the NFA takes
/// over 0.6 MB. A pre-commit hook or a one-file scan stays under it and never pays the DFA's
/// build; a tree scan passes it within milliseconds and runs the rest with the DFA.
pub(crate) const DFA_AFTER: u64 = 1 << 20;

/// Walks over the DFA run side by side.
const LANES: usize = 4;

/// A lane's shortest stretch: below `LANES` times this, one walk reads the whole block. Each
/// lane but the first reads up to the longest keyword's length before its stretch, so on the
/// shortest stretches the lanes read about a tenth more bytes than one walk would.
const MIN_LANE: usize = 256;

/// The DFA's hits are gathered a block at a time, so their buffer stays small whatever the
/// input (a block of `a`s against a keyword of `a`s hits at every byte).
const BLOCK: usize = 64 << 10;

/// The keywords, as automata.
#[derive(Debug)]
pub(crate) struct Keywords {
    nfa: AhoCorasick,
    /// Built on first need; `None` when the DFA's size limit is exceeded, and the NFA stays.
    dfa: OnceLock<Option<Dfa>>,
    list: Vec<Vec<u8>>,
    scanned: AtomicU64,
}

/// The keywords' DFA over a compact alphabet: each byte that occurs in a keyword has a code from
/// 1, its other ASCII case the same code, and every other byte the code 0. The DFA is built over
/// the keywords' codes and fed the input's, so it matches ASCII case-insensitively without
/// transitions for both cases, and its transition table has a row of 64 entries per state rather
/// than 128: half the memory a search moves through.
#[derive(Debug)]
struct Dfa {
    dfa: dfa::DFA,
    code: [u8; 256],
}

impl Dfa {
    fn build(list: &[Vec<u8>]) -> Option<Dfa> {
        let mut code = [0u8; 256];
        let mut next = 1u8;
        for &b in list.iter().flatten() {
            if code[usize::from(b)] == 0 {
                // At most 230 bytes have codes: the keywords are in lower case, and an upper-case
                // letter shares its lower case's code.
                code[usize::from(b)] = next;
                code[usize::from(b.to_ascii_uppercase())] = next;
                next = next.checked_add(1)?;
            }
        }
        let coded: Vec<Vec<u8>> =
            list.iter().map(|k| k.iter().map(|&b| code[usize::from(b)]).collect()).collect();
        let dfa = dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            // No prefilter: with hundreds of keywords there is none worth having, and without
            // one the start state needs no special handling.
            .prefilter(false)
            .start_kind(StartKind::Unanchored)
            .build(&coded)
            .ok()?;
        Some(Dfa { dfa, code })
    }

    #[inline(always)]
    fn next(&self, sid: StateID, byte: u8) -> StateID {
        self.dfa.next_state(Anchored::No, sid, self.code[usize::from(byte)])
    }
}

/// Per-worker room for the hits of one block, a list per lane: `(end, keyword)`.
#[derive(Debug, Default)]
pub(crate) struct Hits {
    lanes: [Vec<(usize, PatternID)>; LANES],
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

/// [`Keywords::search`] with the DFA, in blocks of [`BLOCK`] bytes, each split among the lanes.
///
/// Each lane reports the hits that end in its stretch of the block. Before its stretch, it reads
/// the longest keyword's length less one, so that it sees every keyword that ends there: the
/// automaton's state after a byte depends only on the bytes a keyword could span. The stretches
/// follow each other, so their hits, taken lane by lane, are in order.
fn search_dfa(coded: &Dfa, hay: &[u8], hits: &mut Hits, mut hit: impl FnMut(usize, usize, usize)) {
    let dfa = &coded.dfa;
    let start = dfa.start_state(Anchored::No).expect("the DFA is built with an unanchored start");
    let overlap = dfa.max_pattern_len().saturating_sub(1);
    // The state of a walk that starts `overlap` bytes before `at`.
    let warm = |at: usize| walk(coded, start, hay, at.saturating_sub(overlap), at, None);
    // Blocks of equal size, so that the last is not a short one read by one walk.
    let size = hay.len().div_ceil(hay.len().div_ceil(BLOCK).max(1));
    let mut block = 0;
    while block < hay.len() {
        let end = (block + size).min(hay.len());
        let lanes = if end - block < LANES * MIN_LANE {
            walk(coded, warm(block), hay, block, end, Some(&mut hits.lanes[0]));
            1
        } else {
            let stretch = (end - block) / LANES;
            let at: [usize; LANES] = std::array::from_fn(|i| block + i * stretch);
            let [mut s0, mut s1, mut s2, mut s3] = at.map(warm);
            let bytes = |i: usize| &hay[at[i]..at[i] + stretch];
            let lanes = bytes(0).iter().zip(bytes(1)).zip(bytes(2)).zip(bytes(3));
            for (k, (((&b0, &b1), &b2), &b3)) in lanes.enumerate() {
                s0 = coded.next(s0, b0);
                s1 = coded.next(s1, b1);
                s2 = coded.next(s2, b2);
                s3 = coded.next(s3, b3);
                // Not `||`: one branch for the four, taken at a hit only.
                if dfa.is_special(s0) | dfa.is_special(s1) | dfa.is_special(s2) | dfa.is_special(s3)
                {
                    for (i, sid) in [s0, s1, s2, s3].into_iter().enumerate() {
                        record(dfa, sid, at[i] + k, &mut hits.lanes[i]);
                    }
                }
            }
            // The last lane also takes what is left when the block does not split evenly.
            walk(coded, s3, hay, at[3] + stretch, end, Some(&mut hits.lanes[3]));
            LANES
        };
        for lane in &mut hits.lanes[..lanes] {
            for &(end, pid) in lane.iter() {
                hit(end - dfa.pattern_len(pid), end, pid.as_usize());
            }
            lane.clear();
        }
        block = end;
    }
}

/// Runs the DFA from `sid` over `hay[from..to]`, recording its hits in `out` if given; returns
/// the state it ends in.
fn walk(
    coded: &Dfa,
    mut sid: StateID,
    hay: &[u8],
    from: usize,
    to: usize,
    mut out: Option<&mut Vec<(usize, PatternID)>>,
) -> StateID {
    for (k, &byte) in hay[from..to].iter().enumerate() {
        sid = coded.next(sid, byte);
        if coded.dfa.is_special(sid)
            && let Some(out) = out.as_deref_mut()
        {
            record(&coded.dfa, sid, from + k, out);
        }
    }
    sid
}

/// Records the keywords that end with the byte at `at`, if `sid`, the state after it, is a
/// match state.
fn record(dfa: &dfa::DFA, sid: StateID, at: usize, out: &mut Vec<(usize, PatternID)>) {
    if dfa.is_match(sid) {
        for k in 0..dfa.match_len(sid) {
            out.push((at + 1, dfa.match_pattern(sid, k)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Upper case, bytes past ASCII (only ASCII letters fold), and bytes in no keyword.
            let piece: &[u8] = match x % 13 {
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
