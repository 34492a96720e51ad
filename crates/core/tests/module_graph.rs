//! The crate's import graph has no cycle: `lib.rs` declares its modules in dependency order,
//! and each module may import only modules declared above it (DESIGN.md's layering).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules in declaration order, and the module each re-exported name comes from.
fn declared(lib: &str) -> (Vec<String>, BTreeMap<String, String>) {
    let mut order = Vec::new();
    let mut exported = BTreeMap::new();
    for line in lib.lines().map(str::trim) {
        let decl = line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod "));
        if let Some(name) = decl.and_then(|d| d.strip_suffix(';')) {
            order.push(name.to_string());
        }
    }
    // `pub use module::{A, B};` possibly over several lines.
    let mut rest = lib;
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + 8..];
        let end = rest.find(';').unwrap();
        let stmt: String = rest[..end].split_whitespace().collect();
        rest = &rest[end..];
        let (module, names) = stmt.split_once("::").unwrap();
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',').filter(|n| !n.is_empty()) {
            let name = name.rsplit("::").next().unwrap();
            exported.insert(name.to_string(), module.to_string());
        }
    }
    (order, exported)
}

/// The top-level modules a source file refers to through `crate::`.
fn imports(
    text: &str,
    modules: &[String],
    exported: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + 7..];
        if rest.starts_with('{') {
            let group = &rest[1..rest.find('}').unwrap()];
            for item in group.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let head = item.split("::").next().unwrap().trim();
                if modules.iter().any(|m| m == head) {
                    found.insert(head.to_string());
                } else if let Some(m) = exported.get(head) {
                    found.insert(m.clone());
                }
            }
            continue;
        }
        let head: String =
            rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if modules.contains(&head) {
            found.insert(head);
        } else if let Some(m) = exported.get(&head) {
            found.insert(m.clone());
        }
    }
    found
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn each_module_imports_only_modules_declared_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (order, exported) = declared(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    assert!(order.len() > 10, "modules not found in lib.rs: {order:?}");
    let rank = |m: &str| order.iter().position(|o| o == m);
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    for path in all {
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(own) = rank(&module) else { continue }; // lib.rs
        let text = std::fs::read_to_string(&path).unwrap();
        // Tests may use anything: only the code that ships is layered.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        // Doc links name types for readers; they are not dependencies.
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for import in imports(&code, &order, &exported) {
            if import != module && rank(&import).is_none_or(|r| r > own) {
                wrong.push(format!("{} imports {import}", relative.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports of modules declared below (a cycle):\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_imports_through_groups_and_reexports() {
    let modules = ["error".to_string(), "finding".to_string(), "sink".to_string()];
    let exported = BTreeMap::from([("Finding".to_string(), "finding".to_string())]);
    let text = "use crate::{Finding, error::Error};\nfn f(_: &dyn crate::sink::Sink) {}";
    let found = imports(text, &modules, &exported);
    assert_eq!(found, BTreeSet::from(modules.clone()));
}
