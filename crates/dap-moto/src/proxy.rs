//! A loopback HTTP proxy in front of moto that injects faults on a fixed schedule.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{Error, MAX_LIFETIME};

/// One kind of injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// A throttling answer: HTTP 400 `Throttling` for the query protocol (CloudFormation,
    /// STS), HTTP 503 `SlowDown` for S3.
    Throttle,
    /// HTTP 500 `InternalFailure` (`InternalError` for S3).
    ServerError,
    /// The connection is closed after the request was read, without an answer.
    Reset,
    /// The request is forwarded and moto performs it, but its answer is dropped and the
    /// connection closed: the write happened, the client never hears of it.
    LostResponse,
}

/// When and how many faults [`FaultProxy`] injects.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Every `every`-th request (counting from 1) gets a fault instead of an answer.
    pub every: usize,
    /// The faults, used in turn.
    pub kinds: Vec<Fault>,
    /// At most this many faults; later requests all pass.
    pub limit: usize,
    /// Only the first request of each of these operations gets a fault (`CreateStack`, the
    /// query protocol's `Action`, or `CreateStack dap-local-audit` for one stack's; `S3 PUT`
    /// for S3 by method), and `every` is ignored; empty: every `every`-th request.
    pub operations: Vec<String>,
}

impl Schedule {
    /// `fault` on the first request of each of `operations`.
    pub fn first_of(operations: &[&str], fault: Fault) -> Schedule {
        Schedule {
            every: 1,
            kinds: vec![fault],
            limit: operations.len(),
            operations: operations.iter().map(|o| (*o).to_owned()).collect(),
        }
    }
}

impl Default for Schedule {
    /// Every 4th request, throttling, HTTP 500 and a reset in turn, 6 faults at most.
    fn default() -> Self {
        Schedule {
            every: 4,
            kinds: vec![Fault::Throttle, Fault::ServerError, Fault::Reset],
            limit: 6,
            operations: Vec::new(),
        }
    }
}

/// What a [`FaultProxy`] has seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyCounts {
    /// Requests received (faulted ones included).
    pub requests: usize,
    /// Requests passed to moto.
    pub forwarded: usize,
    /// Faults injected, by kind, in order of [`Fault`].
    pub faults: Vec<(Fault, usize)>,
}

impl ProxyCounts {
    /// All faults injected.
    pub fn total_faults(&self) -> usize {
        self.faults.iter().map(|(_, n)| n).sum()
    }
}

struct Shared {
    target: u16,
    schedule: Schedule,
    requests: AtomicUsize,
    forwarded: AtomicUsize,
    faults: Mutex<Vec<Fault>>,
    /// Targets of [`Schedule::operations`] whose first request already got its fault.
    faulted_operations: Mutex<Vec<String>>,
    /// Every request, in arrival order: `CreateStack dap-local-lock`, `S3 PUT /bucket/key`;
    /// with ` (fault)` when it got one.
    log: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// A proxy on `127.0.0.1` that forwards each request to a moto port, except every
/// [`Schedule::every`]-th, which gets a fault. One request per connection (answers carry
/// `Connection: close`). It stops when dropped, and by itself after [`MAX_LIFETIME`].
///
/// ```no_run
/// let moto = dap_moto::Moto::start().unwrap();
/// let proxy = dap_moto::FaultProxy::start(moto.port(), Default::default()).unwrap();
/// // point clients at proxy.endpoint(), then:
/// println!("{:?}", proxy.counts());
/// ```
pub struct FaultProxy {
    shared: Arc<Shared>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listen on a free loopback port, forwarding to moto on `target` (its port).
    pub fn start(target: u16, schedule: Schedule) -> Result<FaultProxy, Error> {
        let fail = |e: io::Error| Error::Request {
            request: "start the fault proxy".to_owned(),
            reason: e.to_string(),
        };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(fail)?;
        listener.set_nonblocking(true).map_err(fail)?;
        let port = listener.local_addr().map_err(fail)?.port();
        let shared = Arc::new(Shared {
            target,
            schedule,
            requests: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
            faults: Mutex::new(Vec::new()),
            faulted_operations: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accept = Arc::clone(&shared);
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            while !accept.stop.load(Ordering::SeqCst) && started.elapsed() < MAX_LIFETIME {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let one = Arc::clone(&accept);
                        std::thread::spawn(move || {
                            let _ = serve(&one, stream);
                        });
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(FaultProxy {
            shared,
            port,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far, in arrival order: the operation and the stack it names
    /// (`CreateStack dap-local-lock`, `DescribeStacks`), or `S3 <method> <path>`; ` (fault)`
    /// marks those that got one.
    pub fn log(&self) -> Vec<String> {
        self.shared.log.lock().expect("log lock").clone()
    }

    /// What it has seen so far.
    pub fn counts(&self) -> ProxyCounts {
        let faults = self.shared.faults.lock().expect("faults lock");
        let mut by_kind: Vec<(Fault, usize)> = Vec::new();
        for f in faults.iter() {
            match by_kind.iter_mut().find(|(k, _)| k == f) {
                Some((_, n)) => *n += 1,
                None => by_kind.push((*f, 1)),
            }
        }
        by_kind.sort();
        ProxyCounts {
            requests: self.shared.requests.load(Ordering::SeqCst),
            forwarded: self.shared.forwarded.load(Ordering::SeqCst),
            faults: by_kind,
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The fault for request number `n` (from 1) of operation `operation`, if any, recorded.
fn fault_for(shared: &Shared, n: usize, operation: &str) -> Option<Fault> {
    let s = &shared.schedule;
    if !s.operations.is_empty() {
        // `CreateStack` matches every stack's; `CreateStack dap-local-audit` only that one.
        let matches = |o: &String| {
            operation == o.as_str()
                || operation
                    .strip_prefix(o.as_str())
                    .is_some_and(|rest| rest.starts_with(' '))
        };
        let mut done = shared.faulted_operations.lock().expect("faults lock");
        let target = s
            .operations
            .iter()
            .find(|o| matches(o) && !done.contains(o))?;
        if s.kinds.is_empty() {
            return None;
        }
        done.push(target.clone());
        let mut faults = shared.faults.lock().expect("faults lock");
        let fault = s.kinds[faults.len() % s.kinds.len()];
        faults.push(fault);
        return Some(fault);
    }
    if s.every == 0 || s.kinds.is_empty() || !n.is_multiple_of(s.every) {
        return None;
    }
    let mut faults = shared.faults.lock().expect("faults lock");
    if faults.len() >= s.limit {
        return None;
    }
    let fault = s.kinds[faults.len() % s.kinds.len()];
    faults.push(fault);
    Some(fault)
}

/// Read one request, then answer it with a fault or moto's answer, and close.
fn serve(shared: &Shared, mut client: TcpStream) -> io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(Duration::from_secs(60)))?;
    let (head, body) = read_request(&mut client)?;
    let n = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let s3 = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("authorization:") && l.contains("/s3/"));
    let operation = operation_of(&head, &body, s3);
    let fault = fault_for(shared, n, &operation);
    shared.log.lock().expect("log lock").push(match fault {
        Some(f) => format!("{operation} (fault: {f:?})"),
        None => operation,
    });
    let json = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("x-amz-target:"));
    match fault {
        Some(Fault::Reset) => return Ok(()), // dropped: the client sees the connection close
        Some(Fault::LostResponse) => {}      // forwarded below, the answer dropped
        Some(fault) => {
            let (status, body, content_type) = if json {
                let (status, body) = fault_answer_json(fault);
                (status, body, "application/x-amz-json-1.1")
            } else {
                let (status, body) = fault_answer(fault, s3);
                (
                    status,
                    body,
                    if s3 { "application/xml" } else { "text/xml" },
                )
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            return client.write_all(answer.as_bytes());
        }
        None => {}
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, shared.target));
    let mut upstream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    upstream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut forwarded = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") || lower.starts_with("expect:") {
            continue;
        }
        forwarded.push_str(line);
        forwarded.push_str("\r\n");
    }
    forwarded.push_str("Connection: close\r\n\r\n");
    upstream.write_all(forwarded.as_bytes())?;
    upstream.write_all(&body)?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer)?;
    shared.forwarded.fetch_add(1, Ordering::SeqCst);
    if fault == Some(Fault::LostResponse) {
        return Ok(()); // moto did it; the client sees the connection close
    }
    let split = find(&answer, b"\r\n\r\n").unwrap_or(answer.len());
    let mut out = String::new();
    for line in String::from_utf8_lossy(&answer[..split]).split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") || lower.starts_with("keep-alive:") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    client.write_all(out.as_bytes())?;
    client.write_all(answer.get(split + 4..).unwrap_or_default())?;
    client.flush()
}

/// The status line and JSON body of a fault, for the JSON protocols (KMS, CloudWatch Logs,
/// CloudTrail, Glue).
fn fault_answer_json(fault: Fault) -> (&'static str, String) {
    let (status, code, message) = match fault {
        Fault::Throttle => ("400 Bad Request", "ThrottlingException", "Rate exceeded"),
        _ => (
            "500 Internal Server Error",
            "InternalFailure",
            "injected server error",
        ),
    };
    (
        status,
        format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
    )
}

/// The status line and XML body of a fault.
fn fault_answer(fault: Fault, s3: bool) -> (&'static str, String) {
    let (status, code, message) = match (fault, s3) {
        (Fault::Throttle, false) => ("400 Bad Request", "Throttling", "Rate exceeded"),
        (Fault::Throttle, true) => (
            "503 Slow Down",
            "SlowDown",
            "Please reduce your request rate.",
        ),
        (_, false) => (
            "500 Internal Server Error",
            "InternalFailure",
            "injected server error",
        ),
        (_, true) => (
            "500 Internal Server Error",
            "InternalError",
            "injected server error",
        ),
    };
    let body = if s3 {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>dap-fault</RequestId></Error>")
    } else {
        format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>dap-fault</RequestId></ErrorResponse>")
    };
    (status, body)
}

/// `CreateStack dap-local-lock` for a query-protocol request (its `Action` and `StackName`),
/// `S3 PUT /bucket/key` for S3, the `X-Amz-Target` for JSON protocols.
fn operation_of(head: &str, body: &[u8], s3: bool) -> String {
    let request_line = head.lines().next().unwrap_or_default();
    if s3 {
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default();
        let path = parts.next().unwrap_or_default();
        return format!("S3 {method} {}", path.split('?').next().unwrap_or_default());
    }
    let form = String::from_utf8_lossy(body);
    let param = |name: &str| {
        form.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.replace("%2F", "/").replace("%3A", ":"))
        })
    };
    if let Some(action) = param("Action") {
        return match param("StackName") {
            Some(stack) => format!("{action} {stack}"),
            None => action,
        };
    }
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("x-amz-target")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_else(|| request_line.to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The request head (without its final blank line) and body, by `Content-Length` or
/// chunked encoding. Answers `100 Continue` when asked to.
fn read_request(client: &mut TcpStream) -> io::Result<(String, Vec<u8>)> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let split = loop {
        if let Some(i) = find(&raw, b"\r\n\r\n") {
            break i;
        }
        let n = client.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        client.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while body.len() < len {
            let n = client.read(&mut buf)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            body.extend_from_slice(&buf[..n]);
        }
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        while !body.ends_with(b"0\r\n\r\n") {
            let n = client.read(&mut buf)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            body.extend_from_slice(&buf[..n]);
        }
    }
    Ok((head, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fourth_request_in_turn_up_to_the_limit() {
        let shared = Shared {
            target: 0,
            schedule: Schedule {
                limit: 4,
                ..Schedule::default()
            },
            requests: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
            faults: Mutex::new(Vec::new()),
            faulted_operations: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        };
        let got: Vec<Option<Fault>> = (1..=20).map(|n| fault_for(&shared, n, "X")).collect();
        let faulted: Vec<(usize, Fault)> = got
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.map(|f| (i + 1, f)))
            .collect();
        assert_eq!(
            faulted,
            [
                (4, Fault::Throttle),
                (8, Fault::ServerError),
                (12, Fault::Reset),
                (16, Fault::Throttle)
            ]
        );
    }

    #[test]
    fn throttling_answers_per_protocol() {
        let (status, body) = fault_answer(Fault::Throttle, false);
        assert_eq!(status, "400 Bad Request");
        assert!(body.contains("<Code>Throttling</Code>"));
        let (status, body) = fault_answer(Fault::Throttle, true);
        assert_eq!(status, "503 Slow Down");
        assert!(body.contains("<Code>SlowDown</Code>"));
    }
}

#[cfg(test)]
mod targeted {
    use super::*;

    #[test]
    fn the_first_request_of_each_named_operation_only() {
        let shared = Shared {
            target: 0,
            schedule: Schedule::first_of(&["CreateStack", "CreateChangeSet"], Fault::LostResponse),
            requests: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
            faults: Mutex::new(Vec::new()),
            faulted_operations: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        };
        let ops = [
            "DescribeStacks",
            "CreateStack dap-local-lock",
            "CreateStack dap-local-lock",
            "CreateChangeSet dap-local-audit",
            "CreateStack dap-local-security",
        ];
        let got: Vec<Option<Fault>> = ops
            .iter()
            .enumerate()
            .map(|(i, op)| fault_for(&shared, i + 1, op))
            .collect();
        assert_eq!(
            got,
            [
                None,
                Some(Fault::LostResponse),
                None,
                Some(Fault::LostResponse),
                None
            ]
        );
    }

    #[test]
    fn operations_are_named_by_action_and_stack() {
        let head = "POST / HTTP/1.1\r\nHost: x";
        let body = b"Action=DeleteStack&Version=2010-05-15&StackName=dap-local-lock";
        assert_eq!(
            operation_of(head, body, false),
            "DeleteStack dap-local-lock"
        );
        assert_eq!(
            operation_of("PUT /b/k?x-id=PutObject HTTP/1.1", b"", true),
            "S3 PUT /b/k"
        );
    }
}
