//! "Did you mean" suggestions for a misspelt key or value.

/// The closest candidate, if it is close enough to be a likely typo.
///
/// Closeness is the Levenshtein distance over characters ([`strsim::levenshtein`]: insertions,
/// deletions and substitutions, so a swap of two neighbours counts 2), ignoring ASCII case; a
/// candidate is close enough within a third of the word's length (at least 1). Of equally close
/// candidates, the first wins.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let length = word.chars().count();
    let limit = (length / 3).max(1);
    let word_lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        // The distance is at least the difference in length: skip the edit-distance table
        // (quadratic in the lengths) when that alone is too far, as for a very long key.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (strsim::levenshtein(&word_lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `…`?)` naming the [`suggest`]ion for `word`, or nothing when there is none:
/// the end of a message saying that `word` is not one of `candidates`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    suggest(word, candidates)
        .map(|near| format!(" (did you mean `{near}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("regon", ["region", "prefix"]), Some("region"));
        assert_eq!(suggest("zzz", ["region", "prefix"]), None);
        assert_eq!(
            did_you_mean("regon", ["region"]),
            " (did you mean `region`?)"
        );
        assert_eq!(did_you_mean("zzz", ["region"]), "");
    }
}
