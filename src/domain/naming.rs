//! How a person names a client or an invoice on the command line (SPEC.md §4
//! "Naming clients"): the handle, a prefix of the handle that fits one client
//! only, or the exact name; and, when nothing fits, the nearest names to
//! suggest. Pure: the caller fetches the candidates and words the error.

/// What a typed client name resolved to, as an index into the candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Found(usize),
    /// Several clients fit (a prefix of several handles, or one name shared):
    /// their indexes, for the error to list.
    Ambiguous(Vec<usize>),
    /// Nothing fits: the indexes of the nearest handles, best first (maybe none).
    Unknown(Vec<usize>),
}

/// Resolves `typed` against clients given as `(handle, name)`.
///
/// In this order: the handle exactly (case ignored, as handles are
/// lowercase); the name exactly, ignoring case and surrounding spaces; a
/// prefix of exactly one handle. A name is matched whole, never by prefix: a
/// name is long and shared words ("AB", "Ltd") would make prefixes of names
/// fit clients the user did not mean.
pub fn resolve_client(typed: &str, clients: &[(&str, &str)]) -> Resolved {
    let t = typed.trim();
    let lower = t.to_lowercase();
    if let Some(i) = clients.iter().position(|(h, _)| *h == lower) {
        return Resolved::Found(i);
    }
    let by_name: Vec<usize> = (0..clients.len())
        .filter(|&i| clients[i].1.trim().to_lowercase() == lower)
        .collect();
    match by_name.len() {
        1 => return Resolved::Found(by_name[0]),
        0 => {}
        _ => return Resolved::Ambiguous(by_name),
    }
    if !lower.is_empty() {
        let by_prefix: Vec<usize> = (0..clients.len())
            .filter(|&i| clients[i].0.starts_with(&lower))
            .collect();
        match by_prefix.len() {
            1 => return Resolved::Found(by_prefix[0]),
            0 => {}
            _ => return Resolved::Ambiguous(by_prefix),
        }
    }
    let handles: Vec<&str> = clients.iter().map(|(h, _)| *h).collect();
    let mut near = nearest(&lower, &handles);
    // A word of the name typed alone ("arkitekter") points at its client too.
    if near.is_empty() && lower.chars().count() >= 3 {
        near = (0..clients.len())
            .filter(|&i| clients[i].0.contains(&lower) || clients[i].1.to_lowercase().contains(&lower))
            .take(3)
            .collect();
    }
    Resolved::Unknown(near)
}

/// The candidates closest to `typed`, at most three, when close enough to
/// be what was meant: within an edit distance of a third of the longer text (at
/// least 1, at most 3), or equal once separators and leading zeros are
/// dropped (`2027-02` and `2027-002`).
pub fn nearest(typed: &str, candidates: &[&str]) -> Vec<usize> {
    let t = typed.to_lowercase();
    let key = loose_key(&t);
    let mut scored: Vec<(usize, usize)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let c = c.to_lowercase();
            if !key.is_empty() && loose_key(&c) == key {
                return Some((0, i));
            }
            let longer = t.chars().count().max(c.chars().count());
            let allowed = (longer / 3).clamp(1, 3);
            let d = distance(&t, &c);
            (d <= allowed).then_some((d, i))
        })
        .collect();
    scored.sort();
    // Only the closest: `2027-002` for `2027-02`, not `2027-003` too.
    let best = scored.first().map(|s| s.0);
    scored
        .into_iter()
        .take_while(|s| Some(s.0) == best)
        .take(3)
        .map(|(_, i)| i)
        .collect()
}

/// `2027-002` → `2027 2`: the alphanumeric groups, numbers without leading zeros.
fn loose_key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|g| !g.is_empty())
        .map(|g| {
            if g.bytes().all(|b| b.is_ascii_digit()) {
                let s = g.trim_start_matches('0');
                if s.is_empty() { "0" } else { s }.to_string()
            } else {
                g.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Edit distance over characters, a swap of two neighbours counting as one
/// edit (optimal string alignment): `acem` is one edit from `acme`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENTS: &[(&str, &str)] = &[
        ("acme", "Acme AB"),
        ("lindqvist-arkitekter-ab", "Lindqvist Arkitekter AB"),
        ("bogazici-yayincilik-a-s", "Boğaziçi Yayıncılık A.Ş."),
        ("studio-mures-srl", "Studio Mureș SRL"),
        ("studio-nord", "Studio Nord"),
    ];

    #[test]
    fn a_handle_a_unique_prefix_or_the_exact_name() {
        assert_eq!(resolve_client("acme", CLIENTS), Resolved::Found(0));
        assert_eq!(resolve_client(" ACME ", CLIENTS), Resolved::Found(0));
        assert_eq!(resolve_client("lindqvist", CLIENTS), Resolved::Found(1));
        assert_eq!(resolve_client("bog", CLIENTS), Resolved::Found(2));
        assert_eq!(
            resolve_client("Lindqvist Arkitekter AB", CLIENTS),
            Resolved::Found(1)
        );
        assert_eq!(
            resolve_client("boğaziçi yayıncılık a.ş.", CLIENTS),
            Resolved::Found(2)
        );
        assert_eq!(resolve_client("studio-mures", CLIENTS), Resolved::Found(3));
    }

    #[test]
    fn a_prefix_of_several_handles_is_ambiguous() {
        assert_eq!(resolve_client("studio", CLIENTS), Resolved::Ambiguous(vec![3, 4]));
    }

    #[test]
    fn a_handle_that_is_a_prefix_of_another_is_still_itself() {
        let c = [("acme", "Acme"), ("acme-2", "Acme")];
        assert_eq!(resolve_client("acme", &c), Resolved::Found(0));
        // A shared name, or a prefix of both handles: both listed.
        let c = [("acme-1", "Acme"), ("acme-2", "Acme")];
        assert_eq!(resolve_client("acme", &c), Resolved::Ambiguous(vec![0, 1]));
    }

    #[test]
    fn a_name_is_not_matched_by_prefix() {
        // Suggested, not taken.
        assert_eq!(
            resolve_client("Lindqvist Ark", CLIENTS),
            Resolved::Unknown(vec![1])
        );
    }

    #[test]
    fn unknown_names_get_the_nearest_handles() {
        assert_eq!(resolve_client("acmee", CLIENTS), Resolved::Unknown(vec![0]));
        assert_eq!(resolve_client("acem", CLIENTS), Resolved::Unknown(vec![0]));
        assert_eq!(resolve_client("arkitekter", CLIENTS), Resolved::Unknown(vec![1]));
        assert_eq!(resolve_client("nobody", CLIENTS), Resolved::Unknown(vec![]));
    }

    #[test]
    fn invoice_numbers_near_a_typed_one() {
        let numbers = ["2027-001", "2027-002", "2027-010", "2026-014"];
        assert_eq!(nearest("2027-02", &numbers), vec![1]);
        assert_eq!(nearest("2027-011", &numbers), vec![0, 2]);
        assert_eq!(nearest("2026-14", &numbers), vec![3]);
        assert!(nearest("1999-500", &numbers).is_empty());
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("acme", "acme"), 0);
        assert_eq!(distance("acmee", "acme"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("şeker", "seker"), 1);
        assert_eq!(distance("acem", "acme"), 1);
    }
}
