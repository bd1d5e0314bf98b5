from jifen.web.tests.browser import chromium, desktop, phone, phone_without_js  # noqa: F401 (fixtures)
