//! A moto server on `127.0.0.1` for the applier's end-to-end tests and benchmark.
//!
//! [`Moto::start`] runs moto (`moto[server]`, pinned in `requirements/moto.txt`) from the
//! project's virtualenv `.venv` on a free loopback port, waits until it answers, and hands back
//! its endpoint. The server stops by itself: when the [`Moto`] value is dropped, and also when
//! the process that started it ends without dropping it (a `static` in a test binary), because
//! it watches its standard input and stops at end of file. It also stops after
//! [`MAX_LIFETIME`] whatever happens.
//!
//! [`Pool`] shares servers between the tests of one test binary: each test takes one for its
//! whole run, reset; as many run as tests run at once.
//!
//! [`FaultProxy`] sits between a client and moto on another loopback port and answers every
//! n-th request with a fault (throttling, HTTP 500, a dropped connection), a bounded number
//! of times, to test the SDK's retries end to end.
//!
//! There is no silent skip: without `.venv/bin/python` or without moto in it, [`Moto::start`]
//! fails with an error that says to run `scripts/venv.sh`.
//!
//! ```no_run
//! let moto = dap_moto::Moto::start().unwrap();
//! assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
//! moto.reset().unwrap(); // forget every resource
//! let state = moto.get("/moto-api/data.json").unwrap(); // every backend's state, as JSON
//! assert!(state.contains("cloudformation"));
//! ```
#![warn(missing_docs)]

mod pool;
mod proxy;

pub use pool::{Pool, POOL_MAX};
pub use proxy::{Fault, FaultProxy, ProxyCounts, Schedule};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// A server stops by itself after this long, even if its parent never lets go of it.
pub const MAX_LIFETIME: Duration = Duration::from_secs(3600);

/// How long to wait for a starting server to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// What can go wrong starting or talking to moto.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The virtualenv or moto is missing.
    #[error("moto is not installed: `{python}` {problem}; run `scripts/venv.sh` (it installs `requirements/moto.txt`)")]
    NotInstalled {
        /// The interpreter looked for.
        python: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The server did not come up.
    #[error("moto did not start on `{endpoint}`: {reason}")]
    NotReady {
        /// The endpoint it was given.
        endpoint: String,
        /// What happened, with the server's output.
        reason: String,
    },
    /// A request to the server failed.
    #[error("request `{request}` to moto failed: {reason}")]
    Request {
        /// The request line.
        request: String,
        /// Why.
        reason: String,
    },
}

/// Options for [`Moto::start_with`].
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The account id moto answers as (`MOTO_ACCOUNT_ID`); moto's default is `123456789012`.
    pub account_id: Option<String>,
    /// A fixed port instead of a free one.
    pub port: Option<u16>,
}

/// A running moto server. Dropping it stops the server.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    endpoint: String,
}

/// The Python program that runs the server: it stops at end of standard input or after the
/// lifetime limit, whichever comes first.
const SERVER: &str = r#"
import sys, threading
from moto.server import ThreadedMotoServer
port, lifetime = int(sys.argv[1]), float(sys.argv[2])
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print("ready", flush=True)
watcher = threading.Thread(target=sys.stdin.read, daemon=True)
watcher.start()
watcher.join(timeout=lifetime)
server.stop()
"#;

impl Moto {
    /// Start a server on a free loopback port, as moto's default account.
    pub fn start() -> Result<Moto, Error> {
        Moto::start_with(&Options::default())
    }

    /// Start a server with options.
    pub fn start_with(options: &Options) -> Result<Moto, Error> {
        let python = python();
        let shown = python.display().to_string();
        if !python.exists() {
            return Err(Error::NotInstalled {
                python: shown,
                problem: "does not exist".to_owned(),
            });
        }
        let probe = Command::new(&python)
            .args(["-c", "import moto.server, flask"])
            .output()
            .map_err(|e| Error::NotInstalled {
                python: shown.clone(),
                problem: format!("cannot run: {e}"),
            })?;
        if !probe.status.success() {
            return Err(Error::NotInstalled {
                python: shown,
                problem: format!(
                    "cannot import moto's server: {}",
                    String::from_utf8_lossy(&probe.stderr).trim()
                ),
            });
        }
        let port = match options.port {
            Some(p) => p,
            None => free_port()?,
        };
        let endpoint = format!("http://127.0.0.1:{port}");
        let mut command = Command::new(&python);
        command
            .args([
                "-c",
                SERVER,
                &port.to_string(),
                &MAX_LIFETIME.as_secs().to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(account) = &options.account_id {
            command.env("MOTO_ACCOUNT_ID", account);
        }
        let mut child = command.spawn().map_err(|e| Error::NotReady {
            endpoint: endpoint.clone(),
            reason: format!("cannot spawn `{shown}`: {e}"),
        })?;
        let stdin = child.stdin.take();
        let mut moto = Moto {
            child,
            stdin,
            port,
            endpoint,
        };
        moto.wait_ready()?;
        Ok(moto)
    }

    fn wait_ready(&mut self) -> Result<(), Error> {
        let not_ready = |reason: String| Error::NotReady {
            endpoint: self.endpoint.clone(),
            reason,
        };
        let stdout = self.child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| not_ready(e.to_string()))?;
        if line.trim() != "ready" {
            let status = self.child.try_wait().ok().flatten();
            return Err(not_ready(format!(
                "the server exited ({status:?}) before it was ready"
            )));
        }
        let start = Instant::now();
        while start.elapsed() < READY_TIMEOUT {
            if self.get("/moto-api/").is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(not_ready(format!(
            "no answer within {} s",
            READY_TIMEOUT.as_secs()
        )))
    }

    /// The endpoint URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Forget every resource of every account (`POST /moto-api/reset`).
    pub fn reset(&self) -> Result<(), Error> {
        self.request("POST", "/moto-api/reset", &[], "").map(drop)
    }

    /// `GET` a path of the server (for example `/moto-api/data.json`) and return the body.
    pub fn get(&self, path: &str) -> Result<String, Error> {
        self.request("GET", path, &[], "")
    }

    /// The names of the S3 buckets of moto's default account, sorted (S3 `ListBuckets`).
    pub fn bucket_names(&self) -> Result<Vec<String>, Error> {
        let body = self.request("GET", "/", &[("Host", "s3.amazonaws.com")], "")?;
        let mut names = elements(&body, "Name");
        names.sort();
        Ok(names)
    }

    /// The names of the stacks that exist in a region (CloudFormation `DescribeStacks`, which
    /// leaves deleted stacks out), sorted.
    pub fn stack_names(&self, region: &str) -> Result<Vec<String>, Error> {
        let body = self.cloudformation(region, "DescribeStacks", &[])?;
        let mut names = elements(&body, "StackName");
        names.sort();
        Ok(names)
    }

    /// The names of a stack's change sets (CloudFormation `ListChangeSets`), sorted.
    pub fn change_set_names(&self, region: &str, stack: &str) -> Result<Vec<String>, Error> {
        let body = self.cloudformation(region, "ListChangeSets", &[("StackName", stack)])?;
        let mut names = elements(&body, "ChangeSetName");
        names.sort();
        Ok(names)
    }

    /// One CloudFormation query-protocol call (`Action` and its parameters, form-encoded) in
    /// a region; the XML body of a 2xx answer.
    pub fn cloudformation(
        &self,
        region: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<String, Error> {
        let host = format!("cloudformation.{region}.amazonaws.com");
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/cloudformation/aws4_request, SignedHeaders=host, Signature=0"
        );
        let mut form = format!("Action={action}&Version=2010-05-15");
        for (k, v) in params {
            form.push_str(&format!("&{}={}", form_encode(k), form_encode(v)));
        }
        self.request(
            "POST",
            "/",
            &[
                ("Host", &host),
                ("Authorization", &auth),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &form,
        )
    }

    /// One HTTP/1.1 request over a fresh connection; the body of a 2xx answer.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<String, Error> {
        let request_line = format!("{method} {path}");
        let fail = |reason: String| Error::Request {
            request: request_line.clone(),
            reason,
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|e| fail(e.to_string()))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| fail(e.to_string()))?;
        let host = format!("127.0.0.1:{}", self.port);
        let host = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map_or(host.as_str(), |(_, v)| v);
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
        for (k, v) in headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
        {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        stream
            .write_all(head.as_bytes())
            .map_err(|e| fail(e.to_string()))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .map_err(|e| fail(e.to_string()))?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| fail("no HTTP header in the answer".to_owned()))?;
        let head = String::from_utf8_lossy(&raw[..split]);
        let body = &raw[split + 4..];
        let status = head.split_whitespace().nth(1).unwrap_or("");
        if !status.starts_with('2') {
            return Err(fail(format!("status {status}")));
        }
        let chunked = head
            .lines()
            .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_vec()
        };
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        drop(self.stdin.take()); // end of input: the server stops by itself
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything but the unreserved characters of RFC 3986 is escaped, as the AWS Query
/// protocol's `application/x-www-form-urlencoded` bodies are.
const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `application/x-www-form-urlencoded` encoding of one key or value.
fn form_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, FORM).to_string()
}

/// The virtualenv's interpreter: `$DAP_VENV/bin/python`, or `.venv/bin/python` at the root of
/// the repository this crate was built in.
fn python() -> PathBuf {
    let venv = std::env::var_os("DAP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    venv.join("bin/python")
}

/// A port nobody listens on right now.
fn free_port() -> Result<u16, Error> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::NotReady {
            endpoint: "127.0.0.1:0".to_owned(),
            reason: format!("no free port: {e}"),
        })
}

/// The text of every `<tag>...</tag>` element of an XML answer.
fn elements(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(text, _)| text.to_owned()))
        .collect()
}

/// Decode a chunked HTTP body.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..eol]);
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let rest = &body[eol + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        body = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encodes() {
        assert_eq!(form_encode("a b/{\"c\":1}~"), "a%20b%2F%7B%22c%22%3A1%7D~");
    }

    #[test]
    fn reads_elements() {
        let xml = "<a><Name>x</Name><b/><Name>y</Name></a>";
        assert_eq!(elements(xml, "Name"), ["x", "y"]);
        assert!(elements(xml, "Other").is_empty());
    }

    #[test]
    fn dechunks() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), b"abcde");
        assert_eq!(dechunk(b"0\r\n\r\n"), b"");
    }
}
