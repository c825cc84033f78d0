//! What the tray process and the window process say to each other: one JSON object
//! per line over the socket pair the tray process made when it started the window
//! process (the window process's standard input).
//!
//! Invariant: a line is one [`Frame`]; a line that is not one is reported and skipped,
//! never fatal, so one malformed message cannot end the windows.

use std::io::{BufRead, BufWriter, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{channel, Sender};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::commands::IpcError;
use crate::windows::WindowKind;

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "frame", rename_all = "snake_case")]
pub enum Frame {
    /// Window → tray: a webview called `command` with `args`.
    Call {
        id: u64,
        command: String,
        args: Value,
    },
    /// Tray → window: the answer to call `id`.
    Reply {
        id: u64,
        result: Result<Value, IpcError>,
    },
    /// Tray → window: an event of the contract, for every webview.
    Event { name: String, payload: Value },
    /// Tray → window: show (create or focus) a window.
    Open { seq: u64, window: WindowKind },
    /// Window → tray: the window of `Open { seq }` (or of the start-up request) is up.
    Opened { seq: u64 },
}

impl Frame {
    /// The kind of frame, for logs (a frame's payload may hold calendar text).
    pub fn kind(&self) -> &'static str {
        match self {
            Frame::Call { .. } => "call",
            Frame::Reply { .. } => "reply",
            Frame::Event { .. } => "event",
            Frame::Open { .. } => "open",
            Frame::Opened { .. } => "opened",
        }
    }
}

/// Writes one frame as a line.
pub fn write(out: &mut impl Write, frame: &Frame) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(frame).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// Starts the thread that writes what is sent to the returned sender to `stream`, in
/// order; it ends when every sender is dropped or the other side is gone.
pub fn writer(stream: UnixStream, name: &str) -> std::io::Result<Sender<Frame>> {
    let (outbox, queue) = channel::<Frame>();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let mut out = BufWriter::new(stream);
            for frame in queue {
                if write(&mut out, &frame).is_err() {
                    break;
                }
            }
        })?;
    Ok(outbox)
}

/// Reads frames until the other side closes (`Ok(())`) or the read fails; `on_frame`
/// gets each one. Lines that are not frames are reported on stderr and skipped.
pub fn read(
    input: impl BufRead,
    who: &str,
    mut on_frame: impl FnMut(Frame),
) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Frame>(&line) {
            Ok(frame) => on_frame(frame),
            Err(e) => eprintln!("traycal: {who}: skipped a malformed message: {e}"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::IpcErrorCode;

    #[test]
    fn frames_round_trip_one_per_line_and_garbage_is_skipped() {
        let frames = vec![
            Frame::Call {
                id: 1,
                command: "agenda".into(),
                args: serde_json::json!({"from": 1, "to": 2}),
            },
            Frame::Reply {
                id: 1,
                result: Err(IpcError::new(IpcErrorCode::StoreNotFound, "no event 4")),
            },
            Frame::Reply {
                id: 2,
                result: Ok(serde_json::json!([1, 2])),
            },
            Frame::Event {
                name: "mirror-changed".into(),
                payload: serde_json::json!({"reason": "sync"}),
            },
            Frame::Open {
                seq: 3,
                window: WindowKind::Settings,
            },
            Frame::Opened { seq: 3 },
        ];
        let mut out = Vec::new();
        for (i, frame) in frames.iter().enumerate() {
            write(&mut out, frame).unwrap();
            if i == 2 {
                out.extend_from_slice(b"not json\n\n{\"frame\":\"nonsense\"}\n");
            }
        }
        let mut read_back = Vec::new();
        read(out.as_slice(), "test", |f| read_back.push(f)).unwrap();
        assert_eq!(read_back, frames);
    }
}
