"""Activity reports that span apps: department activity, review queue health, organisation
overview (pages, CSV and API). See docs/dashboards.md."""
