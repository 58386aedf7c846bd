//! The words of `phrases.toml`, read once from the binary.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;

/// Per language, lists of phrases; the language only documents the file.
type ByLanguage = BTreeMap<String, Vec<String>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    out_of_office: ByLanguage,
    attribution_endings: ByLanguage,
    quote_separators: ByLanguage,
    quote_header_from: ByLanguage,
    quote_header_sent: ByLanguage,
    signature_starts: ByLanguage,
    bounce_subjects: ByLanguage,
    mailer_daemons: ByLanguage,
    status: HashMap<String, String>,
}

/// The phrases, lower case, every language together.
#[derive(Debug)]
pub struct Phrases {
    pub out_of_office: Vec<String>,
    pub attribution_endings: Vec<String>,
    pub quote_separators: Vec<String>,
    pub quote_header_from: Vec<String>,
    pub quote_header_sent: Vec<String>,
    pub signature_starts: Vec<String>,
    pub bounce_subjects: Vec<String>,
    pub mailer_daemons: Vec<String>,
    /// "1.1" → "user unknown"
    pub status: HashMap<String, String>,
}

fn flat(m: ByLanguage) -> Vec<String> {
    let mut v: Vec<String> = m.into_values().flatten().map(|p| p.to_lowercase()).collect();
    v.sort();
    v.dedup();
    v
}

pub fn get() -> &'static Phrases {
    static PHRASES: OnceLock<Phrases> = OnceLock::new();
    PHRASES.get_or_init(|| {
        // Built into the binary and checked by a unit test: it cannot fail at run time.
        let f: File = toml::from_str(include_str!("phrases.toml")).expect("phrases.toml is valid");
        Phrases {
            out_of_office: flat(f.out_of_office),
            attribution_endings: flat(f.attribution_endings),
            quote_separators: flat(f.quote_separators),
            quote_header_from: flat(f.quote_header_from),
            quote_header_sent: flat(f.quote_header_sent),
            signature_starts: flat(f.signature_starts),
            bounce_subjects: flat(f.bounce_subjects),
            mailer_daemons: flat(f.mailer_daemons),
            status: f.status,
        }
    })
}

impl Phrases {
    pub fn is_out_of_office(&self, subject: &str) -> bool {
        let s = subject.to_lowercase();
        self.out_of_office.iter().any(|p| s.contains(p.as_str()))
    }

    pub fn is_bounce_subject(&self, subject: &str) -> bool {
        let s = subject.to_lowercase();
        self.bounce_subjects.iter().any(|p| s.contains(p.as_str()))
    }

    /// `address` (lower case) is a mailer-daemon's or postmaster's.
    pub fn is_mailer_daemon(&self, address: &str) -> bool {
        let local = address.split('@').next().unwrap_or("");
        self.mailer_daemons.iter().any(|m| m == local)
    }
}
