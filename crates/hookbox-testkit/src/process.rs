//! Child processes that are killed when the test lets go of them, with their output kept in a file so
//! that a test can read the logs and a failing test can show them.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running child process, killed on drop.
pub struct Service {
    name: String,
    child: Option<Child>,
    log: PathBuf,
}

impl Service {
    /// Starts `command` with stdout and stderr going to a log file.
    pub fn spawn(name: &str, mut command: Command) -> Self {
        let log = std::env::temp_dir().join(format!("hookbox-{name}-{}-{}.log", std::process::id(), unique()));
        let file = File::create(&log).expect("the temp dir is writable");
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file handle"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        Self {
            name: name.to_owned(),
            child: Some(child),
            log,
        }
    }

    /// Everything the process has printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Waits until something accepts connections on `port` of 127.0.0.1, failing the test (with the
    /// process's output) after `limit`.
    pub fn wait_for_port(&mut self, port: u16, limit: Duration) {
        self.wait_for(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), limit);
    }

    /// Waits until something accepts connections on `address`, failing the test (with the process's
    /// output) after `limit`.
    pub fn wait_for(&mut self, address: SocketAddr, limit: Duration) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if TcpStream::connect(address).is_ok() {
                return;
            }
            assert!(
                self.is_running(),
                "{} exited before listening:\n{}",
                self.name,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{} did not listen on {address} within {limit:?}:\n{}",
            self.name,
            self.output()
        );
    }

    /// Sends a signal by name (`TERM`, `INT`, `KILL`) with `kill(1)`, as a service manager or a crash
    /// would.
    pub fn signal(&mut self, signal: &str) {
        let Some(child) = self.child.as_ref() else {
            return;
        };
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill(1) runs");
        assert!(status.success(), "kill -{signal} {} failed", child.id());
    }

    /// Waits for the process to exit by itself and returns its status, failing the test (with the
    /// process's output) after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        let child = self.child.as_mut().expect("the process was started");
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().expect("the child can be waited for") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{} did not exit within {limit:?}:\n{}", self.name, self.output());
    }

    /// Stops the process and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("--- output of {} ---\n{}", self.name, self.output());
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
