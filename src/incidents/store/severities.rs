//! SQL of the severities' definitions.

use super::*;

pub async fn policies(pool: &PgPool) -> Result<Vec<SeverityPolicy>, AppError> {
    let rows = sqlx::query!(
        "SELECT level, name, description, examples, response_target_s, resolution_target_s, update_cadence_s
         FROM incident_severities ORDER BY level"
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SeverityPolicy {
            severity: severity(r.level),
            name: r.name,
            description: r.description,
            examples: r.examples,
            targets: targets(r.response_target_s, r.resolution_target_s, r.update_cadence_s),
        })
        .collect())
}

pub(super) async fn policy_targets(conn: &mut PgConnection, level: Severity) -> Result<Targets, AppError> {
    let r = sqlx::query!(
        "SELECT response_target_s, resolution_target_s, update_cadence_s FROM incident_severities WHERE level = $1",
        i16::from(level.level()),
    )
    .fetch_one(conn)
    .await?;
    Ok(targets(r.response_target_s, r.resolution_target_s, r.update_cadence_s))
}

/// Changes a severity's definition; open incidents keep the targets they were declared under.
pub async fn save_policy(pool: &PgPool, caller: &Caller, policy: &SeverityPolicy) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let level = i16::from(policy.severity.level());
    let before = sqlx::query!(
        "SELECT name, response_target_s, resolution_target_s, update_cadence_s FROM incident_severities WHERE level = $1 FOR UPDATE",
        level,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE incident_severities SET name = $2, description = $3, examples = $4, response_target_s = $5,
                resolution_target_s = $6, update_cadence_s = $7, updated_at = now()
         WHERE level = $1",
        level,
        policy.name,
        policy.description,
        policy.examples,
        seconds(policy.targets.response_s),
        seconds(policy.targets.resolution_s),
        policy.targets.update_cadence_s.map(seconds),
    )
    .execute(&mut *tx)
    .await?;
    let change = Change::updated(
        "incident_severity.update",
        "incident_severity",
        level,
        json!({"name": before.name, "response_s": before.response_target_s, "resolution_s": before.resolution_target_s, "update_cadence_s": before.update_cadence_s}),
        json!({"name": policy.name, "response_s": policy.targets.response_s, "resolution_s": policy.targets.resolution_s, "update_cadence_s": policy.targets.update_cadence_s}),
    );
    record(&mut tx, caller, change).await?;
    tx.commit().await?;
    Ok(())
}
