//! Accepting connections, for the console and the gate alike: at most `max_connections` open at
//! once, a request head must arrive within `header_timeout` of its first byte (and a new
//! connection's within `header_timeout` of the accept), and a keep-alive connection idle for
//! `idle_timeout` is closed. A slow-loris client is dropped at the header deadline; a load
//! balancer's pooled connection survives its own idle timeout (usually 60 s), which a single
//! short deadline would not allow.
//!
//! The deadlines are kept by one watchdog per connection that looks at the connection's phase a
//! few times per deadline. hyper's own header timer would not do: it starts as soon as hyper
//! waits for the next request, so it is also the idle deadline, and it costs a timer
//! registration per request on the gate's hot path.

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: u32,
}

impl Default for ConnectionLimits {
    /// nginx's idle default (75 s, above the 60 s of common load balancers); a much shorter
    /// header deadline than nginx's 60 s, since a request head is a few hundred bytes.
    fn default() -> Self {
        Self { header_timeout: Duration::from_secs(10), idle_timeout: Duration::from_secs(75), max_connections: 1024 }
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown` resolves, then lets requests in progress finish.
/// `service_for` makes the service of one connection from the peer's address. While
/// `max_connections` are open, new ones wait in the kernel's backlog.
pub async fn serve<S>(
    listener: TcpListener,
    limits: ConnectionLimits,
    service_for: impl Fn(SocketAddr) -> S,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections as usize));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let mut stopping = stop_rx.clone();
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            _ = stopped(&mut stopping) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut stopping) => break,
        };
        let _ = stream.set_nodelay(true);
        let service = service_for(peer);
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            serve_connection(stream, limits, service, stop).await;
            drop(slot);
        });
    }
    // Every connection gives its slot back when it ends: holding them all means all have ended.
    let _all = slots.acquire_many(limits.max_connections).await;
    Ok(())
}

async fn serve_connection<S>(stream: TcpStream, limits: ConnectionLimits, service: S, mut stop: watch::Receiver<bool>)
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let phase = Arc::new(Phase::new());
    let io = TokioIo::new(Watched { inner: stream, phase: phase.clone() });
    let service_phase = phase.clone();
    let hyper_service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        service_phase.set(BUSY);
        let phase = service_phase.clone();
        let answered = service.clone().oneshot(req.map(Body::new));
        async move {
            let Ok(response) = answered.await;
            Ok::<_, Infallible>(response.map(|body| Body::new(Answering { body, phase: Some(phase) })))
        }
    });
    let connection = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, hyper_service);
    let connection = connection.with_upgrades();
    let watchdog = phase.watch(limits);
    tokio::pin!(connection, watchdog);
    let ended = tokio::select! {
        ended = connection.as_mut() => Some(ended),
        _ = watchdog.as_mut() => None,
        _ = stopped(&mut stop) => {
            // Requests in progress finish; a client still sending a head keeps its deadline.
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                ended = connection.as_mut() => Some(ended),
                _ = watchdog.as_mut() => None,
            }
        }
    };
    match ended {
        Some(Err(err)) => tracing::debug!(error = %err, "connection ended"),
        None => tracing::debug!("connection closed at its deadline"),
        Some(Ok(())) => {}
    }
}

/// Resolves once shutdown is signalled (holding no borrow of the channel across an await).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Waiting for the first byte of a request head.
const IDLE: u64 = 0;
/// Receiving a request head.
const HEAD: u64 = 1;
/// A request is being answered (its body read, its handler run, its response written).
const BUSY: u64 = 2;

/// Where a connection is, and since when: the phase in the top two bits, milliseconds since the
/// connection opened below them.
struct Phase {
    opened: Instant,
    state: AtomicU64,
}

impl Phase {
    /// A new connection owes its first head from the accept on.
    fn new() -> Self {
        Self { opened: Instant::now(), state: AtomicU64::new(HEAD << 62) }
    }

    fn now_ms(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64
    }

    fn set(&self, phase: u64) {
        self.state.store(phase << 62 | self.now_ms(), Ordering::Relaxed);
    }

    /// A byte arrived: an idle connection has begun its next head.
    fn read_some(&self) {
        let state = self.state.load(Ordering::Relaxed);
        if state >> 62 == IDLE {
            let _ =
                self.state.compare_exchange(state, HEAD << 62 | self.now_ms(), Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// Resolves when the connection has been idle, or sending a head, for longer than allowed.
    /// Looks four times per the shorter deadline.
    async fn watch(&self, limits: ConnectionLimits) {
        let look_every = (limits.header_timeout.min(limits.idle_timeout) / 4).max(Duration::from_millis(10));
        let mut looks = tokio::time::interval(look_every);
        looks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            looks.tick().await;
            let state = self.state.load(Ordering::Relaxed);
            let allowed = match state >> 62 {
                IDLE => limits.idle_timeout,
                HEAD => limits.header_timeout,
                _ => continue,
            };
            let waited = self.now_ms().saturating_sub(state & (u64::MAX >> 2));
            if waited >= allowed.as_millis() as u64 {
                return;
            }
        }
    }
}

/// The stream, telling the connection's [`Phase`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    phase: Arc<Phase>,
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.phase.read_some();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A response body that marks the connection idle once it is written out (or dropped).
struct Answering {
    body: Body,
    phase: Option<Arc<Phase>>,
}

impl Answering {
    fn done(&mut self) {
        if let Some(phase) = self.phase.take() {
            phase.set(IDLE);
        }
    }
}

impl hyper::body::Body for Answering {
    type Data = hyper::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.done();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.done();
    }
}
