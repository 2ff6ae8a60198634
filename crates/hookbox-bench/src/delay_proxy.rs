//! A network in front of a local stand-in: a TCP proxy that delays every byte by half a round trip in
//! each direction, and a new connection by one round trip (its handshake).
//!
//! A delay line, not a throttle: bytes are forwarded in order at `arrival + rtt/2`, so requests on
//! several connections (or pipelined on one) overlap as they do on a real link, and a consumer that
//! keeps several requests in flight gains what it would gain against SQS tens of milliseconds away.
//! Bandwidth is not limited: on loopback it is far beyond the relay's.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Listens on a free port of 127.0.0.1 and forwards each connection to `upstream` (`host:port`) with
/// `rtt` of latency. Calls `ready` with the port, then serves until killed.
pub fn serve(upstream: &str, rtt: Duration, ready: impl FnOnce(u16)) -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    let port = listener.local_addr().map_err(|error| error.to_string())?.port();
    ready(port);
    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        let upstream = upstream.to_owned();
        thread::spawn(move || {
            // The handshake: SYN, SYN-ACK (the client's first bytes wait in the socket meanwhile).
            thread::sleep(rtt);
            if let Ok(server) = TcpStream::connect(&upstream) {
                link(client, server, rtt / 2);
            }
        });
    }
    Ok(())
}

/// Forwards both directions of one connection, each through its own delay line.
fn link(client: TcpStream, server: TcpStream, one_way: Duration) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(client_in), Ok(server_in)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let upward = thread::spawn(move || delay_line(client_in, server, one_way));
    delay_line(server_in, client, one_way);
    let _ = upward.join();
}

/// Copies `from` to `to`, each chunk written `delay` after it was read; closes `to`'s write side when
/// `from` ends, as the far end would see the FIN a delay later.
fn delay_line(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (chunks, due) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        for (at, chunk) in due {
            if let Some(wait) = at.checked_duration_since(Instant::now()) {
                thread::sleep(wait);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                if chunks.send((Instant::now() + delay, buffer[..read].to_vec())).is_err() {
                    break;
                }
            }
        }
    }
    drop(chunks);
    let _ = writer.join();
    let _ = from.shutdown(Shutdown::Read);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server, the proxy in front of it, and one request-answer round trip through both.
    #[test]
    fn a_round_trip_through_the_proxy_takes_its_rtt_and_keeps_the_bytes() {
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream = echo.local_addr().unwrap().to_string();
        thread::spawn(move || {
            let (mut stream, _) = echo.accept().unwrap();
            let mut buffer = [0; 1024];
            while let Ok(read) = stream.read(&mut buffer) {
                if read == 0 || stream.write_all(&buffer[..read]).is_err() {
                    break;
                }
            }
        });
        let (ports, port) = mpsc::channel();
        let rtt = Duration::from_millis(60);
        thread::spawn(move || serve(&upstream, rtt, |port| ports.send(port).unwrap()));
        let port = port.recv_timeout(Duration::from_secs(5)).unwrap();
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answer = [0; 5];
        // The first exchange pays the handshake too; the second only its round trip.
        stream.write_all(b"hello").unwrap();
        stream.read_exact(&mut answer).unwrap();
        let started = Instant::now();
        stream.write_all(b"again").unwrap();
        stream.read_exact(&mut answer).unwrap();
        let took = started.elapsed();
        assert_eq!(&answer, b"again");
        assert!(took >= rtt, "{took:?}");
        assert!(took < rtt * 3, "{took:?}");
    }
}
