//! An ICS feed through the provider port, over real HTTP on 127.0.0.1.

use std::time::Duration;

use traycal_providers::{
    AnyProvider, CalendarProvider, ChangeDetection, ChangeToken, Changes, FeedClient,
    FeedClientConfig, FeedUrl, IcsFeedProvider, ProviderErrorKind, WritePrecondition,
};

use crate::feed_server::{FeedServer, Route};

const FEED: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260301T090000Z\r\nSUMMARY:Stand-up\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const PATH: &str = "/private-8f2c1e9a77d04b6c/basic.ics";

fn provider(url: &str) -> IcsFeedProvider {
    let client = FeedClient::new(FeedClientConfig::default()).unwrap();
    IcsFeedProvider::new(client, FeedUrl::parse(url).unwrap())
}

#[tokio::test]
async fn a_body_is_a_snapshot_then_304_with_the_token_is_not_modified() {
    let server = FeedServer::start().await;
    server.set_route(PATH, Route::ics(FEED).with_etag("\"v1\""));
    let p = provider(&server.url(PATH));
    let cal = p.calendar_id().to_string();

    let Changes::Snapshot { items, next_token } = p.changes(&cal, None).await.unwrap() else {
        panic!("expected a snapshot");
    };
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, cal);
    assert_eq!(items[0].body, FEED);
    assert_eq!(items[0].etag.as_deref(), Some("\"v1\""));

    let again = p.changes(&cal, Some(&next_token)).await.unwrap();
    assert_eq!(
        again,
        Changes::NotModified {
            next_token: next_token.clone()
        }
    );
    let requests = server.requests_for(PATH);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("if-none-match"), None);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));

    // A new version: a new snapshot.
    let edited = FEED.replace("Stand-up", "Retro");
    server.set_route(PATH, Route::ics(edited.clone()).with_etag("\"v2\""));
    let Changes::Snapshot { items, .. } = p.changes(&cal, Some(&next_token)).await.unwrap() else {
        panic!("expected a snapshot");
    };
    assert_eq!(items[0].body, edited);
    assert_eq!(items[0].etag.as_deref(), Some("\"v2\""));
}

#[tokio::test]
async fn the_same_bytes_again_are_not_modified_without_validators() {
    let server = FeedServer::start().await;
    server.set_route(PATH, Route::ics(FEED));
    let p = provider(&server.url(PATH));
    let cal = p.calendar_id().to_string();
    let first = p.changes(&cal, None).await.unwrap();
    assert!(matches!(first, Changes::Snapshot { .. }));
    let second = p.changes(&cal, Some(first.next_token())).await.unwrap();
    assert!(matches!(second, Changes::NotModified { .. }), "{second:?}");
    assert_eq!(server.hits(PATH), 2, "the server sent the body twice");
}

#[tokio::test]
async fn a_foreign_token_is_invalid_and_costs_no_request() {
    let server = FeedServer::start().await;
    server.set_route(PATH, Route::ics(FEED));
    let p = provider(&server.url(PATH));
    let err = p
        .changes(p.calendar_id(), Some(&ChangeToken::new("mem:1:1")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ChangeTokenInvalid);
    assert_eq!(server.hits(PATH), 0);
}

#[tokio::test]
async fn http_401_is_unauthorized() {
    let server = FeedServer::start().await;
    server.set_route(PATH, Route::ics("no").status(401));
    let p = provider(&server.url(PATH));
    let err = p.changes(p.calendar_id(), None).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::Unauthorized);
    assert!(
        err.message().contains("refused access"),
        "{}",
        err.message()
    );
    assert!(err.detail().unwrap().contains("HTTP 401"));
    assert!(
        !err.to_string().contains("8f2c1e9a"),
        "no secret in the error: {err}"
    );
}

#[tokio::test]
async fn http_429_with_retry_after_is_rate_limited_for_that_long() {
    let server = FeedServer::start().await;
    server.set_route(PATH, Route::ics("slow down").status(429).retry_after("120"));
    let p = provider(&server.url(PATH));
    let err = p.changes(p.calendar_id(), None).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ProviderErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    // A port that was free a moment ago: nothing listens there now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let p = provider(&format!("http://127.0.0.1:{port}{PATH}"));
    let err = p.changes(p.calendar_id(), None).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::Network, "{err}");
    assert!(err.is_transient());
    assert!(
        err.message().contains("nothing answered"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn an_html_page_is_invalid_data_not_an_empty_calendar() {
    let server = FeedServer::start().await;
    server.set_route(
        PATH,
        Route::html("<!DOCTYPE html><html><body>Please sign in</body></html>"),
    );
    let p = provider(&server.url(PATH));
    let err = p.changes(p.calendar_id(), None).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::InvalidData);
    assert!(err.message().contains("web page"), "{}", err.message());
}

#[tokio::test]
async fn one_read_only_calendar_whose_id_hides_the_secret() {
    let server = FeedServer::start().await;
    server.set_route(PATH, Route::ics(FEED));
    let p = provider(&server.url(PATH));
    let caps = p.capabilities();
    assert!(caps.read_only);
    assert!(caps.detects(ChangeDetection::HttpValidators));
    assert!(caps.detects(ChangeDetection::ContentHash));
    assert!(!caps.detects(ChangeDetection::Delta));

    let calendars = p.calendars().await.unwrap();
    assert_eq!(calendars.len(), 1);
    assert!(calendars[0].read_only);
    assert_eq!(calendars[0].name, "basic.ics");
    assert_eq!(calendars[0].id, p.calendar_id());
    assert!(!calendars[0].id.contains("8f2c1e9a"), "{}", calendars[0].id);
    assert_eq!(server.hits(PATH), 0, "listing calendars makes no request");

    let err = p.changes("/another/", None).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::NotFound);
}

#[tokio::test]
async fn writes_are_refused_as_read_only_without_a_request() {
    let server = FeedServer::start().await;
    server.set_route(PATH, Route::ics(FEED).with_etag("\"v1\""));
    let p = AnyProvider::from(provider(&server.url(PATH)));
    let cal = p.calendars().await.unwrap().remove(0).id;
    let err = p
        .put_item(
            &cal,
            &cal,
            FEED,
            &WritePrecondition::IfMatch("\"v1\"".into()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ReadOnly);
    assert_eq!(err.item(), Some(cal.as_str()));
    let err = p.delete_item(&cal, &cal, "\"v1\"").await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ReadOnly);
    assert_eq!(server.hits(PATH), 0);
}

#[tokio::test]
async fn fetch_items_gets_the_feed_once_and_names_other_ids_missing() {
    let server = FeedServer::start().await;
    server.set_route(PATH, Route::ics(FEED).with_etag("\"v1\""));
    let p = provider(&server.url(PATH));
    let cal = p.calendar_id().to_string();
    let fetched = p
        .fetch_items(&cal, &[cal.clone(), "other.ics".into(), cal.clone()])
        .await
        .unwrap();
    assert_eq!(fetched.items.len(), 2);
    assert_eq!(fetched.items[0].body, FEED);
    assert_eq!(fetched.missing, ["other.ics"]);
    assert_eq!(server.hits(PATH), 1);
    assert_eq!(server.requests_for(PATH)[0].header("if-none-match"), None);
}
