//! Any bytes as a FilterCriteria pattern, and as a record value matched against it and against a
//! fixed pattern using every operator: parsing and matching never panic, and errors name the
//! filter's index.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_runtime::filter::FilterCriteria;

const EVERY_OPERATOR: &str = r#"{"value":{"a":[{"numeric":[">",0,"<=",9]},{"prefix":"x"},{"suffix":{"equals-ignore-case":"Z"}},{"anything-but":{"prefix":"q"}},{"exists":false},{"wildcard":"*x*y"},{"cidr":"10.0.0.0/8"},{"equals-ignore-case":"k"},null,1,"s",true],"$or":[{"b":[""]},{"c":{"d":[{"anything-but":[1,"x"]}]}}]}}"#;

fuzz_target!(|data: &[u8]| {
    // First byte splits the input into a pattern and a value.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = usize::from(split).min(rest.len());
    let (pattern, value) = rest.split_at(at);
    let pattern = String::from_utf8_lossy(pattern);
    match FilterCriteria::parse(&[EVERY_OPERATOR, pattern.as_ref()]) {
        Ok(c) => {
            let _ = c.matches_value(Some(value));
            let _ = c.matches_value(None);
        }
        Err(e) => assert_eq!(e.index, 1),
    }
    let fixed = FilterCriteria::parse(&[EVERY_OPERATOR]).expect("the fixed pattern parses");
    let _ = fixed.matches_value(Some(value));
    let _ = fixed.matches_value(Some(rest));
});
