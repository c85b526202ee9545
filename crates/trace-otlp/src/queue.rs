//! The bounded hand-off from the server to the app, and the record file.
//!
//! A slot is reserved (a permit) before a request's body is even read, and given back when the
//! app takes the batch off the queue, so a full queue is known before anything is written: a
//! 429'd request is never in the recording, and a retried one is recorded once. Writing the line
//! and queueing it happen under one lock, so the queue's order is the file's order.

use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One accepted request, as the line written to the recording.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The request as one OTLP/JSON object (`{"resourceSpans":[...]}`), without the newline.
    pub line: String,
    /// Spans accepted in it.
    pub spans: usize,
    /// Distinct trace ids among them.
    pub traces: usize,
    /// Spans rejected from it (reported to the client as partial success).
    pub rejected: usize,
}

/// The app's end of the queue: a blocking receiver that frees a slot for every batch taken.
pub struct Lines {
    rx: Receiver<Batch>,
    used: Arc<AtomicUsize>,
}

impl Lines {
    /// Waits for the next batch; `None` once the server has stopped.
    pub fn recv(&self) -> Option<Batch> {
        let b = self.rx.recv().ok()?;
        self.used.fetch_sub(1, Ordering::AcqRel);
        Some(b)
    }

    /// The next batch if one is waiting.
    pub fn try_recv(&self) -> Result<Batch, TryRecvError> {
        let b = self.rx.try_recv()?;
        self.used.fetch_sub(1, Ordering::AcqRel);
        Ok(b)
    }

    /// Waits at most `timeout` for the next batch.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Batch, RecvTimeoutError> {
        let b = self.rx.recv_timeout(timeout)?;
        self.used.fetch_sub(1, Ordering::AcqRel);
        Ok(b)
    }
}

impl Iterator for Lines {
    type Item = Batch;
    fn next(&mut self) -> Option<Batch> {
        self.recv()
    }
}

/// The server's end: the permits, the queue sender and the record file.
pub(crate) struct Sink {
    cap: usize,
    used: Arc<AtomicUsize>,
    out: Mutex<Out>,
}

struct Out {
    tx: Option<SyncSender<Batch>>,
    record: Option<File>,
}

/// A reserved queue slot; given back on drop unless the batch was queued.
pub(crate) struct Permit {
    used: Arc<AtomicUsize>,
    queued: bool,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.queued {
            self.used.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

pub(crate) fn bounded(cap: usize, record: Option<File>) -> (Sink, Lines) {
    let (tx, rx) = std::sync::mpsc::sync_channel(cap);
    let used = Arc::new(AtomicUsize::new(0));
    let sink = Sink {
        cap,
        used: Arc::clone(&used),
        out: Mutex::new(Out {
            tx: Some(tx),
            record,
        }),
    };
    (sink, Lines { rx, used })
}

impl Sink {
    /// Reserves a slot, or `None` when the queue is full.
    pub(crate) fn reserve(&self) -> Option<Permit> {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.cap).then_some(n + 1)
            })
            .ok()?;
        Some(Permit {
            used: Arc::clone(&self.used),
            queued: false,
        })
    }

    /// Appends the line to the record file (one `write` of line and newline), then queues the
    /// batch in the slot `permit` holds. Returns once the line is written.
    pub(crate) fn commit(&self, mut permit: Permit, batch: Batch) -> std::io::Result<()> {
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(file) = out.record.as_mut() {
            let mut buf = Vec::with_capacity(batch.line.len() + 1);
            buf.extend_from_slice(batch.line.as_bytes());
            buf.push(b'\n');
            file.write_all(&buf)?;
            file.flush()?;
        }
        if let Some(tx) = &out.tx {
            match tx.try_send(batch) {
                Ok(()) => permit.queued = true,
                // The app dropped its end: keep recording, stop queueing.
                Err(TrySendError::Disconnected(_)) => out.tx = None,
                // Cannot happen: the permits never exceed the channel's capacity.
                Err(TrySendError::Full(_)) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(n: usize) -> Batch {
        Batch {
            line: format!("{{\"n\":{n}}}"),
            spans: n,
            traces: 1,
            rejected: 0,
        }
    }

    #[test]
    fn permits_bound_the_queue_and_come_back() {
        let (sink, lines) = bounded(2, None);
        let a = sink.reserve().unwrap();
        let b = sink.reserve().unwrap();
        assert!(sink.reserve().is_none());
        sink.commit(a, batch(1)).unwrap();
        drop(b); // a request that failed to decode gives its slot back
        let c = sink.reserve().unwrap();
        assert!(sink.reserve().is_none());
        sink.commit(c, batch(2)).unwrap();
        assert_eq!(lines.try_recv().unwrap().spans, 1);
        assert!(sink.reserve().is_some());
        assert_eq!(lines.recv_timeout(Duration::from_secs(1)).unwrap().spans, 2);
    }

    #[test]
    fn records_in_order_and_survives_a_dropped_receiver() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let file = File::create(&path).unwrap();
        let (sink, lines) = bounded(4, Some(file));
        drop(lines);
        for n in 0..6 {
            let p = sink.reserve().expect("slots come back once nobody reads");
            sink.commit(p, batch(n)).unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let got: Vec<&str> = text.lines().collect();
        assert_eq!(got.len(), 6);
        assert_eq!(got[5], "{\"n\":5}");
    }
}
