"""Runs PyPI's statuspage-prometheus-exporter once against one summary.json URL (argv[1]) and
prints the Prometheus text it would export: what a team's existing monitoring reads."""

import json
import os
import sys
import tempfile

work = tempfile.mkdtemp()
with open(os.path.join(work, "services.json"), "w") as f:
    json.dump({"pitwall": {"url": sys.argv[1], "name": "Pitwall"}}, f)
os.environ["SERVICES_JSON_PATH"] = os.path.join(work, "services.json")
os.chdir(work)  # its response cache lives in the working directory

from prometheus_client import REGISTRY, generate_latest  # noqa: E402
from statuspage_prometheus_exporter import status_monitoring  # noqa: E402

status_monitoring.run_once()
sys.stdout.write(generate_latest(REGISTRY).decode())
