#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Join-link detection suite (`traycal_core::join`).
//!
//! * `every_service_detects_its_samples`: realistic invite text for every service in
//!   the built-in catalogue, in the forms invites arrive in (bare LOCATION, plain
//!   DESCRIPTION, HTML description, Outlook's `text<link>`, an Outlook SafeLink in
//!   HTML, plus hand-written full invites for the big services). Prints a table
//!   (service, samples, detected OK) and fails on any miss. A catalogue service
//!   without a sample fails too, so a new service needs one.
//! * `plain_links_are_never_meetings`: documents, maps, marketing and help pages,
//!   calendar links, look-alike hosts and forbidden schemes must yield nothing.
//! * `corpus_invites`: every event of the real provider exports in
//!   `<corpus>/providers` (corpus root: env `TRAYCAL_CORPUS`, else
//!   `<workspace>/../shared/corpus`, as in `conformance.rs`; missing → SKIPPED, except
//!   under `CI`). Prints what each event got; files checked by hand must give
//!   exactly the services listed in `CORPUS_EXPECTED`, other files are only printed.
//! * `throughput_50k_events`: prints the time for 50,000 synthetic events (no
//!   assertion: tests never assert wall-clock times).
//!
//! Run: `cargo test -p traycal-system-tests --test join_links -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;
use traycal_system_tests::corpus_root;

use traycal_core::ics::{prepare_input, Item, Parser};
use traycal_core::join::{detect, detect_in_component, Catalogue, JoinInput, JoinLink, Source};

// ---------------------------------------------------------------------------------
// Samples
// ---------------------------------------------------------------------------------

/// Which field a sample sits in.
#[derive(Clone, Copy, Debug)]
enum Field {
    Url,
    Location,
    Description,
    AltHtml,
    XProp(&'static str),
}

struct Sample {
    service: &'static str,
    form: &'static str,
    field: Field,
    text: String,
    /// The link detection must return.
    want: String,
    want_id: Option<&'static str>,
    want_passcode: Option<&'static str>,
    want_dial_in: Option<&'static str>,
}

/// One typical join link per service (`service id`, `link`).
const LINKS: &[(&str, &str)] = &[
    ("google-meet", "https://meet.google.com/abc-defg-hij"),
    (
        "google-meet-stream",
        "https://stream.meet.google.com/stream/8f3e2a1b-1234-4cde-9abc-0123456789ab",
    ),
    (
        "google-hangouts",
        "https://hangouts.google.com/hangouts/_/acme.com/weekly-sync?authuser=0",
    ),
    ("google-duo", "https://duo.app.goo.gl/AbCdEf12"),
    ("proton-meet", "https://meet.proton.me/join/Xk3L9pQ2#pwd=s3cr3t"),
    ("zoom", "https://us02web.zoom.us/j/81234567890?pwd=QWxhZGRpbjpvcGVuIHNlc2FtZQ"),
    ("zoom-app", "zoommtg://zoom.us/join?action=join&confno=81234567890&pwd=QWxh"),
    ("zoomgov", "https://acme-gov.zoomgov.com/j/1601234567?pwd=Zm9vYmFy"),
    ("reclaim", "https://reclaim.ai/z/AbC123/jdoe"),
    (
        "teams",
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ2ZTk1YjEtOGQ3Mi00YjI0LWE0%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%2c%22Oid%22%3a%22d1c2b3a4-0000-4a5b-8c9d-0e1f2a3b4c5d%22%7d",
    ),
    ("webex", "https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef0123456789abcdef"),
    ("jitsi", "https://meet.jit.si/AcmeWeeklyRetro"),
    ("chime", "https://chime.aws/4963710892"),
    ("ringcentral", "https://v.ringcentral.com/join/123456789?pw=a1b2c3"),
    ("gotomeeting", "https://global.gotomeeting.com/join/123456789"),
    (
        "gotowebinar",
        "https://global.gotowebinar.com/join/1234567890123456789/987654321",
    ),
    ("bluejeans", "https://bluejeans.com/7999979999"),
    ("eight-by-eight", "https://8x8.vc/acme/weekly-sync"),
    ("demio", "https://event.demio.com/ref/AbCdEfGh123"),
    ("join-me", "https://join.me/acme-support"),
    ("whereby", "https://whereby.com/acme-standup"),
    ("uberconference", "https://www.uberconference.com/jdoe"),
    ("blizz", "https://go.blizz.com/join/123456789"),
    ("teamviewer-meeting", "https://go.teamviewer.com/m12345678"),
    ("vsee", "https://vsee.com/c/jdoe"),
    ("starleaf", "https://meet.starleaf.com/4012345678/app"),
    ("voov", "https://voovmeeting.com/dm/AbCd1234"),
    ("workplace", "https://acme.workplace.com/groupcall/LINK:abc123XYZ/"),
    ("lifesize", "https://call.lifesizecloud.com/1234567"),
    ("skype", "https://join.skype.com/AbCdEfGhIjKl"),
    ("skype-for-business", "https://meet.lync.com/acme-com/jdoe/ABCD1234"),
    ("facetime", "https://facetime.apple.com/join#v=1&p=AbCdEf123&k=XyZ"),
    ("youtube-live", "https://www.youtube.com/live/AbCdEf12345?si=x1y2"),
    ("vonage", "https://meetings.vonage.com/123456789"),
    ("around", "https://meet.around.co/r/acme-weekly"),
    ("jam", "https://jam.systems/acme-room"),
    (
        "discord",
        "https://discord.com/channels/123456789012345678/234567890123456789",
    ),
    (
        "blackboard-collaborate",
        "https://us.bbcollab.com/guest/0123456789abcdef",
    ),
    ("coscreen", "https://join.coscreen.co/acme/AbC123"),
    ("vowel", "https://acme.vowel.com/#/g/AbCdEf"),
    ("zhumu", "https://welink.zhumu.com/j/123456789?pwd=AbC"),
    ("lark", "https://vc.larksuite.com/j/123456789"),
    ("feishu", "https://vc.feishu.cn/j/987654321"),
    ("vimeo", "https://vimeo.com/event/1234567"),
    ("ovice", "https://acme.ovice.in/"),
    ("luma", "https://lu.ma/join/g-AbCdEf123"),
    ("preply", "https://preply.com/en/classroom/abc123"),
    ("userzoom", "https://go.userzoom.com/participate/abc123-def4"),
    ("venue", "https://app.venue.live/app/acme/room"),
    ("teemyco", "https://app.teemyco.com/room/acme-hq"),
    ("demodesk", "https://demodesk.com/acme/jdoe"),
    ("zoho-cliq", "https://cliq.zoho.eu/meetings/abc123"),
    (
        "zoho-meeting",
        "https://meeting.zoho.com/meeting/login/join.jsp?key=1234567890",
    ),
    ("slack-huddle", "https://app.slack.com/huddle/T01ABCDEF/C02GHIJKL"),
    (
        "gather",
        "https://app.gather.town/app/AbCd1234/acme-office?spawnToken=xYz987",
    ),
    ("pop", "https://pop.com/j/123-456-789"),
    ("chorus", "https://go.chorus.ai/AbCdEf"),
    ("gong", "https://acme.join.gong.io/my/jdoe"),
    (
        "livestorm",
        "https://app.livestorm.co/p/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/live?s=abc",
    ),
    ("tuple", "https://tuple.app/c/AbCdEf"),
    ("pumble", "https://meet.pumble.com/abc-defg-hij"),
    ("suit-conference", "https://acme.conference.istesuit.com/room123"),
    ("doxy-me", "https://doxy.me/drsmith"),
    ("cal-video", "https://app.cal.com/video/AbCdEf123"),
    ("zm-page", "https://jdoe.zm.page"),
    ("livekit", "https://meet.livekit.io/rooms/acme-sync"),
    (
        "meetecho",
        "https://meetings.conf.meetecho.com/ietf120/?session=33333",
    ),
    ("streamyard", "https://streamyard.com/abcd1234ef"),
    ("riverside", "https://riverside.fm/studio/acme-podcast?t=abc"),
    ("daily", "https://acme.daily.co/standup"),
    ("dialpad-meetings", "https://meetings.dialpad.com/room/acme"),
    ("skype-for-business-server", "https://meet.contoso.com/jdoe/ABCD1234"),
];

/// More link shapes of services that have several.
const MORE_LINKS: &[(&str, &str)] = &[
    ("google-meet", "https://meet.google.com/lookup/acme-standup"),
    ("zoom", "https://acme.zoom.us/my/jdoe"),
    ("zoom", "https://zoom.us/w/98765432101?tk=abc.def"),
    ("zoom", "https://zoom.com/j/91234567890"),
    ("zoom", "https://zoom.us/webinar/register/WN_AbCdEfGhIjK"),
    ("zoom-app", "zoomus://acme.zoom.us/join?confno=91234567890"),
    (
        "teams",
        "https://teams.live.com/meet/9876543210123?p=AbCdEf123",
    ),
    (
        "teams",
        "https://teams.microsoft.com/meet/2637249811120?p=nR9x3cQ",
    ),
    (
        "teams",
        "https://gov.teams.microsoft.us/l/meetup-join/19%3ameeting_x%40thread.v2/0",
    ),
    (
        "teams",
        "msteams:/l/meetup-join/19%3ameeting_x%40thread.v2/0?context=%7b%7d",
    ),
    ("webex", "https://acme.webex.com/meet/jdoe"),
    ("webex", "https://acme.webex.com/join/jdoe"),
    ("gotomeeting", "https://meet.goto.com/123456789"),
    ("gotomeeting", "https://app.goto.com/meeting/123456789"),
    (
        "bluejeans",
        "https://bluejeans.com/123456789/1234?src=calendarLink",
    ),
    ("discord", "https://discord.gg/AbCd123"),
    (
        "discord",
        "discord://discord.com/channels/123456789012345678/234567890123456789",
    ),
    ("zoho-meeting", "https://meeting.zoho.eu/join?key=123456789"),
    ("livestorm", "https://app.livestorm.com/p/abc/live"),
];

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;")
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn sample(
    service: &'static str,
    form: &'static str,
    field: Field,
    text: String,
    want: &str,
) -> Sample {
    Sample {
        service,
        form,
        field,
        text,
        want: want.to_string(),
        want_id: None,
        want_passcode: None,
        want_dial_in: None,
    }
}

/// The templated forms every link is tried in.
fn templated(service: &'static str, link: &str) -> Vec<Sample> {
    vec![
        sample(service, "location", Field::Location, link.to_string(), link),
        sample(
            service,
            "description",
            Field::Description,
            format!(
                "Hi all,\n\nagenda in the doc: https://docs.google.com/document/d/1AbC/edit\n\
                 Join here: {link}.\n\nThanks!"
            ),
            link,
        ),
        sample(
            service,
            "html",
            Field::Description,
            format!(
                "<html><body><p>Hello,</p><p>Please join: <a href=\"{}\" target=\"_blank\">Join the \
                 meeting</a></p><p>Questions? <a href=\"https://acme.example/help\">Help</a></p></body></html>",
                html_escape(link)
            ),
            link,
        ),
        sample(
            service,
            "outlook-text",
            Field::Description,
            format!(
                "________________\nJoin the meeting\nClick here to join<{link}>\n\nLearn more<https://acme.example/help> | Options<https://acme.example/options>\n________________"
            ),
            link,
        ),
        sample(
            service,
            "safelinks",
            Field::AltHtml,
            format!(
                "<html><head><style>p {{ margin: 0 }}</style></head><body><p><a href=\"https://nam12.safelinks.protection.outlook.com/?url={}&amp;data=05%7C02%7Cjdoe%40acme.example&amp;sdata=AbC%3D&amp;reserved=0\" originalsrc=\"{}\">Join</a></p></body></html>",
                percent_encode(link),
                html_escape(link)
            ),
            link,
        ),
    ]
}

/// Full invites as the services send them (anonymised, written for this suite).
fn full_invites() -> Vec<Sample> {
    let mut v = Vec::new();
    let zoom = "https://us06web.zoom.us/j/84512345678?pwd=bWtWa0xSd1hLVFhzZ2N0QT09";
    let mut s = sample(
        "zoom",
        "zoom-invite",
        Field::Description,
        format!(
            "Jane Doe is inviting you to a scheduled Zoom meeting.\n\nTopic: Quarterly planning\n\
             Time: Mar 4, 2025 10:00 AM Eastern Time (US and Canada)\n\nJoin Zoom Meeting\n{zoom}\n\n\
             Meeting ID: 845 1234 5678\nPasscode: 739154\n\n---\n\nOne tap mobile\n\
             +13052241968,,84512345678#,,,,*739154# US\n+13092053325,,84512345678#,,,,*739154# US\n\n\
             ---\n\nDial by your location\n• +1 305 224 1968 US\n\nFind your local number: https://us06web.zoom.us/u/kdXyZ12AbC\n"
        ),
        zoom,
    );
    s.want_id = Some("84512345678");
    s.want_passcode = Some("739154");
    s.want_dial_in = Some("+13052241968,,84512345678#,,,,*739154#");
    v.push(s);

    let teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZTk1YjEtOGQ3Mi00YjI0%40thread.v2/0?context=%7b%22Tid%22%3a%22t-1%22%2c%22Oid%22%3a%22o-2%22%7d";
    let mut s = sample(
        "teams",
        "teams-outlook-text",
        Field::Description,
        format!(
            "\n\n________________________________________________________________________________\n\
             Microsoft Teams meeting\nJoin on your computer, mobile app or room device\n\
             Click here to join the meeting<{teams}>\nMeeting ID: 263 724 981 112\nPasscode: nR9x3c\n\
             Download Teams<https://www.microsoft.com/en-us/microsoft-teams/download-app> | Join on the web<https://www.microsoft.com/microsoft-teams/join-a-meeting>\n\
             Or call in (audio only)\n+1 323-849-4874,,562817345#<tel:+13238494874,,562817345#>   United States, Los Angeles\n\
             Phone Conference ID: 562 817 345#\nFind a local number<https://dialin.teams.microsoft.com/8551f4c1?id=562817345> | Reset PIN<https://dialin.teams.microsoft.com/usp/pstnconferencing>\n\
             Learn More<https://aka.ms/JoinTeamsMeeting> | Meeting options<https://teams.microsoft.com/meetingOptions/?organizerId=o-2&tenantId=t-1&threadId=19_meeting_x@thread.v2&messageId=0&language=en-US>\n\
             ________________________________________________________________________________\n"
        ),
        teams,
    );
    s.want_id = Some("263724981112");
    s.want_passcode = Some("nR9x3c");
    s.want_dial_in = Some("+13238494874,,562817345#");
    v.push(s);
    v.push(sample(
        "teams",
        "teams-x-property",
        Field::XProp("X-MICROSOFT-SKYPETEAMSMEETINGURL"),
        teams.to_string(),
        teams,
    ));

    let meet = "https://meet.google.com/xyz-wxyz-abc";
    let mut s = sample(
        "google-meet",
        "google-html",
        Field::Description,
        format!(
            "Weekly sync.<br><br>-::~:~::~:~:~:~:~:~:~:~:~:~::~:~::-<br>Join with Google Meet: \
             <a href=\"https://www.google.com/url?q={}&amp;sa=D&amp;source=calendar&amp;usd=2&amp;usg=AOvVaw1\">meet.google.com/xyz-wxyz-abc</a><br>\
             Or dial: (US) +1 470-735-1234 PIN: 283 748 291#<br>More phone numbers: \
             <a href=\"https://tel.meet/xyz-wxyz-abc?pin=283748291\">https://tel.meet/xyz-wxyz-abc?pin=283748291</a><br><br>\
             Learn more about Meet at: <a href=\"https://support.google.com/a/users/answer/9282720\">https://support.google.com/a/users/answer/9282720</a>\
             <br>-::~:~::~:~:~:~:~:~:~:~:~:~::~:~::-",
            percent_encode(meet)
        ),
        meet,
    );
    s.want_id = Some("xyz-wxyz-abc");
    v.push(s);
    v.push(sample(
        "google-meet",
        "google-x-property",
        Field::XProp("X-GOOGLE-CONFERENCE"),
        meet.to_string(),
        meet,
    ));

    let webex = "https://acme.webex.com/acme/j.php?MTID=m9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    let mut s = sample(
        "webex",
        "webex-html",
        Field::AltHtml,
        format!(
            "<html><body><table><tr><td><font size=\"2\">When it's time, join the Webex meeting here.</font></td></tr>\
             <tr><td><a href=\"{}\" style=\"color:#FFFFFF\">Join meeting</a></td></tr>\
             <tr><td>Meeting number (access code): 2634 123 4567</td></tr>\
             <tr><td>Meeting password: Pq7#xw2</td></tr>\
             <tr><td><b>Join by phone</b></td></tr><tr><td><a href=\"tel:%2B1-415-655-0001,,26341234567##\">+1-415-655-0001</a> United States Toll</td></tr>\
             </table></body></html>",
            html_escape(webex)
        ),
        webex,
    );
    s.want_id = Some("26341234567");
    s.want_passcode = Some("Pq7#xw2");
    s.want_dial_in = Some("+1-415-655-0001,,26341234567##");
    v.push(s);

    let goto = "https://global.gotomeeting.com/join/587213649";
    let mut s = sample(
        "gotomeeting",
        "goto-invite",
        Field::Description,
        format!(
            "Sprint review\nPlease join my meeting from your computer, tablet or smartphone.\n{goto}\n\n\
             You can also dial in using your phone.\n(For supported devices, tap a one-touch number below to join instantly.)\n\n\
             United States: +1 (571) 317-3122\n- One-touch: tel:+15713173122,,587213649#\n\nAccess Code: 587-213-649\n\n\
             Join from a video-conferencing room or system.\nDial in or type: 67.217.95.2 or inroomlink.goto.com\nMeeting ID: 587 213 649\n"
        ),
        goto,
    );
    s.want_id = Some("587213649");
    s.want_dial_in = Some("+15713173122,,587213649#");
    v.push(s);

    let chime = "https://chime.aws/4963710892";
    let mut s = sample(
        "chime",
        "chime-invite",
        Field::Description,
        format!(
            "Amazon Chime meeting\n\nClick to join the meeting: {chime}\nMeeting ID: 4963 71 0892\n\n\
             Join via Chime clients (manually): Select 'Meetings > Join a Meeting', and enter 4963710892\n\n\
             Dial-in: +1 206-462-5569,,4963710892#\n"
        ),
        chime,
    );
    s.want_id = Some("4963710892");
    s.want_dial_in = Some("+1 206-462-5569,,4963710892#");
    v.push(s);

    let gov = "https://acme-gov.zoomgov.com/j/1601234567?pwd=Zm9vYmFy";
    let mut s = sample(
        "zoomgov",
        "zoomgov-invite",
        Field::Description,
        format!("Join ZoomGov Meeting\n{gov}\n\nMeeting ID: 160 123 4567\nPasscode: 884211\n"),
        gov,
    );
    s.want_id = Some("1601234567");
    s.want_passcode = Some("884211");
    v.push(s);

    let live = "https://teams.live.com/meet/9312345678901?p=XyZaBc12";
    let mut s = sample(
        "teams",
        "teams-live-personal",
        Field::Location,
        format!("Microsoft Teams meeting - {live}"),
        live,
    );
    s.want_id = Some("9312345678901");
    s.want_passcode = Some("XyZaBc12");
    v.push(s);

    let hidden = "https://zoom.us/j/99887766554";
    v.push(sample(
        "zoom",
        "url-property",
        Field::Url,
        hidden.to_string(),
        hidden,
    ));
    v
}

fn all_samples() -> Vec<Sample> {
    let mut v = Vec::new();
    for (service, link) in LINKS.iter().chain(MORE_LINKS) {
        v.extend(templated(service, link));
    }
    v.extend(full_invites());
    v
}

fn run(sample: &Sample, catalogue: &Catalogue) -> Option<JoinLink> {
    let x;
    let mut input = JoinInput::default();
    match sample.field {
        Field::Url => input.url = Some(&sample.text),
        Field::Location => input.location = Some(&sample.text),
        Field::Description => input.description = Some(&sample.text),
        Field::AltHtml => {
            input.description = Some("See the HTML version of this invitation.");
            input.alt_description_html = Some(&sample.text);
        }
        Field::XProp(name) => {
            x = [(name, sample.text.as_str())];
            input.x_props = &x;
        }
    }
    detect(&input, catalogue)
}

#[test]
fn every_service_detects_its_samples() {
    let catalogue = Catalogue::builtin().unwrap();
    let samples = all_samples();
    let mut per_service: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for s in &samples {
        let got = run(s, &catalogue);
        let ok = match &got {
            Some(l) => {
                l.service_id == s.service
                    && l.url == s.want
                    && s.want_id.is_none_or(|w| l.meeting_id.as_deref() == Some(w))
                    && s.want_passcode
                        .is_none_or(|w| l.passcode.as_deref() == Some(w))
                    && s.want_dial_in
                        .is_none_or(|w| l.dial_in.as_deref() == Some(w))
            }
            None => false,
        };
        let e = per_service.entry(s.service).or_default();
        e.0 += 1;
        if ok {
            e.1 += 1;
        } else {
            failures.push(format!(
                "{} [{}]: got {got:?}\n    want {}",
                s.service, s.form, s.want
            ));
        }
    }

    println!(
        "\n{:<28} {:<28} {:>7} {:>11}",
        "service id", "name", "samples", "detected OK"
    );
    for svc in catalogue.services() {
        let (n, ok) = per_service.get(svc.id.as_str()).copied().unwrap_or((0, 0));
        let mark = if n > 0 && n == ok { "" } else { "  <-- MISS" };
        println!("{:<28} {:<28} {n:>7} {ok:>11}{mark}", svc.id, svc.name);
    }
    let total_ok: usize = per_service.values().map(|v| v.1).sum();
    println!(
        "{} services, {} samples, {} detected OK",
        catalogue.len(),
        samples.len(),
        total_ok
    );

    let missing: Vec<&str> = catalogue
        .services()
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| !per_service.contains_key(id))
        .collect();
    assert!(missing.is_empty(), "services without a sample: {missing:?}");
    let unknown: Vec<&&str> = per_service
        .keys()
        .filter(|id| catalogue.service(id).is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "samples for unknown services: {unknown:?}"
    );
    assert!(failures.is_empty(), "misses:\n  {}", failures.join("\n  "));
}

// ---------------------------------------------------------------------------------
// False positives
// ---------------------------------------------------------------------------------

const NOT_MEETINGS: &[&str] = &[
    // documents and maps
    "https://docs.google.com/document/d/1AbCdEfGhIjK/edit?usp=sharing",
    "https://docs.google.com/spreadsheets/d/1XyZ/edit#gid=0",
    "https://drive.google.com/file/d/1xyz/view",
    "https://www.google.com/maps/place/Alexanderplatz,+Berlin/@52.5219,13.4132,17z",
    "https://maps.app.goo.gl/AbCdEf123",
    "https://goo.gl/maps/AbCdE",
    "https://www.openstreetmap.org/#map=17/52.52/13.41",
    "https://acme.sharepoint.com/:w:/r/sites/team/Shared%20Documents/Agenda.docx",
    // calendar links
    "https://calendar.google.com/calendar/event?action=VIEW&eid=NjVtMTdo&tok=MjEj&ctz=Europe%2FHelsinki",
    "https://www.google.com/calendar/event?action=TEMPLATE&tmeid=abc",
    "https://outlook.office365.com/owa/calendar/abc@acme.example/reachcalendar.html",
    "https://outlook.live.com/calendar/0/deeplink/compose",
    // Zoom without a meeting path
    "https://zoom.us/",
    "https://zoom.us/pricing",
    "https://zoom.us/download",
    "https://us06web.zoom.us/u/kdXyZ12AbC",
    "https://support.zoom.us/hc/en-us/articles/201362193",
    "https://explore.zoom.us/en/products/meetings/",
    // Teams without meetup-join
    "https://teams.microsoft.com/",
    "https://teams.microsoft.com/l/channel/19%3aAbC%40thread.tacv2/General?groupId=1&tenantId=2",
    "https://teams.microsoft.com/l/chat/0/0?users=jdoe@acme.example",
    "https://teams.microsoft.com/meetingOptions/?organizerId=o&tenantId=t",
    "https://aka.ms/JoinTeamsMeeting",
    "https://www.microsoft.com/en-us/microsoft-teams/join-a-meeting",
    "https://dialin.teams.microsoft.com/8551f4c1?id=562817345",
    // other services' own pages
    "https://meet.google.com/",
    "https://meet.google.com/new",
    "https://support.google.com/a/users/answer/9282720",
    "https://tel.meet/xyz-wxyz-abc?pin=283748291",
    "https://www.webex.com/downloads.html",
    "https://help.webex.com/en-us/article/nrbgeodb/Join-a-Webex-meeting",
    "https://www.gotomeeting.com/",
    "https://www.bluejeans.com/downloads",
    "https://whereby.com/information/pricing",
    "https://www.daily.co/pricing",
    "https://discord.com/",
    "https://discord.com/download",
    "https://slack.com/help/articles/4402059015315",
    "https://acme.slack.com/archives/C0123/p1700000000",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://chime.aws/download",
    // generic links
    "https://github.com/acme/project/pull/42",
    "https://example.com",
    "http://www.meetup.com/sfgamedevelopers/events/16078654/",
    "https://en.wikipedia.org/wiki/Meeting",
    "http://uid.trumba.com/event/100278721",
    // look-alike hosts
    "https://zoom.us.evil.example/j/123456789",
    "https://evil.example/zoom.us/j/123456789",
    "https://zoom.us@evil.example/j/123456789",
    "https://meet.google.com.evil.example/abc-defg-hij",
    "https://evil.example/?url=https%3A%2F%2Fzoom.us%2Fj%2F123456789",
    // meet.<domain> / join.<domain> pages that are not Skype for Business
    "https://join.acme.example/careers/engineer",
    "https://join.acme.example/careers/ENGINEER",
    "https://meet.acme.example/docs/12345678",
    // forbidden schemes, even with a meeting-shaped body
    "file:///C:/meetings/zoom.us/j/123456789",
    "ftp://zoom.us/j/123456789",
    "ssh://meet.jit.si/room",
    "conf:sip:jdoe@acme.example;gruu;opaque=app:conf:focus:id:teams:2:1!19:x",
    "tel:+1-555-0100",
    "mailto:jdoe@acme.example?subject=https://zoom.us",
    // no link at all
    "Zoom room 4.2 (2nd floor)",
    "Microsoft Teams Meeting",
];

#[test]
fn plain_links_are_never_meetings() {
    let catalogue = Catalogue::builtin().unwrap();
    let mut hits = Vec::new();
    for text in NOT_MEETINGS {
        let html = format!("<p>See <a href=\"{}\">this</a>.</p>", html_escape(text));
        let prose = format!("Agenda: {text}. Bring questions!");
        let forms: [(&str, JoinInput<'_>); 4] = [
            (
                "url",
                JoinInput {
                    url: Some(text),
                    ..Default::default()
                },
            ),
            (
                "location",
                JoinInput {
                    location: Some(text),
                    ..Default::default()
                },
            ),
            (
                "description",
                JoinInput {
                    description: Some(&prose),
                    ..Default::default()
                },
            ),
            (
                "html",
                JoinInput {
                    description: Some(&html),
                    alt_description_html: Some(&html),
                    ..Default::default()
                },
            ),
        ];
        for (form, input) in forms {
            if let Some(l) = detect(&input, &catalogue) {
                hits.push(format!("{text} [{form}] -> {} {}", l.service_id, l.url));
            }
        }
    }
    println!(
        "\nfalse-positive check: {} plain links x 4 forms, {} detected",
        NOT_MEETINGS.len(),
        hits.len()
    );
    assert!(hits.is_empty(), "false positives:\n  {}", hits.join("\n  "));
}

// ---------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------

/// Provider files read by hand: the services their events must yield, no more and
/// no fewer. Other corpus files (including held-out ones, when present) are printed.
const CORPUS_EXPECTED: &[(&str, &[&str])] = &[
    // X-MICROSOFT-SKYPETEAMSMEETINGURL; the description only has `<https://url>`.
    ("microsoft/ical-rs__o365_meeting.ics", &["teams"]),
    // LOCATION and DESCRIPTION hold https://zoom.us/j/XXXXXXXXXXXX?pwd=… (anonymised).
    ("microsoft/ics-parser__issue-343.ics", &["zoom"]),
    // One event's LOCATION is https://bluejeans.com/7999979999.
    ("microsoft/node-ical__ms_timezones.ics", &["bluejeans"]),
    // Google Meet invitation e-mail: the link is in DESCRIPTION (folded mid-code).
    (
        "google/releases-comm-central__meet-meeting-invite.eml",
        &["google-meet"],
    ),
    // Checked: no meeting links (calendar.google.com, meetup.com, trumba, …).
    ("google/sync-engine__gcal_recur.ics", &[]),
    ("google/sync-engine__google_cancelled1.ics", &[]),
    ("google/ical__google_calendar_invalid_offset.ics", &[]),
    ("google/ical__google_dtstart_until_mismatch.ics", &[]),
    ("microsoft/ical-rs__ical_example_1.ics", &[]),
    ("microsoft/ical.net__Outlook2007LineFolds.ics", &[]),
    ("microsoft/icalevents__multi_exdate_same_line_ms.ics", &[]),
    ("microsoft/icalevents__recurr_id_dtstart_missmatch.ics", &[]),
    ("other/sync-engine__meetup_infinite.ics", &[]),
    ("other/ical4j__bhav23-2.ics", &[]),
    ("other/ical4j__yahoo2.txt", &[]),
    ("other/node-ical__vfreebusy-zimbra.ics", &[]),
    ("other/ical__calendar_labs_same_day_dtend.ics", &[]),
];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "licenses") {
                files_under(&p, out);
            }
        } else if p
            .extension()
            .is_some_and(|e| e == "ics" || e == "txt" || e == "eml")
        {
            out.push(p);
        }
    }
}

/// The calendar parts of a MIME message (`text/calendar`, `application/ics`),
/// decoded from base64 or quoted-printable.
fn calendar_parts(mail: &str) -> Vec<Vec<u8>> {
    let lines: Vec<&str> = mail.lines().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].to_ascii_lowercase();
        if l.starts_with("content-type:")
            && (l.contains("text/calendar") || l.contains("application/ics"))
        {
            let mut encoding = String::new();
            while i < lines.len() && !lines[i].trim().is_empty() {
                let h = lines[i].to_ascii_lowercase();
                if let Some(v) = h.strip_prefix("content-transfer-encoding:") {
                    encoding = v.trim().to_string();
                }
                i += 1;
            }
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && !lines[end].starts_with("--") {
                end += 1;
            }
            let body = &lines[start.min(lines.len())..end];
            parts.push(match encoding.as_str() {
                "base64" => base64_decode(&body.concat()),
                "quoted-printable" => qp_decode(body),
                _ => body.join("\n").into_bytes(),
            });
            i = end;
        } else {
            i += 1;
        }
    }
    parts
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn qp_decode(lines: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        let (text, soft) = match line.strip_suffix('=') {
            Some(t) => (t, true),
            None => (*line, false),
        };
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if b[i] == b'=' && i + 2 < b.len() {
                if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        if !soft {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

#[test]
fn corpus_invites() {
    let Some(root) = corpus_root() else {
        return;
    };
    let providers = root.join("providers");
    let catalogue = Catalogue::builtin().unwrap();
    let mut files = Vec::new();
    files_under(&providers, &mut files);
    assert!(
        !files.is_empty(),
        "no provider files under {}",
        providers.display()
    );

    let mut problems = Vec::new();
    let (mut events, mut detected) = (0usize, 0usize);
    println!("\ncorpus: {}", providers.display());
    for path in &files {
        let rel = path
            .strip_prefix(&providers)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let raw = std::fs::read(path).unwrap();
        let bodies = if rel.ends_with(".eml") {
            calendar_parts(&String::from_utf8_lossy(&raw))
        } else {
            vec![raw]
        };
        let mut services: BTreeSet<String> = BTreeSet::new();
        let mut file_events = 0;
        for body in &bodies {
            let input = prepare_input(body);
            for item in Parser::new(&input) {
                let Item::Component { component, .. } = item else {
                    continue;
                };
                if component.name != "VEVENT" {
                    continue;
                }
                file_events += 1;
                let Some(link) = detect_in_component(&component, &catalogue) else {
                    continue;
                };
                let summary = component
                    .prop("SUMMARY")
                    .map(|p| p.text().trim().to_string())
                    .unwrap_or_default();
                println!(
                    "  {rel}: {summary:?} -> {} via {:?}: {} (id {:?}, passcode {:?}, dial-in {:?})",
                    link.service_id,
                    link.source,
                    link.url,
                    link.meeting_id,
                    link.passcode,
                    link.dial_in
                );
                detected += 1;
                services.insert(link.service_id);
            }
        }
        events += file_events;
        match CORPUS_EXPECTED.iter().find(|(f, _)| *f == rel) {
            Some((_, want)) => {
                let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
                if want != services {
                    problems.push(format!("{rel}: detected {services:?}, expected {want:?}"));
                }
            }
            None if services.is_empty() => {
                println!("  {rel}: {file_events} events, no join link (not checked by hand)")
            }
            None => println!("  {rel}: {services:?} (not checked by hand)"),
        }
    }
    println!(
        "corpus: {} files, {events} events, {detected} with a join link, {} problems",
        files.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------
// Throughput
// ---------------------------------------------------------------------------------

#[test]
fn throughput_50k_events() {
    let catalogue = Catalogue::builtin().unwrap();
    let plain = "Weekly planning. Bring your updates; notes from last week are in the team folder.\nRoom 4.2";
    let generic = "Agenda: https://docs.google.com/document/d/1AbC/edit and https://github.com/acme/x/issues/1";
    let teams = full_invites()
        .into_iter()
        .find(|s| s.form == "teams-outlook-text")
        .unwrap()
        .text;
    let html = templated("webex", LINKS[10].1).remove(2).text;
    let texts: [&str; 4] = [plain, generic, &teams, &html];
    let started = Instant::now();
    let mut found = 0;
    for i in 0..50_000usize {
        // 80 % plain, 10 % generic links, 5 % Teams text, 5 % HTML Webex.
        let text = match i % 20 {
            0..=15 => texts[0],
            16 | 17 => texts[1],
            18 => texts[2],
            _ => texts[3],
        };
        let input = JoinInput {
            location: Some("Room 4.2"),
            description: Some(text),
            ..Default::default()
        };
        if detect(&input, &catalogue).is_some_and(|l| l.source == Source::Description) {
            found += 1;
        }
    }
    let elapsed = started.elapsed();
    println!(
        "\nthroughput: 50000 events in {:.1} ms ({:.2} µs/event), {found} with a link",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / 50_000.0
    );
    assert_eq!(found, 5_000);
}
