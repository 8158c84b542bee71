//! SVG badges in the shields.io look: the page's status, each component's status and its uptime
//! over 24 h, 7 d, 30 d and 90 d.

use super::model::{seconds_between, uptime_of, ComponentStatus, Indicator, StatusSpan};
use crate::ui::escape_html as esc;
use chrono::{DateTime, Duration, Utc};

/// The uptime windows a badge is drawn for, by the name in its path.
pub const UPTIME_WINDOWS: [(&str, i64); 4] = [("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90)];

const GREEN: &str = "#4c1";
const YELLOW: &str = "#dfb317";
const ORANGE: &str = "#fe7d37";
const RED: &str = "#e05d44";
const BLUE: &str = "#007ec6";
const GREY: &str = "#9f9f9f";

/// Verdana 11 px, as shields.io measures it, near enough: narrow letters, wide ones, the rest.
fn text_width(text: &str) -> u32 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '|' | '!' | '\'' | ' ' | 'I' | 'f' | 't' | 'r' => 4,
            'm' | 'w' | 'M' | 'W' | '%' => 10,
            c if c.is_ascii_uppercase() || c.is_ascii_digit() => 8,
            _ => 7,
        })
        .sum()
}

/// A flat two-part badge.
pub fn badge(label: &str, message: &str, colour: &str) -> String {
    let (lw, mw) = (text_width(label) + 10, text_width(message) + 10);
    let width = lw + mw;
    let (label, message) = (esc(label), esc(message));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"20\" role=\"img\" aria-label=\"{label}: {message}\">\
<title>{label}: {message}</title>\
<linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>\
<clipPath id=\"r\"><rect width=\"{width}\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>\
<g clip-path=\"url(#r)\"><rect width=\"{lw}\" height=\"20\" fill=\"#555\"/><rect x=\"{lw}\" width=\"{mw}\" height=\"20\" fill=\"{colour}\"/><rect width=\"{width}\" height=\"20\" fill=\"url(#s)\"/></g>\
<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">\
<text x=\"{lx}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\">{label}</text><text x=\"{lx}\" y=\"14\">{label}</text>\
<text x=\"{mx}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\">{message}</text><text x=\"{mx}\" y=\"14\">{message}</text></g></svg>",
        lx = lw / 2,
        mx = lw + mw / 2,
    )
}

pub fn indicator_badge(indicator: Indicator) -> String {
    let colour = match indicator {
        Indicator::None => GREEN,
        Indicator::Minor => YELLOW,
        Indicator::Major => ORANGE,
        Indicator::Critical => RED,
        Indicator::Maintenance => BLUE,
    };
    badge("status", &indicator.description().to_lowercase(), colour)
}

pub fn component_badge(name: &str, status: ComponentStatus) -> String {
    let colour = match status {
        ComponentStatus::Operational => GREEN,
        ComponentStatus::DegradedPerformance => YELLOW,
        ComponentStatus::PartialOutage => ORANGE,
        ComponentStatus::MajorOutage => RED,
        ComponentStatus::UnderMaintenance => BLUE,
    };
    badge(name, &status.label().to_lowercase(), colour)
}

/// The uptime over the last `days` days (maintenance left out), as a badge.
pub fn uptime_badge(window: &str, days: i64, history: &[StatusSpan], now: DateTime<Utc>) -> String {
    let seconds = seconds_between(history, now - Duration::days(days), now, now);
    let (message, colour) = match uptime_of(&seconds) {
        None => ("no data".to_owned(), GREY),
        Some(u) => {
            let colour = match u {
                u if u >= 0.999 => GREEN,
                u if u >= 0.99 => YELLOW,
                u if u >= 0.95 => ORANGE,
                _ => RED,
            };
            (format!("{:.2}%", (u * 10_000.0).floor() / 100.0), colour)
        }
    };
    badge(&format!("uptime {window}"), &message, colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_is_svg_sized_to_its_text_and_escapes_it() {
        let svg = badge("A<b", "ok", GREEN);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("A&lt;b") && !svg.contains("A<b"));
        let wide = badge("status", "all systems operational", GREEN);
        let narrow = badge("status", "ok", GREEN);
        let width =
            |svg: &str| svg.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse::<u32>().unwrap();
        assert!(width(&wide) > width(&narrow) + 100);
    }
}
