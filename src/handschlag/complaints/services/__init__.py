"""Writes of complaints. Pages, API, worker and demo call these, so every rule holds everywhere.

Each write checks who may do it, writes an audit event in its transaction and notifies the people concerned;
e-mails leave after the commit. One module per part of the work:

- `cases`: record a case, change its facts (values, revenue at risk, earlier cases)
- `routing`: route a new case, triage and hand over (assign)
- `lifecycle`: take up, pause, resume, close, reopen; the row lock
- `clocks`: SLA clock arithmetic on a case (paused time, deadlines, first response)
- `steps`: the 8D steps
- `collaboration`: comments, attachments, watchers
- `escalation`: the escalation ladder, run by the system
- `configuration`: routing rules and SLA policies (administrators)
- `notices`: what every notification about a case carries
"""
