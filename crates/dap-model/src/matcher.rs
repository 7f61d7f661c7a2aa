//! IAM wildcard patterns (`*` any run of characters, `?` exactly one) in linear time.
//!
//! A pattern is run as a set of live positions (an NFA without backtracking): reading a
//! character advances every live position at once, so matching costs at most
//! `pattern.len() × text.len()` steps whatever the input (`s3:List` followed by sixty `*`
//! against a forty-character name is a few thousand steps, not a search through every way
//! to split the name). The same run answers three questions:
//!
//! - [`glob`]: does the pattern match the whole text?
//! - [`covers`]: does it match every text that starts with a prefix (`a/b/*` covers `a/b/`)?
//! - [`intersects`]: does it match at least one text that starts with a prefix?
//!
//! IAM action names compare without regard to case ([`action_matches`]); ARNs and condition
//! values compare exactly.

/// Whether the pattern matches all of `text` (case-sensitive).
pub fn glob(pattern: &str, text: &str) -> bool {
    full(pattern.as_bytes(), text.as_bytes(), false)
}

/// Whether the pattern matches all of `text`, ignoring ASCII case (IAM action names).
pub fn glob_nocase(pattern: &str, text: &str) -> bool {
    full(pattern.as_bytes(), text.as_bytes(), true)
}

fn eq(a: &[u8], b: &[u8], nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// A whole-text match, with fast paths for the shapes policies use nearly always: no
/// wildcard, `*` alone, and one trailing `*`.
fn full(p: &[u8], t: &[u8], nocase: bool) -> bool {
    let wild = |b: &u8| *b == b'*' || *b == b'?';
    match p.iter().position(wild) {
        None => eq(p, t, nocase),
        Some(i) if i + 1 == p.len() && p[i] == b'*' => t.len() >= i && eq(&p[..i], &t[..i], nocase),
        Some(i) if t.len() < i || !eq(&p[..i], &t[..i], nocase) => false,
        Some(_) => run(p, t, nocase).get(p.len()).copied() == Some(true),
    }
}

/// Whether an IAM action pattern (`s3:Get*`, `*`, `iam:Pass?ole`) matches an action, in any
/// case.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob_nocase(pattern, action)
}

/// The pattern's literal head: the bytes before its first wildcard.
fn head(p: &[u8]) -> &[u8] {
    let i = p.iter().position(|b| *b == b'*' || *b == b'?');
    &p[..i.unwrap_or(p.len())]
}

/// Whether the pattern matches every string that starts with `prefix`.
pub fn covers(pattern: &str, prefix: &str) -> bool {
    let p = pattern.as_bytes();
    let h = head(p);
    // Every match starts with the head; so must the prefix (and a pattern without a
    // wildcard matches one string only).
    if h.len() == p.len() || !prefix.as_bytes().starts_with(h) {
        return false;
    }
    let live = run(p, prefix.as_bytes(), false);
    // After the prefix, some live position must be able to swallow any remainder: a `*` from
    // which only `*`s follow to the end of the pattern.
    (0..p.len()).any(|i| live[i] && p[i..].iter().all(|&c| c == b'*'))
}

/// Whether the pattern matches at least one string that starts with `prefix`.
pub fn intersects(pattern: &str, prefix: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), prefix.as_bytes());
    let h = head(p);
    let n = h.len().min(t.len());
    if h[..n] != t[..n] {
        return false;
    }
    if t.len() <= h.len() {
        // The prefix is read inside the literal head: any match extends it.
        return true;
    }
    run(p, t, false).iter().any(|&x| x)
}

/// Whether two patterns can match one same string (`s3:*Object` and `s3:Delete*` both match
/// `s3:DeleteObject`), ignoring ASCII case. Runs the product of the two patterns' positions:
/// `a.len() × b.len()` states, no backtracking.
pub fn overlaps_nocase(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (n, m) = (a.len() + 1, b.len() + 1);
    let mut seen = vec![false; n * m];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if seen[i * m + j] {
            continue;
        }
        seen[i * m + j] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        let ai = a.get(i).copied();
        let bj = b.get(j).copied();
        // A star may match nothing.
        if ai == Some(b'*') {
            stack.push((i + 1, j));
        }
        if bj == Some(b'*') {
            stack.push((i, j + 1));
        }
        // Both consume one same character.
        match (ai, bj) {
            (Some(b'*'), Some(b'*')) => {
                stack.push((i + 1, j + 1));
                stack.push((i, j + 1));
                stack.push((i + 1, j));
            }
            (Some(b'*'), Some(_)) => {
                // a's star eats b's character (b moves on).
                stack.push((i, j + 1));
            }
            (Some(_), Some(b'*')) => {
                stack.push((i + 1, j));
            }
            (Some(x), Some(y)) if x == b'?' || y == b'?' || x.eq_ignore_ascii_case(&y) => {
                stack.push((i + 1, j + 1));
            }
            _ => {}
        }
    }
    false
}

/// The live pattern positions after reading `text`: `live[i]` means the first `i` pattern
/// characters can match the text read so far.
fn run(p: &[u8], text: &[u8], nocase: bool) -> Vec<bool> {
    let n = p.len();
    let mut live = vec![false; n + 1];
    live[0] = true;
    close(p, &mut live);
    let mut next = vec![false; n + 1];
    for &c in text {
        next.iter_mut().for_each(|x| *x = false);
        let mut any = false;
        for i in 0..n {
            if !live[i] {
                continue;
            }
            let step = match p[i] {
                b'*' => {
                    next[i] = true;
                    any = true;
                    continue;
                }
                b'?' => true,
                x if nocase => x.eq_ignore_ascii_case(&c),
                x => x == c,
            };
            if step {
                next[i + 1] = true;
                any = true;
            }
        }
        std::mem::swap(&mut live, &mut next);
        if !any {
            return live;
        }
        close(p, &mut live);
    }
    live
}

/// A live `*` may also match nothing: the position after it is live too.
fn close(p: &[u8], live: &mut [bool]) {
    for i in 0..p.len() {
        if live[i] && p[i] == b'*' {
            live[i + 1] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, expect: (bool, bool, bool)) {
        let got = (
            glob(pattern, text),
            covers(pattern, text),
            intersects(pattern, text),
        );
        assert_eq!(
            got, expect,
            "{pattern} vs {text}: (glob, covers, intersects)"
        );
    }

    #[test]
    fn patterns() {
        check("*", "anything", (true, true, true));
        check("*", "", (true, true, true));
        check("a/b/*", "a/b/", (true, true, true));
        check("a/b/*", "a/b/c/", (true, true, true));
        check("a/b/*", "a/", (false, false, true));
        check("a/b/*", "a/c/", (false, false, false));
        check("a/b/", "a/b/", (true, false, true));
        check("a/?/*", "a/x/y", (true, true, true));
        check("a/*/z*", "a/", (false, false, true));
        check("a/*/z*", "a/q/", (false, false, true));
        check("a/*/z*", "a/q/z", (true, true, true));
        check("a*b*", "ab", (true, true, true));
        check("a*?", "a", (false, false, true));
        check("s3:Get*", "s3:GetObject", (true, true, true));
        check("s3:Get*", "s3:PutObject", (false, false, false));
        check("", "", (true, false, true));
        check("", "x", (false, false, false));
    }

    #[test]
    fn actions_ignore_case() {
        assert!(action_matches("IAM:passrole", "iam:PassRole"));
        assert!(action_matches("iam:Pass?ole", "iam:PassRole"));
        assert!(action_matches(
            "kms:GenerateDataKey*",
            "kms:GenerateDataKey"
        ));
        assert!(action_matches("s3:*Object", "s3:DeleteObject"));
        assert!(action_matches("*:Get*", "s3:GetObject"));
        assert!(!action_matches("kms:Decrypt", "kms:DecryptX"));
        assert!(!glob("S3:getobject", "s3:GetObject"));
    }

    #[test]
    fn overlaps() {
        assert!(overlaps_nocase("s3:*Object", "s3:Delete*"));
        assert!(overlaps_nocase("*:Get*", "s3:GetObject"));
        assert!(overlaps_nocase("kms:*", "KMS:Decrypt"));
        assert!(!overlaps_nocase("kms:GenerateDataKey*", "kms:Decrypt"));
        assert!(!overlaps_nocase("s3:Get*", "s3:Put*"));
        assert!(overlaps_nocase("a?c", "*b*"));
        assert!(overlaps_nocase("a?c", "*d*"));
        assert!(!overlaps_nocase("a?c", "*dd*"));
    }

    #[test]
    fn sixty_stars_do_not_backtrack() {
        // A backtracking matcher tries every way to split the name among the stars: far more
        // steps than the universe has time for. The NFA takes 61 × 40 of them.
        let pattern = format!("s3:List{}x", "*".repeat(60));
        let name = "s3:ListBucketMultipartUploadsAndMoreYY";
        assert!(!glob_nocase(&pattern, name));
        assert!(!covers(&pattern, name));
        assert!(intersects(&pattern, name));
        let stars = "*".repeat(60);
        assert!(!overlaps_nocase(&format!("{stars}x"), &format!("{stars}y")));
    }
}
