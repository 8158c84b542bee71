//! Gatus-style conditions: `[STATUS] == 200`, `[BODY].data[0].id > 3`, `len([BODY].items) >= 1`,
//! `has([BODY].errors) == false`, `[HEADER].content-type == pat(*json*)`,
//! `[CERTIFICATE_EXPIRATION] > 168h`, `[CONNECTED] == true`. Parsed once when a monitor is saved
//! (a refusal gives the column of the mistake) and evaluated against every check's observation.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A condition that could not be parsed: what is wrong and at which column (1-based, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.column, self.message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Eq,
    Ne,
    Le,
    Ge,
    Lt,
    Gt,
}

impl Operator {
    /// Longest first, so `<=` is not read as `<`.
    const SPELLINGS: [(&'static str, Operator); 6] = [
        ("==", Operator::Eq),
        ("!=", Operator::Ne),
        ("<=", Operator::Le),
        (">=", Operator::Ge),
        ("<", Operator::Lt),
        (">", Operator::Gt),
    ];

    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Operator::Eq => ordering == Equal,
            Operator::Ne => ordering != Equal,
            Operator::Lt => ordering == Less,
            Operator::Gt => ordering == Greater,
            Operator::Le => ordering != Greater,
            Operator::Ge => ordering != Less,
        }
    }

    fn is_equality(self) -> bool {
        matches!(self, Operator::Eq | Operator::Ne)
    }
}

/// One step into a JSON document: `.name` or `[index]`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Placeholder {
    Status,
    ResponseTime,
    Body(Vec<Step>),
    Header(String),
    CertificateExpiration,
    Connected,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Left {
    Value(Placeholder),
    Len(Placeholder),
    Has(Placeholder),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Right {
    Literal(String),
    Pattern(String),
}

/// A parsed condition; it keeps the text it was written as, which is how results name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    text: String,
    /// The text's two sides and operator, for the outcome's detail.
    shown: (String, &'static str, String),
    left: Left,
    operator: Operator,
    right: Right,
}

/// What one check saw, for the conditions to read.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub connected: bool,
    pub status: Option<u16>,
    pub response_ms: u64,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// Seconds until the server's certificate expires (negative once it has).
    pub certificate_expires_in_s: Option<i64>,
}

/// One condition's verdict, as results and alerts show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionOutcome {
    pub condition: String,
    pub passed: bool,
    /// What the placeholder resolved to, e.g. `[STATUS] (503) == 200`.
    pub detail: String,
}

impl Condition {
    pub fn parse(raw: &str) -> Result<Self, SyntaxError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(SyntaxError { column: 1, message: "the condition is empty".into() });
        }
        let offset = raw.chars().take_while(|c| c.is_whitespace()).count();
        let (at, spelling, operator) = find_operator(text).ok_or_else(|| match unclosed(text) {
            Some((column, opener)) => {
                SyntaxError { column: offset + column, message: format!("the {opener} here is not closed") }
            }
            None => SyntaxError { column: offset + 1, message: "no comparison: use ==, !=, <, >, <= or >=".into() },
        })?;
        let left_text = &text[..at];
        let right_text = &text[at + spelling.len()..];
        let left_column = offset + 1;
        let right_column = offset + text[..at + spelling.len()].chars().count() + 1;
        let left = parse_left(left_text, left_column)?;
        let right = parse_right(right_text, right_column)?;
        if let Right::Pattern(_) = right {
            if !operator.is_equality() {
                return Err(SyntaxError {
                    column: right_column + right_text.chars().take_while(|c| c.is_whitespace()).count(),
                    message: "pat(…) compares with == or != only".into(),
                });
            }
        }
        let shown = (left_text.trim().to_owned(), spelling, right_text.trim().to_owned());
        Ok(Self { text: text.to_owned(), shown, left, operator, right })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the condition holds for what was observed, with the value it read.
    pub fn evaluate(&self, seen: &Observation) -> ConditionOutcome {
        let (shown, passed) = match resolve(&self.left, seen) {
            Resolved::Missing(why) => (why, false),
            Resolved::Number(n) => (format_number(n), self.compare_number(n)),
            Resolved::Duration(seconds) => (format!("{}h", seconds / 3600), self.compare_duration(seconds)),
            Resolved::Bool(b) => (b.to_string(), self.compare_text(&b.to_string())),
            Resolved::Text(t) => (shorten(&t), self.compare_text(&t)),
        };
        ConditionOutcome {
            condition: self.text.clone(),
            passed,
            detail: format!("{} ({shown}) {} {}", self.shown.0, self.shown.1, self.shown.2),
        }
    }

    fn with_right_text(&self, then: impl FnOnce(&str) -> bool) -> bool {
        match &self.right {
            Right::Literal(t) => then(t),
            Right::Pattern(_) => false,
        }
    }

    fn compare_number(&self, seen: f64) -> bool {
        match &self.right {
            Right::Pattern(p) => glob_matches(p, &format_number(seen)) == (self.operator == Operator::Eq),
            Right::Literal(t) => match t.parse::<f64>() {
                Ok(wanted) => seen.partial_cmp(&wanted).is_some_and(|o| self.operator.holds(o)),
                Err(_) => self.operator == Operator::Ne,
            },
        }
    }

    fn compare_duration(&self, seen_s: i64) -> bool {
        self.with_right_text(|t| {
            crate::duration::parse_duration(t)
                .map(|wanted| self.operator.holds(seen_s.cmp(&(wanted.as_secs() as i64))))
                .unwrap_or(false)
        })
    }

    fn compare_text(&self, seen: &str) -> bool {
        match &self.right {
            Right::Pattern(p) => glob_matches(p, seen) == (self.operator == Operator::Eq),
            Right::Literal(wanted) => match (seen.parse::<f64>(), wanted.parse::<f64>()) {
                (Ok(a), Ok(b)) => a.partial_cmp(&b).is_some_and(|o| self.operator.holds(o)),
                _ => self.operator.holds(seen.cmp(wanted.as_str())),
            },
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The first operator outside brackets, parentheses and quotes: its byte offset and spelling.
fn find_operator(text: &str) -> Option<(usize, &'static str, Operator)> {
    let mut depth = 0i32;
    let mut quoted = false;
    for (at, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '(' if !quoted => depth += 1,
            ']' | ')' if !quoted => depth -= 1,
            '=' | '!' | '<' | '>' if !quoted && depth == 0 => {
                let rest = &text[at..];
                if let Some((spelling, op)) = Operator::SPELLINGS.iter().find(|(s, _)| rest.starts_with(s)) {
                    return Some((at, spelling, *op));
                }
            }
            _ => {}
        }
    }
    None
}

/// The first bracket or parenthesis never closed: its column (1-based) and the character.
fn unclosed(text: &str) -> Option<(usize, char)> {
    let mut open = Vec::new();
    let mut quoted = false;
    for (column, c) in text.chars().enumerate() {
        match c {
            '"' => quoted = !quoted,
            '[' | '(' if !quoted => open.push((column + 1, c)),
            ']' | ')' if !quoted => {
                open.pop();
            }
            _ => {}
        }
    }
    open.first().copied()
}

fn parse_left(raw: &str, column: usize) -> Result<Left, SyntaxError> {
    let lead = raw.chars().take_while(|c| c.is_whitespace()).count();
    let text = raw.trim();
    let column = column + lead;
    if text.is_empty() {
        return Err(SyntaxError {
            column,
            message: "nothing before the comparison: start with a placeholder such as [STATUS]".into(),
        });
    }
    for (name, wrap) in [("len(", Left::Len as fn(Placeholder) -> Left), ("has(", Left::Has)] {
        if let Some(inner) = text.strip_prefix(name) {
            let inner = inner.strip_suffix(')').ok_or_else(|| SyntaxError {
                column: column + text.chars().count(),
                message: format!("{name}…) must end with )"),
            })?;
            return parse_placeholder(inner, column + name.len()).map(wrap);
        }
    }
    parse_placeholder(text, column).map(Left::Value)
}

fn parse_placeholder(text: &str, column: usize) -> Result<Placeholder, SyntaxError> {
    let unknown = || SyntaxError {
        column,
        message: "expected a placeholder: [STATUS], [RESPONSE_TIME], [BODY], [HEADER].name, \
                  [CERTIFICATE_EXPIRATION] or [CONNECTED]"
            .into(),
    };
    if !text.starts_with('[') {
        return Err(unknown());
    }
    let close =
        text.find(']').ok_or_else(|| SyntaxError { column, message: "the placeholder's [ is not closed".into() })?;
    let name = &text[1..close];
    let rest = &text[close + 1..];
    let rest_column = column + text[..=close].chars().count();
    let plain = |p: Placeholder| {
        if rest.is_empty() {
            Ok(p)
        } else {
            Err(SyntaxError { column: rest_column, message: format!("[{name}] takes no path") })
        }
    };
    match name {
        "STATUS" => plain(Placeholder::Status),
        "RESPONSE_TIME" => plain(Placeholder::ResponseTime),
        "CERTIFICATE_EXPIRATION" => plain(Placeholder::CertificateExpiration),
        "CONNECTED" => plain(Placeholder::Connected),
        "BODY" => parse_path(rest, rest_column).map(Placeholder::Body),
        "HEADER" => match rest.strip_prefix('.') {
            Some(header)
                if !header.is_empty() && header.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Ok(Placeholder::Header(header.to_ascii_lowercase()))
            }
            _ => Err(SyntaxError {
                column: rest_column,
                message: "[HEADER] needs a header name, as in [HEADER].content-type".into(),
            }),
        },
        _ => Err(unknown()),
    }
}

/// `.data[0].name` after `[BODY]`.
fn parse_path(text: &str, column: usize) -> Result<Vec<Step>, SyntaxError> {
    let mut steps = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && chars[end] != '.' && chars[end] != '[' {
                    end += 1;
                }
                if end == start {
                    return Err(SyntaxError { column: column + i, message: "an empty name in the JSON path".into() });
                }
                steps.push(Step::Key(chars[start..end].iter().collect()));
                i = end;
            }
            '[' => {
                let start = i + 1;
                let end = (start..chars.len())
                    .find(|&j| chars[j] == ']')
                    .ok_or_else(|| SyntaxError { column: column + i, message: "the index's [ is not closed".into() })?;
                let digits: String = chars[start..end].iter().collect();
                let index = digits.parse().map_err(|_| SyntaxError {
                    column: column + start,
                    message: format!("{digits:?} is not an array index"),
                })?;
                steps.push(Step::Index(index));
                i = end + 1;
            }
            other => {
                return Err(SyntaxError {
                    column: column + i,
                    message: format!("unexpected {other:?} in the JSON path: use .name or [index]"),
                })
            }
        }
    }
    Ok(steps)
}

fn parse_right(raw: &str, column: usize) -> Result<Right, SyntaxError> {
    let lead = raw.chars().take_while(|c| c.is_whitespace()).count();
    let text = raw.trim();
    let column = column + lead;
    if text.is_empty() {
        return Err(SyntaxError { column, message: "nothing after the comparison: give a value".into() });
    }
    if let Some(inner) = text.strip_prefix("pat(") {
        let inner = inner.strip_suffix(')').ok_or_else(|| SyntaxError {
            column: column + text.chars().count(),
            message: "pat(…) must end with )".into(),
        })?;
        return Ok(Right::Pattern(inner.to_owned()));
    }
    let unquoted = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
    Ok(Right::Literal(unquoted.to_owned()))
}

enum Resolved {
    Missing(String),
    Number(f64),
    /// Seconds.
    Duration(i64),
    Bool(bool),
    Text(String),
}

fn resolve(left: &Left, seen: &Observation) -> Resolved {
    match left {
        Left::Value(p) => resolve_placeholder(p, seen),
        Left::Len(p) => match resolve_placeholder(p, seen) {
            Resolved::Missing(why) => Resolved::Missing(why),
            Resolved::Text(t) => Resolved::Number(match serde_json::from_str::<Value>(&t) {
                Ok(Value::Array(a)) => a.len() as f64,
                Ok(Value::Object(o)) => o.len() as f64,
                _ => t.chars().count() as f64,
            }),
            other => other,
        },
        Left::Has(p) => Resolved::Bool(!matches!(resolve_placeholder(p, seen), Resolved::Missing(_))),
    }
}

fn resolve_placeholder(p: &Placeholder, seen: &Observation) -> Resolved {
    match p {
        Placeholder::Connected => Resolved::Bool(seen.connected),
        Placeholder::ResponseTime => Resolved::Number(seen.response_ms as f64),
        Placeholder::Status => match seen.status {
            Some(s) => Resolved::Number(s.into()),
            None => Resolved::Missing("no response".into()),
        },
        Placeholder::CertificateExpiration => match seen.certificate_expires_in_s {
            Some(s) => Resolved::Duration(s),
            None => Resolved::Missing("no certificate".into()),
        },
        Placeholder::Header(name) => seen
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| Resolved::Text(v.clone()))
            .unwrap_or_else(|| Resolved::Missing("no such header".into())),
        Placeholder::Body(steps) => {
            let Some(body) = &seen.body else { return Resolved::Missing("no body".into()) };
            if steps.is_empty() {
                return Resolved::Text(body.clone());
            }
            let Ok(mut value) = serde_json::from_str::<Value>(body) else {
                return Resolved::Missing("the body is not JSON".into());
            };
            for step in steps {
                let next = match (step, value) {
                    (Step::Key(k), Value::Object(mut o)) => o.remove(k),
                    (Step::Index(i), Value::Array(mut a)) if *i < a.len() => Some(a.swap_remove(*i)),
                    _ => None,
                };
                match next {
                    Some(v) => value = v,
                    None => return Resolved::Missing("not in the body".into()),
                }
            }
            match value {
                Value::String(s) => Resolved::Text(s),
                Value::Number(n) => Resolved::Number(n.as_f64().unwrap_or(f64::NAN)),
                Value::Bool(b) => Resolved::Bool(b),
                Value::Null => Resolved::Text("null".into()),
                other => Resolved::Text(other.to_string()),
            }
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn shorten(text: &str) -> String {
    const SHOWN: usize = 60;
    if text.chars().count() <= SHOWN {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(SHOWN).collect::<String>())
    }
}

/// `*` matches any run of characters, `?` any one character; the whole text must match.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            resume = Some((pi, ti));
            pi += 1;
        } else if let Some((star, matched)) = resume {
            pi = star + 1;
            ti = matched + 1;
            resume = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen() -> Observation {
        Observation {
            connected: true,
            status: Some(200),
            response_ms: 120,
            headers: vec![("Content-Type".into(), "application/json; charset=utf-8".into())],
            body: Some(r#"{"status":"UP","data":[{"id":7,"name":"ana"}],"errors":null,"count":3,"ok":true}"#.into()),
            certificate_expires_in_s: Some(10 * 24 * 3600),
        }
    }

    fn holds(condition: &str) -> bool {
        Condition::parse(condition).unwrap().evaluate(&seen()).passed
    }

    #[test]
    fn every_operator_compares_numbers() {
        assert!(holds("[STATUS] == 200"));
        assert!(!holds("[STATUS] == 201"));
        assert!(holds("[STATUS] != 500"));
        assert!(holds("[STATUS] < 500"));
        assert!(!holds("[STATUS] > 200"));
        assert!(holds("[STATUS] >= 200"));
        assert!(holds("[STATUS] <= 200"));
        assert!(holds("[RESPONSE_TIME] < 300"));
        assert!(!holds("[RESPONSE_TIME] < 100"));
    }

    #[test]
    fn body_paths_reach_into_objects_and_arrays() {
        assert!(holds("[BODY].status == UP"));
        assert!(holds(r#"[BODY].status == "UP""#));
        assert!(holds("[BODY].data[0].id == 7"));
        assert!(holds("[BODY].data[0].id > 3"));
        assert!(holds("[BODY].data[0].name == pat(a*)"));
        assert!(holds("[BODY].ok == true"));
        assert!(!holds("[BODY].data[1].id == 7"));
        assert!(holds("[BODY] == pat(*\"UP\"*)"));
    }

    #[test]
    fn len_and_has() {
        assert!(holds("len([BODY].data) == 1"));
        assert!(holds("len([BODY].status) == 2"));
        assert!(holds("has([BODY].errors) == true"));
        assert!(holds("has([BODY].missing) == false"));
        assert!(!holds("has([BODY].missing) == true"));
    }

    #[test]
    fn headers_certificates_and_connection() {
        assert!(holds("[HEADER].content-type == pat(*json*)"));
        assert!(holds("[HEADER].Content-Type != pat(*html*)"));
        assert!(!holds("[HEADER].x-missing == anything"));
        assert!(holds("[CERTIFICATE_EXPIRATION] > 168h"));
        assert!(!holds("[CERTIFICATE_EXPIRATION] > 30d"));
        assert!(holds("[CONNECTED] == true"));
    }

    #[test]
    fn an_outcome_names_the_condition_and_what_was_read() {
        let outcome =
            Condition::parse("[STATUS] == 200").unwrap().evaluate(&Observation { status: Some(503), ..seen() });
        assert!(!outcome.passed);
        assert_eq!(outcome.condition, "[STATUS] == 200");
        assert_eq!(outcome.detail, "[STATUS] (503) == 200");
        let missing = Condition::parse("[STATUS] < 500").unwrap().evaluate(&Observation::default());
        assert!(!missing.passed);
        assert_eq!(missing.detail, "[STATUS] (no response) < 500");
    }

    #[test]
    fn syntax_errors_give_their_column() {
        let err = |raw: &str| Condition::parse(raw).unwrap_err();
        assert_eq!(err("").message, "the condition is empty");
        let no_op = err("[STATUS] 200");
        assert_eq!((no_op.column, no_op.message.as_str()), (1, "no comparison: use ==, !=, <, >, <= or >="));
        let unknown = err("[STAUS] == 200");
        assert_eq!(unknown.column, 1);
        assert!(unknown.message.starts_with("expected a placeholder"), "{unknown}");
        let empty_right = err("[STATUS] ==   ");
        assert_eq!(
            (empty_right.column, empty_right.message.as_str()),
            (12, "nothing after the comparison: give a value")
        );
        let path = err("[BODY].data[x] == 1");
        assert_eq!((path.column, path.message.as_str()), (13, "\"x\" is not an array index"));
        let dangling = err("len([BODY].data == 1");
        assert_eq!((dangling.column, dangling.message.as_str()), (4, "the ( here is not closed"));
        assert_eq!(err("len([BODY].data) x == 1").message, "len(…) must end with )");
        let pattern_order = err("[BODY].name < pat(a*)");
        assert_eq!((pattern_order.column, pattern_order.message.as_str()), (15, "pat(…) compares with == or != only"));
        let header = err("[HEADER] == x");
        assert_eq!(header.column, 9);
        let plain = err("[STATUS].code == 1");
        assert_eq!((plain.column, plain.message.as_str()), (9, "[STATUS] takes no path"));
        assert_eq!(err("  == 1").message, "nothing before the comparison: start with a placeholder such as [STATUS]");
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*json*", "application/json"));
        assert!(glob_matches("a?c", "abc"));
        assert!(!glob_matches("a?c", "abbc"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("x*", "yx"));
    }
}
