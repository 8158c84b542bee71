//! First run: the owner is created with a one-time set-up code that only whoever starts Pitwall
//! sees (printed on start, and in the log), or with `pitwall user add`. A stranger who reaches a
//! fresh instance first cannot claim it.

use super::store;
use super::tokens::{hash_token, random_hex};
use crate::error::AppError;
use sqlx::PgPool;

/// A set-up code that matched one on record, by the hash it is stored under.
pub struct SetupCode {
    pub hash: String,
}

/// On start: when no user exists yet, records a set-up code and returns it for the caller to
/// print. `configured` (`PITWALL_SETUP_CODE`) is used instead of a random one when given.
pub async fn prepare(pool: &PgPool, configured: Option<&str>) -> Result<Option<String>, AppError> {
    if store::any_users(pool).await? {
        return Ok(None);
    }
    let code = match configured {
        Some(code) => code.to_owned(),
        None => {
            let random = random_hex();
            // 80 random bits in five groups of four, easy to read and to type.
            (0..5).map(|i| &random[i * 4..i * 4 + 4]).collect::<Vec<_>>().join("-")
        }
    };
    store::add_setup_code(pool, &hash_token(normalised(&code).as_str())).await?;
    Ok(Some(code))
}

/// The code as typed: spaces and case do not matter.
fn normalised(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase()
}

/// Checks a typed code (before any password work).
pub async fn presented(pool: &PgPool, raw: &str) -> Result<SetupCode, AppError> {
    let code = normalised(raw);
    if code.is_empty() {
        return Err(AppError::validation("code", "Enter the set-up code Pitwall printed when it started."));
    }
    let hash = hash_token(&code);
    if !store::setup_code_exists(pool, &hash).await? {
        return Err(AppError::validation(
            "code",
            "That set-up code is not right. Pitwall prints it when it starts (look in its log).",
        ));
    }
    Ok(SetupCode { hash })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_ignore_spaces_and_case() {
        assert_eq!(normalised(" AB12-cd34 \t"), "ab12-cd34");
    }
}
