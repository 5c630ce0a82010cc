//! The readers never panic, whatever the input.

use proptest::prelude::*;

use mskgate_validator::input::{parse_json, parse_yaml};

use crate::run_text;

const SEEDS: &[&str] = &[
    include_str!("../../../../fixtures/validator/ESM022/bad.yaml"),
    include_str!("../../../../fixtures/validator/AUTH003/bad-sam.yaml"),
    include_str!("../../../../fixtures/validator/ESM001/bad-plan.json"),
    include_str!("../../../../fixtures/validator/PRT001/bad.json"),
    include_str!("../../../../fixtures/validator/ESM003/bad-config.json"),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn tree_readers_never_panic(s in ".{0,400}") {
        let _ = parse_yaml(&s);
        let _ = parse_json(&s);
    }

    #[test]
    fn validation_never_panics_on_arbitrary_text(s in "[\\x00-\\x7f]{0,400}") {
        let _ = run_text("x.yaml", &s);
        let _ = run_text("x.json", &s);
    }

    #[test]
    fn validation_never_panics_on_damaged_artifacts(
        seed in 0..SEEDS.len(),
        cut in 0usize..4000,
        at in 0usize..4000,
        insert in "[ \\n\\[\\]{}:,!\"'&*a-z0-9-]{0,6}",
    ) {
        let text = SEEDS[seed];
        let mut chars: Vec<char> = text.chars().collect();
        let at = at % (chars.len() + 1);
        let end = (at + cut % 40).min(chars.len());
        chars.splice(at..end, insert.chars());
        let damaged: String = chars.into_iter().collect();
        let _ = run_text("t.yaml", &damaged);
        let _ = run_text("t.json", &damaged);
    }
}
