"""Writes a client-features document of 350 flags, a realistic mix: gradual rollouts, targeting
by role / plan / version / country, user lists, variants with payloads, plain on/off switches.
Deterministic, so every run measures the same flags."""
import json
import random
import sys

random.seed(350)


def constraint(i):
    return random.choice([
        {"contextName": "role", "operator": "IN", "values": ["admin", "staff"], "inverted": False, "caseInsensitive": False},
        {"contextName": "plan", "operator": "NOT_IN", "values": ["free"], "inverted": False, "caseInsensitive": True},
        {"contextName": "appVersion", "operator": "SEMVER_GT", "value": "2.3.0", "inverted": False, "caseInsensitive": False},
        {"contextName": "country", "operator": "IN", "values": ["NL", "DE", "FR", "US"], "inverted": False, "caseInsensitive": False},
        {"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@example.com"], "inverted": False, "caseInsensitive": True},
        {"contextName": "age", "operator": "NUM_GT", "value": "17", "inverted": False, "caseInsensitive": False},
    ])


def rollout(name, percent, constraints=()):
    return {"name": "flexibleRollout", "constraints": list(constraints),
            "parameters": {"rollout": str(percent), "stickiness": "default", "groupId": name}}


features = []
for i in range(350):
    name = f"flag-{i:04d}"
    kind = i % 10
    strategies, variants = [], []
    if kind < 4:
        strategies = [rollout(name, random.choice([5, 10, 25, 50, 75, 100]))]
    elif kind < 6:
        strategies = [rollout(name, random.choice([50, 100]), [constraint(i) for _ in range(random.randint(1, 3))])]
    elif kind < 7:
        strategies = [{"name": "userWithId", "constraints": [],
                       "parameters": {"userIds": ",".join(f"user-{random.randint(0, 9999)}" for _ in range(20))}}]
    elif kind < 8:
        strategies = [rollout(name, 100)]
        variants = [{"name": v, "weight": 500, "weightType": "fix", "stickiness": "default",
                     "payload": {"type": "json", "value": json.dumps({"theme": v})}} for v in ("blue", "green")]
    else:
        strategies = [{"name": "default", "constraints": [], "parameters": {}}]
    # flag-0009 (a plain switch) is the one-flag benchmark's flag: on, so both servers answer 200.
    enabled = random.random() < 0.85 or i == 9
    features.append({"name": name, "type": "release", "enabled": enabled, "project": "default",
                     "stale": False, "impressionData": False, "strategies": strategies, "variants": variants})

json.dump({"version": 2, "features": features, "segments": []}, sys.stdout)
