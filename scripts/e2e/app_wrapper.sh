#!/bin/sh
# Started by WebKitWebDriver in place of the app: runs it with its output and exit
# status kept in the run's work dir (the failure report shows them).
# A test may point this launch at its own data dir (app.env is shell: `export K=V`).
# shellcheck disable=SC1091
[ -f "$E2E_WORK/app.env" ] && . "$E2E_WORK/app.env"
echo "start $(date +%T.%N) args: $*" >>"${E2E_WORK:?}/app.log"
"${E2E_REAL_APP:?}" "$@" >>"$E2E_WORK/app.log" 2>&1
rc=$?
echo "exit $rc at $(date +%T.%N)" >>"$E2E_WORK/app.log"
exit $rc
