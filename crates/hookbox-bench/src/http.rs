//! Just enough HTTP/1.1 for a Runtime API server and a one-endpoint client on 127.0.0.1: requests and
//! responses with `Content-Length` or chunked bodies, over keep-alive connections. A full HTTP stack
//! would cost more compile time than the whole emulator, and the emulator's own overhead must stay
//! small beside what it measures.

use std::io::{self, BufRead, Write};

/// A request or response head plus its body.
#[derive(Debug, Default)]
pub struct Message {
    /// The request line or the status line.
    pub start: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether the peer will close the connection after this message.
    pub fn closes(&self) -> bool {
        self.start.contains("HTTP/1.0")
            || self
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Reads one message; `Ok(None)` when the peer closed the connection between messages.
pub fn read_message(reader: &mut impl BufRead) -> io::Result<Option<Message>> {
    let mut start = String::new();
    if reader.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let mut message = Message {
        start: start.trim_end().to_owned(),
        ..Message::default()
    };
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            message
                .headers
                .push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    if message
        .header("transfer-encoding")
        .is_some_and(|value| value.eq_ignore_ascii_case("chunked"))
    {
        message.body = read_chunked(reader)?;
    } else if let Some(length) = message.header("content-length") {
        let length: usize = length.parse().map_err(|_| io::Error::other("bad content-length"))?;
        message.body = vec![0; length];
        reader.read_exact(&mut message.body)?;
    }
    Ok(Some(message))
}

fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = size.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size, 16).map_err(|_| io::Error::other("bad chunk size"))?;
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut end = String::new();
        reader.read_line(&mut end)?;
        if size == 0 {
            // Trailers, if any, end with an empty line; the empty line was just read when there are none.
            while !end.trim().is_empty() {
                end.clear();
                reader.read_line(&mut end)?;
            }
            return Ok(body);
        }
    }
}

/// Writes a message with a `Content-Length` body, in one write so that it leaves in one segment.
pub fn write_message(writer: &mut impl Write, start: &str, headers: &[(&str, &str)], body: &[u8]) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(start.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    writer.write_all(&out)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_length_and_chunked_bodies_in_sequence() {
        let wire = b"POST /a HTTP/1.1\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc\
GET /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3;x=1\r\nllo\r\n0\r\n\r\n";
        let mut reader = io::BufReader::new(&wire[..]);
        let first = read_message(&mut reader).unwrap().unwrap();
        assert_eq!(
            (first.start.as_str(), first.body.as_slice()),
            ("POST /a HTTP/1.1", &b"abc"[..])
        );
        assert_eq!(first.header("x-a"), Some("b"));
        let second = read_message(&mut reader).unwrap().unwrap();
        assert_eq!(second.body, b"hello");
        assert!(read_message(&mut reader).unwrap().is_none());
    }

    #[test]
    fn writes_a_length_delimited_message_that_reads_back() {
        let mut wire = Vec::new();
        write_message(&mut wire, "HTTP/1.1 202 Accepted", &[("a", "b")], b"{}").unwrap();
        let message = read_message(&mut io::BufReader::new(&wire[..])).unwrap().unwrap();
        assert_eq!(message.body, b"{}");
        assert!(!message.closes());
    }
}
