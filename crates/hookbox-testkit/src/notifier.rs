//! A Concourse notifier function (github-concourse, s3-concourse) under the emulator, with its config
//! pointed at a fresh fake ATC: what every notifier test starts from.

use std::path::Path;

use serde_json::{Value, json};

use crate::TempDir;
use crate::fake_atc::FakeAtc;
use crate::lambda::{Emulator, Function};
use crate::tls_front::TlsFront;

/// The fake ATC, the emulator and the function; all stopped on drop.
pub struct NotifierStack {
    name: String,
    pub atc: FakeAtc,
    pub emulator: Emulator,
    pub function: Function,
    _tls: Option<TlsFront>,
    _dir: TempDir,
}

impl NotifierStack {
    /// Starts the function `name` from `binary` with `config` (its `atc_url` replaced by the fake
    /// ATC's) as its config file, checks bounded at one second, info logs, and `env` over that.
    pub fn start(name: &str, binary: &Path, config: Value, env: &[(&str, &str)]) -> Self {
        Self::launch(name, binary, config, env, None)
    }

    /// As [`NotifierStack::start`], with the fake ATC behind a TLS front whose CA no public root store
    /// has; `trust_ca` hands the function that CA as `SSL_CERT_FILE`.
    pub fn start_over_tls(name: &str, binary: &Path, config: Value, env: &[(&str, &str)], trust_ca: bool) -> Self {
        Self::launch(name, binary, config, env, Some(trust_ca))
    }

    fn launch(name: &str, binary: &Path, config: Value, env: &[(&str, &str)], tls: Option<bool>) -> Self {
        let atc = FakeAtc::start();
        let front = tls.map(|_| TlsFront::start(&atc.url()));
        let dir = TempDir::new();
        let mut config = config;
        config["atc_url"] = json!(front.as_ref().map_or_else(|| atc.url(), TlsFront::endpoint));
        let file = dir.path().join("concourse.json");
        std::fs::write(&file, config.to_string()).expect("the temporary directory is writable");
        let mut vars = vec![
            ("HOOKBOX_CONCOURSE_CONFIG_FILE".to_owned(), file.display().to_string()),
            ("HOOKBOX_CHECK_TIMEOUT_MS".to_owned(), "1000".to_owned()),
            ("RUST_LOG".to_owned(), "info".to_owned()),
        ];
        if let (Some(true), Some(front)) = (tls, &front) {
            vars.push(("SSL_CERT_FILE".to_owned(), front.ca_file().display().to_string()));
        }
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let emulator = Emulator::start();
        let function = Function::start(&emulator, name, binary, &vars);
        Self {
            name: name.to_owned(),
            atc,
            emulator,
            function,
            _tls: front,
            _dir: dir,
        }
    }

    /// Invokes the function with `event`: its answer, or its error document.
    pub async fn invoke(&self, event: &Value) -> Result<Value, Value> {
        self.emulator.invoke(&self.name, event).await
    }

    /// Invokes the HTTP function with a gateway event: the status and JSON body of its answer.
    pub async fn invoke_http(&self, event: &Value) -> (u16, Value) {
        self.emulator.invoke_http(&self.function, &self.name, event).await
    }
}
