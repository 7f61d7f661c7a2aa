//! Numbers for people: dollars with cents and thousands separators, quantities with as many
//! digits as they need. Rounding happens here only; estimates keep full precision.

/// Dollars and cents with thousands separators: `$1,234.56`, `-$3.00`.
pub fn format_usd(usd: f64) -> String {
    let cents = (usd * 100.0).round();
    let sign = if cents < 0.0 { "-" } else { "" };
    let cents = cents.abs() as u64;
    format!("{sign}${}.{:02}", group(cents / 100), cents % 100)
}

/// A change in dollars with its sign: `+$3.00`, `-$0.50`; `$0.00` when it rounds to nothing.
pub fn format_usd_change(usd: f64) -> String {
    let text = format_usd(usd);
    if text == "$0.00" || text == "-$0.00" {
        "$0.00".to_owned()
    } else if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

/// A quantity: whole numbers with separators (`100,000`), others with two decimals
/// (`30.42`) or, below one, four significant digits (`0.04768`).
pub fn quantity(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let x = x.abs();
    if (x - x.round()).abs() < 1e-9 {
        return format!("{sign}{}", group(x.round() as u64));
    }
    let text = if x >= 1.0 {
        format!("{x:.2}")
    } else {
        let digits = (3 - x.log10().floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    };
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text.split_once('.') {
        Some((whole, fraction)) => {
            format!("{sign}{}.{fraction}", group(whole.parse().unwrap_or(0)))
        }
        None => format!("{sign}{}", group(text.parse().unwrap_or(0))),
    }
}

fn group(n: u64) -> String {
    let mut reversed = Vec::new();
    for (i, c) in n.to_string().chars().rev().enumerate() {
        if i > 0 && i % 3 == 0 {
            reversed.push(',');
        }
        reversed.push(c);
    }
    reversed.into_iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars() {
        for (x, text) in [
            (0.0, "$0.00"),
            (0.004, "$0.00"),
            (0.005, "$0.01"),
            (3.0, "$3.00"),
            (1234.564, "$1,234.56"),
            (1_000_000.0, "$1,000,000.00"),
            (-3.5, "-$3.50"),
        ] {
            assert_eq!(format_usd(x), text, "{x}");
        }
        assert_eq!(format_usd_change(0.1), "+$0.10");
        assert_eq!(format_usd_change(-0.1), "-$0.10");
        assert_eq!(format_usd_change(-0.001), "$0.00");
    }

    #[test]
    fn quantities() {
        for (x, text) in [
            (730.0, "730"),
            (100_000.0, "100,000"),
            (365.0 / 12.0, "30.42"),
            (2.5, "2.5"),
            (1234.5678, "1,234.57"),
            (1.0 / 3.0, "0.3333"),
            (50_000.0 / 1_048_576.0, "0.04768"),
            (0.0625, "0.0625"),
        ] {
            assert_eq!(quantity(x), text, "{x}");
        }
    }
}
