//! Maintenance windows through the console's server fns and the machine API: lifecycle, audit,
//! overlap refusal, the scheduler (on time, catch-up after downtime, exactly once across
//! processes) and recurring windows.

use crate::support::*;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};

async fn public_state(app: &TestApp) -> Value {
    app.machine().get(app.url("/api/v1/maintenance")).send().await.unwrap().assert_ok().await
}

async fn events(app: &TestApp, window: i64) -> Vec<(String, String)> {
    sqlx::query_as("SELECT kind, actor FROM maintenance_events WHERE window_id = $1 ORDER BY id")
        .bind(window)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn state_of(app: &TestApp, window: i64) -> (String, bool) {
    sqlx::query_as("SELECT state, missed FROM maintenance_windows WHERE id = $1")
        .bind(window)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_owner_starts_extends_and_ends_maintenance_and_each_step_is_audited() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    assert_eq!(public_state(&app).await["active"], false);

    let started = owner
        .call("maintenance/start", &[("reason", "Database upgrade"), ("message", "Back soon"), ("duration", "30m")])
        .await
        .assert_ok()
        .await;
    let id = started["id"].as_i64().unwrap();
    assert_eq!(started["state"], "in_progress");
    let planned_end: DateTime<Utc> = started["planned_end"].as_str().unwrap().parse().unwrap();
    let planned_start: DateTime<Utc> = started["planned_start"].as_str().unwrap().parse().unwrap();
    assert_eq!(planned_end - planned_start, Duration::minutes(30));

    // Every process's view follows within a second (NOTIFY), so the public API says so.
    within(WAIT, || async { public_state(&app).await["active"] == true }).await;
    let state = public_state(&app).await;
    assert_eq!(state["message"], "Back soon");
    assert_eq!(state["ends_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), planned_end);

    let extended = owner.call("maintenance/extend", &[("id", &id.to_string()), ("by", "15m")]).await.assert_ok().await;
    let new_end: DateTime<Utc> = extended["planned_end"].as_str().unwrap().parse().unwrap();
    assert_eq!(new_end - planned_end, Duration::minutes(15));

    let ended = owner.call("maintenance/end", &[("id", &id.to_string())]).await.assert_ok().await;
    assert_eq!(ended["state"], "completed");
    within(WAIT, || async { public_state(&app).await["active"] == false }).await;
    // Ending twice is refused and changes nothing.
    owner.call("maintenance/end", &[("id", &id.to_string())]).await.assert_error(409).await;

    assert_eq!(
        app.audit_actions().await,
        vec!["user.setup_owner", "maintenance.start", "maintenance.extend", "maintenance.end"]
    );
    let kinds: Vec<String> = events(&app, id).await.into_iter().map(|(kind, _)| kind).collect();
    assert_eq!(kinds, vec!["started", "extended", "ended"]);
    let overview = owner.call("maintenance/overview", &[]).await.assert_ok().await;
    assert_eq!(overview["past"][0]["history"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bad_input_is_refused_at_its_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let body = owner.call("maintenance/start", &[("reason", ""), ("message", ""), ("duration", "soon")]).await;
    assert!(field_error(&body.assert_error(422).await, "duration").unwrap().contains("soon"));
    let past = (Utc::now() - Duration::hours(2)).to_rfc3339();
    let body = owner
        .call("maintenance/schedule", &[("reason", ""), ("message", ""), ("starts_at", &past), ("duration", "1h")])
        .await;
    assert!(field_error(&body.assert_error(422).await, "starts_at").is_some());
    let body = owner.call("maintenance/allow/add", &[("network", "10.0.0.0/33"), ("label", "")]).await;
    assert!(field_error(&body.assert_error(422).await, "network").is_some());
    let body = owner.call("maintenance/paths", &[("paths", "/health\nnot-a-path")]).await;
    assert!(field_error(&body.assert_error(422).await, "paths").unwrap().contains("not-a-path"));
    let body = owner
        .call("maintenance/site", &[("site_name", ""), ("site_url", ""), ("status_url", ""), ("support_contact", "")])
        .await;
    assert!(field_error(&body.assert_error(422).await, "site_name").is_some());
    assert_eq!(app.count("maintenance_windows").await, 0);
    assert_eq!(app.count("maintenance_allowlist").await, 0);
    assert_eq!(app.audit_actions().await, vec!["user.setup_owner"]);
}

#[tokio::test]
async fn an_overlapping_window_is_refused_naming_the_other() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let start = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let first = owner
        .call(
            "maintenance/schedule",
            &[("reason", "Nightly update"), ("message", ""), ("starts_at", &start), ("duration", "1h")],
        )
        .await
        .assert_ok()
        .await;
    let id = first["id"].as_i64().unwrap();
    let later = (Utc::now() + Duration::minutes(90)).to_rfc3339();
    let body = owner
        .call(
            "maintenance/schedule",
            &[("reason", "Other"), ("message", ""), ("starts_at", &later), ("duration", "1h")],
        )
        .await
        .assert_error(409)
        .await;
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(&format!("#{id}")) && message.contains("Nightly update"), "{message}");
    // Open-ended "start now" would run into it as well.
    owner.call("maintenance/start", &[("reason", ""), ("message", ""), ("duration", "")]).await.assert_error(409).await;
    // Back to back is fine: windows are half-open.
    let end_of_first = first["planned_end"].as_str().unwrap();
    owner
        .call(
            "maintenance/schedule",
            &[("reason", "Next"), ("message", ""), ("starts_at", end_of_first), ("duration", "30m")],
        )
        .await
        .assert_ok()
        .await;
    assert_eq!(app.count("maintenance_windows").await, 2);
}

#[tokio::test]
async fn other_roles_read_the_state_but_cannot_change_it() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    for role in ["pm", "support", "viewer"] {
        let user = app.user(&owner, &format!("{role}@example.com"), role).await;
        user.call("maintenance/overview", &[]).await.assert_ok().await;
        user.call("maintenance/now", &[]).await.assert_ok().await;
        user.call("maintenance/start", &[("reason", ""), ("message", ""), ("duration", "")])
            .await
            .assert_error(403)
            .await;
        user.call("maintenance/access", &[]).await.assert_error(403).await;
        user.call("maintenance/rotate", &[]).await.assert_error(403).await;
        let page = user.get("/maintenance").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Maintenance is off") && !html.contains("Start maintenance"), "{role}");
    }
    let html = owner.get("/maintenance").await.text().await.unwrap();
    assert!(html.contains("Start maintenance") && html.contains("Rotate key"));
    assert_eq!(app.count("maintenance_windows").await, 0);
}

#[tokio::test]
async fn a_scheduled_window_starts_and_completes_on_time_with_nobody_signed_in() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let starts = Utc::now() + Duration::seconds(2);
    let window = owner
        .call(
            "maintenance/schedule",
            &[("reason", "Short"), ("message", ""), ("starts_at", &starts.to_rfc3339()), ("duration", "2s")],
        )
        .await
        .assert_ok()
        .await;
    let id = window["id"].as_i64().unwrap();
    owner.call("sign_out", &[]).await.assert_ok().await;

    within(WAIT, || async { state_of(&app, id).await.0 == "in_progress" }).await;
    let (actual_start, actual_end): (DateTime<Utc>, Option<DateTime<Utc>>) =
        sqlx::query_as("SELECT actual_start, actual_end FROM maintenance_windows WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    // Postgres keeps microseconds: the start asked for, as stored.
    let asked = starts.duration_trunc(Duration::microseconds(1)).unwrap();
    let late = actual_start - asked;
    println!("started {} ms after its planned start", late.num_milliseconds());
    assert!(Duration::zero() <= late && late < Duration::seconds(1), "started {late} after the time asked for");
    assert!(actual_end.is_none());

    within(WAIT, || async { state_of(&app, id).await.0 == "completed" }).await;
    let ended: DateTime<Utc> = sqlx::query_scalar("SELECT actual_end FROM maintenance_windows WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let late_end = ended - (asked + Duration::seconds(2));
    assert!(Duration::zero() <= late_end && late_end < Duration::seconds(1), "ended {late_end} after its planned end");
    assert_eq!(
        events(&app, id).await.iter().map(|(k, a)| format!("{k}:{a}")).collect::<Vec<_>>(),
        vec![format!("scheduled:user:{OWNER_EMAIL}"), "started:system".to_owned(), "completed:system".to_owned(),]
    );
}

#[tokio::test]
async fn after_downtime_a_running_window_starts_late_and_a_passed_one_is_marked_missed() {
    let (database, pool) = fresh_database().await;
    pitwall::server::db::migrate(&pool).await.unwrap();
    let insert = |start: i64, end: i64, reason: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO maintenance_windows (reason, message, planned_start, planned_end, created_by)
                 VALUES ($1, 'm', now() + make_interval(mins => $2), now() + make_interval(mins => $3), 'test') RETURNING id",
            )
            .bind(reason)
            .bind(start as i32)
            .bind(end as i32)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let running = insert(-10, 10, "should be running").await;
    let passed = insert(-120, -60, "passed while down").await;
    drop(pool);

    let app = TestApp::spawn_on_database(database).await;
    within(WAIT, || async { state_of(&app, running).await.0 == "in_progress" }).await;
    within(WAIT, || async { state_of(&app, passed).await == ("completed".into(), true) }).await;
    let details: Vec<String> = sqlx::query_scalar("SELECT kind || ': ' || detail FROM maintenance_events ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(details.iter().any(|d| d.starts_with("missed: no Pitwall process was running")), "{details:?}");
    assert!(details.iter().any(|d| d.starts_with("started: started") && d.contains("late")), "{details:?}");
    let overview_actions = app.audit_actions().await;
    assert!(
        overview_actions.contains(&"maintenance.missed".to_owned())
            && overview_actions.contains(&"maintenance.start".to_owned())
    );
}

#[tokio::test]
async fn two_processes_make_each_transition_exactly_once() {
    let first = TestApp::spawn().await;
    let second = first.second_process().await;
    let owner = first.setup_owner().await;
    let base = Utc::now() + Duration::seconds(1);
    let mut ids = Vec::new();
    for n in 0..4 {
        let starts = base + Duration::milliseconds(700 * n);
        let window = owner
            .call(
                "maintenance/schedule",
                &[("reason", "back to back"), ("message", ""), ("starts_at", &starts.to_rfc3339()), ("duration", "1s")],
            )
            .await;
        // 700 ms apart, 1 s long: only every other one fits; the overlap check refuses the rest.
        if n % 2 == 0 {
            ids.push(window.assert_ok().await["id"].as_i64().unwrap());
        } else {
            window.assert_error(409).await;
        }
    }
    for id in &ids {
        within(WAIT, || async { state_of(&first, *id).await.0 == "completed" }).await;
    }
    // Both processes saw every change.
    within(WAIT, || async { public_state(&second).await["active"] == false }).await;
    for id in &ids {
        let kinds: Vec<String> = events(&first, *id).await.into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, vec!["scheduled", "started", "completed"], "window {id}");
    }
    let actions = first.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "maintenance.start").count(), ids.len());
    assert_eq!(actions.iter().filter(|a| *a == "maintenance.complete").count(), ids.len());
}

#[tokio::test]
async fn a_change_in_one_process_reaches_the_other_by_notify() {
    let first = TestApp::spawn_with(NOTIFY_ONLY).await;
    let second = first.second_process_with(NOTIFY_ONLY).await;
    let owner = first.setup_owner().await;
    owner.call("maintenance/start", &[("reason", ""), ("message", ""), ("duration", "")]).await.assert_ok().await;
    let took = within(WAIT, || async { public_state(&second).await["active"] == true }).await;
    println!("the other process saw the change after {} ms", took.as_millis());
}

#[tokio::test]
async fn a_recurring_window_previews_its_next_five_and_is_scheduled_ahead() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let form = json!({
        "reason": "Nightly vacuum", "message": "", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "time": "03:30", "timezone": "Europe/Madrid", "duration": "30m", "active_from": "", "active_until": ""
    });
    let preview = owner.call_json("maintenance/preview", json!({ "form": form })).await.assert_ok().await;
    let starts: Vec<DateTime<Utc>> =
        preview.as_array().unwrap().iter().map(|t| t.as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(starts.len(), 5);
    let madrid: chrono_tz::Tz = "Europe/Madrid".parse().unwrap();
    for pair in starts.windows(2) {
        assert!(pair[0] < pair[1]);
    }
    for at in &starts {
        assert_eq!(at.with_timezone(&madrid).format("%H:%M").to_string(), "03:30");
    }
    assert_eq!(app.count("maintenance_recurrences").await, 0, "a preview saves nothing");

    let created = owner.call_json("maintenance/recurring", json!({ "form": form })).await.assert_ok().await;
    assert_eq!(created["next"].as_array().unwrap().len(), 5);
    let scheduled: Vec<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT planned_start FROM maintenance_windows WHERE recurrence_id IS NOT NULL AND state = 'scheduled' ORDER BY planned_start",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!((7..=8).contains(&scheduled.len()), "{scheduled:?}");
    assert_eq!(scheduled[..5], starts[..]);

    let bad = json!({ "form": { "weekdays": [], "time": "03:30", "timezone": "Mars/Base", "duration": "30m",
        "reason": "", "message": "", "active_from": "", "active_until": "" } });
    let body = owner.call_json("maintenance/recurring", bad).await.assert_error(422).await;
    assert!(field_error(&body, "weekdays").is_some());

    let id = created["id"].as_i64().unwrap();
    owner.call("maintenance/recurrence/stop", &[("id", &id.to_string())]).await.assert_ok().await;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM maintenance_windows WHERE state = 'scheduled'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "stopping a recurrence cancels its future windows");
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"maintenance.recurrence.create".to_owned()));
    assert!(actions.contains(&"maintenance.recurrence.stop".to_owned()));
}

#[tokio::test]
async fn deploy_scripts_start_and_end_maintenance_with_a_token() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let created = owner.create_token("deploy", "maintenance:write").await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let machine = app.machine();
    let windows = app.url("/api/v1/maintenance/windows");
    machine.post(&windows).json(&json!({"reason": "deploy"})).send().await.unwrap().assert_error(401).await;
    let body = machine
        .post(&windows)
        .bearer_auth(&secret)
        .json(&json!({"duration": "ages"}))
        .send()
        .await
        .unwrap()
        .assert_error(422)
        .await;
    assert_eq!(body["field"], "duration");
    let started = machine
        .post(&windows)
        .bearer_auth(&secret)
        .json(&json!({"reason": "deploy v42", "duration": "10m"}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    within(WAIT, || async { public_state(&app).await["active"] == true }).await;
    let end = app.url("/api/v1/maintenance/end");
    machine.post(&end).bearer_auth(&secret).send().await.unwrap().assert_ok().await;
    machine.post(&end).bearer_auth(&secret).send().await.unwrap().assert_error(409).await;
    let actors: Vec<String> =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action LIKE 'maintenance.%' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(actors, vec!["token:deploy", "token:deploy"]);
}
