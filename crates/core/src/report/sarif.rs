//! SARIF 2.1.0, as code-scanning services (GitHub, GitLab, Azure DevOps) read it.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::ReportOptions;
use crate::{Confidence, Finding, Rule, SuppressionKind};

const BASE_ID: &str = "%SRCROOT%";

pub(super) fn document(
    out: &mut dyn Write,
    findings: &[Finding],
    all_rules: &[&Rule],
    errors: &[String],
    options: &ReportOptions,
) -> io::Result<()> {
    // Each rule that has a result appears once, in id order; results point at it by index.
    let mut used: BTreeMap<&str, &Rule> = BTreeMap::new();
    for f in findings {
        used.insert(f.rule_id(), &f.rule);
    }
    for rule in all_rules {
        if let Some(slot) = used.get_mut(rule.id()) {
            *slot = rule;
        }
    }
    let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<Value> = used.values().map(|r| rule(r)).collect();
    let results: Vec<Value> =
        findings.iter().map(|f| result(f, index[f.rule_id()], options)).collect();

    let mut run = json!({
        "tool": {"driver": {
            "name": "tokenhound",
            "informationUri": "https://github.com/tokenhound/tokenhound",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation(errors)],
    });
    if let Some(base) = &options.base {
        run["originalUriBaseIds"] = json!({BASE_ID: {"uri": directory_uri(base)}});
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

fn rule(r: &Rule) -> Value {
    let description = r.description().unwrap_or(r.name());
    let remediation = r.remediation().unwrap_or(
        "Revoke the credential at its provider, issue a new one, and keep it out of the repository \
         (use a secret manager or CI secret variables).",
    );
    let references: Vec<&str> = r.references().collect();
    let mut help_md = format!(
        "**{}** ({}).\n\n{description}\n\n**Remediation:** {remediation}",
        r.name(),
        r.provider()
    );
    if !references.is_empty() {
        help_md.push_str("\n\n**References:**\n");
        for link in &references {
            help_md.push_str(&format!("- <{link}>\n"));
        }
    }
    let mut value = json!({
        "id": r.id(),
        "name": pascal_case(r.id()),
        "shortDescription": {"text": r.name()},
        "fullDescription": {"text": description},
        "help": {"text": format!("{description} Remediation: {remediation}"), "markdown": help_md},
        "defaultConfiguration": {"level": level(r.confidence())},
        "properties": {
            "tags": ["security", "secret", r.kind().as_str()],
            "provider": r.provider(),
            "kind": r.kind().as_str(),
            "confidence": r.confidence().as_str(),
            "precision": precision(r.confidence()),
            "security-severity": severity(r.confidence()),
        },
    });
    if let Some(first) = references.first() {
        value["helpUri"] = json!(first);
    }
    value
}

fn result(f: &Finding, rule_index: usize, options: &ReportOptions) -> Value {
    let loc = &f.location;
    let secret =
        if options.show_secrets { f.secret.expose().to_string() } else { f.secret.redacted() };
    let message = format!("{} ({}): {secret}", f.rule.name(), f.provider());
    let mut artifact = json!({});
    match &f.path {
        None => artifact["uri"] = json!("stdin"),
        Some(path) => {
            let (path, relative) = super::relative(path, options.base.as_deref());
            if relative {
                artifact["uri"] = json!(encode_path(path));
                if options.base.is_some() {
                    artifact["uriBaseId"] = json!(BASE_ID);
                }
            } else {
                artifact["uri"] = json!(format!("file://{}", encode_path(path)));
            }
        }
    }
    let mut value = json!({
        "ruleId": f.rule_id(),
        "ruleIndex": rule_index,
        "level": level(f.confidence()),
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": loc.line,
                "startColumn": loc.column,
                "endLine": loc.end_line,
                "endColumn": loc.end_column.max(1),
                "charOffset": loc.start,
                "charLength": loc.end - loc.start,
            },
        }}],
        "partialFingerprints": {"tokenhound/v1": f.fingerprint},
        "properties": {
            "provider": f.provider(),
            "kind": f.kind().as_str(),
            "confidence": f.confidence().as_str(),
            "confidenceReasons": f.confidence_reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "alsoMatchedRules": f.also,
            "entropy": (f.entropy * 1000.0).round() / 1000.0,
        },
    });
    if let Some(role) = f.file_role {
        value["properties"]["fileRole"] = json!(role.as_str());
    }
    if let Some(s) = &f.suppression {
        // An allow comment in the file is an in-source suppression; config and baseline entries
        // are external to it.
        let kind = if s.kind == SuppressionKind::Inline { "inSource" } else { "external" };
        value["suppressions"] = json!([{
            "kind": kind,
            "status": "accepted",
            "justification": s.justification,
            "properties": {"tokenhound/kind": s.kind.as_str()},
        }]);
    }
    if options.baseline {
        let baselined = f.suppression.as_ref().is_some_and(|s| s.kind == SuppressionKind::Baseline);
        value["baselineState"] = json!(if baselined { "unchanged" } else { "new" });
    }
    if let Some(git) = &f.git {
        // Code-scanning services match results across runs by partial fingerprints: the blob
        // and commit tell one location of a secret in history from another.
        value["partialFingerprints"]["tokenhound/blob/v1"] = json!(git.blob);
        if let Some(c) = &git.commit {
            value["partialFingerprints"]["tokenhound/commit/v1"] = json!(c.id);
        }
        value["properties"]["git"] = super::json::git_json(git);
    }
    value
}

fn invocation(errors: &[String]) -> Value {
    let notes: Vec<Value> =
        errors.iter().map(|e| json!({"level": "warning", "message": {"text": e}})).collect();
    json!({"executionSuccessful": true, "toolExecutionNotifications": notes})
}

fn level(c: Confidence) -> &'static str {
    match c {
        Confidence::High | Confidence::Medium => "error",
        Confidence::Low => "warning",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "very-high",
        Confidence::Medium => "high",
        Confidence::Low => "medium",
    }
}

fn severity(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "9.0",
        Confidence::Medium => "8.0",
        Confidence::Low => "6.0",
    }
}

fn pascal_case(id: &str) -> String {
    id.split(['.', '-'])
        .map(|part| {
            let mut c = part.chars();
            c.next().map_or(String::new(), |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect()
}

/// Percent-encodes a path for a URI, keeping `/` and RFC 3986's unreserved characters.
fn encode_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn directory_uri(base: &Path) -> String {
    let mut uri = format!("file://{}", encode_path(base));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_paths_and_names() {
        assert_eq!(encode_path(Path::new("a b/c%.txt")), "a%20b/c%25.txt");
        assert_eq!(pascal_case("github.pat-classic"), "GithubPatClassic");
        assert_eq!(directory_uri(Path::new("/work/x")), "file:///work/x/");
    }
}
