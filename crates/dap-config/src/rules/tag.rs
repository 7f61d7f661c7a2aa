//! Tag keys and values.

use super::{code, Reject};

fn tag_chars_ok(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c))
}

const TAG_CHARS: &str = "letters, digits, spaces and `_ . : / = + - @`";

/// A tag key.
pub(crate) fn tag_key(key: &str) -> Result<(), Reject> {
    let length = key.chars().count();
    let reason = if length == 0 {
        Some("it is empty")
    } else if length > 128 {
        Some("it is longer than 128 characters")
    } else if key.to_ascii_lowercase().starts_with("aws:") {
        Some("the `aws:` prefix is reserved for AWS")
    } else if !tag_chars_ok(key) {
        Some("it contains a character tags do not allow")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not a valid tag key ({reason})", code(key)),
            format!("1 to 128 {TAG_CHARS}, not starting with `aws:`"),
        )),
        None => Ok(()),
    }
}

/// A tag value.
pub(crate) fn tag_value(value: &str) -> Result<(), Reject> {
    let reason = if value.chars().count() > 256 {
        Some("it is longer than 256 characters")
    } else if !tag_chars_ok(value) {
        Some("it contains a character tags do not allow")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not a valid tag value ({reason})", code(value)),
            format!("at most 256 {TAG_CHARS}"),
        )),
        None => Ok(()),
    }
}
