//! Numbers for people: `1,000`, not `1000.0`.

/// A number with thousands separators, at most two decimals and no trailing zeros:
/// `1000.0` → `1,000`, `1234.5` → `1,234.5`, `0.126` → `0.13`, `-2500` → `-2,500`.
///
/// ```
/// assert_eq!(dap_docs::format::number(1000.0), "1,000");
/// assert_eq!(dap_docs::format::number(1234.5), "1,234.5");
/// assert_eq!(dap_docs::format::number(50.0), "50");
/// ```
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let fixed = format!("{:.2}", x.abs());
    let (whole, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let negative = x < 0.0 && (grouped != "0" || !frac.is_empty());
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    fn check(x: f64, expect: &str) {
        assert_eq!(number(x), expect, "{x}");
    }

    #[test]
    fn numbers_read_like_people_write_them() {
        check(0.0, "0");
        check(50.0, "50");
        check(100.0, "100");
        check(999.0, "999");
        check(1000.0, "1,000");
        check(1234.5, "1,234.5");
        check(1234567.891, "1,234,567.89");
        check(0.5, "0.5");
        check(0.126, "0.13");
        check(80.0, "80");
        check(-2500.0, "-2,500");
        check(-0.001, "0");
        check(99.999, "100");
    }
}
