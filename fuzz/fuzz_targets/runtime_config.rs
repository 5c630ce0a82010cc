//! Any bytes as a runtime configuration file (the first byte picks JSON, YAML or TOML): parsing
//! never panics, and every error renders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_runtime::config::{Format, RuntimeConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let format = [Format::Json, Format::Yaml, Format::Toml][usize::from(selector) % 3];
    let text = String::from_utf8_lossy(body);
    match RuntimeConfig::from_str(&text, format) {
        Ok(config) => {
            // The typed accessors hold for any accepted config.
            assert!(!config.group_id().is_empty());
            assert_eq!(config.source.topics.len(), 1);
            let _ = format!("{config:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
