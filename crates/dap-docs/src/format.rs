//! Numbers as a reader expects them: `1,000`, `50`, `0.25`.

/// A number with thousands separators, no trailing `.0` and at most two decimals:
/// `1000.0` → `1,000`, `50.0` → `50`, `1234.5678` → `1,234.57`, `-0.5` → `-0.5`.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let fixed = format!("{:.2}", x.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let zero = grouped == "0" && frac.is_empty();
    let sign = if x < 0.0 && !zero { "-" } else { "" };
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
    fn numbers_read_as_written_by_hand() {
        check(0.0, "0");
        check(1.0, "1");
        check(50.0, "50");
        check(100.0, "100");
        check(999.0, "999");
        check(1000.0, "1,000");
        check(1234.5678, "1,234.57");
        check(1_000_000.0, "1,000,000");
        check(0.5, "0.5");
        check(0.25, "0.25");
        check(0.001, "0");
        check(-0.001, "0");
        check(-1500.0, "-1,500");
        check(12.10, "12.1");
        check(f64::INFINITY, "inf");
    }
}
