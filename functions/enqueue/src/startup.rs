//! Cold start: read the settings, the secrets and the routes, and build the AWS clients, once.

use hookbox_lambda::Env;

use crate::config::{ConfigError, Settings, load_routes};
use crate::handler::Mailbox;
use crate::hooks::Hooks;
use crate::storage::Storage;

impl Mailbox {
    /// Builds the mailbox from the process environment: routes, settings, clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let env = Env::load().await?;
        let routes = load_routes(env.var("HOOKBOX_ROUTES_FILE").as_deref())?;
        let mut settings = Settings::read(&routes, &env)?;
        // From the variables Lambda sets, not aws-config's provider chain: nothing to read at cold start.
        let aws = hookbox_lambda::sdk_config_from_env(hookbox_lambda::request_path_timeouts()).await;
        // Its DynamoDB client is built by the first hook delivery, not here.
        let hooks = Hooks::read(&env, &aws, &mut settings.queue_urls)?;
        // Local S3 stand-ins such as moto serve buckets by path, not by virtual host.
        let path_style = env.flag("HOOKBOX_S3_FORCE_PATH_STYLE")?;
        let s3_config = aws_sdk_s3::config::Builder::from(&aws)
            .force_path_style(path_style)
            .build();
        Ok(Self {
            storage: Storage {
                sqs: aws_sdk_sqs::Client::new(&aws),
                s3: aws_sdk_s3::Client::from_conf(s3_config),
            },
            routes,
            settings,
            hooks,
        })
    }
}
