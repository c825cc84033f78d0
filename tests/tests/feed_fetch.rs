#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The ICS feed client against a real HTTP server on 127.0.0.1.

use std::time::Duration;

use traycal_providers::{
    classify_body, BodyKind, FeedBody, FeedClient, FeedClientConfig, FeedError, FeedUrl,
    FetchOptions, FetchOutcome,
};
use traycal_system_tests::{FeedServer, Route};

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal//test//EN\r\nBEGIN:VEVENT\r\nUID:1@test\r\nDTSTART:20250101T100000Z\r\nSUMMARY:Hello\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

fn client() -> FeedClient {
    FeedClient::new(FeedClientConfig::default()).unwrap()
}

fn feed_url(server: &FeedServer, path: &str) -> FeedUrl {
    FeedUrl::parse(&server.url(path)).unwrap()
}

async fn body(client: &FeedClient, url: &FeedUrl, opts: &FetchOptions) -> FeedBody {
    match client.fetch(url, opts).await.unwrap() {
        FetchOutcome::Body(body) => body,
        FetchOutcome::NotModified => panic!("expected a body, got 304"),
    }
}

fn big_calendar(len: usize) -> Vec<u8> {
    let mut bytes = b"BEGIN:VCALENDAR\r\n".to_vec();
    bytes.resize(len, b'x');
    bytes
}

#[tokio::test]
async fn ok_response_captures_validators_and_hash() {
    let server = FeedServer::start().await;
    server.set_route(
        "/cal.ics",
        Route::ics(ICS)
            .with_etag("\"v1\"")
            .with_last_modified(LAST_MODIFIED),
    );
    let body = body(
        &client(),
        &feed_url(&server, "/cal.ics"),
        &FetchOptions::default(),
    )
    .await;
    assert_eq!(body.bytes, ICS.as_bytes());
    assert_eq!(body.etag.as_deref(), Some("\"v1\""));
    assert_eq!(body.last_modified.as_deref(), Some(LAST_MODIFIED));
    assert_eq!(
        body.content_type.as_deref(),
        Some("text/calendar; charset=utf-8")
    );
    assert_ne!(body.content_hash, 0);
    assert_eq!(body.kind(), BodyKind::Calendar);
    assert_eq!(body.final_url.as_str(), server.url("/cal.ics"));
    let request = &server.requests_for("/cal.ics")[0];
    assert!(request
        .header("user-agent")
        .unwrap()
        .starts_with("Traycal/"));
    assert_eq!(request.header("if-none-match"), None);
}

#[tokio::test]
async fn unchanged_body_has_same_hash_and_changed_body_differs() {
    let server = FeedServer::start().await;
    server.set_route("/cal.ics", Route::ics(ICS));
    let client = client();
    let url = feed_url(&server, "/cal.ics");
    let first = body(&client, &url, &FetchOptions::default()).await;
    let second = body(&client, &url, &FetchOptions::default()).await;
    assert_eq!(first.content_hash, second.content_hash);
    // The feed changes between syncs.
    server.set_route("/cal.ics", Route::ics(ICS.replace("Hello", "Changed")));
    let third = body(&client, &url, &FetchOptions::default()).await;
    assert_ne!(first.content_hash, third.content_hash);
    assert_eq!(server.hits("/cal.ics"), 3);
}

#[tokio::test]
async fn conditional_get_returns_not_modified() {
    let server = FeedServer::start().await;
    server.set_route(
        "/cal.ics",
        Route::ics(ICS)
            .with_etag("\"v1\"")
            .with_last_modified(LAST_MODIFIED),
    );
    let client = client();
    let url = feed_url(&server, "/cal.ics");
    let first = body(&client, &url, &FetchOptions::default()).await;
    let opts = FetchOptions {
        etag: first.etag.clone(),
        last_modified: first.last_modified.clone(),
        ..FetchOptions::default()
    };
    assert_eq!(
        client.fetch(&url, &opts).await.unwrap(),
        FetchOutcome::NotModified
    );
    let second = &server.requests_for("/cal.ics")[1];
    assert_eq!(second.header("if-none-match"), Some("\"v1\""));
    assert_eq!(second.header("if-modified-since"), Some(LAST_MODIFIED));

    // Last-Modified alone also gives a 304.
    let opts = FetchOptions {
        etag: None,
        last_modified: Some(LAST_MODIFIED.to_string()),
        ..FetchOptions::default()
    };
    assert_eq!(
        client.fetch(&url, &opts).await.unwrap(),
        FetchOutcome::NotModified
    );

    // A new version on the server: the old ETag no longer matches.
    server.set_route("/cal.ics", Route::ics(ICS).with_etag("\"v2\""));
    let opts = FetchOptions {
        etag: Some("\"v1\"".to_string()),
        ..FetchOptions::default()
    };
    let fresh = body(&client, &url, &opts).await;
    assert_eq!(fresh.etag.as_deref(), Some("\"v2\""));
}

#[tokio::test]
async fn gzip_body_is_decoded() {
    let server = FeedServer::start().await;
    let large = ICS.repeat(200);
    server.set_route("/cal.ics", Route::ics(large.clone()).gzip());
    let body = body(
        &client(),
        &feed_url(&server, "/cal.ics"),
        &FetchOptions::default(),
    )
    .await;
    assert_eq!(body.bytes, large.as_bytes());
    let request = &server.requests_for("/cal.ics")[0];
    assert!(request.header("accept-encoding").unwrap().contains("gzip"));
}

fn assert_too_large(result: Result<FetchOutcome, FeedError>, limit: u64) {
    match result {
        Err(err @ FeedError::TooLarge { .. }) => {
            assert!(matches!(err, FeedError::TooLarge { limit: l, .. } if l == limit));
            assert_eq!(err.code(), "too_large");
            assert!(err.to_string().contains(&limit.to_string()), "{err}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn size_cap_with_honest_content_length() {
    let server = FeedServer::start().await;
    server.set_route("/big.ics", Route::ics(big_calendar(200_000)));
    let opts = FetchOptions {
        max_bytes: 100_000,
        ..FetchOptions::default()
    };
    let result = client().fetch(&feed_url(&server, "/big.ics"), &opts).await;
    assert_too_large(result, 100_000);
}

#[tokio::test]
async fn size_cap_while_streaming_without_length() {
    let server = FeedServer::start().await;
    server.set_route(
        "/big.ics",
        Route::ics(big_calendar(300_000)).chunked_without_length(),
    );
    let opts = FetchOptions {
        max_bytes: 100_000,
        ..FetchOptions::default()
    };
    let result = client().fetch(&feed_url(&server, "/big.ics"), &opts).await;
    assert_too_large(result, 100_000);

    // Exactly at the limit is fine.
    server.set_route(
        "/edge.ics",
        Route::ics(big_calendar(100_000)).chunked_without_length(),
    );
    let body = body(&client(), &feed_url(&server, "/edge.ics"), &opts).await;
    assert_eq!(body.bytes.len(), 100_000);
}

#[tokio::test]
async fn size_cap_applies_to_decoded_gzip() {
    // 5 MB of one byte compresses to a few KB: a gzip bomb in miniature.
    let server = FeedServer::start().await;
    server.set_route("/bomb.ics", Route::ics(big_calendar(5_000_000)).gzip());
    let opts = FetchOptions {
        max_bytes: 1_000_000,
        ..FetchOptions::default()
    };
    let result = client().fetch(&feed_url(&server, "/bomb.ics"), &opts).await;
    assert_too_large(result, 1_000_000);
}

#[tokio::test]
async fn truncated_body_is_a_network_error() {
    let server = FeedServer::start().await;
    server.set_route(
        "/cut.ics",
        Route::ics(big_calendar(50_000)).truncated(1_000),
    );
    let err = client()
        .fetch(&feed_url(&server, "/cut.ics"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "network", "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn redirect_chain_within_limit_is_followed() {
    let server = FeedServer::start().await;
    server.set_route("/r1", Route::redirect("/r2"));
    server.set_route("/r2", Route::redirect("/r3").status(301));
    server.set_route("/r3", Route::redirect("/final.ics").status(308));
    server.set_route("/final.ics", Route::ics(ICS));
    let body = body(
        &client(),
        &feed_url(&server, "/r1"),
        &FetchOptions::default(),
    )
    .await;
    assert_eq!(body.bytes, ICS.as_bytes());
    assert_eq!(body.final_url.path(), "/final.ics");
    assert_eq!(server.hits("/final.ics"), 1);
}

#[tokio::test]
async fn redirect_chain_beyond_limit_fails_naming_the_limit() {
    let server = FeedServer::start().await;
    for i in 0..10 {
        server.set_route(
            &format!("/hop{i}"),
            Route::redirect(&format!("/hop{}", i + 1)),
        );
    }
    server.set_route("/hop10", Route::ics(ICS));
    let client = FeedClient::new(FeedClientConfig {
        max_redirects: 3,
        ..FeedClientConfig::default()
    })
    .unwrap();
    let err = client
        .fetch(&feed_url(&server, "/hop0"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FeedError::TooManyRedirects { limit: 3, .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), "too_many_redirects");
    assert!(err.to_string().contains('3'), "{err}");
    // Exactly 3 redirects followed: hop0..hop3 requested, hop4 never.
    assert_eq!(server.hits("/hop3"), 1);
    assert_eq!(server.hits("/hop4"), 0);

    // And exactly at the limit works.
    let ok = client
        .fetch(&feed_url(&server, "/hop7"), &FetchOptions::default())
        .await
        .unwrap();
    assert!(matches!(ok, FetchOutcome::Body(_)));
}

#[tokio::test]
async fn slow_server_times_out() {
    let server = FeedServer::start().await;
    server.set_route("/slow.ics", Route::ics(ICS).delay(Duration::from_secs(5)));
    let client = FeedClient::new(FeedClientConfig {
        total_timeout: Duration::from_millis(300),
        ..FeedClientConfig::default()
    })
    .unwrap();
    let err = client
        .fetch(&feed_url(&server, "/slow.ics"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FeedError::Timeout { .. }), "{err:?}");
    assert_eq!(err.code(), "timeout");
    assert!(err.is_transient());
}

#[tokio::test]
async fn service_unavailable_carries_retry_after() {
    let server = FeedServer::start().await;
    server.set_route(
        "/busy.ics",
        Route::html("<html>busy</html>")
            .status(503)
            .retry_after("120"),
    );
    let err = client()
        .fetch(&feed_url(&server, "/busy.ics"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FeedError::Http { status: 503, retry_after: Some(d), .. } if d == Duration::from_secs(120)),
        "{err:?}"
    );
    assert_eq!(err.code(), "http_status");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));

    server.set_route("/gone.ics", Route::ics("").status(404));
    let err = client()
        .fetch(&feed_url(&server, "/gone.ics"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        FeedError::Http {
            status: 404,
            retry_after: None,
            ..
        }
    ));
    assert!(!err.is_transient());
}

#[tokio::test]
async fn html_login_page_is_returned_and_classified() {
    let server = FeedServer::start().await;
    let page = "<!DOCTYPE html>\n<html><body><form>Sign in</form></body></html>";
    server.set_route("/cal.ics", Route::html(page));
    let body = body(
        &client(),
        &feed_url(&server, "/cal.ics"),
        &FetchOptions::default(),
    )
    .await;
    assert_eq!(classify_body(&body.bytes), BodyKind::Html);
    let err = body.into_calendar().unwrap_err();
    assert!(matches!(
        err,
        FeedError::NotCalendar {
            what: BodyKind::Html,
            ..
        }
    ));
    assert_eq!(err.code(), "not_calendar");
}

#[tokio::test]
async fn loopback_webcal_maps_to_http() {
    let server = FeedServer::start().await;
    server.set_route("/cal.ics", Route::ics(ICS));
    let url = FeedUrl::parse(&format!("webcal://{}/cal.ics", server.addr())).unwrap();
    assert_eq!(url.as_url().scheme(), "http");
    let body = body(&client(), &url, &FetchOptions::default()).await;
    assert_eq!(body.bytes, ICS.as_bytes());
}

#[tokio::test]
async fn errors_never_show_the_token() {
    const TOKEN: &str = "s3cr3tT0kenValue9876543210";
    let server = FeedServer::start().await;
    let client = FeedClient::new(FeedClientConfig {
        total_timeout: Duration::from_millis(300),
        max_redirects: 1,
        ..FeedClientConfig::default()
    })
    .unwrap();
    server.set_route("/down.ics", Route::ics("").status(500));
    server.set_route("/slow.ics", Route::ics(ICS).delay(Duration::from_secs(5)));
    server.set_route("/big.ics", Route::ics(big_calendar(10_000)));
    server.set_route("/loop", Route::redirect(&format!("/loop?token={TOKEN}")));
    server.set_route("/cut.ics", Route::ics(big_calendar(900)).truncated(10));
    server.set_route("/login.ics", Route::html("<html>login</html>"));
    let opts = FetchOptions {
        max_bytes: 1_000,
        ..FetchOptions::default()
    };

    let mut errors = Vec::new();
    for path in ["/down.ics", "/slow.ics", "/big.ics", "/loop", "/cut.ics"] {
        let url = FeedUrl::parse(&server.url(&format!("{path}?token={TOKEN}"))).unwrap();
        assert!(!url.masked().contains(TOKEN));
        errors.push(client.fetch(&url, &opts).await.unwrap_err());
    }
    let url = FeedUrl::parse(&server.url(&format!("/login.ics?token={TOKEN}"))).unwrap();
    match client.fetch(&url, &opts).await.unwrap() {
        FetchOutcome::Body(body) => errors.push(body.into_calendar().unwrap_err()),
        FetchOutcome::NotModified => panic!("unexpected 304"),
    }
    // Nothing listening: a connect error.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let url = FeedUrl::parse(&format!("http://{closed}/cal.ics?token={TOKEN}")).unwrap();
    errors.push(client.fetch(&url, &opts).await.unwrap_err());
    // Userinfo too.
    let url = FeedUrl::parse(&format!("http://alice:{TOKEN}@{closed}/cal.ics")).unwrap();
    errors.push(client.fetch(&url, &opts).await.unwrap_err());

    let codes: Vec<&str> = errors.iter().map(FeedError::code).collect();
    assert_eq!(
        codes,
        [
            "http_status",
            "timeout",
            "too_large",
            "too_many_redirects",
            "network",
            "not_calendar",
            "network",
            "network"
        ]
    );
    for err in &errors {
        let shown = format!("{err} / {err:?}");
        assert!(!shown.contains(TOKEN), "token leaked: {shown}");
        assert!(
            !shown.contains("alice") && !shown.contains("token="),
            "short URL expected: {shown}"
        );
    }
}
