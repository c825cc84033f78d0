#!/bin/sh
# Stands in for xdg-open in end-to-end tests: records the link it was asked to open.
printf '%s\n' "$1" >> "${TRAYCAL_OPENER_LOG:?}"
