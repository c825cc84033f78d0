"""End-to-end test of the first run with the built-in sample calendar, which also
writes the README's screenshots (see run.sh for the environment).

A fresh data dir: the welcome window opens; "Load the sample calendar" subscribes to
the offline sample (meetings in the coming hours and days, relative to now) and opens
the agenda; an event with attendees and a Meet link shows its details; the week grid
and the settings window follow.
"""
import os
import sys

from test_app import W, run_session, shot, window_opened


def test_sample_calendar(s):
    s.switch_to_window("welcome")
    s.wait_for('[data-testid="welcome-sample"]')[0].click()
    window_opened("Traycal — Agenda")
    s.switch_to_window("agenda")
    entries = s.wait_for('[data-testid="agenda-entry"]', text="Design review", timeout=30)
    for title in ["Customer call", "Sprint planning", "Daily stand-up", "Team offsite"]:
        s.wait_for('[data-testid="agenda-entry"]', text=title)
    shot(s, "sample-agenda.png")
    entries[0].click()
    # The details arrive after the pane opens with the entry's title.
    pane = s.wait_for('[data-testid="event-detail"]', text="Walk through the new agenda window.")[0]
    text = pane.text()
    for want in ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Walk through the new agenda window."]:
        assert want in text, (want, text)
    join = s.wait_for('[data-testid="event-join"]')[0]
    assert "Meet" in join.text(), join.text()
    shot(s, "sample-detail.png")
    s.wait_for('[data-testid="detail-close"]')[0].click()
    s.wait_for('[data-testid="view-week"]')[0].click()
    s.wait_for('[data-testid="now-line"]')
    shot(s, "sample-week.png")


def main():
    sys.exit(run_session(test_sample_calendar, app_env=f"export TRAYCAL_DATA_DIR='{W}/traycal-sample'\n"))


if __name__ == "__main__":
    main()
