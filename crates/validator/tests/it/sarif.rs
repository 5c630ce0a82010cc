//! SARIF 2.1.0 as GitHub code scanning requires it; JSON envelope; text snippets and redaction.

use std::collections::BTreeSet;
use std::path::Path;

use mskgate_validator::diag::registry::codes;
use mskgate_validator::diag::render;
use serde_json::Value;

use crate::{options, run};

fn report() -> mskgate_validator::Report {
    run(
        &[
            Path::new("fixtures/validator/ESM001/bad.json"),
            Path::new("fixtures/validator/SEC010/bad.yaml"),
            Path::new("fixtures/validator/ESM009/bad.yaml"),
        ],
        &options(),
    )
}

#[test]
fn sarif_has_what_github_code_scanning_needs() {
    let r = report();
    let s = render::sarif(&r).to_value();
    assert_eq!(s["version"], "2.1.0");
    assert!(
        s["$schema"]
            .as_str()
            .expect("schema")
            .contains("sarif-schema-2.1.0")
    );
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "mskgate");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), codes().len());
    for rule in rules {
        for k in ["id", "name"] {
            assert!(rule[k].is_string(), "{rule}");
        }
        for k in ["shortDescription", "fullDescription", "help"] {
            let t = rule[k]["text"].as_str().expect("text");
            assert!(!t.is_empty() && t.len() <= 1000, "{rule}");
        }
    }
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let mut prints = BTreeSet::new();
    for res in results {
        let id = res["ruleId"].as_str().expect("ruleId");
        let idx = usize::try_from(res["ruleIndex"].as_u64().expect("ruleIndex")).expect("index");
        assert_eq!(rules[idx]["id"], id);
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().expect("level")));
        assert!(!res["message"]["text"].as_str().expect("message").is_empty());
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            uri.starts_with("fixtures/validator/"),
            "relative uri: {uri}"
        );
        assert!(loc["region"]["startLine"].as_u64().expect("startLine") >= 1);
        let fp = res["partialFingerprints"]["mskgate/v1"]
            .as_str()
            .expect("fingerprint");
        assert!(
            prints.insert(fp.to_owned()),
            "fingerprints are unique per result"
        );
    }
    // Stable across runs.
    assert_eq!(render::sarif(&report()).to_value(), s);
}

#[test]
fn json_envelope_follows_the_contract() {
    let v = render::json(&report());
    let keys: BTreeSet<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, BTreeSet::from(["findings", "summary"]));
    let summary: BTreeSet<&str> = v["summary"]
        .as_object()
        .expect("summary")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        summary,
        BTreeSet::from(["files", "mappings", "errors", "warnings", "infos"])
    );
    for f in v["findings"].as_array().expect("findings") {
        let keys: BTreeSet<&str> = f
            .as_object()
            .expect("finding")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "code",
                "name",
                "severity",
                "message",
                "help",
                "file",
                "line",
                "column",
                "json_path",
                "resource",
                "mapping"
            ])
        );
        assert!(matches!(
            f["severity"].as_str(),
            Some("error" | "warning" | "info")
        ));
    }
    assert_eq!(v["summary"]["files"], 3);
}

#[test]
fn text_shows_file_line_snippet_and_help_but_never_secret_values() {
    let r = report();
    let text = render::text(&r, false);
    assert!(text.contains("error[ESM001] topics-exactly-one"), "{text}");
    assert!(
        text.contains("┌─ fixtures/validator/ESM001/bad.json:"),
        "{text}"
    );
    assert!(text.contains("= help:"), "{text}");
    assert!(text.contains("SecretString: [redacted]"), "{text}");
    assert!(!text.contains('\x1b'));
    let all = format!("{text}{}{}", render::json(&r), render::sarif(&r));
    assert!(
        !all.contains("fixture-pw-CANARY-9Zk"),
        "a secret value leaked"
    );
    let coloured = render::text(&r, true);
    assert!(coloured.contains("\x1b[1;31m"));
}

#[test]
fn findings_point_at_the_offending_line() {
    let r = run(
        &[Path::new("fixtures/validator/ESM022/bad.yaml")],
        &options(),
    );
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "ESM022")
        .expect("ESM022");
    assert_eq!(d.location.line(), Some(9), "the Timeout line");
    assert_eq!(d.resource.as_deref(), Some("Mapping"));
    let v: Value = render::json(&r);
    assert!(
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "ESM022" && f["line"] == 9)
    );
}
