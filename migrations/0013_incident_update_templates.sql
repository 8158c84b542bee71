-- Communication templates for public incident updates, one set per status and, optionally, per
-- severity: picking one prefills the update, which stays editable before it is posted.

CREATE TABLE incident_update_templates (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
    status     TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    -- NULL: for every severity.
    severity   SMALLINT CHECK (severity BETWEEN 1 AND 4),
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO incident_update_templates (name, status, severity, body) VALUES
    ('Investigating', 'investigating', NULL,
     'We are investigating reports of problems with {components}. We will post an update as soon as we know more. Follow along at {status_page}.'),
    ('Investigating (Sev1 outage)', 'investigating', 1,
     '{components} is unavailable for all users since {started_at}. Our team is working on it with the highest priority; the next update follows within 30 minutes.'),
    ('Identified', 'identified', NULL,
     'We have identified the cause of the problems with {components} and are working on a fix.'),
    ('Monitoring', 'monitoring', NULL,
     'A fix has been put in place for {components}. We are monitoring the results.'),
    ('Resolved', 'resolved', NULL,
     'This incident has been resolved: {components} is working normally again. We are sorry for the trouble.');
