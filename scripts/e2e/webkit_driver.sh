#!/bin/sh
# WebKitWebDriver with its output (and the app's, which it launches) kept in the
# run's work dir, for the failure report.
exec /usr/bin/WebKitWebDriver "$@" >>"${E2E_WORK:?}/webkitdriver.log" 2>&1
