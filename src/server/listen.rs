//! Accepting connections, for the console and the gate alike: at most `max_connections` open at
//! once, a request head must arrive within `header_timeout` of its first byte (and a new
//! connection's within `header_timeout` of the accept), and a keep-alive connection idle for
//! `idle_timeout` is closed. A slow-loris client is dropped at the header deadline; a load
//! balancer's pooled connection survives its own idle timeout (usually 60 s), which a single
//! short deadline would not allow.

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
    let bytes_read = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Counted { inner: stream, bytes_read: bytes_read.clone() });
    let hyper_service =
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| service.clone().oneshot(req.map(Body::new)));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(HeadClock { bytes_read, limits }).header_read_timeout(limits.header_timeout).keep_alive(true);
    let connection = builder.serve_connection(io, hyper_service).with_upgrades();
    tokio::pin!(connection);
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        _ = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = ended {
        tracing::debug!(error = %err, "connection ended");
    }
}

/// Resolves once shutdown is signalled (holding no borrow of the channel across an await).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// The stream, counting what it reads: how [`HeadClock`] tells an idle connection from one in
/// the middle of sending a request head.
struct Counted {
    inner: TcpStream,
    bytes_read: Arc<AtomicU64>,
}

impl AsyncRead for Counted {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        if read > 0 {
            this.bytes_read.fetch_add(read as u64, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Counted {
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

/// hyper's one clock for a request head, which it starts as soon as it waits for the next
/// request (so on its own it would close idle keep-alive connections at the header deadline).
/// This clock gives a connection that has already served a request `idle_timeout` to start its
/// next head, then `header_timeout` from the head's first byte.
struct HeadClock {
    bytes_read: Arc<AtomicU64>,
    limits: ConnectionLimits,
}

impl hyper::rt::Timer for HeadClock {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Deadline::fixed(Instant::now() + duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let read = self.bytes_read.load(Ordering::Relaxed);
        if read == 0 {
            // A new connection: its first head is due `header_timeout` after the accept.
            return Box::pin(Deadline::fixed(deadline));
        }
        let idle_until = Instant::now() + self.limits.idle_timeout;
        Box::pin(Deadline {
            sleep: Box::pin(tokio::time::sleep_until(idle_until.into())),
            waiting_for_head: Some((self.bytes_read.clone(), read, self.limits.header_timeout)),
        })
    }
}

struct Deadline {
    sleep: Pin<Box<tokio::time::Sleep>>,
    // While idle: the byte count when the wait began, and the time a head may take once it starts.
    waiting_for_head: Option<(Arc<AtomicU64>, u64, Duration)>,
}

impl Deadline {
    fn fixed(at: Instant) -> Self {
        Self { sleep: Box::pin(tokio::time::sleep_until(at.into())), waiting_for_head: None }
    }
}

impl Future for Deadline {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // hyper polls this each time the connection wakes, so the first byte of a head is seen
        // as it arrives.
        if let Some((bytes_read, at_start, header_timeout)) = self.waiting_for_head.take() {
            if bytes_read.load(Ordering::Relaxed) > at_start {
                self.sleep.as_mut().reset(tokio::time::Instant::now() + header_timeout);
            } else {
                self.waiting_for_head = Some((bytes_read, at_start, header_timeout));
            }
        }
        self.sleep.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for Deadline {}
