//! `endpoint_url`: where to send AWS calls instead of AWS (a local emulator).

use super::{code, Reject};

/// `endpoint_url`: an `http://` or `https://` URL with a host.
pub(crate) fn endpoint_url(url: &str) -> Result<(), Reject> {
    let reason = endpoint_problem(url);
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not an endpoint url ({reason})", code(url)),
            "an `http://` or `https://` url with a host, for example `http://127.0.0.1:5000`",
        )),
        None => Ok(()),
    }
}

fn endpoint_problem(url: &str) -> Option<&'static str> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains spaces");
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let Some(rest) = rest else {
        return Some("it does not start with `http://` or `https://`");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Some("it has no host");
    }
    if authority.contains('@') {
        return Some("it contains credentials");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, tail)) => {
                if host.is_empty() || !host.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                    return Some("its IPv6 host is malformed");
                }
                match tail {
                    "" => (host, None),
                    _ => match tail.strip_prefix(':') {
                        Some(port) => (host, Some(port)),
                        None => return Some("its host is malformed"),
                    },
                }
            }
            None => return Some("its IPv6 host is malformed"),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Some("it has no host");
    }
    if !authority.starts_with('[')
        && (host
            .split('.')
            .any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Some("its host is malformed");
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Some("its port is not a number from 1 to 65535");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls() {
        assert!(endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(endpoint_url("https://s3.localhost.localstack.cloud:4566/").is_ok());
        assert!(endpoint_url("http://[::1]:5000").is_ok());
        for bad in [
            "127.0.0.1:5000",
            "http://",
            "ftp://x",
            "http://:5000",
            "http://h:0",
            "http://h:99999",
            "http://a b",
        ] {
            assert!(endpoint_url(bad).is_err(), "{bad}");
        }
    }
}
