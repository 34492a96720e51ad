//! Scanning a file too large for one buffer: in chunks that overlap, so memory stays bounded by
//! the chunk size whatever the file's size, and a file truncated mid-scan is just shorter (a
//! memory map would raise SIGBUS).
//!
//! Each chunk "owns" `chunk` bytes of the file and is scanned with `overlap` bytes of context on
//! either side; a finding is kept by the chunk that owns its first byte, so none is reported
//! twice. The overlap is larger than any rule's window (64 KiB) plus the line context filters
//! look at, so a secret across a chunk boundary is found as in one buffer, unless a single match
//! is longer than the overlap.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::engine::{Engine, Scratch};
use crate::error::Error;
use crate::finding::Finding;
use crate::origin::Origin;

/// Context scanned on either side of each chunk's own bytes.
pub(crate) const OVERLAP: usize = 256 << 10;

/// Scans `len` bytes of `file` (fewer, if it was truncated meanwhile) in chunks. Returns the
/// bytes scanned and the findings, with offsets, lines and columns of the whole file.
pub(crate) fn scan(
    engine: &Engine,
    mut file: File,
    len: u64,
    origin: &Origin,
    chunk: usize,
    overlap: usize,
    scratch: &mut Scratch,
) -> Result<(u64, Vec<Finding>), Error> {
    let path = origin.path().unwrap_or(Path::new("-"));
    let chunk = chunk.max(1);
    let capacity = chunk + 2 * overlap;
    let mut buf: Vec<u8> = Vec::with_capacity(capacity);
    let mut reader = (&mut file).take(len);
    // File offset of `buf[0]`; newlines before it, and the offset where its line starts.
    let mut base = 0u64;
    let mut lines_before = 0usize;
    let mut line_start = 0u64;
    // The file offset from which this chunk's findings are its own.
    let mut owned_from = 0u64;
    let mut findings = Vec::new();
    let mut chunk_findings = Vec::new();
    loop {
        let want = capacity - buf.len();
        let got = (&mut reader)
            .take(want as u64)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(e, path))?;
        let end = got < want;
        let owned_to =
            if end { base + buf.len() as u64 } else { base + (buf.len() - overlap) as u64 };
        chunk_findings.clear();
        engine.find(&buf, origin, scratch, &mut chunk_findings);
        for mut f in chunk_findings.drain(..) {
            let start = base + f.location.start as u64;
            if start < owned_from || start >= owned_to {
                continue;
            }
            let column_shift = (base - line_start) as usize;
            let l = &mut f.location;
            l.start += base as usize;
            l.end += base as usize;
            if l.line == 1 {
                l.column += column_shift;
            }
            if l.end_line == 1 {
                l.end_column += column_shift;
            }
            l.line += lines_before;
            l.end_line += lines_before;
            findings.push(f);
        }
        if end {
            return Ok((base + buf.len() as u64, findings));
        }
        // Keep the last `2 * overlap` bytes: the context before the next chunk's own bytes and
        // those bytes' first part.
        let shift = buf.len() - 2 * overlap;
        let dropped = &buf[..shift];
        lines_before += memchr::memchr_iter(b'\n', dropped).count();
        if let Some(nl) = memchr::memrchr(b'\n', dropped) {
            line_start = base + nl as u64 + 1;
        }
        buf.drain(..shift);
        base += shift as u64;
        owned_from = owned_to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_scans_agree_with_one_buffer() {
        const GH1: &str = "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";
        let mut data = Vec::new();
        for i in 0..400 {
            // Lines of varying length, some without a newline for a while, secrets here and there.
            data.extend_from_slice(format!("line {i} {}", "x".repeat(i % 37)).as_bytes());
            if i % 7 == 0 {
                data.extend_from_slice(format!(" token = \"{GH1}\"").as_bytes());
            }
            if i % 3 != 0 {
                data.push(b'\n');
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::write(&path, &data).unwrap();
        let scanner = crate::Scanner::new().unwrap();
        let whole = scanner.scan_bytes(&data, Some(&path));
        let origin = Origin::File(path.clone());
        assert!(whole.len() > 50);
        let key = |f: &Finding| (f.location, f.secret.expose().to_string());
        for (chunk, overlap) in [(100, 150), (1000, 200), (4096, 500), (data.len(), 10)] {
            let file = File::open(&path).unwrap();
            let mut scratch = Scratch::default();
            let (bytes, found) = scan(
                scanner.engine(),
                file,
                data.len() as u64,
                &origin,
                chunk,
                overlap,
                &mut scratch,
            )
            .unwrap();
            assert_eq!(bytes, data.len() as u64);
            let a: Vec<_> = whole.iter().map(key).collect();
            let b: Vec<_> = found.iter().map(key).collect();
            assert_eq!(a, b, "chunk {chunk}, overlap {overlap}");
        }
    }
}
