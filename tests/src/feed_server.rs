//! A scripted HTTP/1.1 feed server on 127.0.0.1 for provider and engine tests.
//!
//! Small on purpose (tokio + a hand-written HTTP/1.1 subset) so each
//! misbehaviour a real feed host shows can be scripted exactly: lying
//! Content-Length, chunked bodies with no length, redirect chains, slow
//! answers, 503 + Retry-After, HTML login pages.
//!
//! Invariants:
//! - Routes are matched on the path without the query; every request is
//!   recorded (method, target, headers) before it is answered, so a test can
//!   assert what the client sent even when the answer is a 304 or a stall.
//! - Routes can be replaced while the server runs; a request sees the route as
//!   it was when the request arrived.
//! - Dropping the server stops the accept loop and every open connection.
//! - Keep-alive is supported (clients reuse connections) except for routes
//!   that must close the connection (`truncated`).

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Upper bound on a request head; anything bigger is answered with 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The request target as sent (path and query).
    pub target: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// First value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a path answers. Build with [`Route::ics`], [`Route::html`],
/// [`Route::body`] or [`Route::redirect`], then chain behaviours.
#[derive(Clone, Debug)]
pub struct Route {
    status: u16,
    body: Vec<u8>,
    content_type: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    gzip: bool,
    retry_after: Option<String>,
    location: Option<String>,
    delay: Duration,
    truncate_at: Option<usize>,
    chunked: bool,
    extra_headers: Vec<(String, String)>,
}

impl Route {
    /// `200`, `text/calendar; charset=utf-8`.
    pub fn ics(body: impl Into<Vec<u8>>) -> Route {
        Route::body(body, "text/calendar; charset=utf-8")
    }

    /// `200`, `text/html; charset=utf-8` (login walls, error pages).
    pub fn html(body: impl Into<Vec<u8>>) -> Route {
        Route::body(body, "text/html; charset=utf-8")
    }

    /// `200` with any body and content type.
    pub fn body(body: impl Into<Vec<u8>>, content_type: &str) -> Route {
        Route {
            status: 200,
            body: body.into(),
            content_type: Some(content_type.to_string()),
            etag: None,
            last_modified: None,
            gzip: false,
            retry_after: None,
            location: None,
            delay: Duration::ZERO,
            truncate_at: None,
            chunked: false,
            extra_headers: Vec::new(),
        }
    }

    /// `302` to `location` (a path on this server, or an absolute URL).
    pub fn redirect(location: &str) -> Route {
        Route::body(Vec::new(), "text/plain").redirect_to(location)
    }

    /// Turns this route into a redirect (`302` unless a 3xx status was set).
    pub fn redirect_to(mut self, location: &str) -> Route {
        if !(300..400).contains(&self.status) {
            self.status = 302;
        }
        self.location = Some(location.to_string());
        self
    }

    /// Sends this ETag and answers `304` when `If-None-Match` matches it.
    pub fn with_etag(mut self, etag: &str) -> Route {
        self.etag = Some(etag.to_string());
        self
    }

    /// Sends this Last-Modified and answers `304` when `If-Modified-Since`
    /// equals it (and no `If-None-Match` was sent, RFC 9110 §13.2.2).
    pub fn with_last_modified(mut self, http_date: &str) -> Route {
        self.last_modified = Some(http_date.to_string());
        self
    }

    /// Gzip the body when the request's Accept-Encoding allows it.
    pub fn gzip(mut self) -> Route {
        self.gzip = true;
        self
    }

    pub fn status(mut self, status: u16) -> Route {
        self.status = status;
        self
    }

    pub fn retry_after(mut self, value: &str) -> Route {
        self.retry_after = Some(value.to_string());
        self
    }

    /// Waits this long before sending anything (timeouts).
    pub fn delay(mut self, delay: Duration) -> Route {
        self.delay = delay;
        self
    }

    /// Declares the full Content-Length but sends only the first `sent_bytes`
    /// of the body, then closes the connection.
    pub fn truncated(mut self, sent_bytes: usize) -> Route {
        self.truncate_at = Some(sent_bytes);
        self
    }

    /// `Transfer-Encoding: chunked`, no Content-Length.
    pub fn chunked_without_length(mut self) -> Route {
        self.chunked = true;
        self
    }

    /// Any extra response header.
    pub fn header(mut self, name: &str, value: &str) -> Route {
        self.extra_headers
            .push((name.to_string(), value.to_string()));
        self
    }
}

#[derive(Default)]
struct ServerState {
    routes: HashMap<String, Route>,
    requests: Vec<RecordedRequest>,
}

/// The running server. See the module docs.
pub struct FeedServer {
    addr: SocketAddr,
    state: Arc<Mutex<ServerState>>,
    accept_loop: JoinHandle<()>,
}

impl FeedServer {
    /// Binds 127.0.0.1 on a free port and starts serving. Panics if binding
    /// fails (a test cannot run without it); see [`FeedServer::try_start`].
    pub async fn start() -> FeedServer {
        match FeedServer::try_start().await {
            Ok(server) => server,
            Err(err) => panic!("feed server could not bind 127.0.0.1:0: {err}"),
        }
    }

    pub async fn try_start() -> std::io::Result<FeedServer> {
        FeedServer::try_start_on(0).await
    }

    /// A server on a given loopback port (`0`: any free one), for data that names
    /// its URL already (a fixture written by an earlier build).
    pub async fn try_start_on(port: u16) -> std::io::Result<FeedServer> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(ServerState::default()));
        let accept_state = Arc::clone(&state);
        let accept_loop = tokio::spawn(async move {
            // Owning the JoinSet here means aborting this task drops it, which
            // aborts every connection task too.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            connections.spawn(serve_connection(stream, addr, Arc::clone(&accept_state)));
                        }
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok(FeedServer {
            addr,
            state,
            accept_loop,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT{path}`
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Adds or replaces the route for `path` (query ignored).
    pub fn set_route(&self, path: &str, route: Route) {
        self.lock().routes.insert(path.to_string(), route);
    }

    /// A function that replaces the route for `path`, usable from another task
    /// while the server runs (a feed that changes under concurrent syncs).
    pub fn route_setter(&self, path: &str) -> impl Fn(Route) + Send + Sync + 'static {
        let state = Arc::clone(&self.state);
        let path = path.to_string();
        move |route| {
            lock_state(&state).routes.insert(path.clone(), route);
        }
    }

    pub fn remove_route(&self, path: &str) {
        self.lock().routes.remove(path);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Requests for `path` so far.
    pub fn requests_for(&self, path: &str) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// How many requests hit `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    fn lock(&self) -> MutexGuard<'_, ServerState> {
        lock_state(&self.state)
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

fn lock_state(state: &Mutex<ServerState>) -> MutexGuard<'_, ServerState> {
    // A panicking test thread must not take the server down with it.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn serve_connection(stream: TcpStream, addr: SocketAddr, state: Arc<Mutex<ServerState>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let request = match read_request(&mut reader).await {
            Ok(Some(request)) => request,
            Ok(None) | Err(_) => return,
        };
        let route = {
            let mut guard = lock_state(&state);
            guard.requests.push(request.clone());
            guard.routes.get(&request.path).cloned()
        };
        let keep_open = match route {
            Some(route) => respond(reader.get_mut(), addr, &request, &route).await,
            None => {
                let body = format!("no route for {}\n", request.path);
                write_simple(
                    reader.get_mut(),
                    404,
                    "text/plain",
                    body.as_bytes(),
                    &request,
                )
                .await
            }
        };
        if !keep_open.unwrap_or(false) {
            let _ = reader.get_mut().shutdown().await;
            return;
        }
    }
}

/// Reads one request head (and discards a Content-Length body). `None` on a
/// clean close.
async fn read_request(
    reader: &mut BufReader<TcpStream>,
) -> std::io::Result<Option<RecordedRequest>> {
    let mut line = String::new();
    let mut head_bytes = 0;
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let path = target.split('?').next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).await?;
        head_bytes += n;
        if n == 0 || head_bytes > MAX_HEAD_BYTES {
            return Ok(None);
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let body_len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(0);
    if body_len > 0 {
        let mut sink = Vec::new();
        (&mut *reader).take(body_len).read_to_end(&mut sink).await?;
    }
    Ok(Some(RecordedRequest {
        method,
        path,
        target,
        headers,
    }))
}

fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    // Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let etag = strip(etag);
    if_none_match
        .split(',')
        .any(|candidate| candidate.trim() == "*" || strip(candidate) == etag)
}

/// Writes the scripted answer; returns whether the connection may be reused.
async fn respond(
    stream: &mut TcpStream,
    addr: SocketAddr,
    request: &RecordedRequest,
    route: &Route,
) -> std::io::Result<bool> {
    if !route.delay.is_zero() {
        tokio::time::sleep(route.delay).await;
    }
    let not_modified = route.status == 200
        && match (
            request.header("if-none-match"),
            &route.etag,
            request.header("if-modified-since"),
            &route.last_modified,
        ) {
            (Some(inm), Some(etag), _, _) => etag_matches(inm, etag),
            (Some(_), None, _, _) => false,
            (None, _, Some(ims), Some(lm)) => ims.trim() == lm.trim(),
            _ => false,
        };
    let status = if not_modified { 304 } else { route.status };

    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    let mut push = |name: &str, value: &str| {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    };
    if let Some(etag) = &route.etag {
        push("ETag", etag);
    }
    if let Some(lm) = &route.last_modified {
        push("Last-Modified", lm);
    }
    if let Some(location) = &route.location {
        let absolute = if location.starts_with('/') {
            format!("http://{addr}{location}")
        } else {
            location.clone()
        };
        push("Location", &absolute);
    }
    if let Some(retry_after) = &route.retry_after {
        push("Retry-After", retry_after);
    }
    for (name, value) in &route.extra_headers {
        push(name, value);
    }
    if not_modified {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(b"\r\n").await?;
        stream.flush().await?;
        return Ok(true);
    }

    if let Some(ct) = &route.content_type {
        push("Content-Type", ct);
    }
    let accepts_gzip = request
        .header("accept-encoding")
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let body = if route.gzip && accepts_gzip {
        push("Content-Encoding", "gzip");
        gzip(&route.body)?
    } else {
        route.body.clone()
    };
    let send_body = request.method != "HEAD";

    if route.chunked {
        push("Transfer-Encoding", "chunked");
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(b"\r\n").await?;
        if send_body {
            for chunk in body.chunks(16 * 1024) {
                stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
                stream.write_all(chunk).await?;
                stream.write_all(b"\r\n").await?;
            }
            stream.write_all(b"0\r\n\r\n").await?;
        }
        stream.flush().await?;
        return Ok(true);
    }

    push("Content-Length", &body.len().to_string());
    if route.truncate_at.is_some() {
        push("Connection", "close");
    }
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(b"\r\n").await?;
    if send_body {
        let sent = route.truncate_at.map_or(body.len(), |n| n.min(body.len()));
        stream.write_all(&body[..sent]).await?;
    }
    stream.flush().await?;
    Ok(route.truncate_at.is_none())
}

async fn write_simple(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    request: &RecordedRequest,
) -> std::io::Result<bool> {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        reason(status),
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    if request.method != "HEAD" {
        stream.write_all(body).await?;
    }
    stream.flush().await?;
    Ok(true)
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
