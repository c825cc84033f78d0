//! A loopback proxy in front of a real CalDAV server that makes it a server without
//! `sync-collection` (RFC 6578), as older or minimal servers are: a `sync-collection`
//! REPORT is refused (403 `DAV:supported-report`), and the collection's
//! `DAV:sync-token` property is taken out of `PROPFIND` answers. Everything else goes
//! to the real server byte for byte, so the getctag, listing and multiget a client
//! falls back to are the real server's. It records every request's method and kind.
//!
//! One connection per request (the proxy answers with `Connection: close`); bodies
//! are asked for uncompressed, so the answers can be edited.
// Test support: a proxy that cannot run must fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// The proxy; it runs until the test process ends.
pub struct DavProxy {
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl DavProxy {
    /// A proxy to `upstream` (`http://127.0.0.1:PORT/`) without `sync-collection`.
    pub fn without_sync_collection(upstream: &str) -> DavProxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (upstream, log) = (upstream.clone(), log.clone());
                thread::spawn(move || serve(stream, &upstream, &log));
            }
        });
        DavProxy { url, seen }
    }

    /// The requests so far, as `METHOD` or `REPORT kind` (`REPORT sync-collection`,
    /// `REPORT calendar-query`, `REPORT calendar-multiget`).
    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Forgets the requests so far.
    pub fn clear(&self) {
        self.seen.lock().unwrap().clear();
    }
}

fn serve(stream: TcpStream, upstream: &str, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = Vec::new();
    let mut length = 0usize;
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        // Uncompressed answers (they are edited), one request per connection.
        if lower.starts_with("accept-encoding:") || lower.starts_with("connection:") {
            continue;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let method = request_line.split(' ').next().unwrap_or("").to_string();
    let text = String::from_utf8_lossy(&body);
    let kind = ["sync-collection", "calendar-query", "calendar-multiget"]
        .into_iter()
        .find(|k| text.contains(k));
    log.lock().unwrap().push(match (method.as_str(), kind) {
        ("REPORT", Some(k)) => format!("REPORT {k}"),
        _ => method.clone(),
    });
    let mut out = stream;
    if method == "REPORT" && kind == Some("sync-collection") {
        let refusal = r#"<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>"#;
        let _ = write!(
            out,
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{refusal}",
            refusal.len()
        );
        return;
    }
    let mut up = TcpStream::connect(upstream).unwrap();
    up.write_all(request_line.as_bytes()).unwrap();
    up.write_all(&head).unwrap();
    up.write_all(b"Connection: close\r\n\r\n").unwrap();
    up.write_all(&body).unwrap();
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).unwrap();
    if method == "PROPFIND" {
        answer = without_sync_token(&answer);
    }
    let _ = out.write_all(&answer);
}

/// An HTTP answer with every `sync-token` element taken out of its body, its
/// `Content-Length` set again.
fn without_sync_token(answer: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return answer.to_vec();
    };
    let mut body = body.to_string();
    while let Some(start) = find_open(&body, "sync-token") {
        let Some(open_end) = body[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let close = if body[..open_end].ends_with("/>") {
            open_end
        } else {
            match body[open_end..].find("sync-token>") {
                Some(i) => open_end + i + "sync-token>".len(),
                None => break,
            }
        };
        body.replace_range(start..close, "");
    }
    let head: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("content-length:"))
        .collect();
    format!(
        "{}\r\nContent-Length: {}\r\n\r\n{body}",
        head.join("\r\n"),
        body.len()
    )
    .into_bytes()
}

/// Where the first opening tag of `name` (any prefix) starts.
fn find_open(body: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = body[from..].find(name) {
        let at = from + i;
        let before = &body[..at];
        let open = before.rfind('<')?;
        let between = &before[open + 1..];
        if !between.starts_with('/') && !between.contains('>') && !between.contains(' ') {
            return Some(open);
        }
        from = at + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_tokens_are_taken_out() {
        let a = "HTTP/1.0 207 Multi-Status\r\nContent-Length: 999\r\n\r\n<m><prop><sync-token>http://x/1</sync-token><CS:getctag>\"t\"</CS:getctag></prop><D:sync-token/></m>";
        let out = String::from_utf8(without_sync_token(a.as_bytes())).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert_eq!(body, "<m><prop><CS:getctag>\"t\"</CS:getctag></prop></m>");
        assert!(head.ends_with(&format!("Content-Length: {}", body.len())));
    }
}
