//! Symbolic strings: ARNs and other values made of literal text and named unknowns
//! (`${AWS::Region}`, the UUID of a cluster created in the same template), and matching of IAM
//! patterns (`*`, `?`) against them with a three-valued answer.

use std::collections::BTreeMap;
use std::fmt;

/// One part of a symbolic string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tok {
    /// Literal text (in a policy pattern, `*` and `?` are wildcards).
    Lit(String),
    /// A value unknown before deploy.
    Var(Var),
}

/// A named unknown value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Var {
    /// Its name, e.g. `AWS::Region` or `MskCluster.Uuid`.
    pub name: String,
    /// Made up by AWS at creation (a UUID, a random suffix): never equal to text someone wrote
    /// in a policy beforehand.
    pub fresh: bool,
}

/// A string of literal text and unknowns.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(pub Vec<Tok>);

impl Sym {
    /// A literal string.
    pub fn lit(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.is_empty() {
            Self(Vec::new())
        } else {
            Self(vec![Tok::Lit(s)])
        }
    }

    /// One unknown.
    pub fn var(name: impl Into<String>, fresh: bool) -> Self {
        Self(vec![Tok::Var(Var {
            name: name.into(),
            fresh,
        })])
    }

    /// Text with `${Name}` placeholders read as unknowns (policy variables and the placeholders
    /// `mskgate policy generate` prints).
    pub fn parse(s: &str) -> Self {
        let mut out = Self::default();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            let Some(end) = rest[i + 2..].find('}') else {
                break;
            };
            out.push_str(&rest[..i]);
            let name = &rest[i + 2..i + 2 + end];
            out.push(Tok::Var(Var {
                name: name.to_owned(),
                fresh: false,
            }));
            rest = &rest[i + 3 + end..];
        }
        out.push_str(rest);
        out
    }

    /// Appends a part, merging literal text.
    pub fn push(&mut self, t: Tok) {
        match (self.0.last_mut(), t) {
            (_, Tok::Lit(s)) if s.is_empty() => {}
            (Some(Tok::Lit(a)), Tok::Lit(b)) => a.push_str(&b),
            (_, t) => self.0.push(t),
        }
    }

    /// Appends literal text.
    pub fn push_str(&mut self, s: &str) {
        self.push(Tok::Lit(s.to_owned()));
    }

    /// Appends another symbolic string.
    pub fn append(&mut self, other: &Sym) {
        for t in &other.0 {
            self.push(t.clone());
        }
    }

    /// The text, when fully known.
    pub fn as_literal(&self) -> Option<String> {
        let mut s = String::new();
        for t in &self.0 {
            match t {
                Tok::Lit(l) => s.push_str(l),
                Tok::Var(_) => return None,
            }
        }
        Some(s)
    }

    /// Whether nothing is unknown.
    pub fn is_literal(&self) -> bool {
        self.0.iter().all(|t| matches!(t, Tok::Lit(_)))
    }

    /// The literal prefix (up to the first unknown).
    pub fn literal_prefix(&self) -> String {
        let mut s = String::new();
        for t in &self.0 {
            match t {
                Tok::Lit(l) => s.push_str(l),
                Tok::Var(_) => break,
            }
        }
        s
    }

    /// Replaces the first occurrence of `from` inside literal text.
    pub fn replace_first(&self, from: &str, to: &str) -> Option<Sym> {
        let mut out = Sym::default();
        let mut done = false;
        for t in &self.0 {
            match t {
                Tok::Lit(l) if !done && l.contains(from) => {
                    out.push_str(&l.replacen(from, to, 1));
                    done = true;
                }
                t => out.push(t.clone()),
            }
        }
        done.then_some(out)
    }

    /// The `:`-separated fields (an unknown never spans a `:`).
    pub fn split_colon(&self, max: usize) -> Vec<Sym> {
        let mut parts = vec![Sym::default()];
        for t in &self.0 {
            match t {
                Tok::Lit(l) => {
                    let mut rest = l.as_str();
                    while parts.len() < max {
                        let Some(i) = rest.find(':') else { break };
                        if let Some(p) = parts.last_mut() {
                            p.push_str(&rest[..i]);
                        }
                        parts.push(Sym::default());
                        rest = &rest[i + 1..];
                    }
                    if let Some(p) = parts.last_mut() {
                        p.push_str(rest);
                    }
                }
                v => {
                    if let Some(p) = parts.last_mut() {
                        p.push(v.clone());
                    }
                }
            }
        }
        parts
    }
}

impl fmt::Display for Sym {
    /// Unknowns as `${Name}` placeholders.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.0 {
            match t {
                Tok::Lit(l) => f.write_str(l)?,
                Tok::Var(v) => write!(f, "${{{}}}", v.name)?,
            }
        }
        Ok(())
    }
}

/// A three-valued answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tri {
    /// Certainly not.
    No,
    /// Depends on values unknown before deploy.
    Maybe,
    /// Certainly.
    Yes,
}

impl Tri {
    /// Both.
    pub fn and(self, other: Tri) -> Tri {
        self.min(other)
    }
}

/// Longest pattern or value compared (longer ones are answered `Maybe`).
const MAX_LEN: usize = 2048;

#[derive(Clone, Copy, PartialEq, Eq)]
enum C {
    Ch(char),
    Star,
    Any1,
    V(usize, bool),
}

fn chars(s: &Sym, pattern: bool, ids: &mut BTreeMap<String, usize>, fold: bool) -> Vec<C> {
    let mut out = Vec::new();
    for t in &s.0 {
        match t {
            Tok::Lit(l) => {
                for ch in l.chars() {
                    out.push(match ch {
                        '*' if pattern => C::Star,
                        '?' if pattern => C::Any1,
                        c if fold => C::Ch(c.to_ascii_lowercase()),
                        c => C::Ch(c),
                    });
                }
            }
            Tok::Var(v) => {
                let n = ids.len();
                let id = *ids.entry(v.name.clone()).or_insert(n);
                out.push(C::V(id, v.fresh));
            }
        }
    }
    out
}

/// Whether the pattern `p` (with `*`/`?`) matches the value `r`, treating unknowns as IAM
/// would see them after deploy: `Yes` when it matches whatever they turn out to be, `No` when
/// it matches none of their possible values, `Maybe` otherwise.
pub fn glob(p: &Sym, r: &Sym, case_insensitive: bool) -> Tri {
    let mut ids = BTreeMap::new();
    let pc = chars(p, true, &mut ids, case_insensitive);
    // Only stars matches any value, however long (the length bound below must not turn an
    // `Action: "*"` Deny into a `Maybe`; found by the `iam_policy` fuzz target).
    if !pc.is_empty() && pc.iter().all(|c| *c == C::Star) {
        return Tri::Yes;
    }
    let rc = chars(r, false, &mut ids, case_insensitive);
    if pc.len() > MAX_LEN || rc.len() > MAX_LEN {
        return Tri::Maybe;
    }
    if dp(&pc, &rc, false) {
        Tri::Yes
    } else if dp(&pc, &rc, true) {
        Tri::Maybe
    } else {
        Tri::No
    }
}

/// Glob matching by dynamic programming; `optimistic` lets unknowns stand for any text.
fn dp(p: &[C], r: &[C], optimistic: bool) -> bool {
    let (n, m) = (p.len(), r.len());
    // reach[i][j]: p[i..] can match r[j..].
    let mut reach = vec![vec![false; m + 1]; n + 1];
    reach[n][m] = true;
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            if i == n && j == m {
                continue;
            }
            let mut ok = false;
            if i < n {
                let wide = match p[i] {
                    C::Star => true,
                    C::V(_, fresh) => optimistic && !fresh,
                    _ => false,
                };
                if wide {
                    ok = reach[i + 1][j] || (j < m && reach[i][j + 1]);
                }
            }
            if !ok
                && j < m
                && optimistic
                && let C::V(_, false) = r[j]
            {
                ok = reach[i][j + 1] || (i < n && reach[i + 1][j]);
            }
            if !ok && i < n && j < m {
                let one = match (p[i], r[j]) {
                    (C::Ch(a), C::Ch(b)) => a == b,
                    (C::Any1, C::Ch(_)) => true,
                    (C::Any1, C::V(..)) => optimistic,
                    (C::V(a, _), C::V(b, _)) => a == b,
                    _ => false,
                };
                ok = one && reach[i + 1][j + 1];
            }
            reach[i][j] = ok;
        }
    }
    reach[0][0]
}

/// Whether a `Resource` pattern covers an ARN: `*` covers everything; otherwise the six
/// `:`-separated fields are compared one by one (a wildcard does not cross a `:`), as IAM
/// compares ARNs. Values that are not ARNs are compared as plain text.
pub fn arn_match(p: &Sym, r: &Sym) -> Tri {
    let (ps, rs) = (p.split_colon(6), r.split_colon(6));
    if ps.len() == 6 && rs.len() == 6 {
        let mut t = Tri::Yes;
        for (a, b) in ps.iter().zip(&rs) {
            t = t.and(glob(a, b, false));
            if t == Tri::No {
                break;
            }
        }
        return t;
    }
    glob(p, r, false)
}

/// Whether an `Action` pattern (`kafka-cluster:*Group`) names an action, case-insensitively.
pub fn action_match(pattern: &str, action: &str) -> bool {
    glob(&Sym::lit(pattern), &Sym::lit(action), true) == Tri::Yes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Sym {
        Sym::parse(x)
    }

    #[test]
    fn a_lone_star_matches_values_longer_than_the_length_bound() {
        let long = "kafka-cluster:".to_owned() + &"x".repeat(MAX_LEN * 2);
        assert_eq!(glob(&s("*"), &s(&long), true), Tri::Yes);
        assert_eq!(glob(&s("**"), &s(&long), false), Tri::Yes);
        assert!(action_match("*", &long));
        assert_eq!(
            glob(&s("kafka-cluster:*"), &s(&long), true),
            Tri::Maybe,
            "bounded"
        );
        assert_eq!(glob(&s(""), &s("x"), false), Tri::No);
    }

    #[test]
    fn wildcards_match_within_arn_fields() {
        let topic = s("arn:aws:kafka:us-east-1:123456789012:topic/demo/abcd-1/orders");
        assert_eq!(arn_match(&s("*"), &topic), Tri::Yes);
        assert_eq!(
            arn_match(&s("arn:aws:kafka:*:*:topic/demo/*"), &topic),
            Tri::Yes
        );
        assert_eq!(
            arn_match(
                &s("arn:aws:kafka:us-east-?:*:topic/demo/abcd-1/ord*"),
                &topic
            ),
            Tri::Yes
        );
        assert_eq!(
            arn_match(&s("arn:aws:kafka:*:*:topics/demo/*"), &topic),
            Tri::No
        );
        // A wildcard does not cross a `:` between the six fields…
        assert_eq!(
            arn_match(&s("arn:aws:kafka:us-*:topic/demo/abcd-1/orders:*"), &topic),
            Tri::No
        );
        // …but a pattern with fewer fields is compared as text (lenient: never a false denial).
        assert_eq!(
            arn_match(&s("arn:aws:kafka*topic/demo/*"), &topic),
            Tri::Yes
        );
        // ARNs are case-sensitive, actions are not.
        assert_eq!(
            arn_match(&s("arn:aws:kafka:*:*:topic/DEMO/*"), &topic),
            Tri::No
        );
        assert!(action_match(
            "Kafka-Cluster:read*",
            "kafka-cluster:ReadData"
        ));
        assert!(!action_match("kafka:ReadData", "kafka-cluster:ReadData"));
    }

    #[test]
    fn unknowns_give_maybe_unless_the_pattern_decides() {
        let r = s("arn:aws:kafka:${AWS::Region}:${AWS::AccountId}:topic/demo/abcd-1/orders");
        assert_eq!(
            arn_match(&s("arn:aws:kafka:*:*:topic/demo/*"), &r),
            Tri::Yes
        );
        assert_eq!(
            arn_match(&s("arn:aws:kafka:us-east-1:1:topic/demo/*"), &r),
            Tri::Maybe
        );
        assert_eq!(arn_match(&s("arn:aws:sqs:*:*:*"), &r), Tri::No);
        assert_eq!(
            arn_match(
                &s("arn:aws:kafka:${AWS::Region}:${AWS::AccountId}:topic/demo/abcd-1/orders"),
                &r
            ),
            Tri::Yes
        );
        // A fresh unknown (the ESM's UUID as group name) matches only a wildcard.
        let mut g = s("arn:aws:kafka:us-east-1:1:group/demo/abcd-1/");
        g.append(&Sym::var("EsmUuid", true));
        assert_eq!(
            arn_match(
                &s("arn:aws:kafka:us-east-1:1:group/demo/abcd-1/my-group"),
                &g
            ),
            Tri::No
        );
        assert_eq!(
            arn_match(&s("arn:aws:kafka:us-east-1:1:group/demo/abcd-1/*"), &g),
            Tri::Yes
        );
    }

    #[test]
    fn placeholders_round_trip_through_display() {
        let x = s("arn:${AWS::Partition}:kafka:${Region}:1:cluster/a/${Uuid}");
        assert_eq!(
            x.to_string(),
            "arn:${AWS::Partition}:kafka:${Region}:1:cluster/a/${Uuid}"
        );
        assert_eq!(x.split_colon(6).len(), 6);
        assert_eq!(
            x.replace_first(":cluster/", ":topic/")
                .map(|t| t.to_string()),
            Some("arn:${AWS::Partition}:kafka:${Region}:1:topic/a/${Uuid}".into())
        );
    }
}
