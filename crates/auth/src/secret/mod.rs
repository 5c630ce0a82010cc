//! Secrets Manager `SecretString` documents: the JSON shapes Lambda's Kafka event source mapping
//! reads, held so that every string value lives in zeroizing memory.
//!
//! | kind | `SourceAccessConfigurations` type | keys |
//! |---|---|---|
//! | `scram` | `SASL_SCRAM_512_AUTH`, `SASL_SCRAM_256_AUTH` | `username`, `password` |
//! | `basic` | `BASIC_AUTH` (SASL/PLAIN) | `username`, `password` |
//! | `mtls` | `CLIENT_CERTIFICATE_TLS_AUTH` | `certificate`, `privateKey`, `privateKeyPassword`? |
//! | `root-ca` | `SERVER_ROOT_CA_CERTIFICATE` | `certificate` |

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::sensitive::SecretString;

/// The largest secret Secrets Manager stores, in bytes.
pub const MAX_SECRET_BYTES: usize = 65_536;

/// What a secret is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    /// SASL/SCRAM-SHA-512 or -256 credentials.
    Scram,
    /// SASL/PLAIN credentials (`BASIC_AUTH`, self-managed Kafka only).
    Basic,
    /// A client certificate chain and key (`CLIENT_CERTIFICATE_TLS_AUTH`).
    Mtls,
    /// The CA that signed the brokers' certificates (`SERVER_ROOT_CA_CERTIFICATE`).
    RootCa,
    /// None of the above.
    Unknown,
}

impl SecretKind {
    /// The name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scram => "scram",
            Self::Basic => "basic",
            Self::Mtls => "mtls",
            Self::RootCa => "root-ca",
            Self::Unknown => "unknown",
        }
    }

    /// The keys a secret of this kind may hold.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Self::Scram | Self::Basic => &["username", "password"],
            Self::Mtls => &["certificate", "privateKey", "privateKeyPassword"],
            Self::RootCa => &["certificate"],
            Self::Unknown => &[],
        }
    }
}

impl std::str::FromStr for SecretKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "scram" => Ok(Self::Scram),
            "basic" => Ok(Self::Basic),
            "mtls" => Ok(Self::Mtls),
            "root-ca" => Ok(Self::RootCa),
            other => Err(format!(
                "unknown secret kind `{other}`; expected scram, basic, mtls or root-ca"
            )),
        }
    }
}

/// The value of one key.
#[derive(Clone, Debug)]
pub enum Field {
    /// A JSON string (held zeroizing).
    Text(SecretString),
    /// Any other JSON type; the name says which (`number`, `object`…).
    Other(&'static str),
}

/// A secret's top-level JSON object.
#[derive(Debug, Default)]
pub struct SecretDocument {
    fields: BTreeMap<String, Field>,
    duplicates: Vec<String>,
}

/// Why a secret string is not a JSON object. Never includes the text itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAnObject(pub String);

impl SecretDocument {
    /// Reads `text` as a JSON object. String values go straight into zeroizing memory.
    pub fn parse(text: &str) -> Result<Self, NotAnObject> {
        // First a pass that keeps nothing, so that syntax errors carry only a position.
        if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
            return Err(NotAnObject(format!(
                "it is not valid JSON ({} error at line {}, column {})",
                match e.classify() {
                    serde_json::error::Category::Eof => "unexpected end",
                    _ => "syntax",
                },
                e.line(),
                e.column()
            )));
        }
        let found = match text.trim_start().chars().next() {
            Some('{') => None,
            Some('[') => Some("an array"),
            Some('"') => Some("a string"),
            Some('t' | 'f') => Some("a boolean"),
            Some('n') => Some("null"),
            _ => Some("a number"),
        };
        if let Some(found) = found {
            return Err(NotAnObject(format!("it is {found}, not a JSON object")));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        de.deserialize_map(DocumentVisitor).map_err(|e| {
            NotAnObject(format!(
                "it cannot be read (line {}, column {})",
                e.line(),
                e.column()
            ))
        })
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.get(key)
    }

    /// The string value of `key`, if present and a string.
    pub fn text(&self, key: &str) -> Option<&SecretString> {
        match self.fields.get(key) {
            Some(Field::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// All keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// Keys that appeared more than once (the last value is kept, as AWS's parsers do).
    pub fn duplicates(&self) -> &[String] {
        &self.duplicates
    }

    /// The kind the keys suggest.
    pub fn guess_kind(&self) -> SecretKind {
        let has = |k: &str| self.fields.contains_key(k);
        if has("privateKey") || (has("certificate") && has("privateKeyPassword")) {
            SecretKind::Mtls
        } else if has("certificate") {
            SecretKind::RootCa
        } else if has("username") || has("password") {
            SecretKind::Scram
        } else {
            SecretKind::Unknown
        }
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = SecretDocument;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut doc = SecretDocument::default();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Field>()?;
            if doc.fields.insert(key.clone(), value).is_some() && !doc.duplicates.contains(&key) {
                doc.duplicates.push(key);
            }
        }
        Ok(doc)
    }
}

impl<'de> de::Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_string<E>(self, v: String) -> Result<Field, E> {
                Ok(Field::Text(SecretString::new(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Field, E> {
                Ok(Field::Text(SecretString::from(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Field, E> {
                Ok(Field::Other("boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Field, E> {
                Ok(Field::Other("number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Field, E> {
                Ok(Field::Other("number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Field, E> {
                Ok(Field::Other("number"))
            }
            fn visit_unit<E>(self) -> Result<Field, E> {
                Ok(Field::Other("null"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Field, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Field::Other("array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Field::Other("object"))
            }
        }
        d.deserialize_any(FieldVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_and_names_other_types() {
        let d = SecretDocument::parse(r#"{"username":"u","password":12,"x":{"a":[1]}}"#)
            .expect("parse");
        assert_eq!(
            d.text("username").map(SecretString::expose_secret),
            Some("u")
        );
        assert!(matches!(d.get("password"), Some(Field::Other("number"))));
        assert!(matches!(d.get("x"), Some(Field::Other("object"))));
        assert_eq!(d.guess_kind(), SecretKind::Scram);
    }

    #[test]
    fn not_json_errors_never_echo_the_text() {
        for text in [
            "password=hunter2-canary",
            "\"hunter2-canary\"",
            "[\"hunter2-canary\"]",
            "{\"a\": hunter2-canary}",
        ] {
            let err = SecretDocument::parse(text).unwrap_err();
            assert!(!err.0.contains("hunter2"), "{text}: {}", err.0);
        }
        assert_eq!(
            SecretDocument::parse("[1]").unwrap_err().0,
            "it is an array, not a JSON object"
        );
    }

    #[test]
    fn notes_duplicate_keys_and_keeps_the_last() {
        let d = SecretDocument::parse(r#"{"username":"a","username":"b","password":"p"}"#)
            .expect("parse");
        assert_eq!(d.duplicates(), ["username"]);
        assert_eq!(
            d.text("username").map(SecretString::expose_secret),
            Some("b")
        );
    }

    #[test]
    fn guesses_kinds_from_keys() {
        let kind = |t: &str| SecretDocument::parse(t).expect("parse").guess_kind();
        assert_eq!(
            kind(r#"{"certificate":"c","privateKey":"k"}"#),
            SecretKind::Mtls
        );
        assert_eq!(kind(r#"{"certificate":"c"}"#), SecretKind::RootCa);
        assert_eq!(kind(r#"{"password":"p"}"#), SecretKind::Scram);
        assert_eq!(kind(r#"{}"#), SecretKind::Unknown);
    }
}
