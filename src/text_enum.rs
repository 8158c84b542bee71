//! `text_enum!`: a closed set of values stored and sent as text, each with a label for people.
//! Every such enum of every domain is declared with it, so parsing, storing, serialising and the
//! refusal message work the same everywhere.

/// ```text
/// text_enum!(
///     /// Docs for the enum.
///     Status("status") { Open = "open" / "Open", InReview = "in_review" / "In review" }
/// );
/// ```
/// `"status"` names the value in the refusal message. Parsing ignores case and treats spaces,
/// hyphens and underscores alike, so "In review", "in-review" and "in_review" are one value.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident ($what:literal) { $($variant:ident = $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $( #[serde(rename = $text)] $variant ),+ }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The stored and serialised form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The form people read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(field: &str, raw: &str) -> Result<Self, $crate::error::AppError> {
                let wanted = $crate::text_enum::fold(raw);
                Self::ALL.iter().copied().find(|v| $crate::text_enum::fold(v.as_str()) == wanted).ok_or_else(|| {
                    let choices: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    $crate::error::AppError::validation(
                        field,
                        format!("Unknown {} {raw:?}: choose {}.", $what, $crate::text_enum::one_of(&choices)),
                    )
                })
            }

            /// A value the database's CHECK constraint allowed (the first one for anything else).
            pub fn from_stored(raw: &str) -> Self {
                Self::ALL.iter().copied().find(|v| v.as_str() == raw).unwrap_or(Self::ALL[0])
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The form two spellings of one value share: trimmed, lower case, spaces and hyphens as `_`.
pub fn fold(raw: &str) -> String {
    raw.trim().to_lowercase().replace([' ', '-'], "_")
}

/// `a, b or c`.
pub fn one_of(choices: &[&str]) -> String {
    match choices {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    crate::text_enum!(Mood("mood") {
        Calm = "calm" / "Calm",
        KillSwitch = "kill-switch" / "Kill switch",
        InReview = "in_review" / "In review",
    });

    #[test]
    fn spellings_fold_onto_one_value() {
        assert_eq!(Mood::parse("m", " In Review ").unwrap(), Mood::InReview);
        assert_eq!(Mood::parse("m", "kill_switch").unwrap(), Mood::KillSwitch);
        assert_eq!(Mood::parse("m", "Kill-Switch").unwrap().as_str(), "kill-switch");
    }

    #[test]
    fn unknown_values_are_refused_at_the_field_with_the_choices() {
        let err = Mood::parse("mood", "angry").unwrap_err();
        assert_eq!(
            err.field_message("mood").as_deref(),
            Some("Unknown mood \"angry\": choose calm, kill-switch or in_review.")
        );
    }

    #[test]
    fn stored_text_round_trips_and_serialises_as_stored() {
        for mood in Mood::ALL {
            assert_eq!(Mood::from_stored(mood.as_str()), mood);
        }
        assert_eq!(serde_json::to_string(&Mood::KillSwitch).unwrap(), "\"kill-switch\"");
        assert_eq!(Mood::KillSwitch.to_string(), "kill-switch");
        assert_eq!(Mood::InReview.label(), "In review");
    }
}
