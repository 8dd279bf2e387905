"""Judgement: the rule engine of archrev.

- `archrev.rules.engine.analyze(model, policy)`: findings (worst first) and the facts behind them;
- `archrev.rules.facts.Facts`: entry points, serving path, load, capacity, utilization per
  quarter, runway, dominators, blast radius, computed once per analysis;
- `archrev.rules.findings`: `Severity`, `Finding`, fingerprints;
- `archrev.rules.rulebook`: what a rule is, and the catalogue (built-in and plugins);
- one module per family of rules: coupling, spof, scaling, async_processing, caching,
  database, monitoring, cost, debt;
- `archrev.rules.policy`: policies and custom rules (`archrev.rules.predicate`);
- reports of findings: `report_json`, `report_sarif`, `report_markdown`;
- reviews, checklists and their reports (`review`, `compare`, `checklists`, `reports`)
  build on the above.

Nothing here imports Textual or the app: the command line and scripts use it headless.
"""
