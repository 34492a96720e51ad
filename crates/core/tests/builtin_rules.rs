//! The built-in rules' self-test, the same check `tokenhound rules check` runs: every rule
//! compiles, carries at least three positive and three negative examples, and every example (with
//! and without a trailing newline) behaves as its rule says.

use std::collections::BTreeSet;

use tokenhound::Rules;

#[test]
fn builtin_rules_pass_their_self_check() {
    let problems = Rules::builtin().check();
    let listing: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), listing.join("\n"));
}

#[test]
fn builtin_rules_cover_enough_providers() {
    let rules = Rules::builtin();
    let providers: BTreeSet<&str> = rules.iter().map(|r| r.provider()).collect();
    assert!(rules.len() >= 400, "only {} rules", rules.len());
    assert!(providers.len() >= 250, "only {} providers", providers.len());
}

#[test]
fn every_builtin_rule_says_how_to_remediate_and_where_to_read_more() {
    for rule in &Rules::builtin() {
        assert!(
            rule.remediation().is_some_and(|r| !r.is_empty()),
            "{} has no remediation",
            rule.id()
        );
        assert!(rule.references().next().is_some(), "{} has no reference", rule.id());
    }
}

#[test]
fn rule_files_hold_one_provider_each() {
    let mut by_file: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for rule in &Rules::builtin() {
        let file = rule.source().rsplit_once(':').unwrap().0.to_string();
        by_file.entry(file).or_default().insert(rule.provider().to_string());
    }
    let mixed: Vec<_> = by_file.iter().filter(|(_, p)| p.len() > 1).collect();
    assert!(mixed.is_empty(), "files with several providers: {mixed:?}");
}
