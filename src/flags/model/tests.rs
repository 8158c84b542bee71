//! Unit tests of the model as a whole.

use super::*;

fn key(k: &str) -> FlagKey {
    FlagKey::parse("key", k).unwrap()
}

#[test]
fn keys_allow_utf8_but_no_spaces() {
    assert_eq!(key(" ünïcödé.flag ").as_str(), "ünïcödé.flag");
    assert!(FlagKey::parse("key", "two words").is_err());
    assert!(FlagKey::parse("key", "").is_err());
    assert!(FlagKey::parse("key", "a/b").is_err());
    assert!(FlagKey::parse("key", &"x".repeat(256)).is_err());
}

#[test]
fn kinds_have_unleash_lifetimes() {
    let created = Utc::now() - TimeDelta::days(41);
    assert!(FlagKind::Release.is_stale(created, Utc::now()));
    assert!(FlagKind::Experiment.is_stale(created, Utc::now()));
    assert!(!FlagKind::KillSwitch.is_stale(created, Utc::now()));
    let week_and_a_day = Utc::now() - TimeDelta::days(8);
    assert!(FlagKind::Operational.is_stale(week_and_a_day, Utc::now()));
    assert!(!FlagKind::Release.is_stale(week_and_a_day, Utc::now()));
    assert_eq!(FlagKind::parse("type", "kill-switch").unwrap(), FlagKind::KillSwitch);
    assert!(FlagKind::parse("type", "killswitch").unwrap_err().field_message("type").is_some());
}

#[test]
fn unknown_operators_round_trip_as_unleash_writes_them() {
    let raw = r#"{"enabled":true,"strategies":[{"name":"default","constraints":[{"contextName":"x","operator":"NOT_A_VALID_OPERATOR","values":["a"]}],"parameters":{}}]}"#;
    let settings: EnvironmentSettings = serde_json::from_str(raw).unwrap();
    let written = serde_json::to_value(&settings).unwrap();
    assert_eq!(written["strategies"][0]["constraints"][0]["operator"], "NOT_A_VALID_OPERATOR");
    assert_eq!(serde_json::from_value::<EnvironmentSettings>(written).unwrap(), settings);
    assert_eq!(
        ConstraintForm::of(&settings.strategies[0].constraints.as_ref().unwrap()[0]).operator,
        "NOT_A_VALID_OPERATOR"
    );
}

#[test]
fn rollout_is_a_percentage() {
    assert_eq!(Rollout::parse("rollout", 50).unwrap().percent(), 50);
    assert!(Rollout::parse("rollout", 101).is_err());
    assert!(Rollout::parse("rollout", -1).is_err());
}

#[test]
fn rollout_form_rewrites_only_the_rollout_strategy() {
    let k = key("checkout");
    let mut settings =
        FlagDefinition::new(&k, FlagKind::Release, String::new(), &["production".into()]).settings("production");
    let other = Strategy { name: "userWithId".into(), ..rollout_strategy(&k, 1) };
    settings.strategies.push(other.clone());
    let form = RolloutForm {
        rollout: 10,
        stickiness: "userId".into(),
        constraints: vec![ConstraintForm {
            context_name: "role".into(),
            operator: "IN".into(),
            values: "admin, owner".into(),
            ..ConstraintForm::default()
        }],
        ..RolloutForm::default()
    };
    RolloutChange::parse(&form).unwrap().apply(&k, &mut settings);
    let view = RolloutView::of(&settings);
    assert_eq!((view.rollout, view.stickiness.as_str()), (10, "userId"));
    assert_eq!(view.constraints[0].values, "admin, owner");
    assert_eq!(settings.strategies[1], other);
}

#[test]
fn constraint_values_are_checked_per_operator() {
    let form = |op: &str, values: &str| ConstraintForm {
        context_name: "x".into(),
        operator: op.into(),
        values: values.into(),
        ..ConstraintForm::default()
    };
    assert!(form("NUM_GT", "3.5").parse("c").is_ok());
    assert_eq!(
        form("NUM_GT", "three").parse("c").unwrap_err().field_message("c.values").unwrap(),
        "\"three\" is not a number."
    );
    assert!(form("SEMVER_GT", "1.2").parse("c").is_err());
    assert!(form("DATE_AFTER", "2026-12-01T09:00:00Z").parse("c").is_ok());
    assert!(form("LIKE", "a").parse("c").unwrap_err().field_message("c.operator").is_some());
    assert!(form("IN", " , ").parse("c").unwrap_err().field_message("c.values").is_some());
    let parsed = ConstraintForm { inverted: true, ..form("STR_CONTAINS", "a,b") }.parse("c").unwrap();
    assert_eq!(ConstraintForm::of(&parsed).values, "a, b");
    assert!(parsed.inverted);
}

#[test]
fn variant_weights_must_add_up_to_100() {
    let variant =
        |name: &str, weight: f64| VariantForm { name: name.into(), weight_percent: weight, ..VariantForm::default() };
    let form = |variants| RolloutForm { rollout: 100, variants, ..RolloutForm::default() };
    let err = RolloutChange::parse(&form(vec![variant("a", 50.0), variant("b", 40.0)])).unwrap_err();
    assert_eq!(err.field_message("variants").unwrap(), "Variant weights add up to 90 %; they must add up to 100 %.");
    let ok = RolloutChange::parse(&form(vec![variant("a", 33.3), variant("b", 66.7)])).unwrap();
    assert_eq!(ok.variants.iter().map(|v| v.weight).collect::<Vec<_>>(), vec![333, 667]);
    let bad_json = VariantForm { payload_type: "json".into(), payload: "{".into(), ..variant("a", 100.0) };
    assert!(RolloutChange::parse(&form(vec![bad_json])).unwrap_err().field_message("variants.0.payload").is_some());
}

#[test]
fn schedules_are_in_the_future_with_a_known_action() {
    let now = Utc::now();
    let later = (now + TimeDelta::hours(1)).to_rfc3339();
    let form = |action: &str, rollout| ScheduleForm {
        environment: "production".into(),
        run_at: later.clone(),
        action: action.into(),
        rollout,
    };
    assert_eq!(NewSchedule::parse(&form("rollout", Some(50)), now).unwrap().action.rollout(), Some(50));
    assert!(NewSchedule::parse(&form("rollout", None), now).unwrap_err().field_message("rollout").is_some());
    assert!(NewSchedule::parse(&form("explode", None), now).unwrap_err().field_message("action").is_some());
    let past = ScheduleForm { run_at: (now - TimeDelta::minutes(1)).to_rfc3339(), ..form("enable", None) };
    assert!(NewSchedule::parse(&past, now).unwrap_err().field_message("run_at").is_some());
}

#[test]
fn history_lines_say_what_changed() {
    let k = key("checkout");
    let before = FlagDefinition::new(&k, FlagKind::Release, String::new(), &["production".into()]);
    let mut after = before.clone();
    let settings = after.environments.get_mut("production").unwrap();
    settings.enabled = true;
    RolloutChange::parse(&RolloutForm { rollout: 10, ..RolloutForm::default() }).unwrap().apply(&k, settings);
    assert_eq!(after.describe_changes(&before), vec!["production: enabled", "production: rollout 100 % → 10 %"]);
    assert!(after.describe_changes(&after).is_empty());
}

#[test]
fn filters_hide_archived_unless_asked() {
    let flag = Flag {
        key: "checkout".into(),
        definition: FlagDefinition { tags: vec!["web".into()], ..FlagDefinition::default() },
        archived: true,
        version: 1,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        updated_by: "cli".into(),
        stale: false,
    };
    assert!(!FlagFilter::default().matches(&flag));
    assert!(FlagFilter { show: "archived".into(), tag: "web".into(), ..FlagFilter::default() }.matches(&flag));
    assert!(!FlagFilter { show: "archived".into(), tag: "api".into(), ..FlagFilter::default() }.matches(&flag));
}
