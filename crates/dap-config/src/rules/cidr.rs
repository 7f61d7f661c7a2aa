//! IPv4 CIDR blocks (the reporting host's allowed and egress ranges).

use std::net::Ipv4Addr;

use super::{code, Reject};

/// An IPv4 CIDR block: its network address and prefix length.
///
/// The address is what [`Ipv4Addr`]'s `FromStr` takes: four decimal numbers from 0 to 255
/// without leading zeros. The length is a number from 0 to 32, also without leading zeros.
pub(crate) fn cidr(value: &str) -> Result<(u32, u8), Reject> {
    let allowed = "an IPv4 CIDR block such as `10.20.0.0/16`, never `0.0.0.0/0`";
    let bad = |reason: &str| {
        Err(Reject::new(
            format!("{} is not a valid IPv4 CIDR block ({reason})", code(value)),
            allowed,
        ))
    };
    let Some((address, length)) = value.split_once('/') else {
        return bad("it has no `/length`");
    };
    let Ok(address) = address.parse::<Ipv4Addr>() else {
        return bad("the address is not four numbers from 0 to 255");
    };
    let length_ok = !length.is_empty()
        && length.len() <= 2
        && length.bytes().all(|b| b.is_ascii_digit())
        && (length == "0" || !length.starts_with('0'));
    let Some(length) = length.parse::<u8>().ok().filter(|l| length_ok && *l <= 32) else {
        return bad("the length is not a number from 0 to 32");
    };
    let addr = u32::from(address);
    // A shift by 32 (length 0) overflows: that mask is 0.
    let mask = u32::MAX.checked_shl(32 - u32::from(length)).unwrap_or(0);
    if addr & !mask != 0 {
        let network = Ipv4Addr::from(addr & mask);
        return Err(Reject::new(
            format!("{} has host bits set", code(value)),
            format!("the network address `{network}/{length}`"),
        ));
    }
    if length == 0 {
        return Err(Reject::new(
            format!(
                "{} would open the reporting host to the whole internet",
                code(value)
            ),
            "the City's own ranges, for example `10.20.0.0/16`",
        ));
    }
    Ok((addr, length))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cidr(input)`'s message and allowed, or the network and length it accepts.
    fn check(input: &str, expect: &str) {
        let got = match cidr(input) {
            Ok((addr, length)) => format!("ok {}/{length}", Ipv4Addr::from(addr)),
            Err(reject) => format!(
                "{} | {}",
                reject.message,
                reject.allowed.unwrap_or_default()
            ),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn cidrs() {
        assert_eq!(cidr("10.20.0.0/16"), Ok((0x0a14_0000, 16)));
        assert!(cidr("10.20.0.1/32").is_ok());
        for bad in [
            "0.0.0.0/0",
            "10.20.1.0/16",
            "10.20.0.0",
            "10.20.0/16",
            "10.20.0.256/32",
            "10.020.0.0/16",
            "10.20.0.0/33",
            "10.20.0.0/016",
            "::/0",
        ] {
            assert!(cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cidr_messages() {
        let allowed = "an IPv4 CIDR block such as `10.20.0.0/16`, never `0.0.0.0/0`";
        let address = "the address is not four numbers from 0 to 255";
        let length = "the length is not a number from 0 to 32";
        check("10.20.0.0/16", "ok 10.20.0.0/16");
        check("0.0.0.0/32", "ok 0.0.0.0/32");
        check("255.255.255.255/32", "ok 255.255.255.255/32");
        for (input, reason) in [
            ("10.20.0.0", "it has no `/length`"),
            ("10.20.0/16", address),
            ("10.20.0.0.0/16", address),
            ("10.20.0.256/32", address),
            ("10.020.0.0/16", address),
            ("10.00.0.0/16", address),
            ("10.20.0.+1/32", address),
            ("10.20.0.0001/32", address),
            ("10..0.0/16", address),
            (" 10.20.0.0/16", address),
            ("::/0", address),
            ("::ffff:10.20.0.0/16", address),
            ("/16", address),
            ("10.20.0.0/33", length),
            ("10.20.0.0/016", length),
            ("10.20.0.0/", length),
            ("10.20.0.0/+8", length),
            ("10.20.0.0/16/16", length),
        ] {
            check(
                input,
                &format!("`{input}` is not a valid IPv4 CIDR block ({reason}) | {allowed}"),
            );
        }
        check(
            "10.20.1.0/16",
            "`10.20.1.0/16` has host bits set | the network address `10.20.0.0/16`",
        );
        check(
            "10.20.0.1/0",
            "`10.20.0.1/0` has host bits set | the network address `0.0.0.0/0`",
        );
        check(
            "0.0.0.0/0",
            "`0.0.0.0/0` would open the reporting host to the whole internet | the City's own ranges, for example `10.20.0.0/16`",
        );
    }
}
