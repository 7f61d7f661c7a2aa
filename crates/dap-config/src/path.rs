//! Field paths such as `retention.log_retention_days` or `principals.analyst[1]`.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Segment {
    Key(String),
    Index(usize),
}

/// A path from the document root to a field, a list entry or a map entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Path(Vec<Segment>);

impl Path {
    /// The document root (displayed as the empty string).
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path followed by a mapping key.
    pub fn key(&self, key: &str) -> Path {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        Path(segments)
    }

    /// This path followed by a list index.
    pub fn index(&self, index: usize) -> Path {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Path(segments)
    }

    /// The enclosing path, if any.
    pub fn parent(&self) -> Option<Path> {
        let (_, rest) = self.0.split_last()?;
        Some(Path(rest.to_vec()))
    }

    /// This path and each enclosing one, innermost first, ending with the root.
    pub fn self_and_ancestors(&self) -> impl Iterator<Item = Path> + '_ {
        (0..=self.0.len()).rev().map(|n| Path(self.0[..n].to_vec()))
    }
}

/// Whether a key can be shown without quotes.
fn is_bare(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if is_bare(key) {
                        f.write_str(key)?;
                    } else {
                        write!(f, "{key:?}")?;
                    }
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        let p = Path::root().key("principals").key("analyst").index(1);
        assert_eq!(p.to_string(), "principals.analyst[1]");
        assert_eq!(Path::root().to_string(), "");
        assert_eq!(
            Path::root().key("tags").key("Cost Centre").to_string(),
            "tags.\"Cost Centre\""
        );
        let names: Vec<String> = p.self_and_ancestors().map(|p| p.to_string()).collect();
        assert_eq!(
            names,
            [
                "principals.analyst[1]",
                "principals.analyst",
                "principals",
                ""
            ]
        );
        assert_eq!(p.parent().unwrap().to_string(), "principals.analyst");
        assert_eq!(Path::root().parent(), None);
    }
}
