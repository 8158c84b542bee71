//! Flags, history, segments and evaluations as every layer shares them; the playground's types.

use super::*;

/// A flag as lists and the editor show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub key: String,
    pub definition: FlagDefinition,
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub stale: bool,
}

/// One entry of a flag's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagVersion {
    pub version: i32,
    pub summary: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: i64,
    pub environment: String,
    pub run_at: DateTime<Utc>,
    pub description: String,
    pub created_by: String,
    pub applied_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub constraints: Vec<ConstraintForm>,
}

/// SDK-reported evaluations of one flag in one environment over the last hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Evaluations {
    pub yes: i64,
    pub no: i64,
}

/// Filters of the flag list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FlagFilter {
    pub q: String,
    pub kind: String,
    pub tag: String,
    /// `""`, `stale` or `archived`.
    pub show: String,
}

impl FlagFilter {
    pub fn matches(&self, flag: &Flag) -> bool {
        let q = self.q.trim().to_lowercase();
        let text_ok = q.is_empty()
            || flag.key.to_lowercase().contains(&q)
            || flag.definition.name.to_lowercase().contains(&q)
            || flag.definition.description.to_lowercase().contains(&q);
        let kind_ok = self.kind.is_empty() || flag.definition.kind.as_str() == self.kind;
        let tag_ok = self.tag.is_empty() || flag.definition.tags.contains(&self.tag);
        let show_ok = match self.show.as_str() {
            "archived" => flag.archived,
            "stale" => flag.stale && !flag.archived,
            _ => !flag.archived,
        };
        text_ok && kind_ok && tag_ok && show_ok
    }
}

/// A flag's display name: up to 100 characters; empty means "call it by its key".
pub fn parse_flag_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.chars().count() > 100 {
        return Err(AppError::validation("name", "Use at most 100 characters."));
    }
    Ok(name.to_owned())
}

/// Tags: comma-separated, trimmed, de-duplicated.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, AppError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if tag.len() > 50 {
            return Err(AppError::validation("tags", "A tag has at most 50 characters."));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    Ok(tags)
}

/// What an import does (or would do) to one environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlan {
    pub created: Vec<String>,
    /// Key and the history line of what changed.
    pub changed: Vec<(String, String)>,
    pub unchanged: usize,
    pub new_segments: usize,
    /// What Unleash accepts but evaluates unexpectedly (see `unleash::oddities`), imported as is.
    pub oddities: Vec<String>,
}

/// A playground request: an Unleash context typed in the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlaygroundContext {
    pub environment: String,
    pub user_id: String,
    pub session_id: String,
    pub remote_address: String,
    /// `name=value` lines.
    pub properties: String,
}

impl PlaygroundContext {
    pub fn properties(&self) -> Result<HashMap<String, String>, AppError> {
        let mut properties = HashMap::new();
        for line in self.properties.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once('=')
                .ok_or_else(|| AppError::validation("properties", format!("{line:?} is not name=value.")))?;
            properties.insert(name.trim().to_owned(), value.trim().to_owned());
        }
        Ok(properties)
    }
}

/// One flag's answer in the playground, with what decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaygroundResult {
    pub key: String,
    pub enabled: bool,
    pub variant: String,
    pub payload: Option<String>,
    pub reason: String,
}
