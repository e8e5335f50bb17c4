"""The roof: what spans apps. The home page, the navigation, `GET /api/v1/me/`, activity
reports (pages, charts, CSV exports, API) and the demo organisation (`manage.py seed_demo`).

Imports every app below it; nothing imports it but the project's URLs and settings.
"""
