//! The rules' self-test: every rule compiles, and its examples behave as the rule says.

use crate::engine::Allowlist;
use crate::error::{Error, ErrorKind};
use crate::rules::Rules;
use crate::rules::syntax::build_regex;
use crate::scanner::Scanner;

impl Rules {
    /// Runs every rule's self-test: validates fields, compiles each regex and runs every example
    /// with and without a trailing newline. Returns one message per problem (empty when all
    /// pass).
    pub fn check(&self) -> Vec<Error> {
        check(self, Minimums::default())
    }
}

/// The fewest examples of each sort a rule must carry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Minimums {
    pub(crate) examples: usize,
    pub(crate) negative_examples: usize,
}

impl Default for Minimums {
    fn default() -> Self {
        Minimums { examples: 3, negative_examples: 3 }
    }
}

pub(crate) fn check(rules: &Rules, min: Minimums) -> Vec<Error> {
    let mut problems = Vec::new();
    if rules.rules.iter().any(|r| r.origin.builtin) {
        problems.extend(crate::rules::builtin_problems());
    }
    let problem = |rule: &crate::Rule, message: String| {
        Error::new(ErrorKind::Rule, message)
            .with_line(&rule.origin.file, rule.origin.line)
            .with_rule(&rule.id)
    };
    let mut compiled_ok = true;
    for rule in &rules.rules {
        if let Err(e) = build_regex(&rule.pattern) {
            problems.push(problem(rule, format!("invalid pattern: {e}")));
            compiled_ok = false;
        }
        if let Err(e) = Allowlist::compile(&rule.allowlist) {
            problems.push(problem(rule, format!("invalid allowlist regex: {e}")));
            compiled_ok = false;
        }
        if rule.examples.len() < min.examples {
            problems.push(problem(
                rule,
                format!(
                    "has {} examples; at least {} are required",
                    rule.examples.len(),
                    min.examples
                ),
            ));
        }
        if rule.negative_examples.len() < min.negative_examples {
            problems.push(problem(
                rule,
                format!(
                    "has {} negative examples; at least {} are required",
                    rule.negative_examples.len(),
                    min.negative_examples
                ),
            ));
        }
    }
    if !compiled_ok {
        return problems;
    }
    let scanner = match Scanner::builder().rules(rules.clone()).build() {
        Ok(scanner) => scanner,
        Err(e) => {
            problems.push(e);
            return problems;
        }
    };
    for rule in &rules.rules {
        let cases = rule
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.negative_examples.iter().map(|e| (e, false)));
        for (n, (example, positive)) in cases.enumerate() {
            for newline in [false, true] {
                let text = if newline { format!("{example}\n") } else { example.to_string() };
                let found = scanner.scan_bytes(text.as_bytes(), None);
                // A rule whose match another, more specific rule reports (one finding per
                // secret) is listed in that finding's `also`: it still found the example.
                let hit = found
                    .iter()
                    .any(|f| f.rule_id() == rule.id || f.also.iter().any(|a| *a == rule.id));
                if hit != positive {
                    let index = if positive { n + 1 } else { n + 1 - rule.examples.len() };
                    let which = if positive { "example" } else { "negative example" };
                    let outcome = if positive {
                        let others: Vec<&str> = found.iter().map(|f| f.rule_id()).collect();
                        if others.is_empty() {
                            "is not found".to_string()
                        } else {
                            format!("is not found (found instead: {})", others.join(", "))
                        }
                    } else {
                        "is found".to_string()
                    };
                    let nl = if newline { " with a trailing newline" } else { "" };
                    problems.push(problem(
                        rule,
                        format!("{which} {index} {outcome}{nl}: {}", shorten(example)),
                    ));
                    break;
                }
            }
        }
    }
    problems
}

fn shorten(text: &str) -> String {
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() > 100 {
        format!("{}…", one_line.chars().take(100).collect::<String>())
    } else {
        one_line
    }
}
