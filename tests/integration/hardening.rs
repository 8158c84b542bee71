//! What a hostile visitor, a leaked browser token or a flood can do, sent as they would send it:
//! SDK metrics that overflow, a frontend token reading definitions, parallel password guesses,
//! a stranger claiming a fresh instance, a rebinding `Host`, tokens of a deactivated user,
//! escaping `next` paths and absurd page numbers.

use crate::flags::{create_flag, ofrep, served};
use crate::support::*;
use chrono::{TimeDelta, Utc};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn token(owner: &Browser, scope: &str, env: &str) -> String {
    owner
        .call_json("tokens/create", json!({"name": format!("{scope} {env}"), "scopes": [scope], "environment": env}))
        .await
        .assert_ok()
        .await["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn post_metrics(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.machine().post(app.url("/api/client/metrics")).bearer_auth(token).json(&body).send().await.unwrap()
}

fn metrics(start: chrono::DateTime<Utc>, yes: Value) -> Value {
    json!({"appName": "web", "instanceId": "i1",
           "bucket": {"start": start.to_rfc3339(), "stop": Utc::now().to_rfc3339(),
                      "toggles": {"checkout": {"yes": yes, "no": 0}}}})
}

async fn flag_list(owner: &Browser) -> Value {
    let filter = json!({"filter": {"q": "", "kind": "", "tag": "", "show": ""}});
    owner.call_json("flags/list", filter).await.assert_ok().await
}

fn production_evaluations(list: &Value) -> Value {
    let flag = list["flags"].as_array().unwrap().iter().find(|f| f["flag"]["key"] == "checkout").cloned().unwrap();
    flag["evaluations"]["production"].clone()
}

#[tokio::test]
async fn sdk_metrics_out_of_bounds_are_refused_and_the_flag_list_keeps_working() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    create_flag(&owner, "checkout", "release").await;
    let sdk = token(&owner, "flags:read", "production").await;
    served(&app, &sdk, "checkout").await;

    // The two posts that used to overflow the console's sum: a huge count, and the year 2999.
    let far_future = Utc::now() + TimeDelta::days(365 * 973);
    for (body, field) in [
        (metrics(Utc::now(), json!(i64::MAX)), "bucket.toggles"),
        (metrics(far_future, json!(1)), "bucket.start"),
        (metrics(Utc::now() - TimeDelta::hours(3), json!(1)), "bucket.start"),
        (metrics(Utc::now(), json!(-4)), "bucket.toggles"),
    ] {
        let refused = post_metrics(&app, &sdk, body).await.assert_error(400).await;
        assert_eq!(refused["field"], field, "{refused}");
        assert!(refused["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(app.count("flag_metrics").await, 0, "a refused report stores nothing");

    // The largest allowed counts, reported again and again, stay summable.
    for _ in 0..3 {
        let res = post_metrics(&app, &sdk, metrics(Utc::now(), json!(1_000_000_000))).await;
        assert_eq!(res.status().as_u16(), 202);
    }
    let list = flag_list(&owner).await;
    assert_eq!(production_evaluations(&list)["yes"], 3_000_000_000i64);

    // Rows an older version let in (the attack already happened) no longer break the list.
    sqlx::query(
        "INSERT INTO flag_metrics (environment, flag_key, hour, yes, no) VALUES
           ('production', 'checkout', date_trunc('hour', now()) + interval '1 hour', 9223372036854775807, 0)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let list = flag_list(&owner).await;
    assert_eq!(production_evaluations(&list)["yes"], i64::MAX);
    owner.call("flags/get", &[("key", "checkout")]).await.assert_ok().await;
    let res = post_metrics(&app, &sdk, metrics(Utc::now(), json!(5))).await;
    assert_eq!(res.status().as_u16(), 202);
}

#[tokio::test]
async fn a_frontend_token_may_only_evaluate() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    create_flag(&owner, "checkout", "release").await;
    let frontend = token(&owner, "flags:evaluate", "production").await;
    let server = token(&owner, "flags:read", "production").await;
    served(&app, &frontend, "checkout").await;
    served(&app, &server, "checkout").await;

    ofrep(&app, &frontend, "checkout", json!({"targetingKey": "u1"})).await.assert_ok().await;
    let bulk = app
        .machine()
        .post(app.url("/ofrep/v1/evaluate/flags"))
        .bearer_auth(&frontend)
        .json(&json!({"context": {"targetingKey": "u1"}}))
        .send()
        .await
        .unwrap();
    bulk.assert_ok().await;

    let features = |secret: &str| app.machine().get(app.url("/api/client/features")).bearer_auth(secret).send();
    features(&frontend).await.unwrap().assert_error(403).await;
    features(&server).await.unwrap().assert_ok().await;
    let register = json!({"appName": "web", "instanceId": "i1", "sdkVersion": "x", "strategies": [], "interval": 0});
    for (path, body) in [("/api/client/register", register), ("/api/client/metrics", metrics(Utc::now(), json!(1)))] {
        let res = app.machine().post(app.url(path)).bearer_auth(&frontend).json(&body).send().await.unwrap();
        res.assert_error(403).await;
    }
    assert_eq!(app.count("flag_clients").await + app.count("flag_metrics").await, 0);

    // The token list says which kind goes in a browser.
    let tokens = owner.call("tokens/list", &[]).await.assert_ok().await;
    let scopes: Vec<&str> = tokens.as_array().unwrap().iter().filter_map(|t| t["scopes"][0].as_str()).collect();
    assert!(scopes.contains(&"flags:evaluate") && scopes.contains(&"flags:read"), "{tokens}");
    let page = owner.get("/settings/tokens").await.text().await.unwrap();
    assert!(page.contains("frontend: safe in a browser") && page.contains("server: keep out of browsers"));

    // A frontend token also needs its environment.
    let refused = owner
        .call_json("tokens/create", json!({"name": "web", "scopes": ["flags:evaluate"], "environment": ""}))
        .await
        .assert_error(422)
        .await;
    assert!(field_error(&refused, "environment").is_some(), "{refused}");
}

#[tokio::test]
async fn old_sdk_reports_and_failed_sign_ins_are_pruned() {
    let app = TestApp::spawn().await;
    sqlx::query(
        "INSERT INTO flag_metrics (environment, flag_key, hour, yes, no) VALUES
           ('production', 'old', now() - interval '8 days', 1, 1),
           ('production', 'recent', date_trunc('hour', now()), 1, 1)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO flag_clients (environment, app_name, instance_id, last_seen) VALUES
           ('production', 'web', 'gone', now() - interval '8 days'), ('production', 'web', 'live', now())",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sign_in_failures (email, client_ip, at) VALUES
           ('a@example.com', '10.0.0.1', now() - interval '2 days'), ('b@example.com', '10.0.0.2', now())",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    // The retention jobs run when a process starts, then hourly.
    let _restarted = app.second_process().await;
    within(WAIT, || async {
        app.count("flag_metrics").await == 1
            && app.count("flag_clients").await == 1
            && app.count("sign_in_failures").await == 1
    })
    .await;
    let kept: String = sqlx::query_scalar("SELECT flag_key FROM flag_metrics").fetch_one(&app.pool).await.unwrap();
    assert_eq!(kept, "recent");
}

#[tokio::test]
async fn fifty_parallel_wrong_passwords_get_at_most_five_verifications() {
    let app = TestApp::spawn().await;
    app.setup_owner().await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..50 {
        let browser = app.browser();
        guesses.spawn(async move {
            let res = browser.sign_in(OWNER_EMAIL, &format!("guess number {n} is wrong")).await;
            let retry_after = res.headers().get("retry-after").is_some();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            (status, retry_after, body)
        });
    }
    let answers = guesses.join_all().await;
    let count = |wanted: u16| {
        answers.iter().filter(|(status, retry_after, _)| *status == wanted && (wanted != 503 || *retry_after)).count()
    };
    let (verified, refused) = (count(422), count(503));
    println!("50 parallel wrong passwords: {verified} verified, {refused} refused as throttled or busy");
    assert!((1..=5).contains(&verified), "{verified} passwords were verified: {answers:?}");
    assert_eq!(verified + refused, 50, "every other attempt is refused with Retry-After: {answers:?}");
    // Guessing on, one at a time: the window's budget of five is all anyone gets.
    let mut more = 0;
    for attempt in 0.. {
        assert!(attempt < 40, "never throttled: {more} more verifications");
        let res = app.browser().sign_in(OWNER_EMAIL, "and yet another wrong guess").await;
        match res.status().as_u16() {
            422 => more += 1,
            503 if res.text().await.unwrap().contains("Too many failed sign-in attempts") => break,
            503 => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(verified + more <= 5, "{verified} + {more} verifications in one window");
    // The right password is refused too until the window passes: guessing bought nothing.
    app.browser().sign_in(OWNER_EMAIL, PASSWORD).await.assert_error(503).await;
}

#[tokio::test]
async fn setup_after_setup_is_refused_before_any_password_work() {
    let app = TestApp::spawn().await;
    app.setup_owner().await;
    let stranger = app.browser();
    // Refused before the code, the email or the password are even read.
    stranger
        .call("setup", &[("code", ""), ("email", ""), ("password", ""), ("confirm", "")])
        .await
        .assert_error(404)
        .await;

    let median = |mut runs: Vec<Duration>| {
        runs.sort();
        runs[runs.len() / 2]
    };
    let mut setups = Vec::new();
    let mut sign_ins = Vec::new();
    for n in 0..3 {
        let started = Instant::now();
        stranger
            .call(
                "setup",
                &[("code", SETUP_CODE), ("email", "m@example.com"), ("password", PASSWORD), ("confirm", PASSWORD)],
            )
            .await
            .assert_error(404)
            .await;
        setups.push(started.elapsed());
        let started = Instant::now();
        app.browser().sign_in(&format!("nobody{n}@example.com"), PASSWORD).await.assert_error(422).await;
        sign_ins.push(started.elapsed());
    }
    let (setup, sign_in) = (median(setups), median(sign_ins));
    println!("set-up after set-up: {setup:?}; a sign-in (one Argon2 verification): {sign_in:?}");
    assert!(setup * 3 < sign_in, "set-up took {setup:?}, a sign-in {sign_in:?}: it still hashes");
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn a_fresh_instance_is_claimed_only_with_its_setup_code() {
    let app = TestApp::spawn().await;
    let stranger = app.browser();
    for code in ["", "guess-guess-guess"] {
        let refused = stranger
            .call(
                "setup",
                &[("code", code), ("email", "mallory@example.com"), ("password", PASSWORD), ("confirm", PASSWORD)],
            )
            .await
            .assert_error(422)
            .await;
        assert!(field_error(&refused, "code").is_some(), "{refused}");
    }
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("audit_log").await, 0);
    // The code is typed as printed, give or take case and spaces.
    let owner = app.browser();
    let typed = format!("  {} ", SETUP_CODE.to_uppercase());
    owner
        .call("setup", &[("code", &typed), ("email", OWNER_EMAIL), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await
        .assert_ok()
        .await;
    assert_eq!(app.count("setup_codes").await, 0, "creating the owner uses every code up");
}

#[tokio::test]
async fn requests_naming_another_host_are_refused() {
    let app = TestApp::spawn_with(&[("PITWALL_PUBLIC_URL", "https://ops.example.com")]).await;
    let get = |host: &str| app.machine().get(app.url("/setup")).header("host", host).send();
    // A DNS-rebinding page's requests carry its own domain.
    for host in ["evil.test", "evil.test:80", "localhost.evil.test", "127.0.0.1.nip.io"] {
        let res = get(host).await.unwrap();
        assert_eq!(res.status().as_u16(), 421, "{host}");
        assert!(res.text().await.unwrap().contains("PITWALL_PUBLIC_URL"));
    }
    let setup = app
        .machine()
        .post(app.url("/api/setup"))
        .header("host", "evil.test")
        .header("origin", "http://evil.test")
        .form(&[("code", SETUP_CODE), ("email", "m@example.com"), ("password", PASSWORD), ("confirm", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(setup.status().as_u16(), 421);
    assert_eq!(app.count("users").await, 0);
    for host in ["ops.example.com", "localhost:3000", "127.0.0.1", "[::1]:3000"] {
        assert_eq!(get(host).await.unwrap().status().as_u16(), 200, "{host}");
    }
}

#[tokio::test]
async fn tokens_stop_working_while_their_creator_is_deactivated() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    create_flag(&owner, "checkout", "release").await;
    let pm = app.user(&owner, "pat@example.com", "pm").await;
    let pm_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'pat@example.com'").fetch_one(&app.pool).await.unwrap();
    let flag_token = token(&pm, "flags:evaluate", "production").await;
    served(&app, &flag_token, "checkout").await;
    let second_owner = app.user(&owner, "olga@example.com", "owner").await;
    let olga_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'olga@example.com'").fetch_one(&app.pool).await.unwrap();
    let api_token = second_owner.create_token("ops", "incidents:read").await["secret"].as_str().unwrap().to_owned();
    let incidents = || app.machine().get(app.url("/api/v1/incidents")).bearer_auth(&api_token).send();
    incidents().await.unwrap().assert_ok().await;
    let cli_token = owner.create_token("cli", "incidents:read").await["secret"].as_str().unwrap().to_owned();

    for id in [pm_id, olga_id] {
        let id = id.to_string();
        owner.call("users/active", &[("user_id", &id), ("active", "false")]).await.assert_ok().await;
    }
    incidents().await.unwrap().assert_error(401).await;
    within(WAIT, || async { ofrep(&app, &flag_token, "checkout", json!({})).await.status() == 401 }).await;
    let list = owner.call("tokens/list", &[]).await.assert_ok().await;
    let suspended: Vec<bool> = list.as_array().unwrap().iter().map(|t| t["suspended"].as_bool().unwrap()).collect();
    assert_eq!(suspended.iter().filter(|s| **s).count(), 2, "{list}");
    // The active owner's token is untouched.
    let own = app.machine().get(app.url("/api/v1/incidents")).bearer_auth(&cli_token).send().await.unwrap();
    own.assert_ok().await;

    owner.call("users/active", &[("user_id", &pm_id.to_string()), ("active", "true")]).await.assert_ok().await;
    within(WAIT, || async { ofrep(&app, &flag_token, "checkout", json!({})).await.status() == 200 }).await;
}

#[tokio::test]
async fn absurd_page_numbers_are_refused_not_crashed_on() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let audit = owner.create_token("siem", "audit:read").await["secret"].as_str().unwrap().to_owned();
    for page in ["9223372036854775807", "100001", "-1"] {
        let res = app.machine().get(app.url(&format!("/api/v1/audit?page={page}"))).bearer_auth(&audit).send();
        let body = res.await.unwrap().assert_error(422).await;
        assert_eq!(body["field"], "page", "{page}: {body}");
    }
    app.machine().get(app.url("/api/v1/audit?page=100000")).bearer_auth(&audit).send().await.unwrap().assert_ok().await;
    let form = [("actor", ""), ("entity_type", ""), ("from", ""), ("to", ""), ("page", "9223372036854775807")];
    let console = owner.call("audit/list", &form).await.assert_error(422).await;
    assert!(field_error(&console, "page").is_some(), "{console}");
}

#[tokio::test]
async fn attempts_are_counted_atomically_however_many_arrive_at_once() {
    // Beside the HTTP test above (whose parallelism the hashing slots cap at the core count):
    // the reservation alone, 50 at once on one account and 50 from one address.
    let app = TestApp::spawn().await;
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..100 {
        let pool = app.pool.clone();
        let (email, ip) = if n % 2 == 0 {
            ("owner@example.com".to_owned(), format!("10.0.0.{n}"))
        } else {
            (format!("user{n}@example.com"), "192.0.2.1".to_owned())
        };
        attempts.spawn(async move {
            pitwall::auth::store::reserve_attempt(&pool, &email, &ip, 5, 900).await.unwrap().is_ok()
        });
    }
    let granted = attempts.join_all().await.into_iter().filter(|granted| *granted).count();
    assert_eq!(granted, 10, "five for the account and five for the address");
}
