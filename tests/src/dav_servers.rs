//! The real CalDAV servers of `../shared/servers/` (Radicale, Cyrus, sabre/dav),
//! started on 127.0.0.1 with a private data directory for one test, stopped (and
//! started again on the same data) at the test's word, stopped when dropped; and a
//! plain-HTTP client (`curl`) that reads and writes behind Traycal's back.
//!
//! A server that cannot start fails the test with its script's reason: a test that
//! needs a server never skips.
// Test support: a server that cannot start must fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::corpus::workspace_root;

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DavKind {
    Radicale,
    Cyrus,
    Sabre,
}

impl DavKind {
    pub const ALL: [DavKind; 3] = [DavKind::Radicale, DavKind::Cyrus, DavKind::Sabre];

    fn folder(self) -> &'static str {
        match self {
            DavKind::Radicale => "radicale",
            DavKind::Cyrus => "cyrus",
            DavKind::Sabre => "sabre-dav",
        }
    }

    /// The path of `user`'s default calendar (see the servers' README).
    pub fn calendar_path(self, user: &str) -> String {
        match self {
            DavKind::Radicale => format!("/{user}/calendar/"),
            DavKind::Cyrus => format!("/dav/calendars/user/{user}/Default/"),
            DavKind::Sabre => format!("/calendars/{user}/calendar/"),
        }
    }
}

/// A running server (stopped on drop).
pub struct DavServer {
    pub kind: DavKind,
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    pub port: u16,
    data: tempfile::TempDir,
    pids: Vec<u32>,
}

fn servers_dir() -> PathBuf {
    workspace_root().join("..").join("shared").join("servers")
}

fn free_port() -> u16 {
    let l = TcpListener::bind(("127.0.0.1", 0)).expect("a free loopback port");
    l.local_addr().expect("its address").port()
}

impl DavServer {
    /// Starts `kind` on a free port with a new data directory.
    pub fn start(kind: DavKind) -> DavServer {
        let data = tempfile::tempdir().expect("a temp dir");
        let mut server = DavServer {
            kind,
            url: String::new(),
            port: free_port(),
            data,
            pids: Vec::new(),
        };
        server.run_start_script();
        server
    }

    fn run_start_script(&mut self) {
        let script = servers_dir().join(self.kind.folder()).join("start.sh");
        let out = Command::new(&script)
            .arg(self.data.path())
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{} cannot run: {e}", script.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let ready = stdout.lines().find(|l| l.starts_with("READY "));
        let Some(ready) = ready.filter(|_| out.status.success()) else {
            panic!(
                "{:?} did not start ({}): {}\n{}",
                self.kind,
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let field = |k: &str| {
            ready
                .split_whitespace()
                .find_map(|f| f.strip_prefix(k).map(str::to_string))
        };
        self.url = field("url=").expect("READY names the url");
        let pids = field("pids=")
            .or_else(|| field("pid="))
            .expect("READY names the pid");
        self.pids = pids.split(',').filter_map(|p| p.parse().ok()).collect();
    }

    /// Radicale where `reader` may read `owner`'s collections but not change them
    /// (a calendar shared read-only): started by its script (users, venv, config),
    /// then again with rights from a file instead of `owner_only`.
    pub fn radicale_sharing(owner: &str, reader: &str) -> DavServer {
        let mut server = DavServer::start(DavKind::Radicale);
        server.stop();
        let dir = server.data.path().to_path_buf();
        let rights = dir.join("rights");
        std::fs::write(
            &rights,
            format!(
                "[owner]\nuser: .+\ncollection: {{user}}(/.*)?\npermissions: RrWw\n\n\
                 [shared]\nuser: {reader}\ncollection: {owner}(/.*)?\npermissions: Rr\n\n\
                 [root]\nuser: .+\ncollection:\npermissions: R\n"
            ),
        )
        .expect("the rights file");
        let config = dir.join("config");
        let text = std::fs::read_to_string(&config).expect("Radicale's config");
        assert!(text.contains("type = owner_only"), "{text}");
        let text = text.replace(
            "type = owner_only",
            &format!("type = from_file\nfile = {}", rights.display()),
        );
        std::fs::write(&config, text).expect("Radicale's config");
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache")
            });
        let python = cache.join("traycal-servers/radicale-venv/bin/python");
        // In a session of its own, as the scripts start servers: stopped as a group.
        let mut child = Command::new("setsid")
            .arg(&python)
            .args(["-m", "radicale", "--config"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} cannot run: {e}", python.display()));
        server.pids = vec![child.id()];
        // Reaped when it ends (stopped with its group by `stop`).
        std::thread::spawn(move || {
            let _ = child.wait();
        });
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "Radicale did not listen again");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Stops the server (its data stays) and waits until its port is free.
    pub fn stop(&mut self) {
        // Each server runs in its own session: its whole process group goes. (A Cyrus
        // master sent SIGTERM alone while clients were connected was seen to spin at
        // full CPU with its children left as zombies.)
        let pids: Vec<u32> = self.pids.drain(..).collect();
        let signal = |sig: &str| {
            for pid in &pids {
                let _ = Command::new("kill")
                    .args([sig, "--", &format!("-{pid}")])
                    .status();
            }
        };
        signal("-TERM");
        // Free once a connection is refused. A connect with no timeout can hang for
        // minutes on a socket still bound by a dying process (SYN retries), so each
        // try is bounded.
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut killed = false;
        loop {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
                _ if Instant::now() > deadline => break,
                _ if !killed && Instant::now() + Duration::from_secs(10) > deadline => {
                    signal("-KILL");
                    killed = true;
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Starts the server again on the same data and port.
    pub fn restart(&mut self) {
        self.stop();
        self.run_start_script();
    }

    /// `user`'s default calendar as a URL.
    pub fn calendar_url(&self, user: &str) -> String {
        format!(
            "{}{}",
            self.url.trim_end_matches('/'),
            self.kind.calendar_path(user)
        )
    }

    /// A plain-HTTP client of this server, signed in as `user` / `secret`.
    pub fn curl(&self, user: &str) -> Curl {
        Curl {
            user: user.to_string(),
        }
    }
}

impl Drop for DavServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An independent client: `curl`, nothing of Traycal's.
pub struct Curl {
    user: String,
}

/// A plain answer: status, headers (lower-case names) and body.
#[derive(Debug, Clone)]
pub struct CurlAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl CurlAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Curl {
    /// One request; `headers` as `Name: value`.
    pub fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[&str],
        body: Option<&str>,
    ) -> CurlAnswer {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-i", "-X", method, "-u"])
            .arg(format!("{}:secret", self.user))
            .arg(url);
        for h in headers {
            cmd.arg("-H").arg(h);
        }
        if let Some(b) = body {
            cmd.arg("--data-binary").arg(b);
        }
        let out = cmd.output().expect("curl runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        parse_curl(&text)
    }

    /// `GET url`.
    pub fn get(&self, url: &str) -> CurlAnswer {
        self.request("GET", url, &[], None)
    }

    /// `PUT url` of an iCalendar body, unconditionally (another client's write).
    pub fn put(&self, url: &str, body: &str) -> CurlAnswer {
        self.request(
            "PUT",
            url,
            &["Content-Type: text/calendar; charset=utf-8"],
            Some(body),
        )
    }

    /// `DELETE url`, unconditionally.
    pub fn delete(&self, url: &str) -> CurlAnswer {
        self.request("DELETE", url, &[], None)
    }

    /// The member hrefs of a calendar (a `PROPFIND Depth: 1`, the collection left out).
    pub fn members(&self, calendar_url: &str) -> Vec<String> {
        let a = self.request(
            "PROPFIND",
            calendar_url,
            &["Depth: 1", "Content-Type: application/xml"],
            Some(r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>"#),
        );
        let path = calendar_url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_default();
        let mut out = Vec::new();
        // Every `<…href>VALUE</…href>`: the text after an opening tag up to the next `<`.
        for piece in a.body.split("href>").skip(1).step_by(2) {
            let href = piece.split('<').next().unwrap_or("").trim();
            let bare = href
                .split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
                .unwrap_or_else(|| href.to_string());
            if !bare.is_empty() && bare.trim_end_matches('/') != path.trim_end_matches('/') {
                out.push(bare);
            }
        }
        out
    }
}

fn parse_curl(text: &str) -> CurlAnswer {
    // Skip interim answers (100 Continue) and keep the last head.
    let mut rest = text;
    loop {
        let Some((head, body)) = rest.split_once("\r\n\r\n") else {
            return CurlAnswer {
                status: 0,
                headers: Vec::new(),
                body: rest.to_string(),
            };
        };
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if status == 100 || (301..=308).contains(&status) && body.starts_with("HTTP/") {
            rest = body;
            continue;
        }
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        return CurlAnswer {
            status,
            headers,
            body: body.to_string(),
        };
    }
}
