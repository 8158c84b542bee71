//! Durations as people type them.

use std::time::Duration;

/// `90s`, `15m`, `2h`, `1d` (a bare number is seconds).
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (digits, unit) = raw.split_at(split);
    let amount: u64 = digits.parse().map_err(|_| format!("{raw:?} is not a duration like 90s, 15m or 2h"))?;
    let unit_s = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{raw:?} has an unknown unit: use s, m, h or d")),
    };
    if amount == 0 {
        return Err(format!("{raw:?} must be longer than zero"));
    }
    amount.checked_mul(unit_s).map(Duration::from_secs).ok_or_else(|| format!("{raw:?} is too long"))
}
