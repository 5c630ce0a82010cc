//! The registry: every code, name and default severity, pinned.

use std::fmt::Write as _;

use mskgate_validator::diag::registry::codes;

use crate::snapshot;

#[test]
fn the_full_list_of_rules_is_stable() {
    let mut out = String::new();
    for c in codes() {
        let _ = writeln!(
            out,
            "{:<8} {:<36} {:<8} {}",
            c.rule.code,
            c.rule.name,
            c.rule.default_severity.as_str(),
            c.rule.description
        );
    }
    snapshot("rules.txt", &out);
}

#[test]
fn every_rule_has_a_documentation_section() {
    for c in codes() {
        let page = crate::repo().join(c.family.doc_page());
        let text = std::fs::read_to_string(&page)
            .unwrap_or_else(|_| panic!("{} is missing (for {})", page.display(), c.rule.code));
        let heading = format!("## {} ", c.rule.code);
        let at = text
            .find(&heading)
            .unwrap_or_else(|| panic!("{} has no section `{heading}…`", page.display()));
        let section = &text[at..];
        let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
        for part in ["What", "Why", "Example", "Fix", "How to silence"] {
            assert!(
                section[..end].contains(&format!("**{part}")),
                "{} section of {} lacks {part}",
                page.display(),
                c.rule.code
            );
        }
    }
}
